// Streaming attention through the module: one head of 16,384 × 64 (the long-input case),
// `core.attention({ weights: false })`, no mask and causal, in each SIMD build of web/attnscope/dist:
//   simd                    SIMD128, one thread
//   relaxed-simd            relaxed SIMD (FMA), one thread
//   simd-threads × 2        SIMD128 threads build, 2 threads
//   relaxed-simd-threads × 2  the relaxed threads build, 2 threads (what Chrome gives an isolated page)
// Each build's output is first checked against a float64 reference on sampled rows (1e-4); then
// each case runs `--runs` times (default 3) and the table gives the best and median wall time and
// the wasm memory (memory().heapBytes, a fresh instance per build).
//   node tests/bench/streaming_bench.mjs [--runs N] [--n 16384]
import v8 from 'node:v8';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';

import { load } from '../../web/attnscope/src/index.js';
import { randomFloats } from '../js/helpers/numeric.mjs';
import { referenceAttentionRow } from './problems.mjs';

v8.setFlagsFromString('--experimental-wasm-relaxed-simd');  // Node 20 (on by default in Node 22+)
const args = process.argv.slice(2);
const option = (name, fallback) => { const i = args.indexOf(name); return i >= 0 ? Number(args[i + 1]) : fallback; };
const runs = option('--runs', 3);
const n = option('--n', 16_384);
const d = 64;
const TOLERANCE = 1e-4;

const dist = new URL('../../web/attnscope/dist/', import.meta.url);
const builds = [
  { name: 'simd', options: { relaxedSimd: false, threads: false }, file: 'attnscope-simd.wasm' },
  { name: 'relaxed-simd', options: { relaxedSimd: true, threads: false }, file: 'attnscope-relaxed-simd.wasm' },
  { name: 'simd-threads × 2', options: { relaxedSimd: false, threads: 2 }, file: 'attnscope-simd-threads.wasm' },
  { name: 'relaxed-simd-threads × 2', options: { relaxedSimd: true, threads: 2 }, file: 'attnscope-relaxed-simd-threads.wasm' },
].filter((b) => existsSync(new URL(b.file, dist)));

const q = randomFloats(n * d, 1, 1.5), k = randomFloats(n * d, 2, 1.5), v = randomFloats(n * d, 3, 1);
const sampled = [0, 1, 63, 64, 4097, n - 1].filter((i) => i < n);
const flops = 4 * n * n * d;
console.log(`streaming bench: ${n} × ${d}, one head, Node ${process.version}, load average ${loadavg()[0].toFixed(2)}; ` +
  `${(flops / 1e9).toFixed(1)} GFLOP dense (4n²d; causal does about half)`);
const rows = ['| build | mask | best s | median s | GFLOP/s (dense count) | wasm memory |', '|---|---|---:|---:|---:|---:|'];
let failures = 0;
for (const build of builds) {
  const core = await load(build.options);
  for (const mask of [null, 'causal']) {
    const times = [];
    for (let r = 0; r < runs; r++) {
      const start = performance.now();
      const { output } = core.attention({ q, k, v, n, dK: d, mask, weights: false });
      times.push((performance.now() - start) / 1000);
      if (r > 0) continue;
      for (const i of sampled) {  // correctness before the timing counts
        const expected = referenceAttentionRow(q, k, v, i, n, d, d, mask === 'causal');
        const error = Math.max(...expected.map((x, c) => Math.abs(output[i * d + c] - x)));
        if (!(error <= TOLERANCE)) {
          console.error(`FAIL ${build.name} mask ${mask}: row ${i} differs from float64 by ${error}`);
          failures++;
        }
      }
    }
    times.sort((a, b) => a - b);
    const best = times[0], median = times[Math.floor(times.length / 2)];
    rows.push(`| ${build.name} | ${mask ?? 'none'} | ${best.toFixed(2)} | ${median.toFixed(2)} | ` +
      `${(flops / best / 1e9).toFixed(1)} | ${(core.memory().heapBytes / 2 ** 20).toFixed(1)} MiB |`);
  }
}
rows.forEach((row) => console.log(row));
console.log(`(wall clock, ${runs} runs per case; outputs within ${TOLERANCE} of float64 on rows ${sampled.join(', ')})`);
if (failures) process.exitCode = 1;
