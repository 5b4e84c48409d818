// Matrix view: one heatmap per head (queries down, keys across) of one layer, or the mean of the
// heads, with token labels, a hover tooltip (query, key, weight) and a colour legend.
import { colorPooled, formatNumber, headMatrix, MEASURES, normalizeData, poolAttention, thresholdCutoff,
  visibleIndices } from './attention-data.js';
import { HIDDEN_CELL, viridis } from './colormap.js';
import { displaySize, HeatmapPanel } from './heatmap-panel.js';
import { renderLegend } from './legend.js';
import { applyTheme } from './theme.js';
import { hideTooltip } from './tooltip.js';

export const DEFAULT_VIEW_OPTIONS = Object.freeze({
  layer: 0, head: 'all', averageHeads: false, hideSpecial: false, threshold: 100, normalize: 'global', theme: 'auto',
  measure: 'weights',
});

/** A panel's name for head h of d ('mean of 12 heads', 'head 3', or the measure for rollout). */
export function headName(d, head) {
  if (d.measure === 'rollout') return 'rollout (all heads)';
  return head === 'mean' ? `mean of ${d.numHeads} heads` : `head ${head}`;
}

export class MatrixView {
  constructor(container) {
    this.container = container;
    this.panels = [];
  }

  /**
   * @param data see attention-data.js
   * @param options { layer, head: 'all'|number, averageHeads, hideSpecial, threshold (percent kept),
   *                  normalize: 'global'|'row', theme: 'auto'|'light'|'dark' (theme.js),
   *                  measure: 'weights'|'value'|'rollout' (attention-data.js),
   *                  maxWidth (px available) }
   */
  update(data, options = {}) {
    const started = performance.now();
    const o = { ...DEFAULT_VIEW_OPTIONS, ...options };
    const d = normalizeData(data, o.measure);
    const measure = MEASURES[d.measure];
    const layer = clampInt(o.layer, 0, d.numLayers - 1);
    const heads = o.averageHeads && d.numHeads > 1 ? ['mean']
      : o.head === 'all' || o.head == null ? [...Array(d.numHeads).keys()] : [clampInt(o.head, 0, d.numHeads - 1)];
    const keep = visibleIndices(d.tokens, o.hideSpecial);
    const k = keep.length;
    const labels = Array.from(keep, (i) => d.tokens[i]);
    const available = o.maxWidth ?? (this.container.clientWidth || 960);
    const single = heads.length === 1;
    const plot = single ? Math.min(available - 110, 720) : Math.min(Math.max(220, (available - 40) / 2 - 100), 420);

    hideTooltip();  // its cell is gone
    this.container.replaceChildren();
    this.container.classList.add('attnscope-matrix-view');
    applyTheme(this.container, o.theme);
    this.panels = [];
    const grid = document.createElement('div');
    grid.className = 'attnscope-grid';
    const size = displaySize(k, k, { maxWidth: plot, maxHeight: plot });
    const matrices = (k === 0 ? [] : heads).map((head) => {
      // Pooling a 2,048² head reads 4 M weights; switching tabs or resizing redraws the same thing,
      // so results are kept per attention array (dropped with it) and per setting.
      const key = `${head}|${o.hideSpecial}|${o.threshold}|${o.normalize}|${size.imageRows}x${size.imageCols}`;
      const cached = cacheFor(d.attentions[layer]).get(key);
      if (cached) return cached;
      const valuesKey = `values|${head}|${o.hideSpecial}`;  // the head's (copied) matrix, before any threshold
      const values = cacheFor(d.attentions[layer]).get(valuesKey) ?? headMatrix(d, layer, head, keep);
      cacheFor(d.attentions[layer]).set(valuesKey, values);
      const cutoff = thresholdCutoff(values, o.threshold);
      const entry = { head, values, cutoff, ...poolAttention(values, k, size.imageRows, size.imageCols, { cutoff, mode: o.normalize }) };
      cacheFor(d.attentions[layer]).set(key, entry);
      return entry;
    });
    // Global normalisation shares one scale across the panels so heads can be compared.
    const legendMax = Math.max(0, ...matrices.map((m) => m.max));
    const scale = o.normalize === 'row' ? 1 : legendMax > 0 ? 1 / legendMax : 0;
    if (k === 0) {
      const note = document.createElement('p');
      note.className = 'attnscope-note';
      note.textContent = 'No tokens left to show (all are special tokens).';
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
        title: `Layer ${layer} · ${headName(d, head)}`,
        subtitle: o.threshold < 100 ? `top ${o.threshold} % shown` : '',
        describe: (i, j) => [
          `query: ${labels[i]}  (#${keep[i]})`,
          `key: ${labels[j]}  (#${keep[j]})`,
          `${measure.short}: ${formatNumber(values[i * k + j])}`,
          ...(values[i * k + j] < cutoff ? ['(below the threshold, hidden)'] : []),
        ],
      });
      panel.figure.dataset.head = String(head);
      panel.draw({ pixels, ...size, rows: k, cols: k, rowLabels: labels, colLabels: labels, maxWidth: plot, maxHeight: plot });
      this.panels.push(panel);
    }
    this.renderMs = performance.now() - started;
    this.container.dataset.renderMs = this.renderMs.toFixed(1);
    return this;
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
