// Head view (after BertViz): the tokens in two columns, queries on the left and keys on the right,
// one line per (query, key) pair whose opacity is the attention weight and whose colour is the head.
// Click a head's swatch to show or hide it; hover (or arrow-key to) a token to isolate its lines.
// The columns may differ (cross-attention: the decoder's tokens left, the encoder's right).
import { headMatrix, kvHeadOf, kvHeadText, normalizeData, visibleCells } from './attention-data.js';
import { headColor } from './colormap.js';
import { escapeXml } from './export.js';
import { clampInt, DEFAULT_VIEW_OPTIONS } from './matrix-view.js';
import { displayToken, formatNumber, normalization, thresholdCutoff } from './paint.js';
import { appendSelectors, optionsForKind, tokenPlace } from './selectors.js';
import { applyTheme, palette } from './theme.js';
import { hideTooltip, showTooltip } from './tooltip.js';

// Beyond this many tokens, drawing every line of every head (n² per head) would stall the page,
// so only the lines of the token under the cursor are drawn.
const ALL_LINES_LIMIT = 128;

export class HeadView {
  /** @param onChange called with { layer, visibleHeads, kind, pairFilter } when the user changes them here. */
  constructor(container, { onChange } = {}) {
    this.container = container;
    this.onChange = onChange;
    this.focus = null;  // { side: 'query'|'key', index } isolated token
  }

  /** options: DEFAULT_VIEW_OPTIONS plus visibleHeads (array of head indices; default all). */
  update(data, options = {}) {
    this.o = { ...DEFAULT_VIEW_OPTIONS, ...options };
    const d = normalizeData(data, this.o.measure, this.o.kind);
    ({ rows: this.rows, cols: this.cols } = visibleCells(d, this.o));
    this.data = data;
    this.d = d;
    this.o.kind = d.kind;
    this.layer = clampInt(this.o.layer, 0, d.numLayers - 1);
    const all = [...Array(d.numHeads).keys()];
    this.visible = new Set((options.visibleHeads ?? all).filter((h) => h >= 0 && h < d.numHeads));
    this.focus = null;
    this.#build();
    this.#compute();
    this.draw();
    return this;
  }

  #build() {
    const { d } = this;
    hideTooltip();  // its cell is gone
    this.container.replaceChildren();
    this.container.classList.add('attnscope-head-view');
    applyTheme(this.container, this.o.theme);
    const bar = document.createElement('div');
    bar.className = 'attnscope-toolbar';
    const label = document.createElement('label');
    label.textContent = 'Layer ';
    const select = document.createElement('select');
    select.className = 'attnscope-layer-select';
    for (let l = 0; l < d.numLayers; l++) select.append(new Option(String(l), String(l), false, l === this.layer));
    select.addEventListener('change', () => {
      this.layer = Number(select.value);
      this.#compute();
      this.draw();
      this.#changed();
    });
    label.append(select);
    bar.append(label);
    if (this.o.selectors) {
      appendSelectors(bar, d, this.o.pairFilter, {
        onKind: (kind) => this.#reopen(optionsForKind(this.#current(), kind)),
        onPairFilter: (pairFilter) => this.#reopen({ ...this.#current(), pairFilter }),
      });
    }
    const swatches = document.createElement('div');
    swatches.className = 'attnscope-swatches';
    swatches.setAttribute('role', 'group');
    swatches.setAttribute('aria-label', 'heads (click to show or hide)');
    this.swatches = [];
    if (this.o.averageHeads) {
      const note = document.createElement('span');
      note.textContent = `mean of ${d.numHeads} heads`;
      swatches.append(note);
    } else {
      // Grouped-query attention: the swatches of query heads that share a key/value head sit together
      // in one outlined group labelled "kv g".
      let group = swatches;
      for (let h = 0; h < d.numHeads; h++) {
        const kv = kvHeadOf(d, h);
        if (kv !== null && kv !== kvHeadOf(d, h - 1)) {
          group = document.createElement('span');
          group.className = 'attnscope-kv-group';
          group.dataset.kvHead = String(kv);
          group.title = `key/value head ${kv}`;
          const tag = document.createElement('span');
          tag.className = 'attnscope-kv';
          tag.textContent = `kv ${kv}`;
          group.append(tag);
          swatches.append(group);
        }
        const b = document.createElement('button');
        b.type = 'button';
        b.className = 'attnscope-swatch';
        b.dataset.head = String(h);
        b.textContent = String(h);
        b.title = `head ${h}${kv !== null ? ` (${kvHeadText(d, h)})` : ''}: click to show or hide`;
        b.style.setProperty('--swatch', headColor(h));
        b.addEventListener('click', () => {
          if (this.visible.has(h)) this.visible.delete(h); else this.visible.add(h);
          this.#syncSwatches();
          this.draw();
          this.#changed();
        });
        group.append(b);
        this.swatches.push(b);
      }
    }
    bar.append(swatches);
    this.note = document.createElement('p');
    this.note.className = 'attnscope-note';
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'attnscope-head-canvas';
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute('aria-label', 'attention lines from query tokens (left) to key tokens (right); arrow keys pick a token');
    this.container.append(bar, this.note, this.canvas);
    this.#syncSwatches();
    this.#listen();
  }

  #syncSwatches() {
    for (const b of this.swatches) b.setAttribute('aria-pressed', String(this.visible.has(Number(b.dataset.head))));
  }

  // The options the view shows now (the user may have changed layer and heads here).
  #current() {
    return { ...this.o, layer: this.layer, visibleHeads: [...this.visible].sort((a, b) => a - b) };
  }

  // The user picked another part or sentence pair: everything is laid out anew.
  #reopen(options) {
    this.update(this.data, options);
    this.#changed();
  }

  #changed() {
    this.onChange?.({ layer: this.layer, visibleHeads: [...this.visible].sort((a, b) => a - b), kind: this.d.kind,
      pairFilter: this.o.pairFilter ?? 'all' });
  }

  #compute() {
    const { d, o, rows, cols } = this;
    const r = rows.length;
    const c = cols.length;
    const heads = o.averageHeads ? ['mean'] : [...Array(d.numHeads).keys()];
    this.matrices = heads.map((head) => {
      const values = headMatrix(d, this.layer, head, rows, cols);
      const { scale } = normalization(values, r, c, o.normalize);
      return { head, values, scale, cutoff: thresholdCutoff(values, o.threshold) };
    });
    const most = Math.max(r, c);
    const rowH = Math.max(4, Math.min(22, Math.floor(16000 / Math.max(1, most))));
    const fontSize = Math.min(13, rowH - 3);
    const ctx = this.canvas.getContext('2d');
    ctx.font = `${fontSize}px system-ui, sans-serif`;
    const labels = { query: Array.from(rows, (i) => displayToken(d.queryTokens[i])),
      key: Array.from(cols, (j) => displayToken(d.keyTokens[j])) };
    const width = (list) => (rowH >= 9 ? Math.max(40, ...list.map((t) => ctx.measureText(t).width)) + 10 : 24);
    const colW = Math.max(width(labels.query), width(labels.key));
    const gap = Math.max(120, Math.min(420, (this.container.clientWidth || 600) - 2 * colW - 20));
    this.g = { rows: r, cols: c, rowH, fontSize, colW, gap, top: 8, width: Math.ceil(2 * colW + gap), height: 16 + most * rowH, labels };
    this.note.textContent = most > ALL_LINES_LIMIT
      ? `${most} tokens: hover or arrow-key to a token to draw its lines (all ${r}×${c} lines at once would stall the page).`
      : r === 0 || c === 0 ? (o.hideSpecial ? 'No tokens left to show (all are special tokens).' : 'No tokens to show.') : '';
  }

  /** Redraws the lines (cheap enough to call on every hover). */
  draw() {
    const { g, canvas } = this;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(g.width * dpr);
    canvas.height = Math.round(g.height * dpr);
    canvas.style.width = `${g.width}px`;
    canvas.style.height = `${g.height}px`;
    const ctx = canvas.getContext('2d');
    const colors = palette(canvas);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = colors.background;
    ctx.fillRect(0, 0, g.width, g.height);
    const y = (i) => g.top + (i + 0.5) * g.rowH;
    const xL = g.colW;
    const xR = g.colW + g.gap;
    this.lines = [];
    if (this.focus || Math.max(g.rows, g.cols) <= ALL_LINES_LIMIT) {
      ctx.lineWidth = g.rowH >= 9 ? 2 : 1;
      // Lines are batched by opacity (32 levels) into one path per head and level: a 12-head model on
      // 128 tokens has ~200,000 lines, which one stroke() each would take seconds to draw.
      const LEVELS = 32;
      const rows = this.focus?.side === 'query' ? [this.focus.index] : [...Array(g.rows).keys()];
      const cols = this.focus?.side === 'key' ? [this.focus.index] : [...Array(g.cols).keys()];
      for (const m of this.matrices) {
        if (m.head !== 'mean' && !this.visible.has(m.head)) continue;
        const buckets = Array.from({ length: LEVELS }, () => []);
        for (const i of rows) {
          for (const j of cols) {
            const v = m.values[i * g.cols + j];
            const alpha = Math.min(1, v * m.scale[i]);
            if (v < m.cutoff || !(alpha >= 0.01)) continue;
            buckets[Math.min(LEVELS - 1, Math.floor(alpha * LEVELS))].push(i, j);
            this.lines.push({ head: m.head, i, j, alpha });
          }
        }
        ctx.strokeStyle = m.head === 'mean' ? colors.mean : headColor(m.head);
        buckets.forEach((pairs, level) => {
          if (!pairs.length) return;
          ctx.globalAlpha = (level + 0.5) / LEVELS;
          ctx.beginPath();
          for (let p = 0; p < pairs.length; p += 2) {
            ctx.moveTo(xL, y(pairs[p]));
            ctx.lineTo(xR, y(pairs[p + 1]));
          }
          ctx.stroke();
        });
      }
      ctx.globalAlpha = 1;
    }
    if (g.rowH >= 6) {
      ctx.font = `${g.fontSize}px system-ui, sans-serif`;
      ctx.textBaseline = 'middle';
      for (const side of ['query', 'key']) {
        g.labels[side].forEach((t, i) => {
          const focused = this.focus?.side === side && this.focus.index === i;
          if (focused) {
            ctx.fillStyle = colors.focus;
            ctx.fillRect(side === 'query' ? 0 : xR, y(i) - g.rowH / 2, g.colW, g.rowH);
          }
          ctx.fillStyle = colors.text;
          ctx.textAlign = side === 'query' ? 'right' : 'left';
          ctx.fillText(t, side === 'query' ? xL - 6 : xR + 6, y(i));
        });
      }
    }
    this.canvas.dataset.lines = String(this.lines.length);
    this.canvas.attnscopeSvg = () => this.#svg();
  }

  // The drawing as vector SVG (lines and text), used by the SVG export instead of a bitmap.
  #svg() {
    const { g } = this;
    const colors = palette(this.canvas);
    const y = (i) => g.top + (i + 0.5) * g.rowH;
    const xR = g.colW + g.gap;
    const parts = this.lines.map(({ head, i, j, alpha }) => `<line x1="${g.colW}" y1="${y(i)}" x2="${xR}" y2="${y(j)}" `
      + `stroke="${head === 'mean' ? colors.mean : headColor(head)}" stroke-opacity="${alpha.toFixed(3)}" stroke-width="${g.rowH >= 9 ? 2 : 1}"/>`);
    if (g.rowH >= 6) {
      const font = `dominant-baseline="middle" font-size="${g.fontSize}" font-family="system-ui, sans-serif" fill="${colors.text}"`;
      g.labels.query.forEach((t, i) => parts.push(`<text x="${g.colW - 6}" y="${y(i)}" text-anchor="end" ${font}>${escapeXml(t)}</text>`));
      g.labels.key.forEach((t, j) => parts.push(`<text x="${xR + 6}" y="${y(j)}" ${font}>${escapeXml(t)}</text>`));
    }
    return parts.join('');
  }

  #tokenAt(clientX, clientY) {
    const { g } = this;
    const box = this.canvas.getBoundingClientRect();
    const x = (clientX - box.left) * (g.width / box.width);
    const i = Math.floor(((clientY - box.top) * (g.height / box.height) - g.top) / g.rowH);
    if (i < 0) return null;
    if (x <= g.colW && i < g.rows) return { side: 'query', index: i };
    if (x >= g.colW + g.gap && i < g.cols) return { side: 'key', index: i };
    return null;
  }

  #setFocus(f, clientX, clientY) {
    const same = f && this.focus && f.side === this.focus.side && f.index === this.focus.index;
    if (same || (!f && !this.focus)) return;
    this.focus = f;
    this.draw();
    if (!f) { hideTooltip(); return; }
    const { d, rows, cols, g } = this;
    const query = f.side === 'query';
    const index = query ? rows[f.index] : cols[f.index];
    const lines = [`${f.side}: ${(query ? d.queryTokens : d.keyTokens)[index]}  ${tokenPlace(d, f.side, index)}`];
    const others = query ? g.cols : g.rows;
    for (const m of this.matrices) {
      if (m.head !== 'mean' && !this.visible.has(m.head)) continue;
      let best = -1;
      let bestV = -Infinity;
      for (let o = 0; o < others; o++) {
        const v = query ? m.values[f.index * g.cols + o] : m.values[o * g.cols + f.index];
        if (v > bestV) { bestV = v; best = o; }
      }
      if (best < 0) continue;
      const name = m.head === 'mean' ? 'mean' : `head ${m.head}`;
      const other = query ? d.keyTokens[cols[best]] : d.queryTokens[rows[best]];
      lines.push(`${name}: strongest ${query ? '→' : '←'} ${other}  ${formatNumber(bestV)}`);
    }
    showTooltip(lines, clientX, clientY);
  }

  #listen() {
    this.canvas.addEventListener('pointermove', (e) => this.#setFocus(this.#tokenAt(e.clientX, e.clientY), e.clientX, e.clientY));
    this.canvas.addEventListener('pointerleave', () => this.#setFocus(null));
    this.canvas.addEventListener('blur', () => this.#setFocus(null));
    this.canvas.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') { this.#setFocus(null); return; }
      const step = { ArrowUp: -1, ArrowDown: 1 }[e.key];
      const side = { ArrowLeft: 'query', ArrowRight: 'key' }[e.key];
      if (step === undefined && !side) return;
      e.preventDefault();
      const cur = this.focus ?? { side: 'query', index: -1 };
      const to = side ?? cur.side;
      const count = to === 'query' ? this.g.rows : this.g.cols;
      if (count === 0) return;
      const f = { side: to, index: Math.min(count - 1, Math.max(0, cur.index + (step ?? 0))) };
      const box = this.canvas.getBoundingClientRect();
      this.#setFocus(f, box.left + (f.side === 'query' ? this.g.colW : this.g.colW + this.g.gap),
        box.top + this.g.top + (f.index + 1) * this.g.rowH);
    });
  }
}
