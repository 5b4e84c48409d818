// The Step and Neuron views' data (web/attnscope/views/step-data.js, step-panels.js) for attention whose
// queries and keys are different token lists (an encoder–decoder model's cross-attention), checked in
// Node against a direct computation written here: every panel's shape and labels, the cells drawn,
// the tooltips' arithmetic (dot products, a position bias, softmax), the square format unchanged, and
// the errors of steps that do not fit together.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { maskedAt, normalizeSteps, positionBiasAt } from '../../web/attnscope/views/step-data.js';
import { scaledFormula, stepPanels } from '../../web/attnscope/views/step-panels.js';
import { rng } from '../../web/attnscope/embed/seeded-model.js';

const TARGET = ['<pad>', '▁le', '▁chat'];                 // queries (decoder)
const SOURCE = ['▁the', '▁cat', '▁sat', '▁down', '</s>'];  // keys (encoder)

const random = (count, seed) => {
  const r = rng(seed);
  return Float32Array.from({ length: count }, () => r.uniform() * 2 - 1);
};

/**
 * Cross-attention steps computed directly: X [nq*d] and E [nk*d] projected by random weights (no
 * biases; heads × dk may differ from d, as in T5), head-major Q [H*nq*dk], K and V [H*nk*dk], S = Q·Kᵀ, scaled = S·scale + bias, softmax per row,
 * heads = A·V, output = concat·W_O.
 */
function crossSteps({ H = 2, dk = 3, d = H * dk, scale = 1 / Math.sqrt(3), bias = null, allowed = null } = {}) {
  const nq = TARGET.length, nk = SOURCE.length, inner = H * dk;
  const x = random(nq * d, 1), context = random(nk * d, 2);
  const W = { q: random(d * inner, 3), k: random(d * inner, 4), v: random(d * inner, 5), o: random(inner * d, 6) };
  const project = (input, rows, w) => {
    const out = new Float32Array(H * rows * dk);
    for (let h = 0; h < H; h++) {
      for (let i = 0; i < rows; i++) {
        for (let c = 0; c < dk; c++) {
          let sum = 0;
          for (let t = 0; t < d; t++) sum += input[i * d + t] * w[t * inner + h * dk + c];
          out[(h * rows + i) * dk + c] = sum;
        }
      }
    }
    return out;
  };
  const q = project(x, nq, W.q), k = project(context, nk, W.k), v = project(context, nk, W.v);
  const scores = new Float32Array(H * nq * nk), scaled = new Float32Array(H * nq * nk), weights = new Float32Array(H * nq * nk);
  const headOutput = new Float32Array(H * nq * dk);
  for (let h = 0; h < H; h++) {
    for (let i = 0; i < nq; i++) {
      const row = (h * nq + i) * nk;
      for (let j = 0; j < nk; j++) {
        let sum = 0;
        for (let c = 0; c < dk; c++) sum += q[(h * nq + i) * dk + c] * k[(h * nk + j) * dk + c];
        scores[row + j] = sum;
        scaled[row + j] = sum * scale + (bias ? bias(h, i, j) : 0);
      }
      const logits = Array.from({ length: nk }, (_, j) => (allowed && !allowed[i * nk + j] ? -Infinity : scaled[row + j]));
      const max = Math.max(...logits);
      const e = logits.map((z) => Math.exp(z - max));
      const total = e.reduce((a, b) => a + b, 0);
      e.forEach((z, j) => { weights[row + j] = z / total; });
      for (let c = 0; c < dk; c++) {
        let sum = 0;
        for (let j = 0; j < nk; j++) sum += weights[row + j] * v[(h * nk + j) * dk + c];
        headOutput[(h * nq + i) * dk + c] = sum;
      }
    }
  }
  const output = new Float32Array(nq * d);
  for (let i = 0; i < nq; i++) {
    for (let c = 0; c < d; c++) {
      let sum = 0;
      for (let h = 0; h < H; h++) for (let t = 0; t < dk; t++) sum += headOutput[(h * nq + i) * dk + t] * W.o[(h * dk + t) * d + c];
      output[i * d + c] = sum;
    }
  }
  return { kind: 'cross', layer: 1, queryTokens: TARGET, keyTokens: SOURCE, numHeads: H, dHead: dk, dModel: d, scale,
    positionBias: Boolean(bias), projectionBiases: false, x, context, q, k, v, scores, scaled, weights, headOutput, output,
    ...(allowed ? { allowed } : {}) };
}

const byTitle = (panels, start) => panels.find((p) => p.title.startsWith(start));
const first = (line) => Number(line.slice(line.indexOf('] = ') + 4));

test('cross-attention steps: target queries × source keys, panel by panel', () => {
  const steps = crossSteps({ d: 5 });
  const s = normalizeSteps(steps);
  assert.deepEqual([s.nq, s.nk, s.n, s.cross, s.causal], [3, 5, 3, true, false]);
  assert.deepEqual(s.queryTokens, TARGET);
  assert.deepEqual(s.keyTokens, SOURCE);
  const panels = stepPanels(s, 1);
  const shape = (start) => { const p = byTitle(panels, start); return [p.rows, p.cols, p.rowLabels, p.colLabels.length]; };
  assert.deepEqual(shape('X'), [3, 5, TARGET, 5], 'X: the decoder side');
  assert.deepEqual(shape('E'), [5, 5, SOURCE, 5], 'E: the encoder’s output');
  assert.deepEqual(shape('Q'), [3, 6, TARGET, 6]);
  assert.deepEqual(shape('K'), [5, 6, SOURCE, 6]);
  assert.deepEqual(shape('V'), [5, 6, SOURCE, 6]);
  for (const title of ['Scores', 'Scaled', 'Masked', 'Softmax']) {
    const p = byTitle(panels, title);
    assert.deepEqual([p.rows, p.cols, p.rowLabels, p.colLabels], [3, 5, TARGET, SOURCE], title);
  }
  assert.deepEqual(shape('Head 1 output'), [3, 3, TARGET, 3]);
  assert.deepEqual(shape('Output'), [3, 5, TARGET, 5], 'd_model wide, not heads × d_k');
  const out = byTitle(panels, 'Output');
  assert.equal(first(out.describe(2, 4)[0]), Number(steps.output[2 * 5 + 4].toFixed(4)), 'Y[2, 4]');
  assert.equal(first(byTitle(panels, 'E').describe(4, 1)[0]), Number(steps.context[4 * 5 + 1].toFixed(4)), 'E[4, 1]');
  // Where Q, K and V come from, and no bias terms for a model without them.
  assert.match(byTitle(panels, 'Q').formula, /^Q = X·W_Q, from the decoder$/);
  assert.match(byTitle(panels, 'K').formula, /^K = E·W_K, from the encoder’s output E$/);
  assert.match(byTitle(panels, 'V').formula, /^V = E·W_V, from the encoder’s output E$/);
  assert.equal(byTitle(panels, 'Output').formula, 'Y = concat·W_O');
  assert.match(byTitle(panels, 'Masked').formula, /every target token sees every source token/);
  // Head 1's matrices are the cells drawn, and each tooltip's arithmetic holds.
  const scores = byTitle(panels, 'Scores');
  assert.deepEqual([...scores.m], [...steps.scores.subarray(15, 30)]);
  const tip = scores.describe(2, 4);
  assert.equal(tip[0], `S[▁chat, </s>] = ${steps.scores[15 + 2 * 5 + 4].toFixed(4)}`);
  assert.match(tip[1], /row 2 of Q \(decoder #2\), column 4 of Kᵀ \(encoder #4\)/);
  const weights = byTitle(panels, 'Softmax');
  assert.deepEqual([...weights.m], [...steps.weights.subarray(15, 30)]);
  for (let i = 0; i < 3; i++) {
    const sum = weights.m.subarray(i * 5, i * 5 + 5).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - 1) < 1e-6, `row ${i} of the weights sums to 1`);
  }
  assert.ok(Math.abs(first(weights.describe(1, 3)[0]) - steps.weights[15 + 5 + 3]) < 1e-4);
  const head = byTitle(panels, 'Head 1 output');
  assert.match(head.describe(0, 2)[1], /row 0 of the weights, 5 keys/);
  const k = byTitle(panels, 'K');
  assert.deepEqual([...k.m.subarray(6 * 4, 6 * 5)], [...steps.k.subarray(12, 15), ...steps.k.subarray(27, 30)],
    'K side by side: the last source token, head 0 then head 1');
  assert.match(k.describe(4, 5)[1], /^= E\[<\/s>, :\] · W_K\[:, 5\]$/);
  assert.equal(first(k.describe(4, 5)[0]), Number(steps.k[15 + 4 * 3 + 2].toFixed(4)), 'K[</s>, 5]: head 1, dimension 2');
});

test('a position bias (T5) is named in the scaled step and recovered per cell; scale 1 says so', () => {
  const bias = (h, i, j) => 0.25 * (h + 1) * (j - i);
  const steps = crossSteps({ scale: 1, bias });
  const s = normalizeSteps({ ...steps, kind: 'decoder', queryTokens: TARGET, keyTokens: TARGET,
    ...squareOf(steps) });
  assert.equal(s.cross, false);
  const panels = stepPanels(s, 0);
  const scaled = byTitle(panels, 'Scaled + position bias');
  assert.match(scaled.formula, /^S \+ B {2}\(B: relative position bias; not divided by √d_k\)$/);
  assert.equal(positionBiasAt(s, s.scores, s.scaled, 1, 2).toFixed(5), bias(0, 1, 2).toFixed(5));
  const tip = scaled.describe(2, 0);
  assert.match(tip[1], new RegExp(`\\+ ${bias(0, 2, 0).toFixed(4)}$`));
  assert.match(tip[2], /key #0 to query #2 \(-2, bucketed\)/);
  assert.equal(scaledFormula({ scale: 1, dHead: 4, positionBias: false }), 'S  (scale 1: not divided by √d_k)');
  assert.equal(scaledFormula({ scale: 0.5, dHead: 4, positionBias: false }), 'S × 0.5000 (÷ √4)');
});

// The first nq keys of cross steps, as if the decoder attended to itself (a square slice for the bias test).
function squareOf(steps) {
  const { numHeads: H, dHead: dk } = steps;
  const nq = TARGET.length, nk = SOURCE.length;
  const cut = (m, width, rows) => {
    const out = new Float32Array(H * nq * width);
    for (let h = 0; h < H; h++) for (let i = 0; i < nq; i++) out.set(m.subarray((h * rows + i) * width, (h * rows + i + 1) * width), (h * nq + i) * width);
    return out;
  };
  const cutCols = (m) => {
    const out = new Float32Array(H * nq * nq);
    for (let r = 0; r < H * nq; r++) out.set(m.subarray(r * nk, r * nk + nq), r * nq);
    return out;
  };
  return { context: undefined, k: cut(steps.k, dk, nk), v: cut(steps.v, dk, nk), scores: cutCols(steps.scores),
    scaled: cutCols(steps.scaled), weights: cutCols(steps.weights) };
}

test('a padded source hides its keys from every query', () => {
  const allowed = Uint8Array.from({ length: 15 }, (_, c) => (c % 5 === 4 ? 0 : 1));
  const s = normalizeSteps(crossSteps({ allowed }));
  assert.equal(maskedAt(s, 2, 4), true);
  assert.equal(maskedAt(s, 2, 3), false);
  const masked = byTitle(stepPanels(s, 0), 'Masked');
  assert.equal(masked.m[1 * 5 + 4], -Infinity);
  assert.equal(masked.maskFlags[1 * 5 + 4], 1);
  assert.equal(byTitle(stepPanels(s, 0), 'Softmax').m[4], 0, 'a masked key gets no weight');
});

test('the square format (one token list) reads as before', () => {
  const n = 4, H = 2, dk = 2, d = 4;
  const tokens = ['a', 'b', 'c', 'd'];
  const s = normalizeSteps({ tokens, layer: 0, numHeads: H, dHead: dk, causal: true, x: random(n * d, 7),
    q: random(H * n * dk, 8), k: random(H * n * dk, 9), v: random(H * n * dk, 10), scores: random(H * n * n, 11),
    scaled: random(H * n * n, 12), weights: random(H * n * n, 13), headOutput: random(H * n * dk, 14), output: random(n * d, 15) });
  assert.deepEqual([s.n, s.nq, s.nk, s.dModel, s.cross, s.scale], [4, 4, 4, 4, false, 1 / Math.sqrt(2)]);
  assert.equal(maskedAt(s, 1, 2), true, 'causal');
  const panels = stepPanels(s, 0);
  assert.equal(byTitle(panels, 'K').formula, 'K = X·W_K + b_K');
  assert.equal(byTitle(panels, 'Scaled').formula, 'S × 0.7071 (÷ √2)');
  assert.ok(!panels.some((p) => p.title === 'E' || p.title === 'C'), 'no keys’ input of its own');
  for (const p of panels) assert.deepEqual(p.rowLabels, tokens, p.title);
  assert.deepEqual(normalizeSteps(s).queryTokens, tokens, 'normalizeSteps takes its own result (the neuron view gets it)');
});

test('steps that do not fit together are refused, naming the array and the length expected', () => {
  const good = crossSteps();
  const cases = [
    [{ ...good, k: good.k.subarray(0, 18) }, RangeError, /^step view: k must be a Float32Array of numHeads\*nk\*dHead = 30 values \(numHeads = 2, dHead = 3, dModel = 6, nq = 3 queries, nk = 5 keys\), got 18 values$/],
    [{ ...good, v: undefined }, RangeError, /v must be a Float32Array of numHeads\*nk\*dHead = 30 values .*got nothing/],
    [{ ...good, q: Array.from(good.q) }, RangeError, /q must be a Float32Array of numHeads\*nq\*dHead = 18 values .*got a Array/],
    [{ ...good, scores: new Float32Array(2 * 3 * 3) }, RangeError, /scores must be a Float32Array of numHeads\*nq\*nk = 30 values/],
    [{ ...good, weights: new Float32Array(2 * 5 * 3 + 1) }, RangeError, /weights must be a Float32Array of numHeads\*nq\*nk = 30 values/],
    [{ ...good, x: new Float32Array(5 * 6) }, RangeError, /x must be a Float32Array of nq\*dModel = 18 values/],
    [{ ...good, headOutput: new Float32Array(2 * 5 * 3) }, RangeError, /headOutput must be a Float32Array of numHeads\*nq\*dHead = 18 values/],
    [{ ...good, output: new Float32Array(1) }, RangeError, /output must be a Float32Array of nq\*dModel = 18 values/],
    [{ ...good, context: new Float32Array(3 * 6) }, RangeError, /context must be a Float32Array of nk\*dModel = 30 values/],
    [{ ...good, allowed: new Uint8Array(9) }, RangeError, /allowed must hold nq\*nk = 15 flags \(one per query and key\), got 9/],
    [{ ...good, tokens: TARGET }, TypeError, /give tokens \(self-attention\) or queryTokens and keyTokens, not both/],
    [{ ...good, keyTokens: undefined }, TypeError, /keyTokens must be a non-empty array of token strings/],
    [{ ...good, queryTokens: [] }, TypeError, /queryTokens must be a non-empty array/],
    [{ ...good, queryTokens: undefined, keyTokens: undefined }, TypeError, /expected steps with tokens \(self-attention\) or queryTokens and keyTokens/],
    [{ ...good, kind: 'self' }, RangeError, /kind must be 'encoder', 'decoder' or 'cross', got "self"/],
    [{ ...good, kind: 'encoder' }, RangeError, /encoder self-attention has as many keys as queries, got 3 queryTokens and 5 keyTokens/],
    [{ ...good, numHeads: 0 }, RangeError, /numHeads, dHead and dModel must be positive integers/],
    [null, TypeError, /expected steps/],
  ];
  for (const [steps, type, message] of cases) assert.throws(() => normalizeSteps(steps), (e) => e instanceof type && message.test(e.message), message.source);
  assert.equal(normalizeSteps(good).nk, 5, 'the checks keep nothing between calls');
});
