// Long sessions (issue 9): loading and disposing a model 50 times, 10,000 model forward passes and
// 10,000 forward calls on a kept multi-head attention handle leave the wasm heap bounded. Each test
// prints what it measured (node --test shows it) and asserts:
//   - the wasm memory (heapBytes) does not grow after the warm-up iterations;
//   - bytes malloc'd (bytesInUse) return to the warm-up level (a small slack for dlmalloc's chunk
//     bookkeeping, far below one leaked weight tensor or result buffer);
//   - the last result is still right: PyTorch's reference for the model, a fresh core's for the handle.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

import { load } from './helpers/module.mjs';
import { randomFloats, randomParameters } from './helpers/numeric.mjs';
import { readModelReference } from './helpers/safetensors.mjs';

const MODEL_DIR = new URL('../golden/models/bert-f32/', import.meta.url);
const modelFiles = () => Object.fromEntries(['config.json', 'vocab.txt', 'tokenizer_config.json', 'model.safetensors']
  .map((f) => [f, readFileSync(new URL(f, MODEL_DIR))]));
const SLACK_BYTES = 1024;
// One thread: in the threads build each pool thread keeps its own GEMM packing buffers, grown the
// first time it runs a large enough piece, which may be after the warm-up (heads and pieces go to
// whichever thread is free): a bounded cache, but not an exact count. module_memory does the same.
const loadOneThread = () => load({ threads: false });
const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;

const maxDiff = (a, b) => a.reduce((worst, x, i) => Math.max(worst, Math.abs(x - b[i])), 0);

function assertBounded(label, warm, end) {
  console.log(`${label}: after warm-up heap ${kib(warm.heapBytes)}, in use ${kib(warm.bytesInUse)}; ` +
    `at the end heap ${kib(end.heapBytes)}, in use ${kib(end.bytesInUse)}`);
  assert.ok(end.heapBytes <= warm.heapBytes, `${label}: wasm memory grew from ${warm.heapBytes} to ${end.heapBytes} bytes`);
  assert.ok(end.bytesInUse - warm.bytesInUse <= SLACK_BYTES,
    `${label}: ${end.bytesInUse - warm.bytesInUse} more bytes in use than after the warm-up`);
}

test('loading and disposing a model 50 times leaves the heap bounded', { timeout: 300_000 }, async () => {
  const core = await loadOneThread();
  const ref = readModelReference(fileURLToPath(MODEL_DIR));
  const empty = core.memory();
  let warm = null;
  for (let i = 0; i < 50; i++) {
    const model = await core.loadModel(modelFiles());
    const out = model.run(ref.ids);
    if (i === 49) {
      out.attentions.forEach((a, l) => assert.ok(maxDiff(a, ref.attentions[l]) <= 1e-5, `layer ${l} vs PyTorch on load 50`));
    }
    model.dispose();
    if (i === 0) warm = core.memory();  // after the first load + run + dispose
  }
  const end = core.memory();
  assertBounded('50 loads', warm, end);
  // What stays after the first dispose is the GEMM kernels' packing buffers, kept for reuse (sized by
  // the largest product seen, not by the number of models).
  console.log(`50 loads: in use before the first load ${kib(empty.bytesInUse)}, after the first dispose ` +
    `${kib(warm.bytesInUse)} (kernel workspace), after the 50th ${kib(end.bytesInUse)}`);
});

test('10,000 model forward passes leave the heap bounded', { timeout: 600_000 }, async () => {
  const core = await loadOneThread();
  const ref = readModelReference(fileURLToPath(MODEL_DIR));
  const model = await core.loadModel(modelFiles());
  const text = 'Mark told Sam that he was leaving.';
  let warm = null, last = null;
  const start = performance.now();
  for (let i = 0; i < 10_000; i++) {
    // Alternate text (tokenizer + forward) and ids, as the page does when the sentence is edited.
    last = i % 2 ? model.run(text) : model.run(ref.ids);
    if (i === 99) warm = core.memory();
  }
  const end = core.memory();
  console.log(`10,000 model runs in ${((performance.now() - start) / 1000).toFixed(1)} s`);
  assertBounded('10,000 model runs', warm, end);
  const check = model.run(ref.ids);
  check.attentions.forEach((a, l) => assert.ok(maxDiff(a, ref.attentions[l]) <= 1e-5, `layer ${l} vs PyTorch after 10,000 runs`));
  assert.equal(last.tokens[0], '[CLS]');
  model.dispose();
});

test('10,000 forward calls on one multi-head attention handle leave the heap bounded', { timeout: 600_000 }, async () => {
  const core = await loadOneThread();
  const dModel = 64, numHeads = 4, n = 32;
  const params = randomParameters(dModel, numHeads, 5);
  const x = randomFloats(n * dModel, 6);
  const mha = core.createMultiHeadAttention(params);
  let warm = null, last = null, lastCall = null;
  for (let i = 0; i < 10_000; i++) {
    // Varying lengths exercise the workspace's regrowth, masks and the optional outputs.
    lastCall = { x: x.subarray(0, (1 + (i % n)) * dModel), mask: i % 3 ? 'causal' : null };
    last = mha.forward(lastCall.x, { mask: lastCall.mask, weights: i % 2 === 0, steps: i % 7 === 0 });
    if (i === 99) warm = core.memory();
  }
  const end = core.memory();
  assertBounded('10,000 handle forwards', warm, end);
  mha.dispose();
  // The last call against the same computation on a fresh core (one-shot, nothing reused).
  const fresh = (await load()).multiHeadAttention({ ...params, ...lastCall });
  assert.ok(maxDiff(last.output, fresh.output) <= 1e-6, 'the 10,000th forward differs from a fresh computation');
});
