// The demo's attention source until a real model is loaded: a small seeded transformer.
//   tokens      lower-cased words and punctuation marks, between [CLS] and [SEP] (as BERT frames them;
//               a sentence pair as [CLS] A [SEP] B [SEP])
//   X₀          a deterministic embedding per token string (seeded by the string's hash, so "he" is
//               the same vector in every sentence) + sinusoidal positions (Vaswani et al. 2017)
//   each layer  multi-head self-attention computed by the attnscope module, with W_Q, W_K, W_V, W_O and
//               biases drawn from the user's seed; X_{l+1} = LayerNorm(X_l + attention(X_l))
// Weights are random, so the patterns mean nothing linguistically: they show the arithmetic.

import { stepsFromMultiHead } from '../views/step-data.js';

export const SEEDED_LIMITS = Object.freeze({ dModel: [4, 256], numHeads: [1, 16], numLayers: [1, 8], stepsMaxTokens: 512 });

/** Lower-case words (letters/digits, inner apostrophes kept) and single punctuation marks. */
export function tokenizeWords(text) {
  return String(text).toLowerCase().match(/[\p{L}\p{N}]+(?:['’][\p{L}\p{N}]+)*|[^\s\p{L}\p{N}]/gu) ?? [];
}

/** The seeded source's tokens: [] for empty input, else [CLS] words… [SEP]. */
export function tokenize(text) {
  const words = tokenizeWords(text);
  return words.length ? ['[CLS]', ...words, '[SEP]'] : [];
}

/**
 * A sentence pair as BERT frames it: [CLS] A… [SEP] B… [SEP], with sentenceBStart the index of B's
 * first word. Either sentence may be empty of words ([CLS] [SEP] B… [SEP] is still a pair).
 */
export function tokenizePair(text, textPair) {
  const a = tokenizeWords(text);
  const b = tokenizeWords(textPair);
  return { tokens: ['[CLS]', ...a, '[SEP]', ...b, '[SEP]'], sentenceBStart: a.length + 2 };
}

// FNV-1a: a stable 32-bit hash of a string (UTF-16 code units are enough for seeding).
function hashString(s) {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

// mulberry32: small, fast, deterministic PRNG; normal() by Box–Muller.
export function rng(seed) {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  return { uniform, normal };
}

function randomMatrix(r, count, std) {
  const m = new Float32Array(count);
  for (let i = 0; i < count; i++) m[i] = r.normal() * std;
  return m;
}

/** X₀ = embedding(token) + PE(position), [n*dModel]; also returns the two parts for the step view. */
export function embed(tokens, dModel) {
  const n = tokens.length;
  const embedding = new Float32Array(n * dModel);
  const position = new Float32Array(n * dModel);
  tokens.forEach((t, i) => {
    embedding.set(randomMatrix(rng(hashString(t)), dModel, 1), i * dModel);
    for (let c = 0; c < dModel; c++) {
      const angle = i / 10000 ** ((2 * Math.floor(c / 2)) / dModel);
      position[i * dModel + c] = c % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    }
  });
  const x = new Float32Array(n * dModel);
  for (let i = 0; i < x.length; i++) x[i] = embedding[i] + position[i];
  return { x, embedding, position };
}

/** The projections of layer `layer` for `seed`, as the module's multiHeadAttention takes them. */
export function layerParams(seed, layer, dModel, numHeads) {
  const r = rng(hashString(`attnscope-seeded:${seed}:${layer}`));
  const std = 1 / Math.sqrt(dModel);
  // Sharper queries/keys than Xavier so heads differ visibly instead of all being near-uniform.
  return {
    dModel, numHeads,
    wq: randomMatrix(r, dModel * dModel, 2 * std), wk: randomMatrix(r, dModel * dModel, 2 * std),
    wv: randomMatrix(r, dModel * dModel, std), wo: randomMatrix(r, dModel * dModel, std),
    bq: randomMatrix(r, dModel, 0.1), bk: randomMatrix(r, dModel, 0.1),
    bv: randomMatrix(r, dModel, 0.1), bo: randomMatrix(r, dModel, 0.1),
  };
}

function layerNorm(x, n, d) {
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    let mean = 0;
    for (let c = 0; c < d; c++) mean += x[i * d + c];
    mean /= d;
    let variance = 0;
    for (let c = 0; c < d; c++) variance += (x[i * d + c] - mean) ** 2;
    const inv = 1 / Math.sqrt(variance / d + 1e-5);
    for (let c = 0; c < d; c++) out[i * d + c] = (x[i * d + c] - mean) * inv;
  }
  return out;
}

/**
 * Runs the seeded transformer on `tokens` with the attnscope core.
 * @returns { tokens, attentions: Float32Array[] per layer, valueNorms ([numHeads*n] per layer), numHeads,
 *            steps (of layer stepLayer, or null when the input is longer than SEEDED_LIMITS.stepsMaxTokens) }
 */
export function runSeeded(core, tokens, { seed = 1, dModel = 16, numHeads = 4, numLayers = 3, causal = false, stepLayer = 0 } = {}) {
  const n = tokens.length;
  const { x: x0, embedding, position } = embed(tokens, dModel);
  let x = x0;
  const attentions = [], valueNorms = [];
  let steps = null;
  for (let l = 0; l < numLayers; l++) {
    const params = layerParams(seed, l, dModel, numHeads);
    const wantSteps = l === stepLayer && n <= SEEDED_LIMITS.stepsMaxTokens;
    const r = core.multiHeadAttention({ ...params, x, mask: causal ? 'causal' : null, weights: true, heads: wantSteps,
      steps: wantSteps, valueNorms: true });
    attentions.push(r.weights);
    valueNorms.push(r.valueNorms);
    if (wantSteps) {
      steps = stepsFromMultiHead(r, { tokens, dModel, numHeads, layer: l, causal, x, params,
        inputFormula: l === 0 ? 'X = token embedding + sinusoidal position' : `X = LayerNorm(X + attention(X)) of layer ${l - 1}`,
        embedding: l === 0 ? embedding : null, position: l === 0 ? position : null });
    }
    const sum = new Float32Array(n * dModel);
    for (let i = 0; i < sum.length; i++) sum[i] = x[i] + r.output[i];
    x = layerNorm(sum, n, dModel);
  }
  return { tokens, attentions, valueNorms, numHeads, steps };
}
