// The benchmark's problems: shapes, seeded random inputs shared by every engine, FLOP counts,
// the agreement check, and a float64 reference in plain JS (independent of every engine; used
// at small shapes, where it is cheap).

// The shapes (n × dModel × heads) plus a causal 512 × 768 × 12.
export const BENCH_SHAPES = [
  { n: 16, dModel: 64, numHeads: 4, causal: false },
  { n: 128, dModel: 256, numHeads: 4, causal: false },
  { n: 128, dModel: 768, numHeads: 12, causal: false },
  { n: 512, dModel: 768, numHeads: 12, causal: false },
  { n: 512, dModel: 768, numHeads: 12, causal: true },
  { n: 1024, dModel: 768, numHeads: 12, causal: false },
  { n: 2048, dModel: 64, numHeads: 1, causal: false },
];

// --quick: one small shape per mask kind the peers' graphs support.
export const QUICK_SHAPES = [
  { n: 24, dModel: 48, numHeads: 4, causal: false },
  { n: 24, dModel: 48, numHeads: 4, causal: true },
];

export function shapeLabel({ n, dModel, numHeads, causal }) {
  return `${n}×${dModel}×${numHeads}${causal ? ' causal' : ''}`;
}

// FLOPs as the issue counts them: four [n,d]·[d,d] projections (8·n·d²) plus Q·Kᵀ and P·V (4·n²·d).
// The causal case is counted the same way (the dense work every engine here does).
export function flopCount({ n, dModel: d }) {
  return 8 * n * d * d + 4 * n * n * d;
}

// mulberry32: small, seeded, reproducible across runs and engines.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Inputs like a trained layer's: x ~ U(-1, 1), W ~ U(-a, a) with a = 1/√d (nn.Linear's init),
// small biases. Scores then stay O(1), the regime where 1e-4 agreement is meaningful.
export function makeProblem(shape, seed = 1234) {
  const { n, dModel: d } = shape;
  const next = rng(seed);
  const uniform = (len, a) => { const out = new Float32Array(len); for (let i = 0; i < len; i++) out[i] = (2 * next() - 1) * a; return out; };
  const a = 1 / Math.sqrt(d);
  return {
    ...shape,
    x: uniform(n * d, 1),
    wq: uniform(d * d, a), wk: uniform(d * d, a), wv: uniform(d * d, a), wo: uniform(d * d, a),
    bq: uniform(d, 0.1), bk: uniform(d, 0.1), bv: uniform(d, 0.1), bo: uniform(d, 0.1),
  };
}

// Largest |a - b| and where, for a clear failure message.
export function maxAbsDiff(a, b) {
  if (a.length !== b.length) return { diff: Infinity, index: -1, why: `lengths differ: ${a.length} vs ${b.length}` };
  let diff = 0;
  let index = -1;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i] - b[i]);
    if (Number.isNaN(e)) return { diff: NaN, index: i, why: `NaN at index ${i}` };  // NaN fails any tolerance
    if (e > diff) { diff = e; index = i; }
  }
  return { diff, index };
}

// Textbook multi-head self-attention in float64 (y = x·W + b; W row-major [d, d]).
export function referenceMultiHeadAttention(p) {
  const { n, dModel: d, numHeads: h, causal } = p;
  const dh = d / h;
  const project = (x, w, b) => {
    const y = new Float64Array(n * d);
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < d; c++) {
        let s = b[c];
        for (let k = 0; k < d; k++) s += x[i * d + k] * w[k * d + c];
        y[i * d + c] = s;
      }
    }
    return y;
  };
  const q = project(p.x, p.wq, p.bq);
  const k = project(p.x, p.wk, p.bk);
  const v = project(p.x, p.wv, p.bv);
  const weights = new Float64Array(h * n * n);
  const heads = new Float64Array(n * d);
  const scale = 1 / Math.sqrt(dh);
  for (let head = 0; head < h; head++) {
    const off = head * dh;
    for (let i = 0; i < n; i++) {
      const row = weights.subarray((head * n + i) * n, (head * n + i + 1) * n);
      let max = -Infinity;
      for (let j = 0; j < n; j++) {
        if (causal && j > i) { row[j] = -Infinity; continue; }
        let s = 0;
        for (let c = 0; c < dh; c++) s += q[i * d + off + c] * k[j * d + off + c];
        row[j] = s * scale;
        max = Math.max(max, row[j]);
      }
      let sum = 0;
      for (let j = 0; j < n; j++) { row[j] = row[j] === -Infinity ? 0 : Math.exp(row[j] - max); sum += row[j]; }
      for (let j = 0; j < n; j++) row[j] /= sum;
      for (let c = 0; c < dh; c++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += row[j] * v[j * d + off + c];
        heads[i * d + off + c] = s;
      }
    }
  }
  const output = project(heads, p.wo, p.bo);
  return { output, weights };
}

/** softmax(mask(q_i·Kᵀ/√d))·V for one query row, in float64 (independent of the core). */
export function referenceAttentionRow(q, k, v, i, m, dK, dV, causal) {
  const keys = causal ? Math.min(i + 1, m) : m;
  const scores = new Float64Array(keys);
  let max = -Infinity;
  for (let j = 0; j < keys; j++) {
    let dot = 0;
    for (let c = 0; c < dK; c++) dot += q[i * dK + c] * k[j * dK + c];
    scores[j] = dot / Math.sqrt(dK);
    max = Math.max(max, scores[j]);
  }
  let sum = 0;
  for (let j = 0; j < keys; j++) { scores[j] = Math.exp(scores[j] - max); sum += scores[j]; }
  const out = new Float64Array(dV);
  for (let j = 0; j < keys; j++) {
    const w = scores[j] / sum;
    for (let c = 0; c < dV; c++) out[c] += w * v[j * dV + c];
  }
  return out;
}
