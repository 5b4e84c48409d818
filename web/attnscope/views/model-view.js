// Model view (after BertViz): a thumbnail of every layer × head; click (or Enter on) one to open it
// large in a dialog (a matrix view of that head). With data.atlas (headAtlas's result) each thumbnail
// carries its dominant pattern and scores, and the heads can be ranked or filtered by a pattern (atlas.js).
import { colorPooled, headMatrix, normalizeData, poolAttention, thresholdCutoff, visibleIndices } from './attention-data.js';
import { HIDDEN_CELL, viridis } from './colormap.js';
import { DEFAULT_VIEW_OPTIONS, headName, MatrixView } from './matrix-view.js';
import { atlasBar, checkAtlas, decorateThumb, orderedHeads, rankCaption } from './atlas.js';
import { applyTheme } from './theme.js';
import { hideTooltip } from './tooltip.js';

export class ModelView {
  /**
   * @param onSelect called with (layer, head) when a thumbnail is opened.
   * @param onAtlasChange called with { sortBy, atlasFilter } when the user sorts or filters by a pattern.
   */
  constructor(container, { onSelect, onAtlasChange } = {}) {
    this.container = container;
    this.onSelect = onSelect;
    this.onAtlasChange = onAtlasChange;
  }

  update(data, options = {}) {
    // A redraw (window resize, new settings or sentence) keeps an opened head open, drawn anew.
    const reopen = this.dialog?.open ? this.openedAt : null;
    const o = { ...DEFAULT_VIEW_OPTIONS, sortBy: null, atlasFilter: null, headNotes: [], ...options };
    const d = normalizeData(data, o.measure);
    // The atlas describes heads: the rollout measure (one matrix per layer) has none.
    const atlas = d.measure === 'rollout' ? null : checkAtlas(data.atlas, d.numLayers, d.numHeads);
    const heads = atlas ? orderedHeads(atlas, d.numLayers, d.numHeads, o) : null;
    this.data = data;
    this.options = o;
    const keep = visibleIndices(d.tokens, o.hideSpecial);
    const thumb = Math.max(24, Math.min(96, Math.floor(((this.container.clientWidth || 900) - 80) / d.numHeads) - 8));
    const geometry = { keep, thumb, bins: Math.max(1, Math.min(keep.length, thumb)) };
    hideTooltip();  // its cell is gone
    this.container.replaceChildren();
    this.container.classList.add('attnscope-model-view');
    applyTheme(this.container, o.theme);
    if (atlas) {
      this.container.append(atlasBar(atlas, o, (change) => {
        this.update(this.data, { ...this.options, ...change });
        this.onAtlasChange?.(change);
      }));
    }
    const scroller = document.createElement('div');
    scroller.className = 'attnscope-scroll';
    if (atlas && (o.sortBy || o.atlasFilter)) {
      // Ranked or filtered: one row of captioned thumbnails, in the order asked for.
      const list = document.createElement('div');
      list.className = 'attnscope-ranked';
      for (const x of heads) {
        const item = document.createElement('div');
        item.className = 'attnscope-ranked-item';
        item.append(this.#thumbnail(d, x.layer, x.head, geometry, atlas), rankCaption(atlas, x, o.sortBy));
        list.append(item);
      }
      if (heads.length === 0) list.textContent = 'No head has this as its dominant pattern.';
      scroller.append(list);
    } else {
      scroller.append(this.#grid(d, geometry, atlas));
    }
    this.container.append(scroller);
    if (reopen && reopen.layer < d.numLayers && reopen.head < d.numHeads) {
      this.open(reopen.layer, reopen.head, { notify: false });
    }
    return this;
  }

  // Every layer × head as a table.
  #grid(d, geometry, atlas) {
    const table = document.createElement('table');
    table.className = 'attnscope-model-grid';
    const head = table.createTHead().insertRow();
    head.append(document.createElement('th'));
    for (let h = 0; h < d.numHeads; h++) {
      const th = document.createElement('th');
      th.scope = 'col';
      th.textContent = headName(d, h);
      head.append(th);
    }
    const body = table.createTBody();
    for (let l = 0; l < d.numLayers; l++) {
      const row = body.insertRow();
      const th = document.createElement('th');
      th.scope = 'row';
      th.textContent = `layer ${l}`;
      row.append(th);
      for (let h = 0; h < d.numHeads; h++) row.insertCell().append(this.#thumbnail(d, l, h, geometry, atlas));
    }
    return table;
  }

  // One head's thumbnail button (with the atlas's badges and scores when there is one).
  #thumbnail(d, l, h, { keep, thumb, bins }, atlas) {
    const o = this.options;
    const values = headMatrix(d, l, h, keep);
    const cutoff = thresholdCutoff(values, o.threshold);
    const { pooled, max } = poolAttention(values, keep.length, bins, bins, { cutoff, mode: o.normalize });
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
    canvas.width = bins;
    canvas.height = bins;
    canvas.style.width = `${thumb}px`;
    canvas.style.height = `${thumb}px`;
    canvas.getContext('2d').putImageData(new ImageData(new Uint8ClampedArray(pixels.buffer), bins, bins), 0, 0);
    button.append(canvas);
    if (atlas) decorateThumb(button, atlas, { layer: l, head: h, index: l * d.numHeads + h }, o.headNotes);
    button.addEventListener('click', () => this.open(l, h));
    return button;
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
      ...this.options, layer: l, head: h, averageHeads: false, maxWidth: Math.min(window.innerWidth - 60, 820),
    });
    if (notify) this.onSelect?.(l, h);
  }
}
