// Matrix view: one heatmap per head (queries down, keys across) of one layer, or the mean of the
// heads, with token labels, a hover tooltip (query, key, weight) and a colour legend. Queries and keys
// may differ (cross-attention: the decoder's tokens down, the encoder's across).
import { headMatrix, MEASURES, normalizeData, visibleCells } from './attention-data.js';
import { HIDDEN_CELL, viridis } from './colormap.js';
import { displaySize, HeatmapPanel } from './heatmap-panel.js';
import { renderLegend } from './legend.js';
import { colorPooled, formatNumber, poolAttention, thresholdCutoff } from './paint.js';
import { kindPrefix, optionsForKind, selectorBar, tokenPlace } from './selectors.js';
import { applyTheme } from './theme.js';
import { hideTooltip } from './tooltip.js';

export const DEFAULT_VIEW_OPTIONS = Object.freeze({
  layer: 0, head: 'all', averageHeads: false, hideSpecial: false, threshold: 100, normalize: 'global', theme: 'auto',
  measure: 'weights', kind: null, pairFilter: 'all', selectors: true,
});

/** A panel's name for head h of d ('mean of 12 heads', 'head 3', or the measure for rollout). */
export function headName(d, head) {
  if (d.measure === 'rollout') return 'rollout (all heads)';
  return head === 'mean' ? `mean of ${d.numHeads} heads` : `head ${head}`;
}

export class MatrixView {
  /** @param onChange called with { kind, pairFilter } when the user picks them in the view. */
  constructor(container, { onChange } = {}) {
    this.container = container;
    this.onChange = onChange;
    this.panels = [];
  }

  /**
   * @param data see attention-data.js
   * @param options { layer, head: 'all'|number, averageHeads, hideSpecial, threshold (percent kept),
   *                  normalize: 'global'|'row', theme: 'auto'|'light'|'dark' (theme.js),
   *                  measure: 'weights'|'value'|'rollout' (attention-data.js),
   *                  kind: 'encoder'|'decoder'|'cross' (encoder–decoder data), pairFilter: 'all'|'aa'|'ab'|'ba'|'bb',
   *                  selectors (show the kind and sentence selectors), maxWidth (px available) }
   */
  update(data, options = {}) {
    const started = performance.now();
    const o = { ...DEFAULT_VIEW_OPTIONS, ...options };
    const d = normalizeData(data, o.measure, o.kind);
    const { rows, cols } = visibleCells(d, o);
    this.data = data;
    this.options = { ...o, kind: d.kind };
    const measure = MEASURES[d.measure];
    const layer = clampInt(o.layer, 0, d.numLayers - 1);
    const heads = o.averageHeads && d.numHeads > 1 ? ['mean']
      : o.head === 'all' || o.head == null ? [...Array(d.numHeads).keys()] : [clampInt(o.head, 0, d.numHeads - 1)];
    const r = rows.length;
    const c = cols.length;
    const rowLabels = Array.from(rows, (i) => d.queryTokens[i]);
    const colLabels = Array.from(cols, (j) => d.keyTokens[j]);
    const available = o.maxWidth ?? (this.container.clientWidth || 960);
    const single = heads.length === 1;
    const plot = single ? Math.min(available - 110, 720) : Math.min(Math.max(220, (available - 40) / 2 - 100), 420);

    hideTooltip();  // its cell is gone
    this.container.replaceChildren();
    this.container.classList.add('attnscope-matrix-view');
    applyTheme(this.container, o.theme);
    this.panels = [];
    const bar = o.selectors ? selectorBar(d, o.pairFilter, {
      onKind: (kind) => this.#changed(optionsForKind(this.options, kind)),
      onPairFilter: (pairFilter) => this.#changed({ ...this.options, pairFilter }),
    }) : null;
    if (bar) this.container.append(bar);
    const grid = document.createElement('div');
    grid.className = 'attnscope-grid';
    const size = displaySize(r, c, { maxWidth: plot, maxHeight: plot });
    const matrices = (r === 0 || c === 0 ? [] : heads).map((head) => {
      // Pooling a 2,048² head reads 4 M weights; switching tabs or resizing redraws the same thing,
      // so results are kept per attention array (dropped with it) and per setting.
      const shown = `${head}|${o.hideSpecial}|${o.pairFilter}`;
      const key = `${shown}|${o.threshold}|${o.normalize}|${size.imageRows}x${size.imageCols}`;
      const cached = cacheFor(d.attentions[layer]).get(key);
      if (cached) return cached;
      const valuesKey = `values|${shown}`;  // the head's (copied) matrix, before any threshold
      const values = cacheFor(d.attentions[layer]).get(valuesKey) ?? headMatrix(d, layer, head, rows, cols);
      cacheFor(d.attentions[layer]).set(valuesKey, values);
      const cutoff = thresholdCutoff(values, o.threshold);
      const entry = { head, values, cutoff,
        ...poolAttention(values, r, size.imageRows, size.imageCols, { cutoff, mode: o.normalize, cols: c }) };
      cacheFor(d.attentions[layer]).set(key, entry);
      return entry;
    });
    // Global normalisation shares one scale across the panels so heads can be compared.
    const legendMax = Math.max(0, ...matrices.map((m) => m.max));
    const scale = o.normalize === 'row' ? 1 : legendMax > 0 ? 1 / legendMax : 0;
    if (r === 0 || c === 0) {
      const note = document.createElement('p');
      note.className = 'attnscope-note';
      note.textContent = o.hideSpecial ? 'No tokens left to show (all are special tokens).' : 'No tokens to show.';
      this.container.append(note);
    }
    renderLegend(this.container, {
      colormap: viridis,
      min: 0,
      max: o.normalize === 'row' ? 1 : legendMax,
      label: (o.normalize === 'row' ? `${measure.short} ÷ its row’s largest` : `${measure.label} (scale shared by all panels)`)
        + (o.threshold < 100 ? `; grey: below the top ${o.threshold} %` : ''),
    });
    // In the document before the panels paint, so that they read the theme's colours.
    this.container.append(grid);
    for (const { head, values, cutoff, pooled } of matrices) {
      const pixels = colorPooled(pooled, scale, viridis, HIDDEN_CELL);
      const panel = new HeatmapPanel(grid, {
        title: `${kindPrefix(d)}Layer ${layer} · ${headName(d, head)}`,
        subtitle: o.threshold < 100 ? `top ${o.threshold} % shown` : '',
        describe: (i, j) => [
          `query: ${rowLabels[i]}  ${tokenPlace(d, 'query', rows[i])}`,
          `key: ${colLabels[j]}  ${tokenPlace(d, 'key', cols[j])}`,
          `${measure.short}: ${formatNumber(values[i * c + j])}`,
          ...(values[i * c + j] < cutoff ? ['(below the threshold, hidden)'] : []),
        ],
      });
      panel.figure.dataset.head = String(head);
      panel.draw({ pixels, ...size, rows: r, cols: c, rowLabels, colLabels, maxWidth: plot, maxHeight: plot });
      this.panels.push(panel);
    }
    this.renderMs = performance.now() - started;
    this.container.dataset.renderMs = this.renderMs.toFixed(1);
    return this;
  }

  // The user picked another part or sentence pair in the view: redraw, then tell the owner.
  #changed(options) {
    this.update(this.data, options);
    this.onChange?.({ kind: this.options.kind, pairFilter: this.options.pairFilter });
  }
}

const poolCache = new WeakMap();  // attention array -> Map(setting -> pooled head), at most 32 settings

function cacheFor(layerArray) {
  let map = poolCache.get(layerArray);
  if (!map) { map = new Map(); poolCache.set(layerArray, map); }
  if (map.size > 32) map.delete(map.keys().next().value);
  return map;
}

export function clampInt(v, lo, hi) {
  const x = Math.trunc(Number(v));
  return Number.isFinite(x) ? Math.min(hi, Math.max(lo, x)) : lo;
}
