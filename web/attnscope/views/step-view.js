// Step view: the textbook pipeline of one attention layer with its real numbers, one panel per step,
// and below it the neuron view of one query (neuron-view.js). Hover (or arrow-key through) a cell to
// see its value and how it was obtained from the previous step. Data: step-data.js.
import { formatNumber, paintAttention, paintSigned } from './paint.js';
import { diverging, HIDDEN_CELL, viridis } from './colormap.js';
import { HeatmapPanel } from './heatmap-panel.js';
import { renderLegend } from './legend.js';
import { clampInt } from './matrix-view.js';
import { NeuronView } from './neuron-view.js';
import { headSlice, maskedAt, normalizeSteps, sideBySide } from './step-data.js';
import { applyTheme } from './theme.js';
import { hideTooltip } from './tooltip.js';

const f = (v) => formatNumber(v, 4);

export class StepView {
  /**
   * @param onChange called with { head } (the head's model index) when the user picks a head here
   * @param onQuery called with the token index when the user picks the neuron view's query
   */
  constructor(container, { onChange, onQuery } = {}) {
    this.container = container;
    this.onChange = onChange;
    this.onQuery = onQuery;
  }

  /** options: { head (model index of the head shown), query (token index for the neuron view), theme, maxWidth } */
  update(steps, options = {}) {
    const s = normalizeSteps(steps);
    this.s = s;
    const wanted = options.head === 'all' || options.head == null ? s.firstHead : options.head;
    this.head = clampInt(wanted, s.firstHead, s.firstHead + s.numHeads - 1);
    this.query = options.query;
    this.maxWidth = options.maxWidth ?? (this.container.clientWidth || 960);
    hideTooltip();  // its cell is gone
    this.container.replaceChildren();
    this.container.classList.add('attnscope-step-view');
    applyTheme(this.container, options.theme ?? 'auto');
    const bar = document.createElement('div');
    bar.className = 'attnscope-toolbar';
    const label = document.createElement('label');
    label.textContent = 'Head ';
    const select = document.createElement('select');
    select.className = 'attnscope-step-head';
    for (let h = s.firstHead; h < s.firstHead + s.numHeads; h++) {
      select.append(new Option(String(h), String(h), false, h === this.head));
    }
    select.addEventListener('change', () => {
      this.head = Number(select.value);
      this.#draw();
      this.onChange?.({ head: this.head });
    });
    label.append(select);
    const info = document.createElement('span');
    info.className = 'attnscope-note';
    info.textContent = `layer ${s.layer ?? 0} · n = ${s.n} tokens · d_model = ${s.dModel} · heads of d_k = ${s.dHead}`
      + (s.kvHeads && new Set(s.kvHeads).size < s.kvHeads.length ? ' · grouped key/value heads' : '');
    bar.append(label, info);
    renderLegend(bar, { colormap: diverging, min: -1, max: 1, midLabel: '0', label: 'value ÷ the panel’s largest |value|' });
    renderLegend(bar, { colormap: viridis, min: 0, max: 1, label: 'softmax weight' });
    this.grid = document.createElement('div');
    this.grid.className = 'attnscope-grid attnscope-steps';
    this.neuronHost = document.createElement('section');
    this.neuronHost.className = 'attnscope-neuron-host';
    this.container.append(bar, this.grid, this.neuronHost);
    this.#draw();
    return this;
  }

  #draw() {
    this.#drawPanels();
    this.neuron = new NeuronView(this.neuronHost).update(this.s, { head: this.head, query: this.query,
      onQuery: (query) => { this.query = query; this.onQuery?.(query); } });
  }

  #drawPanels() {
    const { s } = this;
    const { n, dModel: d, dHead: dk, tokens: tok } = s;
    const h = this.head;
    const local = h - s.firstHead;
    const kv = s.kvHeads?.[local] ?? h;
    const P = s.params ?? {};
    const dims = (count, offset = 0) => Array.from({ length: count }, (_, c) => String(c + offset));
    const slice = (m, width) => headSlice(m, local, n, width);
    const scores = slice(s.scores, n), scaled = slice(s.scaled, n), weights = slice(s.weights, n);
    const qh = slice(s.q, dk), kh = slice(s.k, dk), vh = slice(s.v, dk), headOut = slice(s.headOutput, dk);
    const masked = new Float32Array(n * n);
    const maskFlags = new Uint8Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        maskFlags[i * n + j] = maskedAt(s, i, j) ? 1 : 0;
        masked[i * n + j] = maskFlags[i * n + j] ? -Infinity : scaled[i * n + j];
      }
    }
    // Q, K and V: every head side by side when the steps hold them all, else this head's columns.
    const all = s.numHeads > 1;
    const width = all ? s.numHeads * dk : dk;
    const offset = all ? s.firstHead * dk : h * dk;
    const projectionOf = (m, mh) => (all ? sideBySide(m, s.numHeads, n, dk) : mh);
    const projection = (name, M, W, B, input, inputName, inWidth) => (i, c) => {
      const col = offset + c;
      const ld = W ? W.length / inWidth : 0;
      const linear = `${inputName}[${tok[i]}, :] · W_${name}[:, ${col}]${B?.length ? ` + b_${name}[${col}]` : ''}`;
      const moved = transformed(name);
      return [
        `${name}[${tok[i]}, ${col}] = ${f(M[i * width + c])}`,
        moved ? `= ${moved.replace('·', linear)}` : `= ${linear}`,
        ...(moved ? [rotaryNote(i, c % dk)] : []),
        ...(W && !moved ? [`= ${sumText(inWidth, (t) => [input[i * inWidth + t], W[t * ld + col]])}${B?.length ? ` + ${f(B[col])}` : ''}`] : []),
      ];
    };
    // Q and K of rotary models are rotated by their position (RoPE), after a per-head RMSNorm in Qwen3.
    const transformed = (name) => {
      if ((name !== 'Q' && name !== 'K') || !(s.rotaryDim > 0 || s.qkNorm)) return null;
      const normed = s.qkNorm ? 'RMSNorm_head(·)' : '·';
      return s.rotaryDim > 0 ? `RoPE(${normed})` : normed;
    };
    const rotaryNote = (i, c) => (s.rotaryDim > 0 && c < s.rotaryDim
      ? `rotated by position ${i}: dimension ${c} turns with dimension ${c < s.rotaryDim / 2 ? c + s.rotaryDim / 2 : c - s.rotaryDim / 2} of the head`
      : 'not rotated (beyond the rotary dimensions)');
    const formula = (name) => {
      const linear = `X·W_${name} + b_${name}`;
      const moved = transformed(name);
      return `${name} = ${moved ? moved.replace('·', linear) : linear}`;
    };
    const q = projectionOf(s.q, qh), k = projectionOf(s.k, kh), v = projectionOf(s.v, vh);
    const kvNote = kv !== h ? ` (key/value head ${kv})` : '';
    const panels = [
      { title: 'X', formula: s.inputFormula ?? 'the attention block’s input, one row per token', m: s.x, rows: n, cols: d,
        colLabels: dims(d), group: d % dk === 0 ? dk : 0,
        describe: (i, c) => [`X[${tok[i]}, ${c}] = ${f(s.x[i * d + c])}`, ...(s.embedding && s.position
          ? [`= embedding(${tok[i]})[${c}] + PE(position ${i}, ${c}) = ${f(s.embedding[i * d + c])} + ${f(s.position[i * d + c])}`]
          : [s.inputFormula ?? 'the attention block’s input'])] },
      { title: all ? 'Q' : `Q, head ${h}`, formula: formula('Q'), m: q, rows: n, cols: width, colLabels: dims(width, offset), group: dk,
        describe: projection('Q', q, P.wq, P.bq, s.x, 'X', d) },
      { title: all ? 'K' : `K, head ${h}${kvNote}`, formula: formula('K'), m: k, rows: n, cols: width, colLabels: dims(width, offset), group: dk,
        describe: projection('K', k, P.wk, P.bk, s.x, 'X', d) },
      { title: all ? 'V' : `V, head ${h}${kvNote}`, formula: 'V = X·W_V + b_V', m: v, rows: n, cols: width, colLabels: dims(width, offset), group: dk,
        describe: projection('V', v, P.wv, P.bv, s.x, 'X', d) },
      { title: `Scores, head ${h}`, formula: `S = Q_${h}·K_${h}ᵀ`, m: scores, rows: n, cols: n, colLabels: tok,
        describe: (i, j) => [`S[${tok[i]}, ${tok[j]}] = ${f(scores[i * n + j])}`,
          `= Q_${h}[${tok[i]}, :] · K_${h}[${tok[j]}, :]  (row ${i} of Q, column ${j} of Kᵀ${kvNote})`,
          `= ${sumText(dk, (t) => [qh[i * dk + t], kh[j * dk + t]])}`] },
      { title: 'Scaled', formula: `S × ${f(s.scale)}${Math.abs(s.scale * Math.sqrt(dk) - 1) < 1e-6 ? ` (÷ √${dk})` : ''}`,
        m: scaled, rows: n, cols: n, colLabels: tok,
        describe: (i, j) => [`S·scale [${tok[i]}, ${tok[j]}] = ${f(scaled[i * n + j])}`,
          `= ${f(scores[i * n + j])} × ${f(s.scale)}`] },
      { title: 'Masked', formula: s.allowed ? 'scaled where allowed, −∞ elsewhere' : s.causal ? 'causal: −∞ where key j > query i' : 'no mask: unchanged',
        m: masked, rows: n, cols: n, colLabels: tok, maskFlags,
        describe: (i, j) => (maskFlags[i * n + j]
          ? [`masked [${tok[i]}, ${tok[j]}] = −∞`, s.allowed ? 'not allowed by the mask' : `key #${j} comes after query #${i}: the causal mask hides it`]
          : [`masked [${tok[i]}, ${tok[j]}] = ${f(masked[i * n + j])}`, 'allowed: unchanged']) },
      { title: `Softmax weights, head ${h}`, formula: 'A = softmax over each row', m: weights, rows: n, cols: n, colLabels: tok, weights: true,
        describe: (i, j) => softmaxText(masked, n, i, j, tok, weights[i * n + j]) },
      { title: `Head ${h} output`, formula: `head_${h} = A·V_${h}`, m: headOut, rows: n, cols: dk, colLabels: dims(dk, h * dk),
        describe: (i, c) => [`head_${h}[${tok[i]}, ${c}] = ${f(headOut[i * dk + c])}`,
          `= A[${tok[i]}, :] · V_${h}[:, ${c}]  (row ${i} of the weights)`,
          `= ${sumText(n, (t) => [weights[i * n + t], vh[t * dk + c]])}`] },
    ];
    if (all) {
      const concat = sideBySide(s.headOutput, s.numHeads, n, dk);
      panels.push({ title: 'Concatenated heads', formula: `concat(head_${s.firstHead} … head_${s.firstHead + s.numHeads - 1})`,
        m: concat, rows: n, cols: width, colLabels: dims(width, offset), group: dk,
        describe: (i, c) => [`concat[${tok[i]}, ${c + offset}] = ${f(concat[i * width + c])}`,
          `= head_${s.firstHead + Math.floor(c / dk)}[${tok[i]}, ${c % dk}]`] });
    }
    panels.push({ title: 'Output', formula: 'Y = concat·W_O + b_O', m: s.output, rows: n, cols: d, colLabels: dims(d),
      describe: all ? projection('O', s.output, P.wo, P.bo, sideBySide(s.headOutput, s.numHeads, n, dk), 'concat', width)
        : (i, c) => [`Y[${tok[i]}, ${c}] = ${f(s.output[i * d + c])}`, '= concat(every head)·W_O + b_O'] });
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
          p.maskFlags ? { masked: Object.assign(p.maskFlags, { color: HIDDEN_CELL }) } : {});
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
