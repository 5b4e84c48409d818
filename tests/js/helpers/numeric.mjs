// Comparisons and deterministic test data for the module tests.
import assert from 'node:assert/strict';

/** Largest |a-b| - (atol + rtol*|b|) over the arrays; asserts it is <= 0 with a useful message. */
export function assertClose(actual, expected, { atol = 1e-5, rtol = 1e-4, what = 'array' } = {}) {
  assert.ok(actual instanceof Float32Array, `${what}: expected a Float32Array, got ${actual?.constructor?.name}`);
  assert.equal(actual.length, expected.length, `${what}: length`);
  let worst = -1;
  let worstExcess = -Infinity;
  for (let i = 0; i < expected.length; i++) {
    const excess = Math.abs(actual[i] - expected[i]) - (atol + rtol * Math.abs(expected[i]));
    if (!(excess <= worstExcess) || Number.isNaN(actual[i])) { worstExcess = Number.isNaN(actual[i]) ? Infinity : excess; worst = i; }
  }
  assert.ok(worstExcess <= 0,
    `${what}: element ${worst} is ${actual[worst]}, expected ${expected[worst]} (atol ${atol}, rtol ${rtol})`);
}

/** Largest absolute difference between two arrays of equal length. */
export function maxAbsDiff(a, b) {
  assert.equal(a.length, b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

/** Deterministic pseudo-random Float32Array in [-scale, scale) (mulberry32). */
export function randomFloats(length, seed, scale = 1) {
  let state = seed >>> 0;
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1) * scale;
  }
  return out;
}

/** Random multi-head parameters for dModel (weights scaled like nn.Linear's init). */
export function randomParameters(dModel, numHeads, seed, { biases = true } = {}) {
  const scale = 1 / Math.sqrt(dModel);
  const p = { dModel, numHeads };
  ['wq', 'wk', 'wv', 'wo'].forEach((name, i) => { p[name] = randomFloats(dModel * dModel, seed + i, scale); });
  if (biases) ['bq', 'bk', 'bv', 'bo'].forEach((name, i) => { p[name] = randomFloats(dModel, seed + 10 + i, scale); });
  return p;
}

/** Largest |a - b| / max(1, |b|): absolute for values up to 1, relative above. */
export function maxScaledDiff(a, b) {
  assert.equal(a.length, b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const err = Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i]));
    worst = Number.isNaN(err) ? Infinity : Math.max(worst, err);
  }
  return worst;
}

/** Largest |a - b| relative to the largest |b| (for sums of products, whose error scales with the matrix). */
export function normwiseDiff(a, b) {
  let scale = 1e-30;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  return maxAbsDiff(a, b) / scale;
}
