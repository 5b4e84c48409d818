// Every misuse from issue 3 gives the right JS error class with a message naming the argument and
// the expected value; and after each failure the next valid call still returns PyTorch's numbers.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { FLAVOURS, load } from './helpers/module.mjs';
import { assertClose, randomParameters } from './helpers/numeric.mjs';
import { goldenCases } from './helpers/safetensors.mjs';

const F = (length) => new Float32Array(length);
const sdpaGolden = goldenCases('sdpa').find((g) => g.metadata.mask === 'causal' && g.metadata.n !== '1');
const mhaGolden = goldenCases('mha').find((g) => g.metadata.cross === 'true' && g.metadata.bias === 'true');

// A valid single-head call: n=2, m=3, dK=4, dV=5.
const attentionArgs = (changes = {}) => ({ q: F(8), k: F(12), v: F(15), n: 2, m: 3, dK: 4, dV: 5, ...changes });
// A valid multi-head call: n=3, dModel=8, 2 heads.
const params = randomParameters(8, 2, 7);
const mhaArgs = (changes = {}) => ({ ...params, x: F(24), n: 3, ...changes });

const attentionCases = [
  ['no options', undefined, TypeError, /attention: expected an options object, got undefined/],
  ['q missing', attentionArgs({ q: undefined }), TypeError, /attention: q must be a Float32Array of length n\*dK = 8, got undefined/],
  ['q a plain array', attentionArgs({ q: Array(8).fill(0) }), TypeError, /q must be a Float32Array .* got Array\(8\)/],
  ['q a Float64Array', attentionArgs({ q: new Float64Array(8) }), TypeError, /q must be a Float32Array .* got Float64Array\(8\)/],
  ['q too short', attentionArgs({ q: F(7) }), RangeError, /attention: q has length 7, expected n\*dK = 8/],
  ['k wrong length', attentionArgs({ k: F(11) }), RangeError, /attention: k has length 11, expected m\*dK = 12/],
  ['v wrong length', attentionArgs({ v: F(12) }), RangeError, /attention: v has length 12, expected m\*dV = 15/],
  ['n missing', attentionArgs({ n: undefined }), TypeError, /attention: n must be a positive integer, got undefined/],
  ['n zero', attentionArgs({ n: 0 }), RangeError, /attention: n must be a positive integer, got 0/],
  ['n negative', attentionArgs({ n: -2 }), RangeError, /attention: n must be a positive integer, got -2/],
  ['n fractional', attentionArgs({ n: 1.5 }), RangeError, /attention: n must be a positive integer, got 1.5/],
  ['n NaN', attentionArgs({ n: NaN }), RangeError, /attention: n must be a positive integer, got NaN/],
  ['n Infinity', attentionArgs({ n: Infinity }), RangeError, /attention: n must be a positive integer, got Infinity/],
  ['n a string', attentionArgs({ n: '2' }), TypeError, /attention: n must be a positive integer, got "2"/],
  ['dK zero', attentionArgs({ dK: 0 }), RangeError, /attention: dK must be a positive integer, got 0/],
  ['m NaN', attentionArgs({ m: NaN }), RangeError, /attention: m must be a positive integer, got NaN/],
  ['dV negative', attentionArgs({ dV: -5 }), RangeError, /attention: dV must be a positive integer, got -5/],
  ['mask wrong length', attentionArgs({ mask: new Uint8Array(5) }), RangeError, /attention: mask has length 5, expected n\*m = 2\*3 = 6/],
  ['mask unknown string', attentionArgs({ mask: 'diagonal' }), TypeError, /attention: mask must be null, 'causal' or a Uint8Array of length n\*m = 6/],
  ['mask a Float32Array', attentionArgs({ mask: F(6) }), TypeError, /mask must be .* got Float32Array\(6\)/],
  ['steps not boolean', attentionArgs({ steps: 'yes' }), TypeError, /attention: steps must be true or false, got "yes"/],
  ['NaN in q (checked by the core)', attentionArgs({ q: F(8).fill(NaN) }), Error, /q\[0\] is NaN, expected a finite number/],
  ['output larger than the wasm memory', { q: F(1e5), k: F(1e5), v: F(1e5), n: 1e5, dK: 1 }, RangeError,
    /attention: needs 37\.25 GiB of wasm memory, more than the .* GiB left under the 4 GiB wasm limit/],
];

const mhaCases = [
  ['no options', null, TypeError, /multiHeadAttention: expected an options object, got null/],
  ['dModel not divisible by numHeads', mhaArgs({ numHeads: 3 }), Error, /multiHeadAttention: dModel \(8\) must be divisible by numHeads \(3\)/],
  ['numHeads zero', mhaArgs({ numHeads: 0 }), RangeError, /multiHeadAttention: numHeads must be a positive integer, got 0/],
  ['dModel fractional', mhaArgs({ dModel: 8.5 }), RangeError, /multiHeadAttention: dModel must be a positive integer, got 8.5/],
  ['dModel missing', mhaArgs({ dModel: undefined }), TypeError, /multiHeadAttention: dModel must be a positive integer, got undefined/],
  ['wq missing', mhaArgs({ wq: undefined }), TypeError, /multiHeadAttention: wq must be a Float32Array of length dModel\*dModel = 64, got undefined/],
  ['wo wrong length', mhaArgs({ wo: F(63) }), RangeError, /multiHeadAttention: wo has length 63, expected dModel\*dModel = 64/],
  ['bk wrong length', mhaArgs({ bk: F(9) }), RangeError, /multiHeadAttention: bk has length 9, expected dModel = 8/],
  ['bq wrong type', mhaArgs({ bq: [1, 2] }), TypeError, /multiHeadAttention: bq must be a Float32Array of length dModel = 8, got Array\(2\)/],
  ['x missing', mhaArgs({ x: undefined }), TypeError, /multiHeadAttention: x must be a Float32Array of length n\*dModel, got undefined/],
  ['x wrong length', mhaArgs({ x: F(23) }), RangeError, /multiHeadAttention: x has length 23, expected n\*dModel = 24/],
  ['x not a multiple of dModel (n inferred)', mhaArgs({ x: F(20), n: undefined }), RangeError, /x has length 20, expected a positive multiple of dModel = 8/],
  ['context wrong type', mhaArgs({ context: new Uint8Array(16) }), TypeError, /multiHeadAttention: context must be a Float32Array of length m\*dModel, got Uint8Array\(16\)/],
  ['context wrong length', mhaArgs({ context: F(16), m: 3 }), RangeError, /multiHeadAttention: context has length 16, expected m\*dModel = 24/],
  ['m != n without context', mhaArgs({ m: 4 }), RangeError, /multiHeadAttention: m \(4\) must equal n \(3\) for self-attention/],
  ['n NaN', mhaArgs({ n: NaN }), RangeError, /multiHeadAttention: n must be a positive integer, got NaN/],
  ['mask wrong length', mhaArgs({ mask: new Uint8Array(8) }), RangeError, /multiHeadAttention: mask has length 8, expected n\*m = 3\*3 = 9/],
  ['mask wrong type', mhaArgs({ mask: [1, 0] }), TypeError, /multiHeadAttention: mask must be null, 'causal' or a Uint8Array/],
  ['weights flag wrong type', mhaArgs({ weights: 1 }), TypeError, /multiHeadAttention: weights must be true or false, got 1/],
  ['Infinity in a weight (checked by the core)', mhaArgs({ wv: F(64).fill(Infinity) }), Error, /wv\[0\] is .*inf.*, expected a finite number/i],
  ['more than the wasm memory', mhaArgs({ x: F(8 * 40000), n: 40000, weights: true }), RangeError,
    /multiHeadAttention: needs .* GiB of wasm memory, more than the .* GiB left under the 4 GiB wasm limit/],
];

function checkAttentionStillCorrect(core) {
  const g = sdpaGolden;
  const r = core.attention({ q: g.tensors.q, k: g.tensors.k, v: g.tensors.v, n: Number(g.metadata.n),
    m: Number(g.metadata.m), dK: Number(g.metadata.d_k), dV: Number(g.metadata.d_v), mask: 'causal' });
  assertClose(r.output, g.tensors.output, { atol: 2e-5, what: 'valid call after an error: output' });
  assertClose(r.weights, g.tensors.weights, { atol: 2e-5, what: 'valid call after an error: weights' });
}

function checkMultiHeadStillCorrect(core) {
  const t = mhaGolden.tensors;
  const meta = mhaGolden.metadata;
  const r = core.multiHeadAttention({ x: t.x, context: t.context, wq: t.wq, wk: t.wk, wv: t.wv, wo: t.wo,
    bq: t.bq, bk: t.bk, bv: t.bv, bo: t.bo, dModel: Number(meta.d_model), numHeads: Number(meta.heads),
    mask: t.mask ?? (meta.mask === 'causal' ? 'causal' : null) });
  assertClose(r.output, t.output, { atol: 2e-5, rtol: 2e-4, what: 'valid call after an error: output' });
}

for (const flavour of FLAVOURS) {
  describe(`bad input, ${flavour.name} build`, () => {
    let core;
    let baseline;
    before(async () => {
      core = await load(flavour.options);
      // The core keeps a reusable workspace after its first calls: measure once it is warm.
      checkAttentionStillCorrect(core);
      checkMultiHeadStillCorrect(core);
      baseline = core.memory().bytesInUse;
    });

    for (const [name, args, errorClass, message] of attentionCases) {
      test(`attention: ${name}`, () => {
        assert.throws(() => core.attention(args), (error) => {
          assert.equal(error.constructor, errorClass, `${error.constructor.name}: ${error.message}`);
          assert.match(error.message, message);
          return true;
        });
        checkAttentionStillCorrect(core);
        assert.equal(core.memory().bytesInUse, baseline, 'nothing left allocated after the error');
      });
    }

    for (const [name, args, errorClass, message] of mhaCases) {
      test(`multiHeadAttention: ${name}`, () => {
        assert.throws(() => core.multiHeadAttention(args), (error) => {
          assert.equal(error.constructor, errorClass, `${error.constructor.name}: ${error.message}`);
          assert.match(error.message, message);
          return true;
        });
        checkMultiHeadStillCorrect(core);
        assert.equal(core.memory().bytesInUse, baseline, 'nothing left allocated after the error');
      });
    }

    test('createMultiHeadAttention / forward / dispose misuse', () => {
      assert.throws(() => core.createMultiHeadAttention({ ...params, numHeads: 3 }),
        { name: 'Error', message: /createMultiHeadAttention: dModel \(8\) must be divisible by numHeads \(3\)/ });
      assert.throws(() => core.createMultiHeadAttention({ ...params, wk: F(3) }),
        { name: 'RangeError', message: /createMultiHeadAttention: wk has length 3, expected dModel\*dModel = 64/ });
      const mha = core.createMultiHeadAttention(params);
      assert.throws(() => mha.forward(F(24), { mask: 'upper' }), { name: 'TypeError', message: /MultiHeadAttention.forward: mask must be/ });
      assert.throws(() => mha.forward([0, 1]), { name: 'TypeError', message: /MultiHeadAttention.forward: x must be a Float32Array/ });
      assert.throws(() => mha.forward(F(24), 'causal'), { name: 'TypeError', message: /MultiHeadAttention.forward: expected an options object/ });
      assert.throws(() => mha.forward(F(24), { n: 2 }), { name: 'RangeError', message: /x has length 24, expected n\*dModel = 16/ });
      const ok = mha.forward(F(24).fill(0.5));
      assert.equal(ok.output.length, 24);
      mha.dispose();
      assert.equal(mha.disposed, true);
      mha.dispose();  // idempotent
      assert.throws(() => mha.forward(F(24)), { name: 'Error', message: /MultiHeadAttention.forward: this object was disposed/ });
      checkMultiHeadStillCorrect(core);
      assert.equal(core.memory().bytesInUse, baseline, 'disposed weights are freed');
    });
  });
}

describe('load() misuse', () => {
  test('bad options', async () => {
    await assert.rejects(load('fast'), { name: 'TypeError', message: /load: expected an options object or nothing, got "fast"/ });
    await assert.rejects(load({ simd: 'yes' }), { name: 'TypeError', message: /load: simd must be 'auto', true or false, got "yes"/ });
    await assert.rejects(load({ wasmBinary: 'x' }), { name: 'TypeError', message: /load: wasmBinary must be an ArrayBuffer or Uint8Array/ });
    await assert.rejects(load({ locateFile: '/x.wasm' }), { name: 'TypeError', message: /load: locateFile must be a function/ });
  });

  test('a wasmBinary that is not wasm rejects with a clear error (no hang, no abort)', async () => {
    await assert.rejects(load({ wasmBinary: new Uint8Array([1, 2, 3, 4]) }),
      { name: 'Error', message: /load: could not instantiate attnscope-(simd|scalar)\.wasm: / });
  });

  test('a locateFile pointing nowhere rejects with the path', async () => {
    await assert.rejects(load({ locateFile: () => '/nonexistent/attnscope.wasm' }),
      { name: 'Error', message: /load: could not instantiate .*ENOENT.*nonexistent/ });
  });
});
