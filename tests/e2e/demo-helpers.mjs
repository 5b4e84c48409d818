// Helpers for the demo's browser tests: open the page with a URL state, wait for draws, read canvas
// pixels and hover matrix cells the way a person would (real mouse moves at the cell's position).
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ARTIFACTS, WEB_ROOT } from './browser.mjs';

export const DEFAULT_SENTENCE = 'Mark told Sam that he was leaving.';

/** Opens /demo/ with the given query parameters and waits for the first draw (or an error). */
export async function openDemo(page, baseUrl, params = {}) {
  const query = new URLSearchParams(params).toString();
  await page.goto(`${baseUrl}/demo/${query ? `?${query}` : ''}`);
  await page.waitForFunction(() => ['rendered', 'error'].includes(document.body.dataset.state)
    || (document.body.dataset.state === 'idle' && !/Loading/.test(document.getElementById('message').textContent)), null, { timeout: 60000 });
}

/** Runs `action` and waits until the page has drawn again. */
export async function afterRender(page, action) {
  const before = Number(await page.evaluate(() => document.body.dataset.renders ?? 0));
  await action();
  await page.waitForFunction((n) => Number(document.body.dataset.renders ?? 0) > n, before, { timeout: 60000 });
}

export async function showView(page, view) {
  const selected = await page.getAttribute(`#tab-${view}`, 'aria-selected');
  if (selected === 'true') return;
  await afterRender(page, () => page.click(`#tab-${view}`));
}

/**
 * Pixel statistics of the canvases matching `selector`: how many pixels are not white, how many
 * distinct colours, how many are the threshold's grey, and a hash to compare two draws.
 */
export function canvasStats(page, selector) {
  return page.evaluate((sel) => [...document.querySelectorAll(sel)].map((c) => {
    const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const colours = new Set();
    let nonWhite = 0;
    let grey = 0;
    let hash = 2166136261;
    for (let p = 0; p < data.length; p += 4) {
      const rgb = (data[p] << 16) | (data[p + 1] << 8) | data[p + 2];
      if (rgb !== 0xffffff) nonWhite++;
      if (rgb === 0xe4e4e4) grey++;
      if (colours.size < 5000) colours.add(rgb);
      hash = Math.imul(hash ^ rgb, 16777619);
    }
    return { width: c.width, height: c.height, nonWhite, grey, distinct: colours.size, hash: hash >>> 0 };
  }), selector);
}

/** Moves the mouse to the centre of cell (i, j) of a heatmap canvas; returns the tooltip text. */
export async function hoverCell(page, canvasSelector, i, j) {
  const canvas = page.locator(canvasSelector);
  await canvas.scrollIntoViewIfNeeded();
  const box = await canvas.boundingBox();
  const g = await canvas.evaluate((c) => ({ left: +c.dataset.plotLeft, top: +c.dataset.plotTop, cell: +c.dataset.cell,
    cssWidth: c.getBoundingClientRect().width, width: c.width / (window.devicePixelRatio || 1) }));
  const s = g.cssWidth / g.width;
  await page.mouse.move(box.x + (g.left + (j + 0.5) * g.cell) * s, box.y + (g.top + (i + 0.5) * g.cell) * s);
  const tip = page.locator('.attnscope-tooltip');
  await tip.waitFor({ state: 'visible' });
  return tip.textContent();
}

/** Reads the first number after `label` in a tooltip line. */
export function numberAfter(text, label) {
  const line = text.split('\n').find((l) => l.includes(label));
  if (!line) throw new Error(`tooltip has no line with ${label}: ${text}`);
  const m = line.slice(line.indexOf(label) + label.length).match(/-?\d+(?:\.\d+)?(?:e[-+]?\d+)?/);
  if (!m) throw new Error(`no number after ${label} in: ${line}`);
  return Number(m[0]);
}

/**
 * Runs `prelude` (a function, serialised) before the demo's compute worker (web/demo/compute-worker.js,
 * where the wasm runs): what page.addInitScript does for the page, for that worker.
 */
export async function addComputeWorkerInitScript(page, prelude) {
  await page.route('**/demo/compute-worker.js', async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, body: `(${prelude})();\n${await response.text()}` });
  });
}

/** The demo's compute worker (a Playwright Worker: evaluate() runs in it). */
export function computeWorker(page) {
  const worker = page.workers().find((w) => w.url().endsWith('/demo/compute-worker.js'));
  if (!worker) throw new Error(`the page has no compute worker (workers: ${page.workers().map((w) => w.url())})`);
  return worker;
}

export function artifactPath(name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, name);
}

/**
 * No uncaught exception, no request outside the origin, no console error. Two exceptions, opt-in:
 * Chromium logs "404" for a model folder's optional files the loader probes for (a folder URL cannot
 * be listed); with `optionalUnder` set, such a 404 passes only if that file really is absent from web/.
 * `allowedErrors` (a RegExp) lets through the console errors a test provokes on purpose.
 */
export function assertClean(assert, problems, what = '', { optionalUnder = null, root = WEB_ROOT, allowedErrors = null } = {}) {
  assert.deepEqual(problems.pageErrors, [], `uncaught exceptions ${what}`);
  const errors = problems.consoleErrors.filter((e) => {
    if (allowedErrors?.test(e)) return false;
    if (!optionalUnder || !/status of 404/.test(e)) return true;
    const url = e.slice(e.lastIndexOf(' @ ') + 3);
    const path = new URL(url).pathname;
    return !(path.startsWith(`/${optionalUnder}`) && !existsSync(join(root, decodeURIComponent(path))));
  });
  assert.deepEqual(errors, [], `console errors ${what}`);
  assert.deepEqual(problems.external, [], `requests outside the origin ${what}`);
}
