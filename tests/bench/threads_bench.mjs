// Threads speed-up: multi-head self-attention with the weights returned (createMultiHeadAttention,
// forward), n × 768 × 12 heads, through the module in Node:
//   simd          the single-thread SIMD build (what a page without COOP/COEP gets)
//   threads × 1   the threads build with its pool set to one thread (the build's own overhead)
//   threads × 2   the threads build on two threads (what an isolated page on 2 cores gets)
// All three must agree within 1e-5 first; then runs alternate between them after a warm-up, and the
// table gives wall-clock medians and the speed-ups. The machine's load average is printed: on a
// shared machine other processes take cores, and two threads cannot beat one by more than the CPU
// they are given.
//   node tests/bench/threads_bench.mjs [--runs N] [--sizes 128,512] [--relaxed]
// --relaxed: the relaxed-SIMD twins of both builds (FMA; sets --experimental-wasm-relaxed-simd in Node 20).
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';

import { createMultiHeadAttention } from '../../web/attnscope/src/attention.js';
import { load } from '../../web/attnscope/src/index.js';
import { instantiateFlavour } from '../../web/attnscope/src/loader.js';
import { makeProblem, maxAbsDiff } from './problems.mjs';
import { busiestThreadsMs, threadCpuMs } from './thread_cpu.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const sizes = option('--sizes', '128,512').split(',').map(Number);
const runsFor = (n) => Number(option('--runs', n >= 512 ? 9 : 21));
const THREADS = 2;


const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const relaxed = args.includes('--relaxed');
if (relaxed) (await import('node:v8')).default.setFlagsFromString('--experimental-wasm-relaxed-simd');
const threadsFlavour = relaxed ? 'relaxed-simd-threads' : 'simd-threads';
const dist = new URL('../../web/attnscope/dist/', import.meta.url);
if (!['js', 'wasm', 'worker.js'].every((ext) => existsSync(new URL(`attnscope-${threadsFlavour}.${ext}`, dist)))) {
  console.log(`threads bench: skipped, web/attnscope/dist has no ${threadsFlavour} build (./scripts/build wasm-simd-threads)`);
  process.exit(0);
}

const single = await load({ threads: false, relaxedSimd: relaxed });
if (!single.simd) throw new Error('threads bench: this engine has no WebAssembly SIMD');
const threadedWasm = await instantiateFlavour(threadsFlavour, {}, THREADS);

// One engine = a forward function plus the thread count it needs set before each run.
function engines(p) {
  const params = { dModel: p.dModel, numHeads: p.numHeads, wq: p.wq, wk: p.wk, wv: p.wv, wo: p.wo,
    bq: p.bq, bk: p.bk, bv: p.bv, bo: p.bo };
  const options = { n: p.n, weights: true, heads: false };
  const singleMha = single.createMultiHeadAttention(params);
  const threadedMha = createMultiHeadAttention(threadedWasm, params);
  const onThreads = (count) => () => {
    const status = threadedWasm.setNumThreads(count);
    if (status !== '') throw new Error(status);
  };
  return [
    { name: 'simd', setup: () => {}, run: () => singleMha.forward(p.x, options), dispose: () => singleMha.dispose() },
    { name: 'threads × 1', setup: onThreads(1), run: () => threadedMha.forward(p.x, options), dispose: () => {} },
    { name: `threads × ${THREADS}`, setup: onThreads(THREADS), run: () => threadedMha.forward(p.x, options),
      dispose: () => threadedMha.dispose() },
  ];
}

const load0 = loadavg()[0];
console.log(`threads bench (${relaxed ? 'relaxed-SIMD builds, FMA' : 'SIMD128 builds'}): Node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), ` +
  `load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
const rows = ['| n × d_model × heads | simd ms | threads × 1 ms | threads × 2 ms | × 2 threads vs simd | × 2 threads vs 1 |',
  '|---|---:|---:|---:|---:|---:|'];
const cpuRows = ['| n × d_model × heads | threads × 1: CPU ms | threads × 2: CPU ms, busiest + next thread | × on 2 free cores (CPU bound) |',
  '|---|---:|---:|---:|'];
for (const n of sizes) {
  const p = makeProblem({ n, dModel: 768, numHeads: 12, causal: false });
  const list = engines(p);
  // Agreement first: a speed-up of a wrong answer is no speed-up.
  const results = list.map((e) => { e.setup(); return e.run(); });
  for (let i = 1; i < results.length; i++) {
    for (const name of ['output', 'weights']) {
      const { diff, index, why } = maxAbsDiff(results[i][name], results[0][name]);
      if (!(diff <= 1e-5)) {
        throw new Error(`threads bench: ${list[i].name} ${name} differs from simd by ${diff} at ${index}${why ? ` (${why})` : ''}`);
      }
    }
  }
  const times = list.map(() => []);
  const cpu = list.map(() => [0, 0]);  // the two busiest threads' CPU ms, summed over the timed runs
  const runs = runsFor(n);
  for (let r = 0; r < runs + 1; r++) {
    list.forEach((e, i) => {
      e.setup();
      const before = threadCpuMs();
      const start = performance.now();
      e.run();
      if (r === 0) return;  // warm-up
      times[i].push(performance.now() - start);
      const busiest = busiestThreadsMs(before, threadCpuMs());
      if (busiest) busiest.forEach((ms, k) => { cpu[i][k] += ms / runs; });
    });
  }
  list.forEach((e) => e.dispose());
  const [simd, one, two] = times.map(median);
  rows.push(`| ${n} × 768 × 12 | ${simd.toFixed(1)} | ${one.toFixed(1)} | ${two.toFixed(1)} | ` +
    `${(simd / two).toFixed(2)} | ${(one / two).toFixed(2)} |`);
  // CPU per forward: one thread's total vs the busier of the two threads (the critical path).
  const [[oneCpu], [twoMain, twoOther]] = [cpu[1], cpu[2]];
  cpuRows.push(`| ${n} × 768 × 12 | ${oneCpu.toFixed(0)} | ${twoMain.toFixed(0)} + ${twoOther.toFixed(0)} | ` +
    `${(oneCpu / Math.max(twoMain, 1)).toFixed(2)} |`);
}
rows.forEach((row) => console.log(row));
console.log(`(wall-clock medians, runs alternating; load average ${load0.toFixed(2)} at the start, ` +
  `${loadavg()[0].toFixed(2)} at the end, on ${cpus().length} CPUs)`);
if (threadCpuMs()) {
  console.log();
  cpuRows.forEach((row) => console.log(row));
  console.log('(mean CPU per forward from /proc/self/task, 10 ms ticks; the last column is one thread\'s CPU over the ' +
    'busiest thread\'s: the speed-up two otherwise idle cores would give)');
}
