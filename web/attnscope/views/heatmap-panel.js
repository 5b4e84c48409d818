// A canvas heatmap of one matrix with token labels on both axes, a hover/keyboard cursor and a
// tooltip. The matrix arrives already coloured (packed RGBA from attention-data.js), so the panel
// only lays out, draws and maps pointer positions back to cells. No per-cell DOM: a 2,048² matrix
// is one putImageData and one drawImage. For an SVG export the panel offers itself as the cells'
// image with its labels as text (so the exported file carries the token lists).
import { escapeXml } from './export.js';
import { displayToken } from './paint.js';
import { palette } from './theme.js';
import { hideTooltip, showTooltip } from './tooltip.js';

const LABEL_FONT = 'px system-ui, -apple-system, "Segoe UI", sans-serif';

/**
 * The cell size a panel uses for a rows×cols matrix, and the image size worth computing: the full
 * matrix when a cell gets at least a pixel, else one pixel per screen pixel.
 */
export function displaySize(rows, cols, { maxWidth = 480, maxHeight = maxWidth, maxCell = 28 } = {}) {
  let cell = Math.min(maxCell, maxWidth / cols, maxHeight / rows);
  if (cell >= 1) cell = Math.floor(cell);
  return cell >= 1 ? { cell, imageRows: rows, imageCols: cols }
    : { cell, imageRows: Math.max(1, Math.round(rows * cell)), imageCols: Math.max(1, Math.round(cols * cell)) };
}

export class HeatmapPanel {
  /**
   * @param {HTMLElement} parent
   * @param {{ title?: string, subtitle?: string, describe?: (i: number, j: number) => string[] }} opts
   *   describe(i, j) returns the tooltip lines of cell (row i, column j).
   */
  constructor(parent, { title = '', subtitle = '', describe = null } = {}) {
    this.describe = describe;
    this.figure = document.createElement('figure');
    this.figure.className = 'attnscope-panel';
    const caption = document.createElement('figcaption');
    const strong = document.createElement('strong');
    strong.textContent = title;
    caption.append(strong);
    if (subtitle) {
      const sub = document.createElement('span');
      sub.className = 'attnscope-subtitle';
      sub.textContent = subtitle;
      caption.append(' ', sub);
    }
    this.wrap = document.createElement('div');
    this.wrap.className = 'attnscope-canvas-wrap';
    this.canvas = document.createElement('canvas');
    this.overlay = document.createElement('canvas');
    this.overlay.className = 'attnscope-overlay';
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute('aria-label', `${title} heatmap; arrow keys move the cursor`);
    this.wrap.append(this.canvas, this.overlay);
    this.figure.append(caption, this.wrap);
    parent.append(this.figure);
    this.cursor = null;
    this.#listen();
  }

  /**
   * @param {{ pixels: Uint32Array, rows: number, cols: number, imageRows?: number, imageCols?: number,
   *           rowLabels?: string[], colLabels?: string[], maxWidth?: number, maxHeight?: number,
   *           maxCell?: number, colGroup?: number }} m
   *   pixels are imageRows×imageCols (default rows×cols): a caller showing more cells than the
   *   panel has pixels passes them already shrunk to displaySize(...) (see poolAttention).
   */
  draw(m) {
    this.matrix = m;
    const { rows, cols, rowLabels = [], colLabels = [] } = m;
    const { cell } = displaySize(rows, cols, m);
    const showLabels = cell >= 8;
    const fontSize = Math.min(12, Math.max(7, cell - 2));
    const ctx = this.canvas.getContext('2d');
    ctx.font = `${fontSize}${LABEL_FONT}`;
    const labelWidth = (labels) => (showLabels && labels.length
      ? Math.ceil(Math.max(...labels.map((t) => ctx.measureText(displayToken(t)).width))) + 6 : 4);
    const left = labelWidth(rowLabels);
    const top = labelWidth(colLabels);
    const plotW = cell * cols;
    const plotH = cell * rows;
    const width = Math.ceil(left + plotW + 2);
    const height = Math.ceil(top + plotH + 2);
    const dpr = window.devicePixelRatio || 1;
    for (const c of [this.canvas, this.overlay]) {
      c.width = Math.round(width * dpr);
      c.height = Math.round(height * dpr);
      c.style.width = `${width}px`;
      c.style.height = `${height}px`;
    }
    this.geometry = { left, top, cell, rows, cols, width, height, showLabels, fontSize };
    Object.assign(this.canvas.dataset, { plotLeft: left, plotTop: top, cell, rows, cols });

    const colors = palette(this.canvas);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = colors.background;
    ctx.fillRect(0, 0, width, height);
    const pixels = m.pixels;
    const imageRows = m.imageRows ?? rows;
    const imageCols = m.imageCols ?? cols;
    const image = document.createElement('canvas');
    image.width = imageCols;
    image.height = imageRows;
    image.getContext('2d').putImageData(new ImageData(
      new Uint8ClampedArray(pixels.buffer, pixels.byteOffset, imageRows * imageCols * 4), imageCols, imageRows), 0, 0);
    ctx.imageSmoothingEnabled = imageCols > plotW + 0.5;  // average only when shrinking; crisp blocks otherwise
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(image, left, top, plotW, plotH);
    this.image = image;

    if (m.colGroup && m.colGroup < cols && cell >= 3) {
      ctx.fillStyle = colors.background;
      for (let g = m.colGroup; g < cols; g += m.colGroup) ctx.fillRect(left + g * cell - 0.5, top, 1, plotH);
    }
    this.canvas.attnscopeSvg = () => this.#svg();
    if (showLabels) {
      ctx.font = `${fontSize}${LABEL_FONT}`;
      ctx.fillStyle = colors.text;
      ctx.textBaseline = 'middle';
      ctx.textAlign = 'right';
      rowLabels.forEach((t, i) => ctx.fillText(displayToken(t), left - 4, top + (i + 0.5) * cell));
      ctx.save();
      ctx.translate(left, top - 4);
      ctx.rotate(-Math.PI / 2);
      ctx.textAlign = 'left';
      colLabels.forEach((t, j) => ctx.fillText(displayToken(t), 0, (j + 0.5) * cell));
      ctx.restore();
    }
    this.#drawCursor();
  }

  // The panel as SVG content in its own CSS pixels: background, the cells as one pixel-exact image,
  // the group separators, and the labels as text.
  #svg() {
    const g = this.geometry;
    const { rowLabels = [], colLabels = [], colGroup } = this.matrix;
    const colors = palette(this.canvas);
    const plotW = g.cell * g.cols;
    const plotH = g.cell * g.rows;
    const parts = [`<rect width="${g.width}" height="${g.height}" fill="${colors.background}"/>`,
      `<image x="${g.left}" y="${g.top}" width="${plotW}" height="${plotH}" preserveAspectRatio="none" `
      + `image-rendering="pixelated" href="${this.image.toDataURL('image/png')}"/>`];
    if (colGroup && colGroup < g.cols && g.cell >= 3) {
      for (let c = colGroup; c < g.cols; c += colGroup) {
        parts.push(`<rect x="${g.left + c * g.cell - 0.5}" y="${g.top}" width="1" height="${plotH}" fill="${colors.background}"/>`);
      }
    }
    if (g.showLabels) {
      const font = `font-size="${g.fontSize}" font-family="system-ui, sans-serif" fill="${colors.text}" dominant-baseline="middle"`;
      rowLabels.forEach((t, i) => parts.push(
        `<text x="${g.left - 4}" y="${g.top + (i + 0.5) * g.cell}" text-anchor="end" ${font}>${escapeXml(displayToken(t))}</text>`));
      colLabels.forEach((t, j) => parts.push(
        `<text transform="translate(${g.left + (j + 0.5) * g.cell} ${g.top - 4}) rotate(-90)" ${font}>${escapeXml(displayToken(t))}</text>`));
    }
    return parts.join('');
  }

  /** Cell under client coordinates, or null. */
  cellAt(clientX, clientY) {
    const g = this.geometry;
    if (!g) return null;
    const box = this.canvas.getBoundingClientRect();
    const x = (clientX - box.left) * (g.width / box.width) - g.left;
    const y = (clientY - box.top) * (g.height / box.height) - g.top;
    const i = Math.floor(y / g.cell);
    const j = Math.floor(x / g.cell);
    return i >= 0 && j >= 0 && i < g.rows && j < g.cols ? { i, j } : null;
  }

  #listen() {
    this.canvas.addEventListener('pointermove', (e) => {
      const c = this.cellAt(e.clientX, e.clientY);
      if (c) this.#moveCursor(c, e.clientX, e.clientY);
      else this.#clearCursor();
    });
    this.canvas.addEventListener('pointerleave', () => this.#clearCursor());
    this.canvas.addEventListener('blur', () => this.#clearCursor());
    this.canvas.addEventListener('keydown', (e) => {
      const g = this.geometry;
      const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
      if (!g || !moves[e.key]) { if (e.key === 'Escape') this.#clearCursor(); return; }
      e.preventDefault();
      const [di, dj] = moves[e.key];
      const at = this.cursor ?? { i: 0, j: 0 };
      const c = { i: Math.min(g.rows - 1, Math.max(0, at.i + (this.cursor ? di : 0))),
        j: Math.min(g.cols - 1, Math.max(0, at.j + (this.cursor ? dj : 0))) };
      const box = this.canvas.getBoundingClientRect();
      const sx = box.width / g.width;
      this.#moveCursor(c, box.left + (g.left + (c.j + 1) * g.cell) * sx, box.top + (g.top + (c.i + 1) * g.cell) * sx);
    });
  }

  #moveCursor(c, x, y) {
    const changed = !this.cursor || this.cursor.i !== c.i || this.cursor.j !== c.j;
    this.cursor = c;
    if (changed) this.#drawCursor();
    const lines = this.describe?.(c.i, c.j);
    if (lines) showTooltip(lines, x, y);
  }

  #clearCursor() {
    this.cursor = null;
    this.#drawCursor();
    hideTooltip();
  }

  #drawCursor() {
    const g = this.geometry;
    if (!g) return;
    const ctx = this.overlay.getContext('2d');
    const dpr = window.devicePixelRatio || 1;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, g.width, g.height);
    if (!this.cursor) return;
    const { i, j } = this.cursor;
    const size = Math.max(g.cell, 3);
    const x = g.left + j * g.cell + g.cell / 2 - size / 2;
    const y = g.top + i * g.cell + g.cell / 2 - size / 2;
    ctx.fillStyle = 'rgba(255,255,255,0.18)';
    ctx.fillRect(g.left, y, g.cols * g.cell, size);
    ctx.fillRect(x, g.top, size, g.rows * g.cell);
    ctx.lineWidth = 2;
    ctx.strokeStyle = '#ff2d55';
    ctx.strokeRect(x - 1, y - 1, size + 2, size + 2);
  }
}
