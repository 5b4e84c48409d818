// One floating tooltip per document, shared by every view. Text only (textContent), never HTML.
let tip = null;

function element() {
  if (tip && tip.isConnected) return tip;
  tip = document.createElement('div');
  tip.className = 'attnscope-tooltip';
  tip.setAttribute('role', 'tooltip');
  tip.hidden = true;
  document.body.append(tip);
  return tip;
}

/** Shows `lines` (array of strings) near the pointer at client coordinates (x, y). */
export function showTooltip(lines, x, y) {
  const el = element();
  el.textContent = lines.join('\n');
  el.hidden = false;
  const pad = 14;
  const { innerWidth: w, innerHeight: h } = window;
  const box = el.getBoundingClientRect();
  const left = x + pad + box.width > w ? Math.max(0, x - pad - box.width) : x + pad;
  const top = y + pad + box.height > h ? Math.max(0, y - pad - box.height) : y + pad;
  el.style.left = `${left}px`;
  el.style.top = `${top}px`;
}

export function hideTooltip() {
  if (tip) tip.hidden = true;
}
