// The data every view takes, and the shared transforms behind the researchers' controls:
// the measure drawn, hide special tokens, average heads, threshold ("top X %"), row or global
// normalisation.
//
//   data = { tokens: string[n], attentions: Float32Array[] (one per layer, [numHeads*n*n], row = query,
//            column = key), numHeads?: number,
//            numKvHeads?: number (grouped-query attention: query head h reads key/value head
//                         h / (numHeads / numKvHeads); the views mark the heads that share one),
//            valueNorms?: Float32Array[] (one per layer, [numHeads*n]: ‖v_j·W_O^h‖, for measure 'value'),
//            rollout?: Float32Array[] (one per layer, [n*n], for measure 'rollout') }
//
// Measures (what a cell of a view shows for query i, key j):
//   'weights'  the attention weight α_ij of each head
//   'value'    α_ij·‖v_j·W_O^h‖, the norm of what key j adds to query i's output through head h
//              (Kobayashi et al. 2020): a weight on a value vector that W_O shrinks counts for little
//   'rollout'  attention rollout up to each layer (Abnar & Zuidema 2020), one matrix per layer
//
// Views never modify the arrays they are given.

export const SPECIAL_TOKENS = new Set(['[CLS]', '[SEP]', '[PAD]', '[MASK]', '<|endoftext|>', '<s>', '</s>',
  '<pad>', '<mask>', '<unk>']);

export function isSpecialToken(token) {
  return SPECIAL_TOKENS.has(token);
}

export const MEASURES = Object.freeze({
  weights: { label: 'attention weight', short: 'weight' },
  value: { label: 'value-weighted attention ‖α·v·W_O‖', short: '‖α·v·W_O‖' },
  rollout: { label: 'attention rollout', short: 'rollout' },
});

/**
 * Checks the shape of `data` and returns { tokens, attentions, n, numLayers, numHeads, measure }, where
 * attentions hold the chosen measure's values (derived arrays are computed once per data and kept).
 */
export function normalizeData(data, measure = 'weights') {
  const d = checkData(data);
  if (!(measure in MEASURES)) {
    throw new RangeError(`attention data: measure must be one of ${Object.keys(MEASURES).join(', ')}, got ${measure}`);
  }
  if (measure === 'weights') return { ...d, measure };
  const cache = derivedCache.get(data.attentions) ?? new Map();
  derivedCache.set(data.attentions, cache);
  if (!cache.has(measure)) cache.set(measure, measure === 'value' ? valueWeighted(d, data.valueNorms) : rolloutLayers(d, data.rollout));
  const attentions = cache.get(measure);
  return { ...d, attentions, numHeads: measure === 'rollout' ? 1 : d.numHeads, measure };
}

const derivedCache = new WeakMap();  // data.attentions -> Map(measure -> derived attentions)

function valueWeighted(d, valueNorms) {
  const { n, numHeads } = d;
  if (!Array.isArray(valueNorms) || valueNorms.length !== d.numLayers) {
    throw new TypeError('attention data: the value-weighted measure needs valueNorms, one Float32Array ' +
      '[numHeads*n] per layer (model.run(..., { valueNorms: true }))');
  }
  return d.attentions.map((layer, l) => {
    const norms = valueNorms[l];
    if (!(norms instanceof Float32Array) || norms.length !== numHeads * n) {
      throw new RangeError(`attention data: valueNorms[${l}] must be a Float32Array of ${numHeads}*${n} values`);
    }
    const out = new Float32Array(layer.length);
    for (let h = 0; h < numHeads; h++) {
      for (let i = 0; i < n; i++) {
        const row = (h * n + i) * n;
        for (let j = 0; j < n; j++) out[row + j] = layer[row + j] * norms[h * n + j];
      }
    }
    return out;
  });
}

function rolloutLayers(d, rollout) {
  if (!Array.isArray(rollout) || rollout.length !== d.numLayers) {
    throw new TypeError('attention data: the rollout measure needs rollout, one Float32Array [n*n] per layer ' +
      '(core.attentionRollout(attentions, { numHeads }))');
  }
  rollout.forEach((r, l) => {
    if (!(r instanceof Float32Array) || r.length !== d.n * d.n) {
      throw new RangeError(`attention data: rollout[${l}] must be a Float32Array of ${d.n}*${d.n} values`);
    }
  });
  return rollout;
}

function checkData(data) {
  if (!data || typeof data !== 'object') throw new TypeError('attention data: expected an object { tokens, attentions }');
  const { tokens, attentions } = data;
  if (!Array.isArray(tokens)) throw new TypeError('attention data: tokens must be an array of strings');
  if (!Array.isArray(attentions) || attentions.length === 0) {
    throw new TypeError('attention data: attentions must be a non-empty array with one Float32Array per layer');
  }
  const n = tokens.length;
  const perLayer = attentions[0]?.length;
  const numHeads = data.numHeads ?? (n > 0 ? perLayer / (n * n) : 0);
  if (!Number.isInteger(numHeads) || numHeads < 1) {
    throw new RangeError(`attention data: each layer must hold numHeads*n*n values (n = ${n} tokens), got ${perLayer}`);
  }
  attentions.forEach((layer, l) => {
    if (!(layer instanceof Float32Array) || layer.length !== numHeads * n * n) {
      throw new RangeError(`attention data: attentions[${l}] must be a Float32Array of ${numHeads}*${n}*${n} values`);
    }
  });
  const numKvHeads = data.numKvHeads ?? numHeads;
  if (!Number.isInteger(numKvHeads) || numKvHeads < 1 || numHeads % numKvHeads !== 0) {
    throw new RangeError(`attention data: numKvHeads must be a whole divisor of numHeads (${numHeads}), got ${data.numKvHeads}`);
  }
  return { tokens: tokens.map(String), attentions, n, numLayers: attentions.length, numHeads, numKvHeads };
}

/**
 * The key/value head that query head `head` reads, when several query heads share one (grouped-query
 * or multi-query attention), else null: every head has its own and there is nothing to mark.
 */
export function kvHeadOf(d, head) {
  if (d.measure === 'rollout' || !(d.numKvHeads < d.numHeads) || typeof head !== 'number') return null;
  return Math.floor(head / (d.numHeads / d.numKvHeads));
}

/** "heads 0–3 share key/value head 0" for head `head`'s tooltip (null without grouping). */
export function kvHeadText(d, head) {
  const g = kvHeadOf(d, head);
  if (g === null) return null;
  const size = d.numHeads / d.numKvHeads;
  return `heads ${g * size}–${(g + 1) * size - 1} share key/value head ${g}`;
}

/** Indices of the tokens a view shows. */
export function visibleIndices(tokens, hideSpecial) {
  const keep = [];
  tokens.forEach((t, i) => { if (!hideSpecial || !isSpecialToken(t)) keep.push(i); });
  return Int32Array.from(keep);
}

/**
 * The [k*k] matrix of one head (head = number) or the mean over heads (head = 'mean') of one layer,
 * restricted to the visible tokens `keep`. Returns a view without copying when nothing is hidden.
 */
export function headMatrix(d, layer, head, keep) {
  const { n, numHeads } = d;
  const att = d.attentions[layer];
  const k = keep.length;
  const all = k === n;
  if (head !== 'mean' && all) return att.subarray(head * n * n, (head + 1) * n * n);
  const out = new Float32Array(k * k);
  const heads = head === 'mean' ? [...Array(numHeads).keys()] : [head];
  const inv = 1 / heads.length;
  for (const h of heads) {
    const base = h * n * n;
    for (let a = 0; a < k; a++) {
      const row = base + keep[a] * n;
      const dst = a * k;
      if (all) {
        for (let b = 0; b < k; b++) out[dst + b] += att[row + b] * inv;
      } else {
        for (let b = 0; b < k; b++) out[dst + b] += att[row + keep[b]] * inv;
      }
    }
  }
  return out;
}

/**
 * The smallest weight still shown when only the top `percent` % of the cells are kept
 * (exBERT's threshold). percent >= 100 keeps everything (returns -Infinity).
 * Exact, without sorting or copying 4 M weights: a histogram over the top 16 bits of each float's
 * order-preserving bit pattern finds the bin holding the cut, and only that bin's values are then
 * ranked exactly.
 */
export function thresholdCutoff(values, percent) {
  if (!(percent < 100) || values.length === 0) return -Infinity;
  const keepCount = Math.max(1, Math.ceil((values.length * Math.max(0, percent)) / 100));
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const key = (b) => (b & 0x80000000 ? ~b : b | 0x80000000) >>> 0;  // float order as unsigned order
  const histogram = new Uint32Array(65536);
  for (let i = 0; i < bits.length; i++) histogram[key(bits[i]) >>> 16]++;
  let above = 0;
  let bin = 65535;
  while (above + histogram[bin] < keepCount) above += histogram[bin--];
  const inBin = new Float32Array(histogram[bin]);
  let count = 0;
  for (let i = 0; i < bits.length; i++) if (key(bits[i]) >>> 16 === bin) inBin[count++] = values[i];
  // The cut is the (keepCount - above)-th largest value inside the bin.
  return selectKth(inBin, inBin.length - (keepCount - above));
}

// Hoare's quickselect: the k-th smallest value (0-based); reorders `a`. Linear time on average.
function selectKth(a, k) {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) { const t = a[i]; a[i] = a[j]; a[j] = t; i++; j--; }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k];
  }
  return a[k];
}

/**
 * Per-row multipliers mapping a weight to [0, 1] for colour or opacity:
 *   'global' divides by the largest weight shown, 'row' by each query row's largest weight.
 * Returns { scale: Float32Array(rows), max } where max is the global maximum (for the legend).
 */
export function normalization(values, rows, cols, mode) {
  const scale = new Float32Array(rows);
  let max = 0;
  for (let i = 0; i < rows; i++) {
    let rowMax = 0;
    const base = i * cols;
    for (let j = 0; j < cols; j++) if (values[base + j] > rowMax) rowMax = values[base + j];
    scale[i] = rowMax > 0 ? 1 / rowMax : 0;
    if (rowMax > max) max = rowMax;
  }
  if (mode !== 'row') scale.fill(max > 0 ? 1 / max : 0);
  return { scale, max };
}

/** Colours one attention matrix into packed RGBA pixels (see colormap.js). */
export function paintAttention(values, rows, cols, { scale, cutoff, colormap, hiddenColor }) {
  const pixels = new Uint32Array(rows * cols);
  const lut = colormap.packed;
  for (let i = 0; i < rows; i++) {
    const s = scale[i] * 255;
    const base = i * cols;
    for (let j = 0; j < cols; j++) {
      const v = values[base + j];
      if (v < cutoff) { pixels[base + j] = hiddenColor; continue; }
      const t = v * s;
      pixels[base + j] = lut[t >= 255 ? 255 : t > 0 ? (t + 0.5) | 0 : 0];
    }
  }
  return pixels;
}

/**
 * Shrinks a k×k attention matrix to outRows×outCols bins in ONE pass, taking the largest shown
 * value of each bin (max-pooling keeps a single strong link visible where averaging would wash it
 * out), and finds each row's maximum on the way. With outRows = outCols = k it is the identity.
 *   mode 'row':    each weight is divided by its query row's maximum before pooling
 *   mode 'global': raw weights are pooled; divide by `max` (or a maximum shared by several heads)
 * Cells below `cutoff` (the threshold) are left out; a bin with nothing shown is -1. Weights are
 * probabilities: negative values (not attention) are treated as not shown.
 * Speed matters: at 2,048 tokens a head has 4 M weights and the view draws several heads. The scan
 * compares the floats' bit patterns as integers (for non-negative IEEE floats the orders agree),
 * which V8 runs about 2.5 times faster than float comparisons.
 */
export function poolAttention(values, k, outRows, outCols, { cutoff = -Infinity, mode = 'global' } = {}) {
  const bits = new Int32Array(values.buffer, values.byteOffset, k * k);
  const pooled = new Float32Array(outRows * outCols).fill(-1);
  const colStart = new Int32Array(outCols + 1);
  for (let b = 0; b <= outCols; b++) colStart[b] = Math.ceil((b * k) / outCols);
  const binBits = new Int32Array(outCols);
  const binFloats = new Float32Array(binBits.buffer);  // the same bins read back as floats
  const filtered = cutoff > 0;
  const cutoffBits = filtered ? floatBits(cutoff) : 0;
  const byRow = mode === 'row';
  let maxBits = -1;
  for (let i = 0; i < k; i++) {
    const rowBase = i * k;
    let rowMaxBits = -1;
    for (let b = 0; b < outCols; b++) {
      let m = -1;
      const end = rowBase + colStart[b + 1];
      if (filtered) {
        for (let c = rowBase + colStart[b]; c < end; c++) {
          const x = bits[c];
          if (x > rowMaxBits) rowMaxBits = x;
          if (x >= cutoffBits && x > m) m = x;
        }
      } else {
        for (let c = rowBase + colStart[b]; c < end; c++) { const x = bits[c]; if (x > m) m = x; }
        if (m > rowMaxBits) rowMaxBits = m;
      }
      binBits[b] = m;
    }
    if (rowMaxBits > maxBits) maxBits = rowMaxBits;
    const rowMax = rowMaxBits > 0 ? bitsFloat(rowMaxBits) : 0;
    const s = byRow ? (rowMax > 0 ? 1 / rowMax : 0) : 1;
    const binBase = Math.min(outRows - 1, Math.floor((i * outRows) / k)) * outCols;
    for (let b = 0; b < outCols; b++) {
      if (binBits[b] < 0) continue;
      const t = binFloats[b] * s;
      if (t > pooled[binBase + b]) pooled[binBase + b] = t;
    }
  }
  return { pooled, max: maxBits > 0 ? bitsFloat(maxBits) : 0 };
}

const scratchBits = new Int32Array(1);
const scratchFloat = new Float32Array(scratchBits.buffer);
function floatBits(f) { scratchFloat[0] = f; return scratchBits[0]; }
function bitsFloat(b) { scratchBits[0] = b; return scratchFloat[0]; }

/** Colours pooled values (see poolAttention) times `scale`; -1 bins get hiddenColor. */
export function colorPooled(pooled, scale, colormap, hiddenColor) {
  const pixels = new Uint32Array(pooled.length);
  const lut = colormap.packed;
  const s = scale * 255;
  for (let c = 0; c < pixels.length; c++) {
    const p = pooled[c];
    const t = p * s;
    pixels[c] = p < 0 ? hiddenColor : lut[t >= 255 ? 255 : t > 0 ? (t + 0.5) | 0 : 0];
  }
  return pixels;
}

/** Colours signed values with a diverging map centred on 0; |v| = absMax maps to the ends. */
export function paintSigned(values, rows, cols, colormap, { masked } = {}) {
  let absMax = 0;
  for (let i = 0; i < values.length; i++) {
    const a = Math.abs(values[i]);
    if (Number.isFinite(a) && a > absMax) absMax = a;
  }
  const pixels = new Uint32Array(rows * cols);
  const lut = colormap.packed;
  const s = absMax > 0 ? 127.5 / absMax : 0;
  for (let c = 0; c < values.length; c++) {
    if (masked && masked[c]) { pixels[c] = masked.color; continue; }
    const t = 127.5 + values[c] * s;
    pixels[c] = lut[t >= 255 ? 255 : t > 0 ? (t + 0.5) | 0 : 0];
  }
  return { pixels, absMax };
}

/** Short, fixed-width label for canvas text (long tokens are cut with an ellipsis). */
export function displayToken(token, maxChars = 14) {
  const t = String(token).replace(/\s/g, '␣');
  return t.length > maxChars ? `${t.slice(0, maxChars - 1)}…` : t;
}

export function formatNumber(v, digits = 4) {
  if (v === -Infinity) return '−∞';
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(digits - 1);
  return v.toFixed(digits);
}
