// A model run on a long input without attentions streams: no n×n matrix is ever allocated, so the
// wasm memory stays far below what one n×n matrix would take, and a request that would need the
// matrices fails before anything is allocated.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { makeGpt2Checkpoint } from '../bench/random_bert.mjs';
import { load } from './helpers/module.mjs';

const N = 8192;
const SHAPE = { numLayers: 4, dModel: 64, numHeads: 4, dFF: 256, vocabSize: 128, maxPositions: N };

test(`a GPT-2-shaped model runs ${N} tokens without attentions in far less memory than one ${N}×${N} matrix`, async (t) => {
  const core = await load({ threads: false });
  const model = await core.loadModel(makeGpt2Checkpoint(SHAPE));
  const ids = Int32Array.from({ length: N }, (_, i) => (i * 7919) % SHAPE.vocabSize);
  const oneMatrix = N * N * 4;

  const inUse = core.memory().bytesInUse;
  assert.throws(() => model.run(ids), (e) => e instanceof RangeError && /wasm memory with these options/.test(e.message),
    'every attention of 4 layers x 4 heads at 8192 tokens needs 4 GiB: refused before allocating');
  assert.equal(core.memory().bytesInUse, inUse, 'nothing was allocated by the refused run');

  const out = model.run(ids, { attentions: false });
  assert.equal(out.hidden.length, N * SHAPE.dModel);
  assert.ok(out.hidden.every(Number.isFinite));
  const { heapBytes } = core.memory();
  t.diagnostic(`wasm memory after the 8192-token streamed run: ${(heapBytes / 2 ** 20).toFixed(0)} MiB; ` +
    `one ${N}x${N} float matrix: ${oneMatrix / 2 ** 20} MiB, every layer's and head's: ${(16 * oneMatrix) / 2 ** 30} GiB`);
  assert.ok(heapBytes < oneMatrix / 2, `wasm memory ${(heapBytes / 2 ** 20).toFixed(0)} MiB after the run, ` +
    `one ${N}x${N} float matrix alone is ${oneMatrix / 2 ** 20} MiB`);

  // The model stays usable, and the streamed result of a short prefix equals the weights path.
  const short = ids.subarray(0, 64);
  const withWeights = model.run(short), streamed = model.run(short, { attentions: false });
  let worst = 0;
  for (let i = 0; i < streamed.hidden.length; i++) worst = Math.max(worst, Math.abs(streamed.hidden[i] - withWeights.hidden[i]));
  assert.ok(worst <= 1e-5, `streamed and weights paths differ by ${worst}`);
  model.dispose();
});
