// Model throughput (scripts/bench runs this after the peers table):
//   node tests/bench/model_bench.mjs           checks, then a bert-base-sized random checkpoint timed
//   node tests/bench/model_bench.mjs --quick   checks only (CI smoke): no big checkpoint, no timing
//   options: --models bert,llama (default both; --quick: bert unless named) — llama is the SmolLM2-135M-
//            shaped rows (F32 and BF16 storage) and the Qwen2.5-0.5B-shaped memory row (llama_bench.mjs),
//            --lengths 128,512 (tokens per forward), --reps N (timed runs per case, odd; default 3),
//            --relaxed (the relaxed-SIMD builds, FMA; in Node 20 this sets --experimental-wasm-relaxed-simd),
//            --baseline path/to/index.js (another build of the module, e.g. an earlier commit's,
//            timed in the same run: the A/B for a change to the forward)
// The checkpoint (tests/bench/random_bert.mjs) goes through the module's public API exactly as a
// user's would: core.loadModel({ 'config.json', 'model.safetensors', 'vocab.txt' }) then model.run(ids)
// with { attentions: true } (every layer's and head's weights copied out) and { attentions: false }.
// Checks first: a golden checkpoint against PyTorch's output (tests/golden/models, written by
// scripts/generate/make_model_golden.py), then a tiny random BERT: outputs finite, attention rows
// summing to 1, the same hidden states with and without attentions (1e-5). The big checkpoint's
// outputs are checked the same way (its timings are dropped if they fail). Where the threads build
// loads (load({ threads: 2 }), web/attnscope/dist/attnscope-simd-threads.*), 2 threads with attentions are timed
// too, their outputs within 1e-5 of 1 thread's.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { readModelReference } from '../js/helpers/safetensors.mjs';
import { maxAbsDiff } from './problems.mjs';
import { benchQwenMemory, benchSmolLM, checkLlama } from './llama_bench.mjs';
import { BERT_BASE, bertParameterCount, makeBertCheckpoint } from './random_bert.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const { load: loadModule } = await import(join(here, '..', '..', 'web', 'attnscope', 'src', 'index.js'));
// --relaxed: relaxed SIMD on (a V8 flag in Node 20, on by default in Chrome 114+ and Node 22+) and
// the relaxed-SIMD builds loaded; otherwise the SIMD128 builds, whatever the engine supports.
const RELAXED = process.argv.includes('--relaxed');
if (RELAXED) (await import('node:v8')).default.setFlagsFromString('--experimental-wasm-relaxed-simd');
const load = (options) => loadModule({ ...options, relaxedSimd: RELAXED });
const GOLDEN_MODEL_DIR = join(here, '..', 'golden', 'models', 'bert-f32');
const TINY_BERT = { numLayers: 2, dModel: 64, numHeads: 4, dFF: 128, vocabSize: 300, maxPositions: 64 };

// Tolerances: the golden model tests' own (float32 forward vs float64 PyTorch), and 1e-5 between two
// runs of the same forward that differ only in whether the attention weights are copied out, or in
// the number of threads (2 threads split the GEMMs differently: close, not bit-equal).
const GOLDEN_ATTENTION_TOLERANCE = 1e-5;
const GOLDEN_HIDDEN_TOLERANCE = 1e-4;
const SAME_FORWARD_TOLERANCE = 1e-5;

function parseArgs(argv) {
  const args = { quick: false, lengths: [128, 512], reps: 3, baseline: null, models: null };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--quick') args.quick = true;
    else if (argv[i] === '--models') args.models = argv[++i].split(',');
    else if (argv[i] === '--relaxed') continue;  // read above
    else if (argv[i] === '--lengths') args.lengths = argv[++i].split(',').map(Number);
    else if (argv[i] === '--reps') args.reps = Number(argv[++i]) | 1;
    else if (argv[i] === '--baseline') args.baseline = argv[++i];
    else throw new Error(`model_bench: unknown argument ${argv[i]} (--quick, --models bert,llama, --lengths 128,512, --reps N, --relaxed, --baseline index.js)`);
  }
  args.models ??= args.quick ? ['bert'] : ['bert', 'llama'];
  if (!args.models.every((m) => m === 'bert' || m === 'llama')) throw new Error('model_bench: --models takes bert and/or llama');
  if (!args.lengths.every((n) => Number.isInteger(n) && n >= 2 && n <= BERT_BASE.maxPositions)) {
    throw new Error(`model_bench: --lengths must be integers in [2, ${BERT_BASE.maxPositions}]`);
  }
  return args;
}

/** Seeded token ids: [CLS] (2), random ids past the special tokens, [SEP] (3). */
export function tokenIds(n, vocabSize, seed = 7) {
  let state = seed >>> 0;
  const ids = new Int32Array(n);
  for (let i = 1; i < n - 1; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    ids[i] = 5 + (state % (vocabSize - 5));
  }
  ids[0] = 2;
  ids[n - 1] = 3;
  return ids;
}

function firstNonFinite(values) {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return i;
  return -1;
}

/**
 * Checks a run with attentions against one without, for the same ids:
 * [{ what, ok, detail }]. Exported for the smoke test, which feeds it broken results.
 */
export function checkRunPair(withAttentions, withoutAttentions, { numLayers, numHeads, dModel }, n) {
  const checks = [];
  const add = (what, ok, detail) => checks.push({ what, ok, detail });
  const { hidden, attentions } = withAttentions;
  add('hidden length', hidden?.length === n * dModel, `${hidden?.length} values for ${n}×${dModel}`);
  const badHidden = hidden ? firstNonFinite(hidden) : 0;
  add('hidden finite', badHidden < 0, badHidden < 0 ? 'all finite' : `hidden[${badHidden}] = ${hidden[badHidden]}`);
  add('attentions per layer', attentions?.length === numLayers &&
    attentions.every((a) => a.length === numHeads * n * n), `${attentions?.length} layers of [${numHeads}·${n}·${n}]`);
  let worstRow = 0, worstAt = '';
  for (let l = 0; l < (attentions?.length ?? 0); l++) {
    const bad = firstNonFinite(attentions[l]);
    if (bad >= 0) { worstRow = NaN; worstAt = `layer ${l} value ${bad} = ${attentions[l][bad]}`; break; }
    for (let row = 0; row < numHeads * n; row++) {
      let sum = 0;
      for (let j = 0; j < n; j++) sum += attentions[l][row * n + j];
      if (Math.abs(sum - 1) > worstRow) { worstRow = Math.abs(sum - 1); worstAt = `layer ${l} row ${row}`; }
    }
  }
  add('attention rows sum to 1', worstRow <= SAME_FORWARD_TOLERANCE,
    `max |sum - 1| ${worstRow.toExponential(2)}${worstAt ? ` (${worstAt})` : ''}`);
  add('no attentions when not asked', withoutAttentions.attentions === undefined, 'attentions: false');
  const same = withoutAttentions.hidden && hidden
    ? maxAbsDiff(withoutAttentions.hidden, hidden) : { diff: Infinity, why: 'no hidden states' };
  add('same hidden without attentions', same.diff <= SAME_FORWARD_TOLERANCE,
    `max |diff| ${same.diff.toExponential(2)}${same.why ? ` (${same.why})` : ''}`);
  return checks;
}

function report(label, checks) {
  for (const c of checks) console.log(`${c.ok ? 'ok  ' : 'FAIL'} ${label}: ${c.what}: ${c.detail}`);
  return checks.filter((c) => !c.ok).length;
}

// The independent reference: PyTorch's attentions and hidden states for a golden checkpoint.
async function checkGolden(core) {
  const model = await core.loadModel(GOLDEN_MODEL_DIR);
  try {
    const ref = readModelReference(GOLDEN_MODEL_DIR);
    const out = model.run(ref.ids, { attentions: true, hidden: true });
    const checks = ref.attentions.map((expected, l) => {
      const { diff, why } = maxAbsDiff(out.attentions[l], expected);
      return { what: `layer ${l} attentions vs PyTorch`, ok: diff <= GOLDEN_ATTENTION_TOLERANCE,
        detail: `max |diff| ${diff.toExponential(2)}${why ? ` (${why})` : ''}` };
    });
    const { diff, why } = maxAbsDiff(out.hidden, ref.hidden);
    checks.push({ what: 'hidden vs PyTorch', ok: diff <= GOLDEN_HIDDEN_TOLERANCE,
      detail: `max |diff| ${diff.toExponential(2)}${why ? ` (${why})` : ''}` });
    return report('golden bert-f32', checks);
  } finally {
    model.dispose();
  }
}

async function checkTinyRandom(core) {
  const model = await core.loadModel(makeBertCheckpoint(TINY_BERT));
  try {
    const n = 40;
    const ids = tokenIds(n, TINY_BERT.vocabSize);
    return report(`random bert ${describeShape(TINY_BERT)}, ${n} tokens`, checkRunPair(
      model.run(ids, { attentions: true }), model.run(ids, { attentions: false }), model.config, n));
  } finally {
    model.dispose();
  }
}

const describeShape = (s) => `${s.numLayers}L d${s.dModel} h${s.numHeads} ff${s.dFF} vocab ${s.vocabSize}`;

// FLOPs of one forward (multiply-add = 2): per layer the Q, K, V and output projections (8·n·d²),
// the two FFN matrices (4·n·d·dFF) and Q·Kᵀ plus P·V (4·n²·d); embeddings and norms are negligible.
export function forwardFlops({ numLayers, dModel: d, dFF }, n) {
  return numLayers * (8 * n * d * d + 4 * n * d * dFF + 4 * n * n * d);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[(xs.length - 1) >> 1];

// The cases alternate run by run (who goes first rotates) so drift in machine load hits all alike.
// cases: [{ label, model, threads, options }] (options may be a function of the case's previous output,
// for `reuse`); returns per case its medians and its first output.
function timeCases(cases, ids, reps) {
  const samples = cases.map(() => ({ wall: [], cpu: [], first: null, last: null }));
  for (let r = 0; r < reps; r++) {
    for (let k = 0; k < cases.length; k++) {
      const i = (r + k) % cases.length;
      const { options } = cases[i];
      const runOptions = typeof options === 'function' ? options(samples[i].last) : options;
      const c0 = process.cpuUsage();  // the whole process: worker threads' CPU time included
      const t0 = performance.now();
      const out = cases[i].model.run(ids, runOptions);
      samples[i].wall.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      samples[i].cpu.push((c.user + c.system) / 1000);
      samples[i].first ??= out;
      samples[i].last = out;
    }
  }
  return cases.map((c, i) => ({ ...c, ms: median(samples[i].wall), cpuMs: median(samples[i].cpu), first: samples[i].first }));
}

const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

// The threads build on 2 threads where it can run (Node with web/attnscope/dist/attnscope-simd-threads.*),
// else null and why not.
async function loadTwoThreads() {
  try {
    const core = await load({ simd: true, threads: 2 });
    return core.threads === 2 ? { core } : { why: `load({ threads: 2 }) gave ${core.threads} thread(s)` };
  } catch (error) {
    return { why: error.message.split('\n')[0] };
  }
}

async function benchBertBase(args) {
  const core = await load({ simd: true, threads: false });  // a fresh instance: its memory() is this model's alone
  if (!core.simd) throw new Error('model_bench: the SIMD build did not load');
  const t0 = performance.now();
  let files = makeBertCheckpoint(BERT_BASE);
  const fileBytes = files['model.safetensors'].length;
  const t1 = performance.now();
  const model = await core.loadModel(files);
  const t2 = performance.now();
  const threaded = await loadTwoThreads();
  const model2 = threaded.core ? await threaded.core.loadModel(files) : null;
  files = null;  // the JS copy of the checkpoint can go
  console.log(`checkpoint: bert-base shape, ${describeShape(BERT_BASE)}, ${BERT_BASE.maxPositions} positions, ` +
    `${(bertParameterCount(BERT_BASE) / 1e6).toFixed(1)} M parameters, model.safetensors ${mib(fileBytes)} F32 ` +
    `(made in ${((t1 - t0) / 1000).toFixed(1)} s, loaded in ${((t2 - t1) / 1000).toFixed(1)} s); ` +
    `wasm memory after load ${mib(core.memory().heapBytes)}, ${mib(core.memory().bytesInUse)} in use`);
  console.log(model2 ? '2 threads: the threads build, with attentions (a second instance of the model)'
    : `2 threads: not timed (${threaded.why})`);

  const all = { attentions: true }, none = { attentions: false };
  const steps = { attentions: true, steps: { layer: BERT_BASE.numLayers >> 1 } };
  // Reusing the previous output's arrays: the copy out of wasm memory without mapping fresh pages.
  const reused = (previous) => ({ attentions: true, reuse: previous });
  const cases = [{ label: 'all', model, threads: 1, options: all }, { label: 'none', model, threads: 1, options: none },
    { label: 'all + 1 layer steps', model, threads: 1, options: steps },
    { label: 'all, arrays reused', model, threads: 1, options: reused }];
  if (model2) cases.push({ label: 'all', model: model2, threads: 2, options: all });
  const baseline = args.baseline ? await loadBaseline(args.baseline, makeBertCheckpoint(BERT_BASE)) : null;
  if (baseline) {
    console.log(`baseline: ${args.baseline} (timed in the same run, cases alternating)`);
    cases.push({ label: 'all (baseline)', model: baseline, threads: 1, options: all },
      { label: 'none (baseline)', model: baseline, threads: 1, options: none });
  }
  let failures = 0;
  const rows = [];
  // One untimed warm-up per instance at the first length. Later lengths need none: the code is warm,
  // and a first run's extra cost (growing the wasm heap) is one of the `reps` samples the median drops.
  const firstIds = tokenIds(args.lengths[0], BERT_BASE.vocabSize);
  for (const m of [model, model2]) m?.run(firstIds, { attentions: true });
  for (const n of args.lengths) {
    const ids = tokenIds(n, BERT_BASE.vocabSize);
    // The first output of each case is checked like the tiny model's; 2 threads' against 1 thread's.
    const timed = timeCases(cases, ids, args.reps);
    const label = `bert-base ${n} tokens`;
    let failed = report(label, checkRunPair(timed[0].first, timed[1].first, model.config, n));
    failed += report(`${label}, with steps`, checkSameOutputs(timed[2].first, timed[0].first, 'without steps'));
    failed += report(`${label}, arrays reused`, checkSameOutputs(timed[3].first, timed[0].first, 'fresh arrays'));
    if (model2) failed += report(`${label}, 2 threads`, checkSameOutputs(timed[4].first, timed[0].first));
    if (baseline) failed += report(`${label}, baseline`, checkSameOutputs(timed.at(-2).first, timed[0].first, 'this build'));
    failures += failed;
    if (failed) continue;  // a wrong forward's speed means nothing
    for (const t of timed) {
      rows.push({ n, threads: t.threads, label: t.label, ms: t.ms, cpuMs: t.cpuMs,
        gflops: forwardFlops(BERT_BASE, n) / (t.cpuMs * 1e6) });
    }
  }
  const peakHeapBytes = core.memory().heapBytes;
  model.dispose();
  model2?.dispose();
  baseline?.dispose();
  return { rows, failures, peakHeapBytes };
}

/** The checkpoint in another build of the module (its index.js path), one thread, same SIMD flavour. */
async function loadBaseline(path, files) {
  const { load: loadOther } = await import(resolve(path));
  const core = await loadOther({ simd: true, threads: false, relaxedSimd: RELAXED });
  return core.loadModel(files);
}

/** The same forward on another instance (threads build): hidden states and attentions within 1e-5. */
export function checkSameOutputs(actual, expected, reference = '1 thread') {
  const layers = expected.attentions.length;
  let attention = { diff: actual.attentions?.length === layers ? 0 : Infinity, why: `${actual.attentions?.length} layers` };
  for (let l = 0; l < layers && attention.diff <= SAME_FORWARD_TOLERANCE; l++) {
    const layer = maxAbsDiff(actual.attentions[l], expected.attentions[l]);
    if (!(layer.diff <= attention.diff)) attention = { diff: layer.diff, why: `layer ${l}${layer.why ? `, ${layer.why}` : ''}` };
  }
  const hidden = actual.hidden ? maxAbsDiff(actual.hidden, expected.hidden) : { diff: Infinity, why: 'no hidden states' };
  return [['hidden', hidden], ['attentions', attention]].map(([what, { diff, why }]) => ({
    what: `${what} vs ${reference}`, ok: diff <= SAME_FORWARD_TOLERANCE,
    detail: `max |diff| ${diff.toExponential(2)}${why && diff > 0 ? ` (${why})` : ''}`,
  }));
}

const pad = (s, w, right = true) => (right ? String(s).padStart(w) : String(s).padEnd(w));

function printTable(rows, reps) {
  const header = ['tokens', 'threads', 'attentions', 'wall ms', 'cpu ms', 'tokens/s wall', 'tokens/s cpu', 'GFLOP/s'];
  const widths = [6, 7, 22, 9, 9, 13, 12, 7];
  const line = (cells) => cells.map((c, i) => pad(c, widths[i], i !== 2)).join(' | ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const r of rows) {
    console.log(line([r.n, r.threads, r.label, r.ms.toFixed(0), r.cpuMs.toFixed(0),
      (r.n / (r.ms / 1000)).toFixed(0), (r.n / (r.cpuMs / 1000)).toFixed(0), r.gflops.toFixed(1)]));
  }
  console.log(`Medians of ${reps} runs per case, cases alternating, after a warm-up; ms per forward; ` +
    'GFLOP/s (projections, FFN, Q·Kᵀ and P·V) from the process CPU time, all threads together.');
}

// What llama_bench.mjs borrows from this file.
const tools = { load, loadTwoThreads, timeCases, report, checkRunPair, checkSameOutputs, tokenIds };

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const bert = args.models.includes('bert'), llama = args.models.includes('llama');
  const checkCore = await load({ simd: true, threads: false });
  let failures = bert ? await checkGolden(checkCore) + await checkTinyRandom(checkCore) : 0;
  if (llama) failures += await checkLlama(checkCore, tools);
  const build = `attnscope ${RELAXED ? 'relaxed-SIMD (FMA)' : 'SIMD128'} build, Node ${process.version}`;
  if (!args.quick && failures === 0 && bert) {
    console.log(`== model throughput (${build})`);
    const result = await benchBertBase(args);
    failures += result.failures;
    if (result.rows.length) {
      printTable(result.rows, args.reps);
      console.log(`peak wasm memory (memory().heapBytes, which never shrinks): ${mib(result.peakHeapBytes)}`);
    }
  }
  if (!args.quick && failures === 0 && llama) {
    console.log(`== Llama-family throughput: SmolLM2-135M shape (${build})`);
    const result = await benchSmolLM(args, tools);
    failures += result.failures;
    if (result.rows.length) printTable(result.rows, args.reps);
    console.log(`== Llama-family memory: Qwen2.5-0.5B shape (${build})`);
    failures += (await benchQwenMemory(tools)).failures;
  }
  if (failures) {
    console.error(`model_bench: ${failures} check(s) failed; failing cases are not in the table`);
    process.exitCode = 1;
  } else {
    console.log('model_bench: all checks passed');
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
