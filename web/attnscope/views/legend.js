// A colour legend: the gradient of a colour map with its scale written underneath.
import { formatNumber } from './paint.js';

/**
 * @param {HTMLElement} parent
 * @param {{ colormap, min: number, max: number, label: string, midLabel?: string }} spec
 */
export function renderLegend(parent, { colormap, min, max, label, midLabel }) {
  const box = document.createElement('div');
  box.className = 'attnscope-legend';
  const title = document.createElement('span');
  title.className = 'attnscope-legend-title';
  title.textContent = label;
  const bar = document.createElement('canvas');
  bar.width = 256;
  bar.height = 12;
  bar.className = 'attnscope-legend-bar';
  bar.setAttribute('role', 'img');
  bar.setAttribute('aria-label', `colour scale ${colormap.name} from ${formatNumber(min, 3)} to ${formatNumber(max, 3)}`);
  const ctx = bar.getContext('2d');
  for (let i = 0; i < 256; i++) {
    ctx.fillStyle = colormap.css[i];
    ctx.fillRect(i, 0, 1, 12);
  }
  const ticks = document.createElement('div');
  ticks.className = 'attnscope-legend-ticks';
  const tick = (text) => { const s = document.createElement('span'); s.textContent = text; return s; };
  ticks.append(tick(formatNumber(min, 3)), tick(midLabel ?? formatNumber((min + max) / 2, 3)), tick(formatNumber(max, 3)));
  const scale = document.createElement('div');
  scale.append(bar, ticks);
  box.append(title, scale);
  parent.append(box);
  return box;
}
