// Turning attention matrices into pixels and text: the threshold's cut, row or global
// normalisation, colouring, max-pooling a long matrix down to the screen's pixels, and the short
// labels and numbers the views print. Pure functions on typed arrays (they run in Node too).

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
 * Shrinks a k×cols attention matrix (k query rows; cols key columns, k unless given) to
 * outRows×outCols bins in ONE pass, taking the largest shown value of each bin (max-pooling keeps a
 * single strong link visible where averaging would wash it out), and finds each row's maximum on the
 * way. With outRows = k and outCols = cols it is the identity.
 *   mode 'row':    each weight is divided by its query row's maximum before pooling
 *   mode 'global': raw weights are pooled; divide by `max` (or a maximum shared by several heads)
 * Cells below `cutoff` (the threshold) are left out; a bin with nothing shown is -1. Weights are
 * probabilities: negative values (not attention) are treated as not shown.
 * Speed matters: at 2,048 tokens a head has 4 M weights and the view draws several heads. The scan
 * compares the floats' bit patterns as integers (for non-negative IEEE floats the orders agree),
 * which V8 runs about 2.5 times faster than float comparisons.
 */
export function poolAttention(values, k, outRows, outCols, { cutoff = -Infinity, mode = 'global', cols = k } = {}) {
  const bits = new Int32Array(values.buffer, values.byteOffset, k * cols);
  const pooled = new Float32Array(outRows * outCols).fill(-1);
  const colStart = new Int32Array(outCols + 1);
  for (let b = 0; b <= outCols; b++) colStart[b] = Math.ceil((b * cols) / outCols);
  const binBits = new Int32Array(outCols);
  const binFloats = new Float32Array(binBits.buffer);  // the same bins read back as floats
  const filtered = cutoff > 0;
  const cutoffBits = filtered ? floatBits(cutoff) : 0;
  const byRow = mode === 'row';
  let maxBits = -1;
  for (let i = 0; i < k; i++) {
    const rowBase = i * cols;
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
