// The data the Step and Neuron views take: one layer's attention step by step, as model.run returns
// it with steps (web/attnscope/src/model-run.js), plus the tokens and the mask:
//
//   steps = { tokens: string[n], layer, numHeads (heads in the arrays), firstHead (the index of the
//             first of them, default 0), dHead, scale, kvHeads?: number[] (the K/V head each reads),
//             dModel, causal: bool, allowed?: Uint8Array [n*n],
//             x [n*dModel], q [heads*n*dHead], k, v [heads*n*dHead] (each head's own K/V, head-major),
//             scores, scaled, weights [heads*n*n], headOutput [heads*n*dHead], output [n*dModel],
//             params?: { wq, wk, wv, wo [dModel*dModel], bq, bk, bv, bo } (to write projections out),
//             rotaryDim?: number (Q and K are rotated by position in their first rotaryDim values: RoPE),
//             qkNorm?: bool (Q and K get a per-head RMSNorm first, as Qwen3's),
//             inputFormula?, embedding?, position? [n*dModel] }
// The views draw the numbers given; tooltips only re-derive how they arise.

/** Checks `steps` and returns it with its defaults filled in. */
export function normalizeSteps(steps) {
  if (!steps || !Array.isArray(steps.tokens)) {
    throw new TypeError('step view: expected steps { tokens, numHeads, dHead, x, q, k, v, scores, … } (model.run steps)');
  }
  const n = steps.tokens.length;
  const H = steps.numHeads;
  const dh = steps.dHead;
  const d = steps.dModel ?? (steps.x ? steps.x.length / n : NaN);
  if (!(Number.isInteger(H) && H > 0 && Number.isInteger(dh) && dh > 0 && Number.isInteger(d) && d > 0)) {
    throw new RangeError('step view: numHeads, dHead and dModel must be positive integers');
  }
  const need = { x: n * d, output: n * d, q: H * n * dh, k: H * n * dh, v: H * n * dh, headOutput: H * n * dh,
    scores: H * n * n, scaled: H * n * n, weights: H * n * n };
  for (const [key, length] of Object.entries(need)) {
    if (!(steps[key] instanceof Float32Array) || steps[key].length !== length) {
      throw new RangeError(`step view: ${key} must be a Float32Array of ${length} values`);
    }
  }
  if (steps.allowed && steps.allowed.length !== n * n) throw new RangeError(`step view: allowed must hold n*n = ${n * n} flags`);
  return { firstHead: 0, scale: 1 / Math.sqrt(dh), causal: false, ...steps, dModel: d, n };
}

/** Head h's (0-based within the arrays) [rows*width] slice of a head-major array. */
export function headSlice(values, h, rows, width) {
  return values.subarray(h * rows * width, (h + 1) * rows * width);
}

/** The heads of a head-major array side by side, [n, heads*width] row-major (as one projection). */
export function sideBySide(values, heads, n, width) {
  const out = new Float32Array(values.length);
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < n; i++) out.set(values.subarray((h * n + i) * width, (h * n + i + 1) * width), i * heads * width + h * width);
  }
  return out;
}

/** Whether key j is hidden from query i. */
export function maskedAt(s, i, j) {
  return s.allowed ? !s.allowed[i * s.n + j] : s.causal && j > i;
}

/**
 * Steps in this format from core.multiHeadAttention's steps (q, k, v, heads [n*dModel] row-major,
 * scores, scaled, weights [numHeads*n*n]) for one layer of the seeded transformer.
 */
export function stepsFromMultiHead(result, { tokens, dModel, numHeads, layer, causal, x, params, ...extra }) {
  const n = tokens.length, dh = dModel / numHeads;
  const headMajor = (m) => {
    const out = new Float32Array(m.length);
    for (let h = 0; h < numHeads; h++) {
      for (let i = 0; i < n; i++) out.set(m.subarray(i * dModel + h * dh, i * dModel + (h + 1) * dh), (h * n + i) * dh);
    }
    return out;
  };
  return {
    tokens, layer, numHeads, firstHead: 0, dHead: dh, dModel, scale: 1 / Math.sqrt(dh), causal, x,
    q: headMajor(result.q), k: headMajor(result.k), v: headMajor(result.v), scores: result.scores,
    scaled: result.scaled, weights: result.weights, headOutput: headMajor(result.heads), output: result.output,
    params, ...extra,
  };
}
