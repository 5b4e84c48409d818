// The benchmark (scripts/bench runs this after setup and the wasm build):
//   node tests/bench/run_bench.mjs            correctness check, then timing, then the table
//   node tests/bench/run_bench.mjs --quick    correctness of every engine at small shapes, no timing
//   options: --json FILE (write the results), --shapes 0,3 (indices into BENCH_SHAPES),
//            --no-relaxed (without attnscope's relaxed-SIMD build),
//            --brief (timed as an application calls it: ~0.5 s of warm-up and ~1 s of runs per engine)
// Engines: attnscope's SIMD128 and relaxed-SIMD builds, the relaxed build writing into its previous
// result's arrays ("reused": the `reuse` option; fresh arrays are new pages to map, see
// docs/performance.md), onnxruntime-web and tfjs-backend-wasm (fresh arrays every call).
// Every engine gets the same seeded inputs. Before anything is timed, each peer's output and
// attention weights must agree with attnscope's within 1e-4 (and, at small shapes, attnscope's
// with a float64 reference); a disagreement is reported and the run exits non-zero.
import { writeFileSync } from 'node:fs';
import v8 from 'node:v8';

import { createAttnscopeEngine } from './attnscope_engine.mjs';
import { createOrtEngine, createTfjsEngine } from './peers.mjs';
import {
  BENCH_SHAPES, QUICK_SHAPES, flopCount, makeProblem, maxAbsDiff, referenceMultiHeadAttention, shapeLabel,
} from './problems.mjs';
import { measureGemmTileRate, measureSimdCeiling, relaxedSimdSupported } from './simd_probe.mjs';

// Relaxed SIMD is on by default in Chrome/Edge 114+ and Node 22+; Node 20 has it behind this V8
// flag, set here before any wasm is compiled so the run shows attnscope's relaxed-SIMD build beside
// its SIMD128 build. The peers load the same wasm either way (none of their builds uses relaxed SIMD).
// --no-relaxed leaves it off.
if (!process.argv.includes('--no-relaxed')) v8.setFlagsFromString('--experimental-wasm-relaxed-simd');

export const TOLERANCE = 1e-4;
const REFERENCE_MAX_FLOPS = 2e8;  // the float64 JS reference is only run where it takes < ~1 s

function parseArgs(argv) {
  const args = { quick: false, brief: false, json: null, shapes: null };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--quick') args.quick = true;
    else if (argv[i] === '--brief') args.brief = true;
    else if (argv[i] === '--no-relaxed') continue;  // read above
    else if (argv[i] === '--json') args.json = argv[++i];
    else if (argv[i] === '--shapes') args.shapes = argv[++i].split(',').map(Number);
    else throw new Error(`run_bench: unknown argument ${argv[i]} (--quick, --brief, --json FILE, --shapes 0,3, --no-relaxed)`);
  }
  return args;
}

// Checks every engine against attnscope's SIMD128 build (and attnscope's builds against float64
// where affordable). Returns [{ engine, against, what, diff, ok }].
async function checkAgreement(problem, engines, runs) {
  const results = new Map();
  for (const e of engines) {
    if (e.reuses) await runs.get(e)();  // the result checked is then one written into reused arrays
    results.set(e, await runs.get(e)());
  }
  const [base, ...others] = engines;
  const baseResult = results.get(base);
  const checks = [];
  const compare = (engine, against, result, expected) => {
    for (const what of ['output', 'weights']) {
      const { diff, index, why } = maxAbsDiff(result[what], expected[what]);
      checks.push({ engine, against, what, diff, index, why, ok: diff <= TOLERANCE });
    }
  };
  if (flopCount(problem) * 1.5 <= REFERENCE_MAX_FLOPS) {
    const reference = referenceMultiHeadAttention(problem);
    for (const e of engines.filter((e) => e.peer === false)) compare(e.name, 'float64 reference', results.get(e), reference);
  }
  for (const other of others) compare(other.name, base.name, results.get(other), baseResult);
  return checks;
}

// Alternates engines run by run (rotating who goes first) so drift in machine load hits all alike.
// Each run is timed twice: wall clock, and this process's CPU time (user + system). On a machine
// shared with other work the CPU time is the steadier figure (it excludes time the process spent
// waiting for a core); on an idle machine the two agree for these single-threaded engines.
// Default: a warm-up of at least 2 runs and ~0.3 s per engine, then about 2.5 s of the slowest
// engine's runs (5 to 101). brief: as an application calls it, ~0.5 s of warm-up per engine and
// then runs alternating until each engine has run for ~1 s (at least 3 runs each).
async function timeEngines(problem, engines, runs, { brief = false } = {}) {
  const warmUpMs = brief ? 500 : 300;
  const estimate = new Map();
  for (const e of engines) {
    const run = runs.get(e);
    let count = 0;
    const t0 = performance.now();
    do { await run(); count++; } while ((!brief && count < 2) || performance.now() - t0 < warmUpMs);
    estimate.set(e, (performance.now() - t0) / count);
  }
  const slowest = Math.max(...estimate.values());
  const fastest = Math.min(...estimate.values());
  const reps = brief ? Math.max(3, Math.round(1000 / fastest)) | 1
    : Math.max(5, Math.min(101, Math.floor(2500 / slowest))) | 1;  // odd: a true median
  const samples = new Map(engines.map((e) => [e, { wall: [], cpu: [], spent: 0 }]));
  for (let r = 0; r < reps; r++) {
    for (let k = 0; k < engines.length; k++) {
      const e = engines[(r + k) % engines.length];
      const sample = samples.get(e);
      if (brief && sample.wall.length >= 3 && sample.spent >= 1000) continue;  // this engine's second is used
      const run = runs.get(e);
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await run();
      const wall = performance.now() - t0;
      const c = process.cpuUsage(c0);
      sample.wall.push(wall);
      sample.cpu.push((c.user + c.system) / 1000);
      sample.spent += wall;
    }
  }
  const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[(s.length - 1) >> 1]; };
  return new Map(engines.map((e) => [e, { ms: median(samples.get(e).wall), cpuMs: median(samples.get(e).cpu),
    reps: samples.get(e).wall.length }]));
}

const pad = (s, w, right = true) => (right ? String(s).padStart(w) : String(s).padEnd(w));

function printTable(rows) {
  const header = ['shape (n×d×h)', 'engine', 'wall ms', 'cpu ms', 'GFLOP/s', '× fastest peer', '% ceiling'];
  const widths = [20, 26, 9, 9, 8, 14, 9];
  const line = (cells) => cells.map((c, i) => pad(c, widths[i], i >= 2)).join(' | ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const r of rows) {
    console.log(line([r.shape, r.engine, r.ms.toFixed(3), r.cpuMs.toFixed(3), r.gflops.toFixed(1),
      r.speedupVsFastestPeer.toFixed(2), `${((100 * r.gflops) / r.ceiling).toFixed(0)} %`]));
  }
  console.log('Medians. GFLOP/s, "× fastest peer" (fastest peer\'s time / this engine\'s time; above 1 = faster than');
  console.log('every peer) and "% ceiling" use the CPU time, which on a shared machine excludes waiting for a core.');
  console.log('"% ceiling" is against the SIMD128 ceiling, and for "attnscope relaxed" (and its reused run) against the');
  console.log('relaxed-SIMD (FMA) one. "reused": each forward written into the previous forward\'s arrays (the reuse option).');
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const relaxed = relaxedSimdSupported();
  const engines = [await createAttnscopeEngine(), ...(relaxed ? [await createAttnscopeEngine({ relaxed: true }),
    await createAttnscopeEngine({ relaxed: true, reuse: true })] : []),
    await createOrtEngine(), await createTfjsEngine()];
  const peers = engines.filter((e) => e.peer !== false);
  console.log(`node ${process.version}; engines: ${engines.map((e) => `${e.name} ${e.version}`).join(', ')}; one thread each`);
  console.log(relaxed ? 'relaxed SIMD: on in this process ("attnscope relaxed" is the relaxed-SIMD build, FMA)'
    : 'relaxed SIMD: not available here (or --no-relaxed): SIMD128 builds only');
  let shapes = args.quick ? QUICK_SHAPES : BENCH_SHAPES;
  if (args.shapes) shapes = args.shapes.map((i) => BENCH_SHAPES[i]);

  let ceiling = null;
  if (!args.quick) {
    ceiling = await measureSimdCeiling();
    console.log(`wasm SIMD128 ceiling (probe, independent f32x4 mul+add, ${ceiling.chains} chains): ` +
      `${ceiling.gflops.toFixed(1)} GFLOP/s`);
    ceiling.gemmTile4x8 = await measureGemmTileRate();
    console.log(`  the 4×8 GEMM register tile's instruction mix (loads, splats, 8 accumulators; L1-resident): ` +
      `${ceiling.gemmTile4x8.toFixed(1)} GFLOP/s`);
    // Both loops issue only f32x4 mul+add pairs with distinct products; whichever V8 schedules
    // better is the closest measured bound, and "% ceiling" is taken against it.
    ceiling.best = Math.max(ceiling.gflops, ceiling.gemmTile4x8);
    console.log(`  "% ceiling" below is against the higher of the two: ${ceiling.best.toFixed(1)} GFLOP/s`);
    if (relaxed) {
      // The same two loops with each mul + add as one f32x4.relaxed_madd.
      const fused = await measureSimdCeiling({ fused: true });
      const fusedTile = await measureGemmTileRate({ fused: true });
      ceiling.fused = { ...fused, gemmTile4x8: fusedTile, best: Math.max(fused.gflops, fusedTile) };
      console.log(`relaxed-SIMD ceiling, the same loops with f32x4.relaxed_madd: ${fused.gflops.toFixed(1)} GFLOP/s ` +
        `(${fused.chains} chains), the 4×8 tile's mix ${fusedTile.toFixed(1)}; "attnscope relaxed" is against ` +
        `${ceiling.fused.best.toFixed(1)} GFLOP/s`);
    }
  }

  let failures = 0;
  const rows = [];
  const allChecks = [];
  for (const shape of shapes) {
    const problem = makeProblem(shape);
    const runs = new Map();
    for (const e of engines) runs.set(e, await e.prepare(problem));
    const checks = await checkAgreement(problem, engines, runs);
    allChecks.push(...checks.map((c) => ({ shape: shapeLabel(shape), ...c })));
    for (const c of checks) {
      const status = c.ok ? 'ok  ' : 'FAIL';
      if (!c.ok) failures++;
      console.log(`${status} ${pad(shapeLabel(shape), 20, false)} ${pad(c.engine, 26, false)} ${c.what} vs ` +
        `${c.against}: max |diff| ${c.diff.toExponential(2)}${c.why ? ` (${c.why})` : ''}`);
    }
    if (!args.quick && checks.every((c) => c.ok)) {
      const timings = await timeEngines(problem, engines, runs, { brief: args.brief });
      const flops = flopCount(shape);
      const fastestPeerMs = Math.min(...peers.map((e) => timings.get(e).cpuMs));
      for (const e of engines) {
        const { ms, cpuMs, reps } = timings.get(e);
        rows.push({ shape: shapeLabel(shape), engine: e.name, ms, cpuMs, reps, gflops: flops / (cpuMs * 1e6),
          speedupVsFastestPeer: fastestPeerMs / cpuMs,
          ceiling: e.fused ? ceiling.fused.best : ceiling.best });
      }
    }
    for (const run of runs.values()) run.dispose?.();
  }

  if (!args.quick && rows.length) {
    console.log();
    printTable(rows);
  }
  if (args.json) {
    writeFileSync(args.json, JSON.stringify({ node: process.version, ceiling, checks: allChecks, rows,
      engines: engines.map((e) => ({ name: e.name, version: e.version })) }, null, 1));
  }
  for (const e of engines) await e.dispose();
  if (failures) {
    console.error(`bench: ${failures} agreement check(s) failed (tolerance ${TOLERANCE}); failing shapes were not timed`);
    process.exitCode = 1;
  } else {
    console.log(`bench: every engine agrees with attnscope within ${TOLERANCE}`);
  }
}

await main();
