// The views' shared data transforms (web/attnscope/views/attention-data.js), checked in Node against direct,
// naive computations: threshold, pooling, averaging, hiding special tokens, shape validation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { colorPooled, headMatrix, normalizeData, poolAttention, thresholdCutoff, visibleIndices } from '../../web/attnscope/views/attention-data.js';
import { viridis } from '../../web/attnscope/views/colormap.js';
import { rng } from '../../web/attnscope/embed/seeded-model.js';

function randomMatrix(count, seed) {
  const r = rng(seed);
  return Float32Array.from({ length: count }, () => r.uniform());
}

test('threshold keeps exactly the top X % (compared with a full sort)', () => {
  for (const [size, seed] of [[1, 1], [7, 2], [1000, 3], [300 * 300, 4]]) {
    const values = randomMatrix(size, seed);
    const sorted = Float32Array.from(values).sort();
    for (const percent of [0.01, 1, 10, 33.3, 50, 99.9]) {
      const keep = Math.max(1, Math.ceil((size * percent) / 100));
      assert.equal(thresholdCutoff(values, percent), sorted[size - keep], `size ${size}, top ${percent} %`);
    }
    assert.equal(thresholdCutoff(values, 100), -Infinity);
  }
  // Ties and zeros (masked weights are exactly 0): the cut is still a value of the matrix.
  const ties = new Float32Array([0, 0, 0, 0.5, 0.5, 0.5, 1, 0, 0, 0]);
  assert.equal(thresholdCutoff(ties, 10), 1);
  assert.equal(thresholdCutoff(ties, 30), 0.5);
  assert.equal(thresholdCutoff(ties, 80), 0);
});

test('pooling takes the largest shown weight of each bin and each row maximum', () => {
  const k = 37;
  const random = randomMatrix(k * k, 9);
  // Causal weights: exact zeros above the diagonal (the pooling compares float bit patterns).
  const causal = random.map((v, c) => (c % k > Math.floor(c / k) ? 0 : v));
  for (const values of [random, causal]) for (const percent of [100, 20]) for (const [rows, cols] of [[k, k], [10, 10], [5, 8], [1, 1]]) {
    const cutoff = thresholdCutoff(values, percent);
    for (const mode of ['global', 'row']) {
      const { pooled, max } = poolAttention(values, k, rows, cols, { cutoff, mode });
      const expected = new Float32Array(rows * cols).fill(-1);
      let expectedMax = 0;
      for (let i = 0; i < k; i++) {
        let rowMax = 0;
        for (let j = 0; j < k; j++) rowMax = Math.max(rowMax, values[i * k + j]);
        expectedMax = Math.max(expectedMax, rowMax);
        for (let j = 0; j < k; j++) {
          const v = values[i * k + j];
          if (v < cutoff) continue;
          const bin = Math.floor((i * rows) / k) * cols + Math.floor((j * cols) / k);
          expected[bin] = Math.max(expected[bin], mode === 'row' ? Math.fround(v * Math.fround(1 / rowMax)) : v);
        }
      }
      assert.equal(max, expectedMax);
      for (let b = 0; b < expected.length; b++) {
        assert.ok(Math.abs(pooled[b] - expected[b]) < 1e-6, `${rows}×${cols} ${mode} top ${percent} %: bin ${b} is ${pooled[b]}, expected ${expected[b]}`);
      }
    }
  }
  const cutoff = thresholdCutoff(random, 20);
  const { pooled } = poolAttention(random, k, k, k, { cutoff });
  const pixels = colorPooled(pooled, 1, viridis, 0x12345678);
  assert.equal(pixels.filter((p) => p === 0x12345678).length, random.filter((v) => v < cutoff).length, 'hidden cells get the hidden colour');
});

test('mean over heads and hidden special tokens select the right cells', () => {
  const n = 4;
  const H = 3;
  const att = randomMatrix(H * n * n, 5);
  const d = normalizeData({ tokens: ['[CLS]', 'a', 'b', '[SEP]'], attentions: [att] });
  assert.equal(d.numHeads, 3);
  const keep = visibleIndices(d.tokens, true);
  assert.deepEqual([...keep], [1, 2]);
  const mean = headMatrix(d, 0, 'mean', keep);
  for (let a = 0; a < 2; a++) {
    for (let b = 0; b < 2; b++) {
      const i = keep[a];
      const j = keep[b];
      const expected = (att[i * n + j] + att[n * n + i * n + j] + att[2 * n * n + i * n + j]) / 3;
      assert.ok(Math.abs(mean[a * 2 + b] - expected) < 1e-6);
    }
  }
  const head1 = headMatrix(d, 0, 1, visibleIndices(d.tokens, false));
  assert.deepEqual([...head1], [...att.subarray(n * n, 2 * n * n)]);
});

test('bad attention data is refused with a message naming what is wrong', () => {
  assert.throws(() => normalizeData(null), /expected an object \{ tokens, attentions \}/);
  assert.throws(() => normalizeData({ tokens: 'ab', attentions: [] }), /tokens must be an array/);
  assert.throws(() => normalizeData({ tokens: ['a'], attentions: [] }), /attentions must be a non-empty array/);
  assert.throws(() => normalizeData({ tokens: ['a', 'b'], attentions: [new Float32Array(6)] }), RangeError);
  assert.throws(() => normalizeData({ tokens: ['a', 'b'], attentions: [new Float32Array(8), new Float32Array(4)] }),
    /attentions\[1\] must be a Float32Array of 2\*2\*2 values/);
});
