// Colour maps for the views, as 256-entry lookup tables of packed RGBA (little-endian Uint32, the
// byte order of ImageData), so a 2,048² heatmap is one table lookup per cell.
//
// Attention weights use viridis: perceptually uniform, readable in grey scale and by the common
// colour-vision deficiencies. The stops are viridis sampled at ten evenly spaced points (the
// palette published with matplotlib, CC0); between stops we interpolate linearly in sRGB, which
// stays within a few percent of the full table.
// Signed values (scores, projections) use a diverging blue–white–orange map, also colour-blind safe.

const VIRIDIS_STOPS = ['#440154', '#482878', '#3e4989', '#31688e', '#26828e',
  '#1f9e89', '#35b779', '#6ece58', '#b5de2b', '#fde725'];
const DIVERGING_STOPS = ['#2166ac', '#67a9cf', '#d1e5f0', '#f7f7f7', '#fee0b6', '#f1a340', '#b35806'];

function hexToRgb(hex) {
  const v = parseInt(hex.slice(1), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

function buildTable(stops) {
  const rgb = stops.map(hexToRgb);
  const packed = new Uint32Array(256);
  const css = new Array(256);
  for (let i = 0; i < 256; i++) {
    const t = (i / 255) * (rgb.length - 1);
    const lo = Math.min(Math.floor(t), rgb.length - 2);
    const f = t - lo;
    const [r, g, b] = [0, 1, 2].map((c) => Math.round(rgb[lo][c] * (1 - f) + rgb[lo + 1][c] * f));
    packed[i] = (255 << 24) | (b << 16) | (g << 8) | r;
    css[i] = `rgb(${r},${g},${b})`;
  }
  return { packed, css, name: '' };
}

export const viridis = Object.assign(buildTable(VIRIDIS_STOPS), { name: 'viridis' });
export const diverging = Object.assign(buildTable(DIVERGING_STOPS), { name: 'blue–orange' });

/** CSS colour of value t in [0, 1] (clamped). */
export function cssColor(map, t) {
  return map.css[toIndex(t)];
}

export function toIndex(t) {
  if (!(t > 0)) return 0;  // also NaN
  return t >= 1 ? 255 : (t * 255 + 0.5) | 0;
}

// Background of cells hidden by the threshold: neutral grey, distinct from every viridis colour.
export const HIDDEN_CELL = (255 << 24) | (0xe4 << 16) | (0xe4 << 8) | 0xe4;
export const HIDDEN_CSS = '#e4e4e4';

// One colour per head, Okabe–Ito's colour-blind-safe palette first, then Paul Tol's "muted".
export const HEAD_COLORS = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00',
  '#f0e442', '#000000', '#332288', '#88ccee', '#44aa99', '#117733', '#999933', '#ddcc77',
  '#cc6677', '#882255'];

export function headColor(h) {
  return HEAD_COLORS[h % HEAD_COLORS.length];
}
