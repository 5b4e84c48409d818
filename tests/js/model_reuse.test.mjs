// model.run's `reuse` option: an earlier result's arrays are overwritten in place and returned again
// where their lengths fit, and the numbers are still torch's (the goldens' references); arrays that do
// not fit, or that would make two outputs share memory, are replaced by fresh ones.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

import { MODELS } from './helpers/model-reference.mjs';
import { load } from './helpers/module.mjs';
import { maxAbsDiff } from './helpers/numeric.mjs';
import { readModelReference, readSafetensors } from './helpers/safetensors.mjs';

const SEQ2SEQ = fileURLToPath(new URL('../golden/seq2seq/', import.meta.url));
const BERT = join(MODELS, 'bert-f32');

function assertMatchesReference(out, ref) {
  out.attentions.forEach((a, l) => assert.ok(maxAbsDiff(a, ref.attentions[l]) <= 1e-5, `layer ${l} attentions`));
  assert.ok(maxAbsDiff(out.hidden, ref.hidden) <= 1e-4, 'hidden');
}

/** Other ids of the same length: a run whose numbers differ from the reference's everywhere. */
const otherIds = (ids) => Int32Array.from(ids, (id, i) => (i === 0 || i === ids.length - 1 ? id : ids[ids.length - 1 - i]));

describe('model.run reuse', () => {
  let core, model, ref;
  before(async () => {
    core = await load({ simd: true, threads: false });
    model = await core.loadModel(BERT);
    ref = readModelReference(BERT);
  });
  after(() => model.dispose());

  test('overwrites an earlier result of the same length and returns its arrays, with torch\'s numbers', () => {
    const earlier = model.run(otherIds(ref.ids), { hidden: 'all' });
    assert.ok(maxAbsDiff(earlier.attentions[0], ref.attentions[0]) > 1e-3, 'the earlier run differs');
    const attentions = [...earlier.attentions], { hidden, hiddenStates } = earlier;
    const out = model.run(ref.ids, { hidden: 'all', reuse: earlier });
    out.attentions.forEach((a, l) => assert.equal(a, attentions[l], `layer ${l} reused`));
    assert.equal(out.hidden, hidden);
    out.hiddenStates.forEach((h, l) => assert.equal(h, hiddenStates[l], `hidden state ${l} reused`));
    assertMatchesReference(out, ref);
    const fresh = model.run(ref.ids, { hidden: 'all' });
    fresh.hiddenStates.forEach((h, l) => assert.deepEqual(out.hiddenStates[l], h, `hidden state ${l}`));
  });

  test('arrays of another length are replaced by fresh ones', () => {
    const shorter = model.run(ref.ids.subarray(0, ref.ids.length - 2));
    const out = model.run(ref.ids, { reuse: shorter });
    out.attentions.forEach((a, l) => assert.notEqual(a, shorter.attentions[l]));
    assert.notEqual(out.hidden, shorter.hidden);
    assertMatchesReference(out, ref);
  });

  test('never makes two outputs share memory, never writes into a view, a shared or a detached buffer', () => {
    const first = model.run(otherIds(ref.ids));
    const size = first.attentions[0].length;
    const shared = new Float32Array(new SharedArrayBuffer(size * 4));
    const big = new Float32Array(size * 2);
    const detached = first.attentions[1].slice();
    structuredClone(detached.buffer, { transfer: [detached.buffer] });
    const twice = first.attentions[0];
    const hostile = { attentions: [twice, twice, shared, big.subarray(0, size), detached, new Float64Array(size)],
      hidden: twice };
    const out = model.run(ref.ids, { reuse: hostile });
    assert.equal(out.attentions[0], twice);
    assert.equal(new Set([...out.attentions, out.hidden]).size, out.attentions.length + 1, 'every output its own array');
    assert.ok(shared.every((v) => v === 0) && big.every((v) => v === 0), 'views and shared memory untouched');
    assertMatchesReference(out, ref);
  });

  test('a reuse that is not a result is a TypeError, and the model stays usable', () => {
    for (const bad of [5, 'attentions', [new Float32Array(4)], new Float32Array(4)]) {
      assert.throws(() => model.run(ref.ids, { reuse: bad }), (e) => e instanceof TypeError && /reuse must be/.test(e.message));
    }
    assertMatchesReference(model.run(ref.ids, { reuse: null }), ref);
  });
});

describe('model.run reuse, encoder-decoder', () => {
  test('BART: the three attention kinds and both hidden states overwritten in place, with torch\'s numbers', async () => {
    const core = await load({ simd: true, threads: false });
    const dir = join(SEQ2SEQ, 'bart-f32');
    const model = await core.loadModel(dir);
    try {
      const t = readSafetensors(join(dir, 'reference.safetensors')).tensors;
      const source = Array.from(t.source_ids), target = Array.from(t.target_ids);
      const earlier = model.run({ source: [...source].reverse(), target: [...target].reverse() });
      const kept = { cross: [...earlier.crossAttentions], hidden: earlier.hidden, encoderHidden: earlier.encoderHidden };
      const out = model.run({ source, target }, { reuse: earlier });
      out.crossAttentions.forEach((a, l) => {
        assert.equal(a, kept.cross[l]);
        assert.ok(maxAbsDiff(a, t[`cross_attentions.${l}`]) < 1e-5, `cross layer ${l}`);
      });
      out.encoderAttentions.forEach((a, l) => assert.ok(maxAbsDiff(a, t[`encoder_attentions.${l}`]) < 1e-5));
      out.decoderAttentions.forEach((a, l) => assert.ok(maxAbsDiff(a, t[`decoder_attentions.${l}`]) < 1e-5));
      assert.equal(out.hidden, kept.hidden);
      assert.equal(out.encoderHidden, kept.encoderHidden);
      assert.ok(maxAbsDiff(out.hidden, t.hidden) < 1e-4 && maxAbsDiff(out.encoderHidden, t.encoder_hidden) < 1e-4);
      assert.throws(() => model.run({ source, target }, { reuse: 1 }), TypeError);
    } finally {
      model.dispose();
    }
  });
});
