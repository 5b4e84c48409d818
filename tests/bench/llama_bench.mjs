// The Llama-family rows of the model bench (model_bench.mjs calls these; its helpers come in as
// `tools`, so this file keeps model_bench's checks, timing and table):
//   checks   a golden Llama checkpoint against PyTorch (GQA, RoPE; tests/golden/models/llama-gqa-f32)
//            and a tiny random Llama with and without attentions
//   speed    a SmolLM2-135M-shaped seeded checkpoint (tests/bench/random_llama.mjs) stored as F32 and
//            as BF16: tokens/s with and without attentions, one thread and two
//   memory   a Qwen2.5-0.5B-shaped BF16 checkpoint (about 1 GB): load time, wasm memory after loading
//            and the peak after a forward over 512 tokens with every attention returned
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { readModelReference } from '../js/helpers/safetensors.mjs';
import { maxAbsDiff } from './problems.mjs';
import { QWEN25_05B, SMOLLM2_135M, llamaParameterCount, makeLlamaCheckpoint } from './random_llama.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const GOLDEN = join(here, '..', 'golden', 'models', 'llama-gqa-f32');
const TINY_LLAMA = { family: 'llama', numLayers: 2, dModel: 64, numHeads: 4, numKvHeads: 2, dFF: 96, vocabSize: 300,
  maxPositions: 128, ropeTheta: 10000, rmsNormEps: 1e-5, tied: false };
const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

export const describeLlama = (s) => `${s.numLayers}L d${s.dModel} h${s.numHeads} kv${s.numKvHeads} ff${s.dFF} ` +
  `vocab ${s.vocabSize}${s.tied ? ' tied' : ''}`;

// FLOPs of one forward (multiply-add = 2): Q, K, V and output projections with grouped K/V heads,
// the gated MLP's three matrices, Q·Kᵀ and P·V; embeddings, norms and rotations are negligible.
export function llamaForwardFlops({ numLayers, dModel: d, numHeads, numKvHeads, dFF }, n) {
  const dHead = d / numHeads;
  const projections = 2 * n * d * (2 * numHeads * dHead + 2 * numKvHeads * dHead);
  return numLayers * (projections + 6 * n * d * dFF + 4 * n * n * numHeads * dHead);
}

/** Golden Llama vs PyTorch, then a tiny random Llama's run pair; returns the number of failures. */
export async function checkLlama(core, { report, checkRunPair, tokenIds }) {
  let failures = 0;
  const golden = await core.loadModel(GOLDEN);
  try {
    const ref = readModelReference(GOLDEN);
    const out = golden.run(ref.ids, { attentions: true, hidden: true });
    const checks = ref.attentions.map((expected, l) => {
      const { diff, why } = maxAbsDiff(out.attentions[l], expected);
      return { what: `layer ${l} attentions vs PyTorch`, ok: diff <= 1e-5,
        detail: `max |diff| ${diff.toExponential(2)}${why ? ` (${why})` : ''}` };
    });
    const { diff, why } = maxAbsDiff(out.hidden, ref.hidden);
    checks.push({ what: 'hidden vs PyTorch', ok: diff <= 1e-4, detail: `max |diff| ${diff.toExponential(2)}${why ? ` (${why})` : ''}` });
    failures += report('golden llama-gqa-f32', checks);
  } finally {
    golden.dispose();
  }
  for (const dtype of ['F32', 'BF16']) {
    const model = await core.loadModel(makeLlamaCheckpoint(TINY_LLAMA, { dtype }));
    try {
      const ids = tokenIds(40, TINY_LLAMA.vocabSize);
      failures += report(`random llama ${describeLlama(TINY_LLAMA)} ${dtype}, 40 tokens`, checkRunPair(
        model.run(ids, { attentions: true }), model.run(ids, { attentions: false }), model.config, 40));
    } finally {
      model.dispose();
    }
  }
  return failures;
}

/** SmolLM2-135M-shaped rows: F32 and BF16 storage, attentions and none, 1 and 2 threads. */
export async function benchSmolLM(args, { load, loadTwoThreads, timeCases, report, checkRunPair, checkSameOutputs, tokenIds }) {
  const shape = SMOLLM2_135M;
  const core = await load({ simd: true, threads: false });
  const threaded = await loadTwoThreads();
  const cases = [];
  for (const dtype of ['F32', 'BF16']) {
    const t0 = performance.now();
    const files = makeLlamaCheckpoint(shape, { dtype });
    const t1 = performance.now();
    const model = await core.loadModel(files);
    const t2 = performance.now();
    const model2 = threaded.core ? await threaded.core.loadModel(files) : null;
    console.log(`checkpoint: SmolLM2-135M shape, ${describeLlama(shape)}, ${(llamaParameterCount(shape) / 1e6).toFixed(1)} M ` +
      `parameters, model.safetensors ${mib(files['model.safetensors'].length)} ${dtype} (made in ${seconds(t1 - t0)}, ` +
      `loaded in ${seconds(t2 - t1)}); weights in wasm memory ${mib(model.config.weightBytes)}`);
    cases.push({ label: `${dtype} all`, model, threads: 1, options: { attentions: true } },
      { label: `${dtype} none`, model, threads: 1, options: { attentions: false } });
    if (model2) cases.push({ label: `${dtype} all`, model: model2, threads: 2, options: { attentions: true } });
  }
  console.log(threaded.core ? '2 threads: the threads build, with attentions' : `2 threads: not timed (${threaded.why})`);
  const rows = [];
  let failures = 0;
  const warm = tokenIds(args.lengths[0], shape.vocabSize);
  for (const c of cases) if (c.options.attentions) c.model.run(warm, c.options);
  for (const n of args.lengths) {
    const ids = tokenIds(n, shape.vocabSize);
    const timed = timeCases(cases, ids, args.reps);
    const label = `smollm2 ${n} tokens`;
    let failed = 0;
    for (const dtype of ['F32', 'BF16']) {
      const mine = timed.filter((t) => t.label.startsWith(dtype));
      failed += report(`${label} ${dtype}`, checkRunPair(mine[0].first, mine[1].first, mine[0].model.config, n));
      if (mine[2]) failed += report(`${label} ${dtype}, 2 threads`, checkSameOutputs(mine[2].first, mine[0].first));
    }
    failures += failed;
    if (failed) continue;
    for (const t of timed) {
      rows.push({ n, threads: t.threads, label: t.label, ms: t.ms, cpuMs: t.cpuMs,
        gflops: llamaForwardFlops(shape, n) / (t.cpuMs * 1e6) });
    }
  }
  for (const c of cases) if (!c.model.disposed) c.model.dispose();
  return { rows, failures };
}

/** Qwen2.5-0.5B-shaped BF16: load time and peak wasm memory through a 512-token forward with attentions. */
export async function benchQwenMemory({ load, tokenIds }) {
  const shape = QWEN25_05B;
  const core = await load({ simd: true, threads: false });  // a fresh instance: its memory is this model's
  const t0 = performance.now();
  let files = makeLlamaCheckpoint(shape, { dtype: 'BF16' });
  const fileBytes = files['model.safetensors'].length;
  const t1 = performance.now();
  const model = await core.loadModel(files);
  const t2 = performance.now();
  files = null;
  const afterLoad = core.memory();
  const n = 512;
  const t3 = performance.now();
  const out = model.run(tokenIds(n, shape.vocabSize), { attentions: true });
  const t4 = performance.now();
  const peak = core.memory().heapBytes;
  const ok = out.attentions.length === shape.numLayers && out.attentions.every((a) => a.length === shape.numHeads * n * n) &&
    out.hidden.every(Number.isFinite);
  console.log(`checkpoint: Qwen2.5-0.5B shape, ${describeLlama(shape)}, ${(llamaParameterCount(shape) / 1e6).toFixed(1)} M ` +
    `parameters, model.safetensors ${mib(fileBytes)} BF16 (made in ${seconds(t1 - t0)})`);
  console.log(`${ok ? 'ok  ' : 'FAIL'} qwen2.5-0.5b: loaded in ${seconds(t2 - t1)}; wasm memory after load ${mib(afterLoad.heapBytes)} ` +
    `(${mib(afterLoad.bytesInUse)} in use, weights ${mib(model.config.weightBytes)}); ${n} tokens with every attention ` +
    `(${shape.numLayers} × ${shape.numHeads} × ${n}², ${mib(4 * shape.numLayers * shape.numHeads * n * n)}) in ${seconds(t4 - t3)}; ` +
    `peak wasm memory ${mib(peak)}`);
  model.dispose();
  return { failures: ok ? 0 : 1, peakHeapBytes: peak, loadMs: t2 - t1 };
}
