// The data the Step and Neuron views take: one layer's attention step by step, as model.run returns
// it with steps (web/attnscope/src/model-run.js, model-seq2seq.js), plus the tokens and the mask.
// Self-attention has one token list (tokens); attention whose keys come from another sequence
// (an encoder–decoder model's cross-attention: queries from the decoder, keys and values from the
// encoder's output) has two, queryTokens [nq] and keyTokens [nk] (an encoder–decoder model's
// self-attentions may give them too, the same length). With n = nq = nk for self-attention:
//
//   steps = { tokens: string[n] | queryTokens: string[nq] and keyTokens: string[nk],
//             kind?: 'encoder' | 'decoder' | 'cross' (the part of an encoder–decoder model), layer,
//             numHeads (heads in the arrays), firstHead (the index of the first of them, default 0),
//             dHead, scale, kvHeads?: number[] (the K/V head each reads), dModel, causal: bool,
//             allowed?: Uint8Array [nq*nk],
//             x [nq*dModel] (the queries' input), context? [nk*dModel] (the keys' and values' input
//             when another sequence's: the encoder's output), q [heads*nq*dHead], k, v [heads*nk*dHead]
//             (each head's own K/V, head-major), scores, scaled, weights [heads*nq*nk],
//             headOutput [heads*nq*dHead], output [nq*dModel],
//             projectionBiases?: bool (default true; false: Q, K, V and the output have no bias, as T5's),
//             positionBias?: bool (scaled = scores × scale + a per-head position bias, T5's relative
//             position buckets; the bias is scaled − scores × scale),
//             params?: { wq, wk, wv, wo [dModel*dModel], bq, bk, bv, bo } (to write projections out),
//             rotaryDim?: number (Q and K are rotated by position in their first rotaryDim values: RoPE),
//             qkNorm?: bool (Q and K get a per-head RMSNorm first, as Qwen3's),
//             inputFormula?, contextFormula?, embedding?, position? [n*dModel] }
// The views draw the numbers given; tooltips only re-derive how they arise.

const KINDS = ['encoder', 'decoder', 'cross'];

/**
 * Checks `steps` and returns it with its defaults filled in, plus nq, nk (queries, keys), n (= nq),
 * queryTokens, keyTokens and cross (keys and values from another sequence than the queries).
 * Each error names the wrong field and what it should hold.
 */
export function normalizeSteps(steps) {
  if (!steps || typeof steps !== 'object') {
    throw new TypeError('step view: expected steps { tokens, numHeads, dHead, x, q, k, v, scores, … } (model.run steps)');
  }
  const { queryTokens, keyTokens } = stepTokens(steps);
  const nq = queryTokens.length, nk = keyTokens.length;
  const H = steps.numHeads;
  const dh = steps.dHead;
  const d = steps.dModel ?? (steps.x?.length !== undefined ? steps.x.length / nq : NaN);
  if (!(Number.isInteger(H) && H > 0 && Number.isInteger(dh) && dh > 0 && Number.isInteger(d) && d > 0)) {
    throw new RangeError('step view: numHeads, dHead and dModel must be positive integers');
  }
  if (steps.kind !== undefined && steps.kind !== null && !KINDS.includes(steps.kind)) {
    throw new RangeError(`step view: kind must be 'encoder', 'decoder' or 'cross', got ${JSON.stringify(steps.kind)}`);
  }
  if ((steps.kind === 'encoder' || steps.kind === 'decoder') && nq !== nk) {
    throw new RangeError(`step view: ${steps.kind} self-attention has as many keys as queries, got ${nq} queryTokens and ${nk} keyTokens`);
  }
  const need = { x: [nq * d, 'nq*dModel'], output: [nq * d, 'nq*dModel'], q: [H * nq * dh, 'numHeads*nq*dHead'],
    k: [H * nk * dh, 'numHeads*nk*dHead'], v: [H * nk * dh, 'numHeads*nk*dHead'],
    headOutput: [H * nq * dh, 'numHeads*nq*dHead'], scores: [H * nq * nk, 'numHeads*nq*nk'],
    scaled: [H * nq * nk, 'numHeads*nq*nk'], weights: [H * nq * nk, 'numHeads*nq*nk'] };
  if (steps.context != null) need.context = [nk * d, 'nk*dModel'];
  const sizes = `numHeads = ${H}, dHead = ${dh}, dModel = ${d}, nq = ${nq} queries, nk = ${nk} keys`;
  for (const [key, [length, formula]] of Object.entries(need)) {
    const value = steps[key];
    if (!(value instanceof Float32Array) || value.length !== length) {
      const got = value instanceof Float32Array ? `${value.length} values` : value === undefined ? 'nothing' : `a ${value?.constructor?.name ?? typeof value}`;
      throw new RangeError(`step view: ${key} must be a Float32Array of ${formula} = ${length} values (${sizes}), got ${got}`);
    }
  }
  if (steps.allowed && steps.allowed.length !== nq * nk) {
    throw new RangeError(`step view: allowed must hold nq*nk = ${nq * nk} flags (one per query and key), got ${steps.allowed.length}`);
  }
  const square = steps.tokens !== undefined;
  return { firstHead: 0, scale: 1 / Math.sqrt(dh), causal: false, positionBias: false, projectionBiases: true, ...steps, dModel: d,
    n: nq, nq, nk, queryTokens, keyTokens, cross: steps.kind === 'cross' || (steps.kind == null && !square) };
}

// The query and key token lists: tokens for both, or queryTokens and keyTokens.
function stepTokens(steps) {
  const list = (value, name) => {
    if (!Array.isArray(value) || value.length === 0) {
      throw new TypeError(`step view: ${name} must be a non-empty array of token strings`);
    }
    return value.map(String);
  };
  const twoLists = steps.queryTokens !== undefined || steps.keyTokens !== undefined;
  if (steps.tokens !== undefined) {
    const tokens = list(steps.tokens, 'tokens');
    // Both forms at once only as normalizeSteps returns square steps (so that it can take its own result).
    const same = (other) => Array.isArray(other) && other.length === tokens.length && other.every((t, i) => String(t) === tokens[i]);
    if (twoLists && !(same(steps.queryTokens) && same(steps.keyTokens))) {
      throw new TypeError('step view: give tokens (self-attention) or queryTokens and keyTokens, not both');
    }
    return { queryTokens: tokens, keyTokens: tokens };
  }
  if (!twoLists) {
    throw new TypeError('step view: expected steps with tokens (self-attention) or queryTokens and keyTokens (model.run steps)');
  }
  return { queryTokens: list(steps.queryTokens, 'queryTokens'), keyTokens: list(steps.keyTokens, 'keyTokens') };
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

/** Whether key j is hidden from query i (s: normalizeSteps' result). */
export function maskedAt(s, i, j) {
  return s.allowed ? !s.allowed[i * s.nk + j] : s.causal && j > i;
}

/** The position bias in scaled[i, j] of a head's [nq*nk] slices: scaled − scores × scale (0 without one). */
export function positionBiasAt(s, scores, scaled, i, j) {
  return s.positionBias ? scaled[i * s.nk + j] - scores[i * s.nk + j] * s.scale : 0;
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
