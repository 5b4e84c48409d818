// Memory bound from issue 3: 10,000 multiHeadAttention calls (n=64, dModel=128, 8 heads) leave the
// wasm heap no larger than after the first 100, and nothing stays allocated between calls.
// Uses the SIMD build where available (the scalar one takes ~5x longer for the same bookkeeping).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { load } from './helpers/module.mjs';
import { randomFloats, randomParameters } from './helpers/numeric.mjs';

const n = 64;
const dModel = 128;
const numHeads = 8;

test('10,000 multiHeadAttention calls do not grow the heap', { timeout: 600_000 }, async () => {
  const core = await load();
  const params = randomParameters(dModel, numHeads, 11);
  const x = randomFloats(n * dModel, 12);
  const call = () => core.multiHeadAttention({ ...params, x, n, mask: 'causal', weights: true });
  const first = call();

  for (let i = 1; i < 100; i++) call();
  const after100 = core.memory();
  let last;
  for (let i = 100; i < 10_000; i++) last = call();
  const after10000 = core.memory();

  console.log(`heap after 100 calls: ${JSON.stringify(after100)}, after 10,000: ${JSON.stringify(after10000)}`);
  assert.ok(after10000.heapBytes <= after100.heapBytes,
    `wasm memory grew from ${after100.heapBytes} to ${after10000.heapBytes} bytes`);
  assert.equal(after10000.bytesInUse, after100.bytesInUse, 'bytes malloc\'d between calls');
  // The 10,000th call still computes the same thing (and the first result, a caller-owned copy, is intact).
  assert.deepEqual(last.output, first.output);
  assert.deepEqual(last.weights, first.weights);
});

test('create / forward / dispose 1,000 times frees every handle', async () => {
  // One thread: in the threads build each pool thread grows its own GEMM pack buffers the first
  // time it happens to claim a piece, which may fall after the warm-up (a bounded cache, not a
  // leak, but it made the exact count below flaky). Handles are the same in every build.
  const core = await load({ threads: false });
  const params = randomParameters(dModel, numHeads, 21);
  const x = randomFloats(16 * dModel, 22);
  const cycle = () => {
    const mha = core.createMultiHeadAttention(params);
    try {
      return mha.forward(x, { weights: false, heads: false });
    } finally {
      mha.dispose();
    }
  };
  for (let i = 0; i < 10; i++) cycle();
  const before = core.memory();
  for (let i = 0; i < 1000; i++) cycle();
  const after = core.memory();
  assert.equal(after.bytesInUse, before.bytesInUse, 'bytes malloc\'d after 1,000 create/dispose cycles');
  assert.ok(after.heapBytes <= before.heapBytes);
});
