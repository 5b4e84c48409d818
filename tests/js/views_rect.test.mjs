// The views' data layer for attention that is not one square matrix (web/attnscope/views/attention-data.js,
// paint.js, export.js's JSON, the element's conversions in embed/data.js), checked in Node against
// direct computations on hand-made row-stochastic matrices: queries ≠ keys, encoder–decoder data,
// the sentence-pair filter, measures, and the errors for data that does not fit together.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { headMatrix, normalizeData, selectPart, visibleCells } from '../../web/attnscope/views/attention-data.js';
import { attentionJSON } from '../../web/attnscope/views/export.js';
import { poolAttention, thresholdCutoff } from '../../web/attnscope/views/paint.js';
import { toViewData } from '../../web/attnscope/embed/data.js';

// heads × rows × cols weights, each row a softmax of a fixed pattern (computed here, not by the views).
function softmaxRows(rows, cols, heads, salt = 0) {
  const out = new Float32Array(heads * rows * cols);
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < rows; i++) {
      const logits = Array.from({ length: cols }, (_, j) => Math.sin((i + 1) * (j + 2) * (h + 1 + salt)) * 3);
      const max = Math.max(...logits);
      const e = logits.map((x) => Math.exp(x - max));
      const sum = e.reduce((a, b) => a + b, 0);
      e.forEach((x, j) => { out[(h * rows + i) * cols + j] = x / sum; });
    }
  }
  return out;
}
const at = (att, rows, cols, h, i, j) => att[(h * rows + i) * cols + j];

const ENCODER = ['<s>', 'She', 'sees', 'the', 'small', 'elephant', '.', '</s>'];
const DECODER = ['<s>', 'Sie', 'sieht', 'den', 'Elefanten'];
function encoderDecoder(layers = 2, heads = 3) {
  const e = ENCODER.length;
  const d = DECODER.length;
  return {
    encoder: { tokens: ENCODER, attentions: Array.from({ length: layers }, (_, l) => softmaxRows(e, e, heads, l)) },
    decoder: { tokens: DECODER, attentions: Array.from({ length: layers }, (_, l) => softmaxRows(d, d, heads, 10 + l)) },
    cross: { attentions: Array.from({ length: layers }, (_, l) => softmaxRows(d, e, heads, 20 + l)) },
  };
}

test('queries ≠ keys: sizes, cells and hidden special tokens per side', () => {
  const att = softmaxRows(5, 8, 2);
  const d = normalizeData({ queryTokens: DECODER, keyTokens: ENCODER, attentions: [att] });
  assert.deepEqual([d.nQ, d.nK, d.numHeads, d.square, d.tokens, d.n], [5, 8, 2, false, null, null]);
  const all = visibleCells(d);
  assert.deepEqual([all.rows.length, all.cols.length], [5, 8]);
  const head1 = headMatrix(d, 0, 1, all.rows, all.cols);
  assert.deepEqual([...head1], [...att.subarray(40, 80)], 'one head shown whole is its own rows × columns');
  // Hiding special tokens drops <s> from the queries and <s>, </s> from the keys.
  const { rows, cols } = visibleCells(d, { hideSpecial: true });
  assert.deepEqual([...rows], [1, 2, 3, 4]);
  assert.deepEqual([...cols], [1, 2, 3, 4, 5, 6]);
  const mean = headMatrix(d, 0, 'mean', rows, cols);
  for (let a = 0; a < rows.length; a++) {
    for (let b = 0; b < cols.length; b++) {
      const expected = (at(att, 5, 8, 0, rows[a], cols[b]) + at(att, 5, 8, 1, rows[a], cols[b])) / 2;
      assert.ok(Math.abs(mean[a * cols.length + b] - expected) < 1e-7, `mean[${a}, ${b}]`);
    }
  }
});

test('pooling a rectangle takes the largest weight of each bin, rows and columns binned separately', () => {
  const [r, c] = [7, 19];
  const values = softmaxRows(r, c, 1);
  for (const [outRows, outCols] of [[r, c], [3, 5], [7, 4], [1, 1]]) {
    const cutoff = thresholdCutoff(values, 30);
    const { pooled, max } = poolAttention(values, r, outRows, outCols, { cutoff, cols: c });
    const expected = new Float32Array(outRows * outCols).fill(-1);
    for (let i = 0; i < r; i++) {
      for (let j = 0; j < c; j++) {
        const v = values[i * c + j];
        if (v < cutoff) continue;
        const bin = Math.floor((i * outRows) / r) * outCols + Math.floor((j * outCols) / c);
        expected[bin] = Math.max(expected[bin], v);
      }
    }
    assert.equal(max, Math.max(...values));
    assert.deepEqual([...pooled], [...expected], `${outRows}×${outCols}`);
  }
});

test('the sentence-pair filter keeps the rows of one sentence and the columns of the other, as BertViz slices', () => {
  const tokens = ['[CLS]', 'who', 'sat', '?', '[SEP]', 'the', 'cat', 'sat', '[SEP]'];
  const n = tokens.length;
  const att = softmaxRows(n, n, 2);
  const d = normalizeData({ tokens, attentions: [att], sentenceBStart: 5 });
  const A = [0, 1, 2, 3, 4];
  const B = [5, 6, 7, 8];
  const cases = { all: [[...A, ...B], [...A, ...B]], aa: [A, A], ab: [A, B], ba: [B, A], bb: [B, B] };
  for (const [filter, [wantRows, wantCols]] of Object.entries(cases)) {
    const { rows, cols } = visibleCells(d, { pairFilter: filter });
    assert.deepEqual([[...rows], [...cols]], [wantRows, wantCols], filter);
    const m = headMatrix(d, 0, 1, rows, cols);
    wantRows.forEach((i, a) => wantCols.forEach((j, b) => assert.equal(m[a * wantCols.length + b], at(att, n, n, 1, i, j))));
  }
  // With special tokens hidden: A → B is who, sat, ? against the, cat, sat.
  const hidden = visibleCells(d, { pairFilter: 'ab', hideSpecial: true });
  assert.deepEqual([[...hidden.rows], [...hidden.cols]], [[1, 2, 3], [5, 6, 7]]);
  assert.throws(() => visibleCells(d, { pairFilter: 'ac' }), /pairFilter: expected one of all, aa, ab, ba, bb, got "ac"/);
  const single = normalizeData({ tokens, attentions: [att] });
  assert.throws(() => visibleCells(single, { pairFilter: 'ab' }), /pairFilter "ab": the data has no sentence B/);
  assert.deepEqual([...visibleCells(single, { pairFilter: 'all' }).rows].length, n);
  assert.throws(() => normalizeData({ tokens, attentions: [att], sentenceBStart: 9 }), /sentenceBStart must be a token index from 0 to 8, got 9/);
  assert.throws(() => normalizeData({ queryTokens: tokens, keyTokens: tokens, attentions: [att], sentenceBStart: 2 }),
    /sentenceBStart marks sentence B in one token list/);
});

test('encoder–decoder data: each part by kind, cross-attention with the decoder as queries and the encoder as keys', () => {
  const data = encoderDecoder();
  const enc = normalizeData(data, 'weights', 'encoder');
  assert.deepEqual([enc.kind, enc.kinds, enc.nQ, enc.nK, enc.square], ['encoder', ['encoder', 'decoder', 'cross'], 8, 8, true]);
  assert.equal(normalizeData(data).kind, 'encoder', 'the first part by default');
  const cross = normalizeData(data, 'weights', 'cross');
  assert.deepEqual([cross.nQ, cross.nK, cross.square, cross.numHeads, cross.numLayers], [5, 8, false, 3, 2]);
  assert.deepEqual(cross.queryTokens, DECODER);
  assert.deepEqual(cross.keyTokens, ENCODER);
  assert.equal(cross.attentions[1], data.cross.attentions[1]);
  assert.deepEqual(selectPart({ cross: { queryTokens: DECODER, keyTokens: ENCODER, attentions: data.cross.attentions } }).kinds, ['cross']);
  // JSON export: one object per part, each with its token lists.
  const json = JSON.parse(attentionJSON(data, { model: 'toy' }));
  assert.equal(json.model, 'toy');
  assert.deepEqual(Object.keys(json).slice(1), ['encoder', 'decoder', 'cross']);
  assert.deepEqual([json.cross.queryTokens, json.cross.keyTokens], [DECODER, ENCODER]);
  assert.equal(json.cross.attentions[1][2][4].length, 8);
  assert.equal(json.cross.attentions[1][2][4][6], at(data.cross.attentions[1], 5, 8, 2, 4, 6));
  assert.deepEqual(json.encoder.tokens, ENCODER);
  const rect = JSON.parse(attentionJSON({ queryTokens: DECODER, keyTokens: ENCODER, attentions: data.cross.attentions }));
  assert.deepEqual(Object.keys(rect), ['queryTokens', 'keyTokens', 'numLayers', 'numHeads', 'attentions']);
  const pair = JSON.parse(attentionJSON({ tokens: ENCODER, attentions: data.encoder.attentions, sentenceBStart: 3 }));
  assert.deepEqual(Object.keys(pair), ['tokens', 'sentenceBStart', 'numLayers', 'numHeads', 'attentions']);
});

test('encoder–decoder data that does not fit together is refused, naming what differs', () => {
  const good = encoderDecoder();
  const e = ENCODER.length;
  const d = DECODER.length;
  const cases = [
    [{ ...good, cross: { attentions: [softmaxRows(d, e - 1, 3), softmaxRows(d, e - 1, 3)] } }, /cross: each layer must hold numHeads\*nQ\*nK values \(5 queryTokens × 8 keyTokens\), got 105/],
    [{ ...good, cross: { keyTokens: ENCODER.slice(1), attentions: [softmaxRows(d, e - 1, 3), softmaxRows(d, e - 1, 3)] } }, /cross-attention has 7 keys \(cross\.keyTokens\), but the encoder has 8 tokens/],
    [{ ...good, cross: { ...good.cross, queryTokens: [...DECODER.slice(0, 4), 'Elefant'] } }, /cross queries \(cross\.queryTokens\)\[4\] is "Elefant", but the decoder's token 4 is "Elefanten"/],
    [{ ...good, cross: { attentions: good.cross.attentions.slice(0, 1) } }, /cross has 1 layers and the decoder 2/],
    [{ ...good, cross: { attentions: [good.cross.attentions[0], softmaxRows(d, e, 2)] } }, /cross\.attentions\[1\] must be a Float32Array of 3\*5\*8 values/],
    [{ ...good, decoder: { tokens: DECODER, attentions: [softmaxRows(d, d + 1, 3)] } }, /decoder: each layer must hold numHeads\*n\*n values \(n = 5 tokens\), got 90/],
    [{ ...good, encoder: { queryTokens: ENCODER, keyTokens: ENCODER, attentions: good.encoder.attentions } }, /encoder must be self-attention over one token list/],
    [{ ...good, cross: { ...good.cross, tokens: ENCODER } }, /cross-attention has two token lists/],
    [{ cross: { attentions: good.cross.attentions } }, /cross\.queryTokens must be an array of strings/],
  ];
  for (const [data, message] of cases) assert.throws(() => normalizeData(data, 'weights', 'encoder'), message);
  assert.throws(() => normalizeData(good, 'weights', 'middle'), /kind must be one of encoder, decoder, cross, got "middle"/);
  assert.throws(() => normalizeData({ encoder: good.encoder }, 'weights', 'cross'), /has no cross attention \(it has encoder\)/);
  assert.throws(() => normalizeData(good.encoder, 'weights', 'cross'), /kind "cross" needs encoder–decoder data/);
});

test('measures on rectangles: value-weighted uses one norm per key; rollout is refused', () => {
  const att = softmaxRows(5, 8, 2);
  const norms = Float32Array.from({ length: 2 * 8 }, (_, k) => 0.5 + k / 4);
  const d = normalizeData({ queryTokens: DECODER, keyTokens: ENCODER, attentions: [att], valueNorms: [norms] }, 'value');
  for (const [h, i, j] of [[0, 0, 0], [1, 4, 7], [1, 2, 3]]) {
    assert.equal(at(d.attentions[0], 5, 8, h, i, j), Math.fround(at(att, 5, 8, h, i, j) * norms[h * 8 + j]));
  }
  assert.throws(() => normalizeData({ queryTokens: DECODER, keyTokens: ENCODER, attentions: [att], valueNorms: [norms.subarray(0, 10)] }, 'value'),
    /valueNorms\[0\] must be a Float32Array of 2\*8 values/);
  assert.throws(() => normalizeData(encoderDecoder(), 'rollout', 'cross'),
    /rollout measure is defined only for square self-attention .* 5 queries × 8 keys/);
});

test('the element converts nested arrays of every form, naming the part and side in its errors', () => {
  const nested = (flat, heads, rows, cols) => Array.from({ length: heads }, (_, h) => Array.from({ length: rows },
    (_, i) => Array.from(flat.subarray((h * rows + i) * cols, (h * rows + i + 1) * cols))));
  const good = encoderDecoder(1, 2);
  const input = {
    encoder: { tokens: ENCODER, attentions: [nested(good.encoder.attentions[0], 2, 8, 8)] },
    decoder: { tokens: DECODER, attentions: [nested(good.decoder.attentions[0], 2, 5, 5)] },
    cross: { attentions: [nested(good.cross.attentions[0], 2, 5, 8)] },
  };
  const out = toViewData(input);
  assert.deepEqual([out.cross.queryTokens, out.cross.keyTokens, out.cross.numHeads], [DECODER, ENCODER, 2]);
  assert.deepEqual([...out.cross.attentions[0]], [...good.cross.attentions[0]]);
  const bad = structuredClone(input);
  bad.cross.attentions[0][1][3] = bad.cross.attentions[0][1][3].slice(1);
  assert.throws(() => toViewData(bad), /cross\.attentions\[0\]\[1\]\[3\]: expected 8 weights \(one per key token\), got 7/);
  bad.cross.attentions[0][1] = bad.cross.attentions[0][1].slice(1);
  assert.throws(() => toViewData(bad), /cross\.attentions\[0\]\[1\]: expected 5 rows \(one per query token\)/);
  assert.throws(() => toViewData({ cross: { attentions: input.cross.attentions } }), /cross\.queryTokens: expected a non-empty array of strings/);
  assert.throws(() => toViewData({ queryTokens: DECODER, keyTokens: 'abc', attentions: [] }), /keyTokens: expected a non-empty array of strings/);
  // The square form keeps its messages.
  assert.throws(() => toViewData({ tokens: ['a', 'b'], attentions: [[[[1, 0], [0.5]]]] }), /attentions\[0\]\[0\]\[1\]: expected 2 weights \(one per token\)/);
});
