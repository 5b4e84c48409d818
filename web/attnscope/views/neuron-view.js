// Neuron view (after BertViz's): for one query token and one head, how its scores come about,
// dimension by dimension: the query vector q, every key vector k_j, their elementwise product q ⊙ k_j,
// its sum (= the score q·k_j), the score × scale (+ T5's position bias), and the softmax weight. A learner sees which
// dimensions make one key's score large. Data: step-data.js (the same as the Step view's); the query is
// one of the query tokens, the keys the key tokens (for cross-attention: a target token and the source's).
import { formatNumber, paintAttention, paintSigned } from './paint.js';
import { diverging, HIDDEN_CELL, viridis } from './colormap.js';
import { HeatmapPanel } from './heatmap-panel.js';
import { clampInt } from './matrix-view.js';
import { headSlice, maskedAt, normalizeSteps, positionBiasAt } from './step-data.js';
import { scaledFormula } from './step-panels.js';

const f = (v) => formatNumber(v, 4);

export class NeuronView {
  constructor(container) {
    this.container = container;
  }

  /** options: { head (model index), query (query index; default the last query), onQuery(query) } */
  update(steps, options = {}) {
    const s = normalizeSteps(steps);
    this.s = s;
    this.head = clampInt(options.head ?? s.firstHead, s.firstHead, s.firstHead + s.numHeads - 1);
    this.query = clampInt(options.query ?? s.nq - 1, 0, s.nq - 1);
    this.onQuery = options.onQuery;
    this.container.replaceChildren();
    this.container.classList.add('attnscope-neuron-view');
    const heading = document.createElement('h3');
    heading.className = 'attnscope-neuron-title';
    heading.textContent = `Neuron view: where the scores of head ${this.head} come from`;
    const bar = document.createElement('div');
    bar.className = 'attnscope-toolbar';
    const label = document.createElement('label');
    label.textContent = s.kind === 'cross' ? 'Query (a target token) ' : 'Query token ';
    const select = document.createElement('select');
    select.className = 'attnscope-neuron-query';
    s.queryTokens.forEach((t, i) => select.append(new Option(`${i}: ${t}`, String(i), false, i === this.query)));
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

  /**
   * The query's scores (q·k_j summed here from the vectors), scaled scores (score × scale, plus the
   * position bias the steps' scaled holds when there is one; −∞ where masked) and weights, per key.
   */
  values() {
    const { s } = this;
    const { nq, nk, dHead: dk } = s;
    const local = this.head - s.firstHead;
    const q = headSlice(s.q, local, nq, dk).subarray(this.query * dk, (this.query + 1) * dk);
    const k = headSlice(s.k, local, nk, dk);
    const row = (m) => headSlice(m, local, nq, nk).subarray(this.query * nk, (this.query + 1) * nk);
    const products = new Float32Array(nk * dk);
    const scores = new Float32Array(nk), scaled = new Float32Array(nk), bias = new Float32Array(nk);
    const givenScores = row(s.scores), givenScaled = row(s.scaled);
    for (let j = 0; j < nk; j++) {
      let sum = 0;
      for (let c = 0; c < dk; c++) {
        products[j * dk + c] = q[c] * k[j * dk + c];
        sum += products[j * dk + c];
      }
      scores[j] = sum;
      bias[j] = positionBiasAt(s, givenScores, givenScaled, 0, j);
      scaled[j] = maskedAt(s, this.query, j) ? -Infinity : sum * s.scale + bias[j];
    }
    return { q, k, products, scores, scaled, bias, weights: row(s.weights).slice() };
  }

  #draw() {
    const { s } = this;
    const { nk, dHead: dk, queryTokens: qt, keyTokens: kt } = s;
    const { q, k, products, scores, scaled, bias, weights } = this.values();
    const who = `“${qt[this.query]}”`;
    const dims = Array.from({ length: dk }, (_, c) => String(c));
    const one = ['·'];
    const scaling = s.positionBias ? '× scale + bias' : '× scale';
    const panels = [
      { title: `q (query ${who})`, m: q, rows: 1, cols: dk, rowLabels: [qt[this.query]], colLabels: dims,
        describe: (_, c) => [`q[${c}] = ${f(q[c])}`, `row ${this.query} of Q, head ${this.head}`] },
      { title: s.kind === 'cross' ? 'k (every key: the source tokens)' : 'k (every key)', m: k, rows: nk, cols: dk, colLabels: dims,
        describe: (j, c) => [`k_${kt[j]}[${c}] = ${f(k[j * dk + c])}`] },
      { title: 'q ⊙ k', m: products, rows: nk, cols: dk, colLabels: dims,
        describe: (j, c) => [`q[${c}] × k_${kt[j]}[${c}] = ${f(q[c])} × ${f(k[j * dk + c])} = ${f(products[j * dk + c])}`,
          'red/orange dimensions push the score up, blue ones down'] },
      { title: 'Σ = score', m: scores, rows: nk, cols: 1, colLabels: one, step: 'score',
        describe: (j) => [`score(${who} → “${kt[j]}”) = Σ (q ⊙ k) = ${f(scores[j])}`] },
      { title: scaling, m: scaled, rows: nk, cols: 1, colLabels: one, step: 'scaled', masked: true,
        describe: (j) => (!Number.isFinite(scaled[j]) ? ['masked: −∞']
          : [s.positionBias ? `${f(scores[j])} × ${f(s.scale)} + ${f(bias[j])} = ${f(scaled[j])}` : `${f(scores[j])} × ${f(s.scale)} = ${f(scaled[j])}`,
            scaledFormula(s)]) },
      { title: 'softmax', m: weights, rows: nk, cols: 1, colLabels: one, weights: true, step: 'weight',
        describe: (j) => [`weight(${who} → “${kt[j]}”) = ${f(weights[j])}`] },
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
      panel.draw({ pixels, rows: p.rows, cols: p.cols, rowLabels: p.rowLabels ?? kt, colLabels: p.colLabels,
        maxWidth: p.cols === 1 ? 40 : 260, maxHeight: 340, maxCell: 18 });
    }
  }
}
