// model.run's steps, hidden states, value norms, chosen layers, padding mask and streamed forward,
// and core.attentionRollout, on the golden checkpoints against torch's float64 reference
// (scripts/generate/make_model_golden.py), in both single-thread flavours; bad requests.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { FLAVOURS, load } from './helpers/module.mjs';
import { maxScaledDiff, normwiseDiff } from './helpers/numeric.mjs';
import { readModelReference } from './helpers/safetensors.mjs';

const MODELS = fileURLToPath(new URL('../golden/models/', import.meta.url));
const NAMES = readdirSync(MODELS).sort();
const SUMS = new Set(['scores', 'scaled']);  // compared norm-wise: their entries cancel
const STEP_KEYS = { x: 'x', q: 'q', k: 'k', v: 'v', scores: 'scores', scaled: 'scaled', weights: 'weights',
  headOutput: 'head_output', output: 'output' };

/** Head `first`..`first+count` of a head-major reference array. */
const headsOf = (all, heads, first, count) => {
  const size = all.length / heads;
  return all.subarray(first * size, (first + count) * size);
};

function checkSteps(steps, want, config, layer, head) {
  const first = head ?? 0, count = head === undefined ? config.numHeads : 1;
  assert.equal(steps.layer, layer);
  assert.equal(steps.head, head ?? null);
  assert.equal(steps.numHeads, count);
  assert.equal(steps.dHead, config.dHead);
  assert.ok(Math.abs(steps.scale - 1 / Math.sqrt(steps.dHead)) < 1e-7);
  for (const [key, refKey] of Object.entries(STEP_KEYS)) {
    const perHead = key !== 'x' && key !== 'output';
    const expected = perHead ? headsOf(want[refKey], config.numHeads, first, count) : want[refKey];
    assert.ok(steps[key] instanceof Float32Array, `${key} is a Float32Array`);
    const diff = SUMS.has(key) ? normwiseDiff(steps[key], expected) : maxScaledDiff(steps[key], expected);
    assert.ok(diff <= 1e-5, `layer ${layer} head ${head ?? 'all'} ${key}: differs by ${diff}`);
  }
}

for (const flavour of FLAVOURS) {
  describe(`model.run steps and measures (${flavour.name})`, () => {
    let core;
    before(async () => { core = await load(flavour.options); });

    for (const name of NAMES) {
      test(`${name}: steps of every layer and head, hidden states, value norms, rollout`, async () => {
        const ref = readModelReference(join(MODELS, name));
        const model = await core.loadModel(join(MODELS, name));
        try {
          const { config } = model;
          for (let layer = 0; layer < config.numLayers; layer++) {
            for (const head of [undefined, ...Array(config.numHeads).keys()]) {
              const out = model.run(ref.ids, { attentions: false, hidden: false, steps: { layer, head } });
              assert.equal(out.attentions, undefined);
              checkSteps(out.steps, ref.steps[layer], config, layer, head);
            }
          }
          const all = model.run(ref.ids, { hidden: 'all', valueNorms: true });
          assert.equal(all.hiddenStates.length, config.numLayers + 1);
          all.hiddenStates.forEach((h, i) => assert.ok(maxScaledDiff(h, ref.hiddenStates[i]) <= 1e-4, `hidden state ${i}`));
          assert.ok(maxScaledDiff(all.hidden, ref.hidden) <= 1e-4);
          assert.deepEqual(all.attentionLayers, [...Array(config.numLayers).keys()]);
          all.valueNorms.forEach((v, l) => assert.ok(maxScaledDiff(v, ref.valueNorms[l]) <= 1e-5, `value norms ${l}`));

          const rollout = core.attentionRollout(all.attentions, { numHeads: config.numHeads });
          rollout.forEach((r, l) => assert.ok(maxScaledDiff(r, ref.rollout[l]) <= 1e-5, `rollout ${l}`));

          const chosen = model.run(ref.ids, { attentions: [config.numLayers - 1, 0], hidden: false });
          assert.deepEqual(chosen.attentionLayers, [config.numLayers - 1, 0]);
          assert.ok(maxScaledDiff(chosen.attentions[0], ref.attentions[config.numLayers - 1]) <= 1e-5);
          assert.ok(maxScaledDiff(chosen.attentions[1], ref.attentions[0]) <= 1e-5);
          assert.equal(chosen.hidden, undefined);

          const streamed = model.run(ref.ids, { attentions: false });
          assert.ok(maxScaledDiff(streamed.hidden, all.hidden) <= 1e-5, 'streamed = weights path');

          for (const attentions of [true, false]) {
            const padded = model.run(ref.ids, { attentions, attentionMask: ref.padded.mask });
            padded.attentions?.forEach((a, l) => assert.ok(maxScaledDiff(a, ref.padded.attentions[l]) <= 1e-5, `padded layer ${l}`));
            assert.ok(maxScaledDiff(padded.hidden, ref.padded.hidden) <= 1e-4, 'padded hidden');
          }
        } finally {
          model.dispose();
        }
      });
    }
  });
}

describe('model.run bad requests', () => {
  let core, model, ref;
  before(async () => {
    core = await load();
    model = await core.loadModel(join(MODELS, 'bert-f32'));
    ref = readModelReference(join(MODELS, 'bert-f32'));
  });

  test('a layer or head out of range is a RangeError naming the valid range; the model stays usable', () => {
    const { numLayers, numHeads } = model.config;
    const cases = [
      [{ steps: { layer: numLayers } }, RangeError, `model.run: steps.layer ${numLayers} is outside [0, ${numLayers})`],
      [{ steps: { layer: -1 } }, RangeError, `steps.layer -1 is outside [0, ${numLayers})`],
      [{ steps: { layer: 0, head: numHeads } }, RangeError, `model.run: steps.head ${numHeads} is outside [0, ${numHeads})`],
      [{ steps: { layer: 0.5 } }, TypeError, 'steps.layer must be a layer index'],
      [{ steps: 3 }, TypeError, 'steps must be { layer, head? }'],
      [{ attentions: [0, numLayers] }, RangeError, `attentions[1] ${numLayers} is outside [0, ${numLayers})`],
      [{ attentions: 'yes' }, TypeError, 'attentions must be true, false or an array of layer indices, got "yes"'],
      [{ hidden: 'some' }, TypeError, "hidden must be true (the last hidden state), 'all' or false"],
      [{ attentionMask: [1, 1] }, RangeError, `attentionMask has 2 entries, expected one per token (${ref.ids.length})`],
      [{ attentionMask: new Array(ref.ids.length).fill(2) }, RangeError, 'attentionMask[0] = 2 is not an integer in [0, 2)'],
      [{ valueNorms: true, attentions: false }, Error, 'valueNorms needs the attentions'],
    ];
    for (const [options, type, message] of cases) {
      assert.throws(() => model.run(ref.ids, options), (e) => e instanceof type && e.message.includes(message),
        `${JSON.stringify(options)} -> ${message}`);
    }
    assert.ok(maxScaledDiff(model.run(ref.ids).hidden, ref.hidden) <= 1e-4);
  });
});
