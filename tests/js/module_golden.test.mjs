// The PyTorch golden data (tests/golden/attention, scripts/generate/make_attention_golden.py) through
// the public JS API, in both wasm builds; and the two builds agree with each other within 1e-5.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { FLAVOURS, load } from './helpers/module.mjs';
import { assertClose, maxAbsDiff } from './helpers/numeric.mjs';
import { goldenCases, goldenMask, runGoldenMha } from './helpers/safetensors.mjs';

const sdpaCases = goldenCases('sdpa');
const mhaCases = goldenCases('mha');

function runSdpa(core, golden) {
  const { q, k, v } = golden.tensors;
  const meta = golden.metadata;
  return core.attention({
    q, k, v, n: Number(meta.n), m: Number(meta.m), dK: Number(meta.d_k), dV: Number(meta.d_v),
    mask: goldenMask(golden), steps: true,
  });
}

// float32 arithmetic against float64 truth: sums of up to dModel=768 products.
const TOLERANCE = { atol: 2e-5, rtol: 2e-4 };

test('golden data is present', () => {
  assert.ok(sdpaCases.length >= 5, `expected sdpa golden cases, found ${sdpaCases.length}`);
  assert.ok(mhaCases.length >= 5, `expected mha golden cases, found ${mhaCases.length}`);
});

for (const flavour of FLAVOURS) {
  describe(`golden data, ${flavour.name} build`, () => {
    let core;
    before(async () => {
      core = await load(flavour.options);
      assert.equal(core.simd, flavour.name === 'simd');
    });

    for (const golden of sdpaCases) {
      test(golden.name, () => {
        const r = runSdpa(core, golden);
        for (const name of ['scores', 'scaled', 'weights', 'output']) {
          assertClose(r[name], golden.tensors[name], { ...TOLERANCE, what: `${golden.name} ${name}` });
        }
      });
    }

    for (const golden of mhaCases) {
      test(golden.name, () => {
        const r = runGoldenMha(core, golden);
        for (const name of ['q', 'k', 'v', 'scores', 'scaled', 'weights', 'heads', 'output']) {
          assertClose(r[name], golden.tensors[name], { ...TOLERANCE, what: `${golden.name} ${name}` });
        }
      });

      test(`${golden.name} via createMultiHeadAttention`, () => {
        const t = golden.tensors;
        const meta = golden.metadata;
        const mha = core.createMultiHeadAttention({
          dModel: Number(meta.d_model), numHeads: Number(meta.heads),
          wq: t.wq, wk: t.wk, wv: t.wv, wo: t.wo, bq: t.bq, bk: t.bk, bv: t.bv, bo: t.bo,
        });
        try {
          for (let repeat = 0; repeat < 2; repeat++) {  // resident weights give the same answer twice
            const r = mha.forward(t.x, { context: t.context, mask: goldenMask(golden), weights: true });
            assertClose(r.output, t.output, { ...TOLERANCE, what: `${golden.name} output` });
            assertClose(r.weights, t.weights, { ...TOLERANCE, what: `${golden.name} weights` });
            assertClose(r.heads, t.heads, { ...TOLERANCE, what: `${golden.name} heads` });
          }
        } finally {
          mha.dispose();
        }
      });
    }
  });
}

describe('SIMD and scalar builds agree within 1e-5', () => {
  let simd;
  let scalar;
  before(async () => {
    [simd, scalar] = await Promise.all([load({ simd: true }), load({ simd: false })]);
  });

  test('every golden case, every output', () => {
    let worst = 0;
    for (const golden of sdpaCases) {
      const a = runSdpa(simd, golden);
      const b = runSdpa(scalar, golden);
      for (const name of ['scores', 'scaled', 'weights', 'output']) worst = Math.max(worst, maxAbsDiff(a[name], b[name]));
    }
    for (const golden of mhaCases) {
      const a = runGoldenMha(simd, golden);
      const b = runGoldenMha(scalar, golden);
      for (const name of ['q', 'k', 'v', 'weights', 'heads', 'output']) worst = Math.max(worst, maxAbsDiff(a[name], b[name]));
    }
    assert.ok(worst <= 1e-5, `largest SIMD/scalar difference ${worst} > 1e-5`);
  });
});
