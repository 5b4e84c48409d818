// Step view: the textbook pipeline of one attention layer with its real numbers, one panel per step,
// and below it the neuron view of one query (neuron-view.js). Hover (or arrow-key through) a cell to
// see its value and how it was obtained from the previous step. Data: step-data.js.
import { formatNumber, paintAttention, paintSigned } from './paint.js';
import { KINDS } from './attention-data.js';
import { diverging, HIDDEN_CELL, viridis } from './colormap.js';
import { HeatmapPanel } from './heatmap-panel.js';
import { renderLegend } from './legend.js';
import { clampInt } from './matrix-view.js';
import { NeuronView } from './neuron-view.js';
import { normalizeSteps } from './step-data.js';
import { stepPanels } from './step-panels.js';
import { appendSelectors } from './selectors.js';
import { applyTheme } from './theme.js';
import { hideTooltip } from './tooltip.js';

const f = (v) => formatNumber(v, 4);

export class StepView {
  /**
   * @param onChange called with { head, kind } when the user picks a head here (head: its model index)
   *   or, with options.kinds, another part of an encoder–decoder model (kind: the part picked; the
   *   caller then gives that part's steps)
   * @param onQuery called with the query's index when the user picks the neuron view's query
   */
  constructor(container, { onChange, onQuery } = {}) {
    this.container = container;
    this.onChange = onChange;
    this.onQuery = onQuery;
  }

  /**
   * options: { head (model index of the head shown), query (query index for the neuron view), kinds
   * (the parts of an encoder–decoder model to offer in an Attention menu, steps.kind the one shown),
   * theme, maxWidth }
   */
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
    const kinds = s.kind && Array.isArray(options.kinds) ? options.kinds.filter((k) => k in KINDS) : [];
    appendSelectors(bar, { kinds, kind: s.kind, sentenceBStart: null }, 'all',
      { onKind: (kind) => this.onChange?.({ head: this.head, kind }) });
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
      this.onChange?.({ head: this.head, kind: s.kind ?? null });
    });
    label.append(select);
    const info = document.createElement('span');
    info.className = 'attnscope-note';
    info.textContent = `${s.kind ? `${KINDS[s.kind]} · ` : ''}layer ${s.layer ?? 0} · ${tokenCounts(s)} · d_model = ${s.dModel} · heads of d_k = ${s.dHead}`
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
    const panels = stepPanels(this.s, this.head);
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
      panel.draw({ pixels, rows: p.rows, cols: p.cols, rowLabels: p.rowLabels, colLabels: p.colLabels,
        maxWidth: plot, maxHeight: plot, maxCell: 22, colGroup: p.group });
      this.panels.push(panel);
    }
  }
}

// "n = 7 tokens" ("source tokens" in an encoder, "target tokens" in a decoder), or for attention
// between two sequences "5 queries (target tokens) × 7 keys (source tokens)".
function tokenCounts(s) {
  const which = { encoder: 'source ', decoder: 'target ' }[s.kind] ?? '';
  if (!s.cross) return `n = ${s.nq} ${which}tokens`;
  return s.kind === 'cross' ? `${s.nq} queries (target tokens) × ${s.nk} keys (source tokens)` : `${s.nq} queries × ${s.nk} keys`;
}
