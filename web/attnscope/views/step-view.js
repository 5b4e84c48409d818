// Step view: the textbook pipeline of one attention layer with its real numbers, one panel per step.
// Hover (or arrow-key through) a cell to see its value and how it was obtained from the previous step.
//
//   steps = { tokens, dModel, numHeads, layer, causal: bool, allowed?: Uint8Array [n*n],
//             x, q, k, v, heads, output: Float32Array [n*dModel],
//             scores, scaled, weights: Float32Array [numHeads*n*n],
//             params: { wq, wk, wv, wo [dModel*dModel], bq, bk, bv, bo [dModel] or empty },
//             inputFormula?: string }
// The numbers drawn are those given (the module's); the tooltip only re-derives how they arise.
import { formatNumber } from './attention-data.js';
import { diverging, HIDDEN_CELL, viridis } from './colormap.js';
import { HeatmapPanel } from './heatmap-panel.js';
import { paintAttention, paintSigned } from './attention-data.js';
import { clampInt } from './matrix-view.js';
import { renderLegend } from './legend.js';
import { hideTooltip } from './tooltip.js';

const f = (v) => formatNumber(v, 4);
const MASKED_COLOR = HIDDEN_CELL;

export class StepView {
  constructor(container, { onChange } = {}) {
    this.container = container;
    this.onChange = onChange;
  }

  /** options: { head (number), maxWidth } */
  update(steps, options = {}) {
    validateSteps(steps);
    this.s = steps;
    this.head = clampInt(options.head === 'all' ? 0 : options.head ?? 0, 0, steps.numHeads - 1);
    this.maxWidth = options.maxWidth ?? (this.container.clientWidth || 960);
    hideTooltip();  // its cell is gone
    this.container.replaceChildren();
    this.container.classList.add('attnscope-step-view');
    const bar = document.createElement('div');
    bar.className = 'attnscope-toolbar';
    const label = document.createElement('label');
    label.textContent = 'Head ';
    const select = document.createElement('select');
    select.className = 'attnscope-step-head';
    for (let h = 0; h < steps.numHeads; h++) select.append(new Option(String(h), String(h), false, h === this.head));
    select.addEventListener('change', () => {
      this.head = Number(select.value);
      this.#drawPanels();
      this.onChange?.({ head: this.head });
    });
    label.append(select);
    const info = document.createElement('span');
    info.className = 'attnscope-note';
    const dk = steps.dModel / steps.numHeads;
    info.textContent = `layer ${steps.layer ?? 0} · n = ${steps.tokens.length} tokens · d_model = ${steps.dModel} · `
      + `${steps.numHeads} heads of d_k = ${dk}`;
    bar.append(label, info);
    renderLegend(bar, { colormap: diverging, min: -1, max: 1, midLabel: '0', label: 'value ÷ the panel’s largest |value|' });
    renderLegend(bar, { colormap: viridis, min: 0, max: 1, label: 'softmax weight' });
    this.grid = document.createElement('div');
    this.grid.className = 'attnscope-grid attnscope-steps';
    this.container.append(bar, this.grid);
    this.#drawPanels();
    return this;
  }

  #drawPanels() {
    const { s } = this;
    const n = s.tokens.length;
    const d = s.dModel;
    const H = s.numHeads;
    const dk = d / H;
    const h = this.head;
    const P = s.params ?? {};
    const tok = s.tokens;
    const dims = (count, offset = 0) => Array.from({ length: count }, (_, c) => String(c + offset));
    const sq = h * n * n;
    const isMasked = (i, j) => (s.allowed ? !s.allowed[i * n + j] : s.causal && j > i);
    const masked = new Float32Array(n * n);
    const maskFlags = new Uint8Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        maskFlags[i * n + j] = isMasked(i, j) ? 1 : 0;
        masked[i * n + j] = maskFlags[i * n + j] ? -Infinity : s.scaled[sq + i * n + j];
      }
    }
    const headSlice = (m, rows) => {
      const out = new Float32Array(rows * dk);
      for (let i = 0; i < rows; i++) out.set(m.subarray(i * d + h * dk, i * d + (h + 1) * dk), i * dk);
      return out;
    };
    const qh = headSlice(s.q, n);
    const kh = headSlice(s.k, n);
    const vh = headSlice(s.v, n);
    const headOut = headSlice(s.heads, n);
    const projection = (name, M, W, B, input, inputName) => (i, c) => [
      `${name}[${tok[i]}, ${c}] = ${f(M[i * d + c])}`,
      `= ${inputName}[${tok[i]}, :] · W_${name}[:, ${c}]${B?.length ? ` + b_${name}[${c}]` : ''}`,
      `= ${sumText(d, (t) => [input[i * d + t], W?.[t * d + c]])}${B?.length ? ` + ${f(B[c])}` : ''}`,
    ];
    const weightsRow = s.weights.subarray(sq, sq + n * n);
    const panels = [
      { title: 'X', formula: s.inputFormula ?? 'the layer input, one row per token', m: s.x, rows: n, cols: d, colLabels: dims(d), group: dk,
        describe: (i, c) => [`X[${tok[i]}, ${c}] = ${f(s.x[i * d + c])}`, ...(s.embedding && s.position
          ? [`= embedding(${tok[i]})[${c}] + PE(position ${i}, ${c}) = ${f(s.embedding[i * d + c])} + ${f(s.position[i * d + c])}`]
          : [s.inputFormula ?? 'the layer input'])] },
      { title: 'Q', formula: 'Q = X·W_Q + b_Q', m: s.q, rows: n, cols: d, colLabels: dims(d), group: dk,
        describe: projection('Q', s.q, P.wq, P.bq, s.x, 'X') },
      { title: 'K', formula: 'K = X·W_K + b_K', m: s.k, rows: n, cols: d, colLabels: dims(d), group: dk,
        describe: projection('K', s.k, P.wk, P.bk, s.x, 'X') },
      { title: 'V', formula: 'V = X·W_V + b_V', m: s.v, rows: n, cols: d, colLabels: dims(d), group: dk,
        describe: projection('V', s.v, P.wv, P.bv, s.x, 'X') },
      { title: `Scores, head ${h}`, formula: `S = Q_${h}·K_${h}ᵀ`, m: s.scores.subarray(sq, sq + n * n), rows: n, cols: n, colLabels: tok,
        describe: (i, j) => [`S[${tok[i]}, ${tok[j]}] = ${f(s.scores[sq + i * n + j])}`,
          `= Q_${h}[${tok[i]}, :] · K_${h}[${tok[j]}, :]  (row ${i} of Q, column ${j} of Kᵀ, dims ${h * dk}–${(h + 1) * dk - 1})`,
          `= ${sumText(dk, (t) => [qh[i * dk + t], kh[j * dk + t]])}`] },
      { title: 'Scaled', formula: `S / √d_k,  √${dk} = ${f(Math.sqrt(dk))}`, m: s.scaled.subarray(sq, sq + n * n), rows: n, cols: n, colLabels: tok,
        describe: (i, j) => [`S/√d_k [${tok[i]}, ${tok[j]}] = ${f(s.scaled[sq + i * n + j])}`,
          `= ${f(s.scores[sq + i * n + j])} / ${f(Math.sqrt(dk))}`] },
      { title: 'Masked', formula: s.allowed ? 'S/√d_k where allowed, −∞ elsewhere' : s.causal ? 'causal: −∞ where key j > query i' : 'no mask (causal off): unchanged',
        m: masked, rows: n, cols: n, colLabels: tok, maskFlags,
        describe: (i, j) => (maskFlags[i * n + j]
          ? [`masked [${tok[i]}, ${tok[j]}] = −∞`, s.allowed ? 'not allowed by the mask' : `key #${j} comes after query #${i}: the causal mask hides it`]
          : [`masked [${tok[i]}, ${tok[j]}] = ${f(masked[i * n + j])}`, 'allowed: S/√d_k unchanged']) },
      { title: `Softmax weights, head ${h}`, formula: 'A = softmax over each row', m: weightsRow, rows: n, cols: n, colLabels: tok, weights: true,
        describe: (i, j) => softmaxText(masked, n, i, j, tok, weightsRow[i * n + j]) },
      { title: `Head ${h} output`, formula: `head_${h} = A·V_${h}`, m: headOut, rows: n, cols: dk, colLabels: dims(dk, h * dk),
        describe: (i, c) => [`head_${h}[${tok[i]}, ${c}] = ${f(headOut[i * dk + c])}`,
          `= A[${tok[i]}, :] · V_${h}[:, ${c}]  (row ${i} of the weights, column ${h * dk + c} of V)`,
          `= ${sumText(n, (t) => [weightsRow[i * n + t], vh[t * dk + c]])}`] },
      { title: 'Concatenated heads', formula: `concat(head_0 … head_${H - 1})`, m: s.heads, rows: n, cols: d, colLabels: dims(d), group: dk,
        describe: (i, c) => [`concat[${tok[i]}, ${c}] = ${f(s.heads[i * d + c])}`,
          `= head_${Math.floor(c / dk)}[${tok[i]}, ${c % dk}]`] },
      { title: 'Output', formula: 'Y = concat·W_O + b_O', m: s.output, rows: n, cols: d, colLabels: dims(d),
        describe: projection('O', s.output, P.wo, P.bo, s.heads, 'concat') },
    ];
    this.grid.replaceChildren();
    this.panels = [];
    const plot = Math.max(160, Math.min(340, this.maxWidth - 120));
    for (const p of panels) {
      let pixels;
      let range = '';
      if (p.weights) {
        pixels = paintAttention(p.m, p.rows, p.cols, { scale: new Float32Array(p.rows).fill(1), cutoff: -Infinity,
          colormap: viridis, hiddenColor: HIDDEN_CELL });
      } else {
        const signed = paintSigned(p.m, p.rows, p.cols, diverging,
          p.maskFlags ? { masked: Object.assign(p.maskFlags, { color: MASKED_COLOR }) } : {});
        pixels = signed.pixels;
        range = `  (|value| ≤ ${f(signed.absMax)})`;
      }
      const panel = new HeatmapPanel(this.grid, { title: p.title, subtitle: p.formula + range, describe: p.describe });
      panel.figure.dataset.step = p.title.split(/[ ,]/)[0].toLowerCase();
      panel.draw({ pixels, rows: p.rows, cols: p.cols, rowLabels: tok, colLabels: p.colLabels,
        maxWidth: plot, maxHeight: plot, maxCell: 22, colGroup: p.group });
      this.panels.push(panel);
    }
  }
}

// "a₀·b₀ + a₁·b₁ + a₂·b₂ + … (n terms)" for a dot product, the first three terms written out.
function sumText(count, term) {
  const shown = [];
  for (let t = 0; t < Math.min(3, count); t++) {
    const [a, b] = term(t);
    shown.push(`${f(a)}·${b === undefined ? '?' : f(b)}`);
  }
  return `${shown.join(' + ')}${count > 3 ? ` + … (${count} terms)` : ''}`;
}

function softmaxText(masked, n, i, j, tok, value) {
  const row = masked.subarray(i * n, (i + 1) * n);
  let max = -Infinity;
  for (const z of row) if (z > max) max = z;
  let sum = 0;
  for (const z of row) sum += Math.exp(z - max);
  const e = Math.exp(row[j] - max);
  return [`A[${tok[i]}, ${tok[j]}] = ${f(value)}`,
    `= exp(z − max) / Σ exp(z − max) over row ${i}`,
    `= exp(${f(row[j])} − ${f(max)}) / ${f(sum)} = ${f(e)} / ${f(sum)}`];
}

function validateSteps(s) {
  if (!s || !Array.isArray(s.tokens)) throw new TypeError('step view: expected steps { tokens, dModel, numHeads, x, q, k, v, … }');
  const n = s.tokens.length;
  const d = s.dModel;
  const H = s.numHeads;
  if (!(Number.isInteger(d) && Number.isInteger(H) && H > 0 && d % H === 0)) {
    throw new RangeError('step view: dModel must be a positive multiple of numHeads');
  }
  for (const key of ['x', 'q', 'k', 'v', 'heads', 'output']) {
    if (!(s[key] instanceof Float32Array) || s[key].length !== n * d) throw new RangeError(`step view: ${key} must be a Float32Array of n*dModel = ${n * d} values`);
  }
  for (const key of ['scores', 'scaled', 'weights']) {
    if (!(s[key] instanceof Float32Array) || s[key].length !== H * n * n) throw new RangeError(`step view: ${key} must be a Float32Array of numHeads*n*n = ${H * n * n} values`);
  }
}
