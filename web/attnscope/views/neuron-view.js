// Neuron view (after BertViz's): for one query token and one head, how its scores come about,
// dimension by dimension: the query vector q, every key vector k_j, their elementwise product q ⊙ k_j,
// its sum (= the score q·k_j), the score × scale, and the softmax weight. A learner sees which
// dimensions make one key's score large. Data: step-data.js (the same as the Step view's).
import { formatNumber, paintAttention, paintSigned } from './paint.js';
import { diverging, HIDDEN_CELL, viridis } from './colormap.js';
import { HeatmapPanel } from './heatmap-panel.js';
import { clampInt } from './matrix-view.js';
import { headSlice, maskedAt, normalizeSteps } from './step-data.js';

const f = (v) => formatNumber(v, 4);

export class NeuronView {
  constructor(container) {
    this.container = container;
  }

  /** options: { head (model index), query (token index; default the last token), onQuery(query) } */
  update(steps, options = {}) {
    const s = normalizeSteps(steps);
    this.s = s;
    this.head = clampInt(options.head ?? s.firstHead, s.firstHead, s.firstHead + s.numHeads - 1);
    this.query = clampInt(options.query ?? s.n - 1, 0, s.n - 1);
    this.onQuery = options.onQuery;
    this.container.replaceChildren();
    this.container.classList.add('attnscope-neuron-view');
    const heading = document.createElement('h3');
    heading.className = 'attnscope-neuron-title';
    heading.textContent = `Neuron view: where the scores of head ${this.head} come from`;
    const bar = document.createElement('div');
    bar.className = 'attnscope-toolbar';
    const label = document.createElement('label');
    label.textContent = 'Query token ';
    const select = document.createElement('select');
    select.className = 'attnscope-neuron-query';
    s.tokens.forEach((t, i) => select.append(new Option(`${i}: ${t}`, String(i), false, i === this.query)));
    select.addEventListener('change', () => {
      this.query = Number(select.value);
      this.onQuery?.(this.query);
      this.#draw();
    });
    label.append(select);
    bar.append(label);
    this.grid = document.createElement('div');
    this.grid.className = 'attnscope-grid attnscope-neuron-grid';
    this.container.append(heading, bar, this.grid);
    this.#draw();
    return this;
  }

  /** The query's scores (q·k_j summed here from the vectors), scaled scores and weights, per key. */
  values() {
    const { s } = this;
    const { n, dHead: dk } = s;
    const local = this.head - s.firstHead;
    const q = headSlice(s.q, local, n, dk).subarray(this.query * dk, (this.query + 1) * dk);
    const k = headSlice(s.k, local, n, dk);
    const products = new Float32Array(n * dk);
    const scores = new Float32Array(n), scaled = new Float32Array(n);
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let c = 0; c < dk; c++) {
        products[j * dk + c] = q[c] * k[j * dk + c];
        sum += products[j * dk + c];
      }
      scores[j] = sum;
      scaled[j] = maskedAt(s, this.query, j) ? -Infinity : sum * s.scale;
    }
    const weights = headSlice(s.weights, local, n, n).slice(this.query * n, (this.query + 1) * n);
    return { q, k, products, scores, scaled, weights };
  }

  #draw() {
    const { s } = this;
    const { n, dHead: dk, tokens: tok } = s;
    const { q, k, products, scores, scaled, weights } = this.values();
    const who = `“${tok[this.query]}”`;
    const dims = Array.from({ length: dk }, (_, c) => String(c));
    const one = ['·'];
    const panels = [
      { title: `q (query ${who})`, m: q, rows: 1, cols: dk, rowLabels: [tok[this.query]], colLabels: dims,
        describe: (_, c) => [`q[${c}] = ${f(q[c])}`, `row ${this.query} of Q, head ${this.head}`] },
      { title: 'k (every key)', m: k, rows: n, cols: dk, colLabels: dims,
        describe: (j, c) => [`k_${tok[j]}[${c}] = ${f(k[j * dk + c])}`] },
      { title: 'q ⊙ k', m: products, rows: n, cols: dk, colLabels: dims,
        describe: (j, c) => [`q[${c}] × k_${tok[j]}[${c}] = ${f(q[c])} × ${f(k[j * dk + c])} = ${f(products[j * dk + c])}`,
          'red/orange dimensions push the score up, blue ones down'] },
      { title: 'Σ = score', m: scores, rows: n, cols: 1, colLabels: one, step: 'score',
        describe: (j) => [`score(${who} → “${tok[j]}”) = Σ (q ⊙ k) = ${f(scores[j])}`] },
      { title: '× scale', m: scaled, rows: n, cols: 1, colLabels: one, step: 'scaled', masked: true,
        describe: (j) => (Number.isFinite(scaled[j]) ? [`${f(scores[j])} × ${f(s.scale)} = ${f(scaled[j])}`] : ['masked: −∞']) },
      { title: 'softmax', m: weights, rows: n, cols: 1, colLabels: one, weights: true, step: 'weight',
        describe: (j) => [`weight(${who} → “${tok[j]}”) = ${f(weights[j])}`] },
    ];
    this.grid.replaceChildren();
    for (const p of panels) {
      let pixels;
      if (p.weights) {
        pixels = paintAttention(p.m, p.rows, p.cols, { scale: new Float32Array(p.rows).fill(1), cutoff: -Infinity,
          colormap: viridis, hiddenColor: HIDDEN_CELL });
      } else {
        const flags = p.masked ? Object.assign(Uint8Array.from(p.m, (x) => (Number.isFinite(x) ? 0 : 1)), { color: HIDDEN_CELL }) : undefined;
        pixels = paintSigned(p.m, p.rows, p.cols, diverging, { masked: flags }).pixels;
      }
      const panel = new HeatmapPanel(this.grid, { title: p.title, describe: p.describe });
      if (p.step) {
        panel.figure.dataset.neuron = p.step;
        panel.figure.dataset.values = JSON.stringify(Array.from(p.m, (x) => (Number.isFinite(x) ? x : null)));
      }
      panel.draw({ pixels, rows: p.rows, cols: p.cols, rowLabels: p.rowLabels ?? tok, colLabels: p.colLabels,
        maxWidth: p.cols === 1 ? 40 : 260, maxHeight: 340, maxCell: 18 });
    }
  }
}
