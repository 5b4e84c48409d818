// The attention functions' `reuse` option: an earlier result's arrays are overwritten in place and
// returned again where their lengths fit, with PyTorch's numbers (the golden cases of
// tests/golden/attention); arrays that do not fit are replaced by fresh ones, and bad values are
// refused with a TypeError before anything runs.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { load } from './helpers/module.mjs';
import { assertClose } from './helpers/numeric.mjs';
import { goldenCases, goldenMask, runGoldenMha } from './helpers/safetensors.mjs';

const TOLERANCE = { atol: 2e-5, rtol: 2e-4 };  // module_golden's: float32 against float64 truth
const byName = (prefix, name) => goldenCases(prefix).find((g) => g.name === name);
const scrambled = (a) => Float32Array.from(a, (_, i) => a[a.length - 1 - i]);

describe('attention reuse', () => {
  let core;
  before(async () => {
    core = await load({ simd: true, threads: false });
  });

  test('mha.forward writes into the earlier result and gives torch\'s numbers', () => {
    const golden = byName('mha', 'mha_n33_d64_h8_causal_bias');
    const t = golden.tensors;
    const mha = core.createMultiHeadAttention({ dModel: 64, numHeads: 8, wq: t.wq, wk: t.wk, wv: t.wv, wo: t.wo,
      bq: t.bq, bk: t.bk, bv: t.bv, bo: t.bo });
    try {
      const options = { mask: goldenMask(golden), weights: true };
      const earlier = mha.forward(scrambled(t.x), options);
      assert.ok(Math.abs(earlier.output[0] - t.output[0]) > 1e-6, 'the earlier call differs');
      const { output, weights, heads } = earlier;
      const out = mha.forward(t.x, { ...options, reuse: earlier });
      assert.equal(out.output, output);
      assert.equal(out.weights, weights);
      assert.equal(out.heads, heads);
      for (const name of ['output', 'weights', 'heads']) {
        assertClose(out[name], t[name], { ...TOLERANCE, what: `reused ${name}` });
      }
    } finally {
      mha.dispose();
    }
  });

  test('multiHeadAttention: steps reused, and arrays of another length replaced by fresh ones', () => {
    const golden = byName('mha', 'mha_cross_n13_m5_d36_h6_padding_bias');
    const earlier = runGoldenMha(core, golden);
    const short = { weights: new Float32Array(3), output: earlier.output };
    const t = golden.tensors;
    const meta = golden.metadata;
    const run = (reuse) => core.multiHeadAttention({
      x: t.x, context: t.context, n: Number(meta.n), m: Number(meta.m), dModel: 36, numHeads: 6,
      wq: t.wq, wk: t.wk, wv: t.wv, wo: t.wo, bq: t.bq, bk: t.bk, bv: t.bv, bo: t.bo,
      mask: goldenMask(golden), weights: true, steps: true, reuse,
    });
    const again = run(earlier);
    for (const name of ['q', 'k', 'v', 'scores', 'scaled', 'weights', 'heads', 'output']) {
      assert.equal(again[name], earlier[name], `${name} reused`);
      assertClose(again[name], t[name], { ...TOLERANCE, what: name });
    }
    const mixed = run(short);
    assert.notEqual(mixed.weights, short.weights, 'a weights array of another length is not used');
    assert.equal(short.weights.length, 3);
    assert.equal(mixed.output, short.output, 'the output that fits is');
    assertClose(mixed.weights, t.weights, { ...TOLERANCE, what: 'fresh weights' });
  });

  test('attention(): every output reused, torch\'s numbers', () => {
    const golden = goldenCases('sdpa')[0];
    const { q, k, v } = golden.tensors;
    const meta = golden.metadata;
    const call = (q, reuse) => core.attention({ q, k, v, n: Number(meta.n), m: Number(meta.m), dK: Number(meta.d_k),
      dV: Number(meta.d_v), mask: goldenMask(golden), steps: true, reuse });
    const earlier = call(scrambled(q));
    const out = call(q, earlier);
    for (const name of ['scores', 'scaled', 'weights', 'output']) {
      assert.equal(out[name], earlier[name], `${name} reused`);
      assertClose(out[name], golden.tensors[name], { ...TOLERANCE, what: name });
    }
  });

  test('bad reuse values throw a TypeError naming the option, and the module stays usable', () => {
    const golden = goldenCases('sdpa')[0];
    const { q, k, v } = golden.tensors;
    const meta = golden.metadata;
    const options = { q, k, v, n: Number(meta.n), m: Number(meta.m), dK: Number(meta.d_k), dV: Number(meta.d_v) };
    for (const bad of [42, 'yes', [new Float32Array(4)], new Float32Array(4)]) {
      assert.throws(() => core.attention({ ...options, reuse: bad }),
        (e) => e instanceof TypeError && /attention: reuse must be/.test(e.message));
    }
    // A view into part of a larger buffer is never overwritten (it may share memory with other data).
    const size = golden.tensors.weights.length;
    const part = new Float32Array(2 * size).fill(7).subarray(size);
    const out = core.attention({ ...options, mask: goldenMask(golden), reuse: { weights: part } });
    assert.notEqual(out.weights, part);
    assert.ok(part.every((x) => x === 7), 'the partial view is untouched');
    assertClose(out.weights, golden.tensors.weights, { ...TOLERANCE, what: 'after the errors' });
  });
});
