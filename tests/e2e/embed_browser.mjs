// Shared by the embed_*.test.mjs browser tests: headless Debian Chromium through playwright-core, a
// network guard, console-error capture, and reading what <attnscope-view> elements drew.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../scripts/serve.mjs';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PACKAGE = join(ROOT, 'web', 'attnscope');   // the npm package's root
export const BUNDLE = join(PACKAGE, 'dist', 'attnscope-embed.js');

/** Builds the single-file bundle with the package's own script (npm run build:embed). */
export function buildBundle() {
  execFileSync('node', [join(PACKAGE, 'tools', 'build-embed.mjs')], { stdio: 'inherit', cwd: PACKAGE });
}
const require = createRequire(join(ROOT, 'tests', 'package.json'));
const { chromium } = require('playwright-core');

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--allow-file-access-from-files'],
  });
}

/**
 * A page that may load only `allowed(url)` (everything else is aborted and recorded in
 * `blocked`) and records console errors and uncaught exceptions in `errors`.
 */
export async function guardedPage(browser, allowed, viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors = [];
  const blocked = [];
  page.on('console', (msg) => { if (msg.type() === 'error') errors.push(`console: ${msg.text()}`); });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (allowed(url)) return route.continue();
    blocked.push(url);
    return route.abort();
  });
  return { context, page, errors, blocked };
}

/**
 * For a test file whose pages are served from web/: registers hooks that build the embed bundle,
 * start the static server and launch Chromium before its tests (and close both after). Returns the
 * site: `site.url` (the server's origin), `site.page()` (a guarded page that may load only from that
 * origin, data: and blob:), both usable once the tests run.
 */
export function servedSite() {
  let server;
  let browser;
  before(async () => {
    buildBundle();
    server = await startServer({ root: join(ROOT, 'web') });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });
  const sameOrigin = (url) => url.startsWith(`${server.url}/`) || url.startsWith('data:') || url.startsWith('blob:');
  return {
    get url() { return server.url; },
    page: (viewport) => guardedPage(browser, sameOrigin, viewport),
  };
}

export const offlineOnly = (url) => url.startsWith('file:') || url.startsWith('data:') || url.startsWith('blob:');

/** Waits until every <attnscope-view> matching `selector` is rendered or failed; returns their states. */
export async function waitForViews(page, selector = 'attnscope-view', count = 1, timeout = 20000) {
  await page.waitForFunction(([sel, n]) => {
    const els = [...document.querySelectorAll(sel)];
    return els.length >= n && els.every((el) => el.dataset.state === 'rendered' || el.dataset.state === 'error');
  }, [selector, count], { timeout });
  return page.$$eval(selector, (els) => els.map((el) => ({
    id: el.id, state: el.dataset.state, message: el.shadowRoot?.querySelector('[role=status]')?.textContent ?? '',
  })));
}

/**
 * What each matching element drew: per element, the number of canvases in its shadow root and
 * the count of non-white, non-transparent pixels over all of them (0 means nothing was drawn).
 */
export async function drawnPixels(page, selector = 'attnscope-view') {
  return page.$$eval(selector, (els) => els.map((el) => {
    const canvases = [...(el.shadowRoot?.querySelectorAll('canvas') ?? [])];
    let inked = 0;
    const colours = new Set();
    for (const c of canvases) {
      if (!c.width || !c.height) continue;
      const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      for (let i = 0; i < px.length; i += 4) {
        if (px[i + 3] === 0 || (px[i] > 245 && px[i + 1] > 245 && px[i + 2] > 245)) continue;
        inked++;
        if (colours.size < 4096) colours.add((px[i] << 16) | (px[i + 1] << 8) | px[i + 2]);
      }
    }
    return { id: el.id, canvases: canvases.length, inked, colours: colours.size };
  }));
}

/**
 * Row-stochastic weights `layers × heads × rows × cols`, computed here (not by the views): each row
 * the softmax of a fixed pattern of its layer, head, row and column.
 */
export function softmaxRows(rows, cols, heads, layers, salt) {
  return Array.from({ length: layers }, (_, l) => Array.from({ length: heads }, (_, h) => Array.from({ length: rows }, (_, i) => {
    const logits = Array.from({ length: cols }, (_, j) => Math.sin((i + 1) * (j + 2) * (h + 1 + salt) + l) * 3);
    const max = Math.max(...logits);
    const e = logits.map((x) => Math.exp(x - max));
    const sum = e.reduce((a, b) => a + b, 0);
    return e.map((x) => x / sum);
  })));
}
