// Exports of whatever a view container currently shows: PNG (one composed canvas), SVG (canvases
// as embedded images or, when a canvas offers it, vector shapes; text as <text>), and JSON of the
// tokens and attentions. Works for every view because it reads the laid-out DOM, not view internals.
import { isEncoderDecoder, normalizeData, selectPart } from './attention-data.js';
import { palette } from './theme.js';

/** Draws the container's canvases, swatches and text into one canvas of the container's size. */
export function viewToCanvas(container) {
  const items = collect(container);
  const canvas = document.createElement('canvas');
  canvas.width = items.width;
  canvas.height = items.height;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = palette(container).background;
  ctx.fillRect(0, 0, items.width, items.height);
  for (const it of items.list) {
    if (it.kind === 'canvas') ctx.drawImage(it.el, it.x, it.y, it.w, it.h);
    else if (it.kind === 'rect') { ctx.fillStyle = it.fill; ctx.fillRect(it.x, it.y, it.w, it.h); }
    else { ctx.font = it.font; ctx.fillStyle = it.fill; ctx.textBaseline = 'alphabetic'; ctx.fillText(it.text, it.x, it.y); }
  }
  return canvas;
}

export function viewToPNG(container) {
  return new Promise((resolve, reject) => viewToCanvas(container).toBlob(
    (blob) => (blob ? resolve(blob) : reject(new Error('PNG export failed: the view is too large for a canvas'))), 'image/png'));
}

/** An SVG document (string) of the container's current content. */
export function viewToSVG(container) {
  const { list, width, height } = collect(container);
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect width="${width}" height="${height}" fill="${palette(container).background}"/>`];
  for (const it of list) {
    if (it.kind === 'canvas') {
      const vector = it.el.attnscopeSvg?.();
      if (vector) {
        parts.push(`<g transform="translate(${it.x} ${it.y}) scale(${it.w / it.el.clientWidth || 1})">${vector}</g>`);
      } else {
        parts.push(`<image x="${it.x}" y="${it.y}" width="${it.w}" height="${it.h}" preserveAspectRatio="none" href="${it.el.toDataURL('image/png')}"/>`);
      }
    } else if (it.kind === 'rect') {
      parts.push(`<rect x="${it.x}" y="${it.y}" width="${it.w}" height="${it.h}" fill="${it.fill}"/>`);
    } else {
      parts.push(`<text x="${it.x}" y="${it.y}" font-family="system-ui, sans-serif" font-size="${it.size}" fill="${it.fill}"${it.bold ? ' font-weight="bold"' : ''}>${escapeXml(it.text)}</text>`);
    }
  }
  parts.push('</svg>');
  return parts.join('\n');
}

/**
 * JSON text of the attentions ([layer][head][query][key]) with their tokens, after `meta`'s fields:
 * one sequence gives { tokens, sentenceBStart?, numLayers, numHeads, attentions }, queries ≠ keys
 * { queryTokens, keyTokens, numLayers, numHeads, attentions }, and encoder–decoder data one such
 * object under each of encoder, decoder and cross.
 */
export function attentionJSON(data, meta = {}) {
  if (!isEncoderDecoder(data)) return JSON.stringify({ ...meta, ...attentionObject(data) });
  const parts = {};
  for (const kind of selectPart(data).kinds) parts[kind] = attentionObject(selectPart(data, kind).data);
  return JSON.stringify({ ...meta, ...parts });
}

function attentionObject(data) {
  const d = normalizeData(data);
  const { nQ, nK, numHeads } = d;
  const attentions = d.attentions.map((layer) => Array.from({ length: numHeads }, (_, h) =>
    Array.from({ length: nQ }, (_, i) => Array.from(layer.subarray((h * nQ + i) * nK, (h * nQ + i + 1) * nK)))));
  const tokens = d.square ? { tokens: d.tokens } : { queryTokens: d.queryTokens, keyTokens: d.keyTokens };
  const pair = d.sentenceBStart === null ? {} : { sentenceBStart: d.sentenceBStart };
  return { ...tokens, ...pair, numLayers: d.numLayers, numHeads, attentions };
}

/** Saves a Blob or string under `filename` through a temporary link (no network involved). */
export function download(content, filename, type = 'application/octet-stream') {
  const blob = content instanceof Blob ? content : new Blob([content], { type });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

export function escapeXml(s) {
  return String(s).replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' }[c]));
}

// Everything visible in the container, in container coordinates, in paint order.
function collect(container) {
  const origin = container.getBoundingClientRect();
  const width = Math.max(1, Math.ceil(Math.max(container.scrollWidth, origin.width)));
  const height = Math.max(1, Math.ceil(Math.max(container.scrollHeight, origin.height)));
  const list = [];
  const pos = (r) => ({ x: Math.round(r.left - origin.left + container.scrollLeft), y: Math.round(r.top - origin.top + container.scrollTop) });
  const visible = (el) => el.offsetParent !== null || el === container;
  for (const el of container.querySelectorAll('canvas, .attnscope-swatch')) {
    if (!visible(el)) continue;
    const r = el.getBoundingClientRect();
    if (el.tagName === 'CANVAS') list.push({ kind: 'canvas', el, ...pos(r), w: r.width, h: r.height });
    else if (el.getAttribute('aria-pressed') !== 'false') {
      list.push({ kind: 'rect', ...pos(r), w: r.width, h: r.height, fill: getComputedStyle(el).backgroundColor });
    }
  }
  // A <select> shows its chosen option (e.g. "Layer 2"); its option texts are skipped below.
  for (const select of container.querySelectorAll('select')) {
    const option = select.selectedOptions[0];
    if (!option || !visible(select)) continue;
    const r = select.getBoundingClientRect();
    const style = getComputedStyle(select);
    const size = parseFloat(style.fontSize) || 12;
    const { x, y } = pos(r);
    list.push({ kind: 'text', text: option.textContent, x: x + 4, y: y + r.height / 2 + size * 0.35, size, fill: style.color,
      bold: false, font: `${size}px ${style.fontFamily}` });
  }
  const walker = document.createTreeWalker(container, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.trim();
    const parent = node.parentElement;
    if (!text || !parent || !visible(parent) || parent.closest('select, dialog:not([open]), [hidden]')) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const r = range.getBoundingClientRect();
    if (!r.width) continue;
    const style = getComputedStyle(parent);
    const size = parseFloat(style.fontSize) || 12;
    const { x, y } = pos(r);
    list.push({ kind: 'text', text, x, y: y + r.height * 0.78, size, fill: style.color,
      bold: Number(style.fontWeight) >= 600, font: `${style.fontWeight} ${size}px ${style.fontFamily}` });
  }
  return { list, width, height };
}
