// Model view (after BertViz): a thumbnail of every layer × head; click (or Enter on) one to open it
// large in a dialog (a matrix view of that head). Thumbnails keep the matrix's shape (queries × keys).
import { headMatrix, kvHeadOf, kvHeadText, normalizeData, visibleCells } from './attention-data.js';
import { HIDDEN_CELL, viridis } from './colormap.js';
import { DEFAULT_VIEW_OPTIONS, headName, MatrixView } from './matrix-view.js';
import { colorPooled, poolAttention, thresholdCutoff } from './paint.js';
import { kindPrefix, optionsForKind, selectorBar } from './selectors.js';
import { applyTheme } from './theme.js';
import { hideTooltip } from './tooltip.js';

export class ModelView {
  /**
   * @param onSelect called with (layer, head) when a thumbnail is opened.
   * @param onChange called with { kind, pairFilter } when the user picks them in the view.
   */
  constructor(container, { onSelect, onChange } = {}) {
    this.container = container;
    this.onSelect = onSelect;
    this.onChange = onChange;
  }

  update(data, options = {}) {
    // A redraw (window resize, new settings or sentence) keeps an opened head open, drawn anew.
    const reopen = this.dialog?.open ? this.openedAt : null;
    const o = { ...DEFAULT_VIEW_OPTIONS, ...options };
    const d = normalizeData(data, o.measure, o.kind);
    const { rows, cols } = visibleCells(d, o);
    this.data = data;
    this.options = { ...o, kind: d.kind };
    const r = rows.length;
    const c = cols.length;
    const thumb = Math.max(24, Math.min(96, Math.floor(((this.container.clientWidth || 900) - 80) / d.numHeads) - 8));
    // The longer side gets `thumb` pixels, the other its share, so a 3×12 cross-attention stays flat.
    const longest = Math.max(1, r, c);
    const binRows = Math.max(1, Math.min(r, Math.round((thumb * r) / longest)));
    const binCols = Math.max(1, Math.min(c, Math.round((thumb * c) / longest)));
    hideTooltip();  // its cell is gone
    this.container.replaceChildren();
    this.container.classList.add('attnscope-model-view');
    applyTheme(this.container, o.theme);
    const bar = o.selectors ? selectorBar(d, o.pairFilter, {
      onKind: (kind) => this.#changed(optionsForKind(this.options, kind)),
      onPairFilter: (pairFilter) => this.#changed({ ...this.options, pairFilter }),
    }) : null;
    if (bar) this.container.append(bar);
    const table = document.createElement('table');
    table.className = 'attnscope-model-grid';
    const head = table.createTHead().insertRow();
    head.append(document.createElement('th'));
    for (let h = 0; h < d.numHeads; h++) {
      const th = document.createElement('th');
      th.scope = 'col';
      th.textContent = headName(d, h);
      // Grouped-query attention: which key/value head this query head reads, under its name.
      const kv = kvHeadOf(d, h);
      if (kv !== null) {
        const note = document.createElement('span');
        note.className = 'attnscope-kv';
        note.textContent = `kv ${kv}`;
        th.append(document.createElement('br'), note);
        th.title = kvHeadText(d, h);
        th.dataset.kvHead = String(kv);
      }
      head.append(th);
    }
    const body = table.createTBody();
    for (let l = 0; l < d.numLayers; l++) {
      const row = body.insertRow();
      const th = document.createElement('th');
      th.scope = 'row';
      th.textContent = `${kindPrefix(d)}layer ${l}`;
      row.append(th);
      for (let h = 0; h < d.numHeads; h++) {
        const values = headMatrix(d, l, h, rows, cols);
        const cutoff = thresholdCutoff(values, o.threshold);
        const { pooled, max } = r && c ? poolAttention(values, r, binRows, binCols, { cutoff, mode: o.normalize, cols: c })
          : { pooled: new Float32Array(binRows * binCols).fill(-1), max: 0 };
        const pixels = colorPooled(pooled, o.normalize === 'row' || !(max > 0) ? 1 : 1 / max, viridis, HIDDEN_CELL);
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'attnscope-thumb';
        button.dataset.layer = String(l);
        button.dataset.head = String(h);
        button.setAttribute('aria-label', `layer ${l}, head ${h}: open large`);
        button.title = `layer ${l}, head ${h}`;
        if (l === o.layer && h === o.head) button.classList.add('attnscope-selected');
        const canvas = document.createElement('canvas');
        canvas.width = binCols;
        canvas.height = binRows;
        canvas.style.width = `${Math.max(2, Math.round((thumb * Math.max(1, c)) / longest))}px`;
        canvas.style.height = `${Math.max(2, Math.round((thumb * Math.max(1, r)) / longest))}px`;
        canvas.getContext('2d').putImageData(new ImageData(new Uint8ClampedArray(pixels.buffer), binCols, binRows), 0, 0);
        button.append(canvas);
        button.addEventListener('click', () => this.open(l, h));
        row.insertCell().append(button);
      }
    }
    const scroller = document.createElement('div');
    scroller.className = 'attnscope-scroll';
    scroller.append(table);
    this.container.append(scroller);
    if (reopen && reopen.layer < d.numLayers && reopen.head < d.numHeads) {
      this.open(reopen.layer, reopen.head, { notify: false });
    }
    return this;
  }

  /** Opens layer l, head h large in a modal dialog (`notify: false`: without calling onSelect). */
  open(l, h, { notify = true } = {}) {
    this.dialog?.remove();
    const dialog = document.createElement('dialog');
    dialog.className = 'attnscope-dialog';
    const close = document.createElement('button');
    close.type = 'button';
    close.className = 'attnscope-close';
    close.textContent = 'Close';
    close.addEventListener('click', () => dialog.close());
    const body = document.createElement('div');
    dialog.append(close, body);
    dialog.addEventListener('close', () => dialog.remove());
    this.container.append(dialog);
    this.dialog = dialog;
    this.openedAt = { layer: l, head: h };
    dialog.showModal();
    new MatrixView(body).update(this.data, {
      ...this.options, layer: l, head: h, averageHeads: false, selectors: false, maxWidth: Math.min(window.innerWidth - 60, 820),
    });
    if (notify) this.onSelect?.(l, h);
  }

  // The user picked another part or sentence pair in the view: redraw, then tell the owner.
  #changed(options) {
    this.update(this.data, options);
    this.onChange?.({ kind: this.options.kind, pairFilter: this.options.pairFilter });
  }
}
