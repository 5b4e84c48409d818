#!/usr/bin/env node
// attnscope's command-line renderer for docs builds: draws a view with the same <attnscope-view>
// element as pages (the single-file bundle) in headless Chromium, and saves its SVG or PNG export.
//   npx attnscope render [--text "…"] [--text-pair "…" [--pair-filter aa|ab|ba|bb]] [--model DIR]
//        [--view matrix|head|model] [--layer L] [--head H] [--seed S] [--theme light|dark] [--width PX]
//        --out fig.svg|fig.png
// Offline: the page, the bundle and the model's files are answered from disk by request
// interception; every other request is refused. Needs playwright-core (an optional peer dependency)
// and a Chromium: /usr/bin/chromium, or the CHROMIUM environment variable.
import { existsSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const BUNDLE = join(HERE, '..', 'dist', 'attnscope-embed.js');
const ORIGIN = 'http://attnscope.localhost';  // never resolved: requests are answered by the route below
export const DEFAULT_TEXT = 'Mark told Sam that he was leaving.';

const USAGE = `usage: attnscope render [--text "${DEFAULT_TEXT}"] [--text-pair "…" [--pair-filter aa|ab|ba|bb]]
                        [--model DIR] [--view matrix|head|model] [--layer L] [--head H] [--seed S]
                        [--theme light|dark] [--width PX]
                        --out FILE.svg|FILE.png
  Renders attention for --text (and sentence B, --text-pair, drawn as --pair-filter says: A's tokens
  attending to B's with ab) with the checkpoint folder --model (default: the seeded demo transformer,
  --seed) and writes the view's SVG or PNG export.`;

class UsageError extends Error {}

export function parseArgs(argv) {
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h') return { help: true };
  if (command !== 'render') throw new UsageError(`unknown command ${JSON.stringify(command ?? '')}: expected "render"`);
  const o = { text: DEFAULT_TEXT, view: 'matrix', width: 1000 };
  const flags = { '--text': 'text', '--text-pair': 'textPair', '--pair-filter': 'pairFilter', '--model': 'model',
    '--view': 'view', '--layer': 'layer', '--head': 'head', '--seed': 'seed', '--theme': 'theme', '--width': 'width',
    '--out': 'out' };
  for (let i = 0; i < rest.length; i += 2) {
    const key = flags[rest[i]];
    if (!key) throw new UsageError(`unknown option ${JSON.stringify(rest[i])}`);
    if (i + 1 >= rest.length) throw new UsageError(`${rest[i]} needs a value`);
    o[key] = rest[i + 1];
  }
  if (!o.out) throw new UsageError('--out is required (a .svg or .png file)');
  o.format = extname(o.out).toLowerCase().slice(1);
  if (o.format !== 'svg' && o.format !== 'png') throw new UsageError(`--out: expected a .svg or .png file name, got ${JSON.stringify(o.out)}`);
  if (!['matrix', 'head', 'model'].includes(o.view)) throw new UsageError(`--view: expected matrix, head or model, got ${JSON.stringify(o.view)}`);
  if (o.theme !== undefined && !['light', 'dark'].includes(o.theme)) throw new UsageError(`--theme: expected light or dark, got ${JSON.stringify(o.theme)}`);
  if (!o.text.trim()) throw new UsageError('--text: expected a sentence, got an empty one');
  if (o.pairFilter !== undefined) {
    if (!['all', 'aa', 'ab', 'ba', 'bb'].includes(o.pairFilter)) throw new UsageError(`--pair-filter: expected all, aa, ab, ba or bb, got ${JSON.stringify(o.pairFilter)}`);
    if (o.textPair === undefined) throw new UsageError('--pair-filter needs --text-pair (sentence B)');
  }
  for (const key of ['layer', 'head', 'seed', 'width']) {
    if (o[key] !== undefined && !/^\d+$/.test(String(o[key]))) throw new UsageError(`--${key}: expected a whole number, got ${JSON.stringify(o[key])}`);
  }
  o.width = Number(o.width);
  if (o.width < 200 || o.width > 8000) throw new UsageError(`--width: expected 200 to 8000 pixels, got ${o.width}`);
  if (o.model !== undefined) {
    o.model = resolve(o.model);
    if (!existsSync(o.model) || !statSync(o.model).isDirectory()) throw new UsageError(`--model: ${o.model} is not a folder`);
  }
  return o;
}

const escapeAttr = (s) => String(s).replace(/[&"<>]/g, (c) => ({ '&': '&amp;', '"': '&quot;', '<': '&lt;', '>': '&gt;' }[c]));

function pageHtml(o) {
  const attrs = { view: o.view, text: o.text, 'text-pair': o.textPair, 'pair-filter': o.pairFilter, layer: o.layer,
    head: o.head, seed: o.seed, theme: o.theme, model: o.model ? '/model/' : undefined };
  const attrText = Object.entries(attrs).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}="${escapeAttr(v)}"`).join(' ');
  return `<!doctype html><html><head><meta charset="utf-8"><script type="module" src="/attnscope-embed.js"></script>
<style>body { margin: 0; background: #fff; } attnscope-view { padding: 8px; }</style></head>
<body><attnscope-view ${attrText}></attnscope-view></body></html>`;
}

// Answers the page's requests from disk: the page, the bundle, and files under the model folder.
function serveOffline(o) {
  return async (route) => {
    const url = new URL(route.request().url());
    if (url.origin !== ORIGIN) return route.abort('blockedbyclient');
    if (url.pathname === '/') return route.fulfill({ contentType: 'text/html; charset=utf-8', body: pageHtml(o) });
    if (url.pathname === '/attnscope-embed.js') return route.fulfill({ contentType: 'text/javascript', body: readFileSync(BUNDLE) });
    if (o.model && url.pathname.startsWith('/model/')) {
      const file = resolve(o.model, decodeURIComponent(url.pathname.slice('/model/'.length)));
      if ((file === o.model || file.startsWith(o.model + sep)) && existsSync(file) && statSync(file).isFile()) {
        return route.fulfill({ contentType: 'application/octet-stream', body: readFileSync(file) });
      }
    }
    return route.fulfill({ status: 404, body: 'not found' });
  };
}

export async function render(o) {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: build it with ./scripts/build-embed`);
  const { chromium } = await import('playwright-core').catch(() => {
    throw new Error('the render command needs playwright-core: npm install playwright-core (it drives your Chromium; no browser is downloaded)');
  });
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  try {
    const context = await browser.newContext({ viewport: { width: o.width, height: 800 } });
    await context.route('**/*', serveOffline(o));
    const page = await context.newPage();
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${ORIGIN}/`);
    await page.waitForFunction(() => ['rendered', 'error'].includes(document.querySelector('attnscope-view')?.dataset.state), null, { timeout: 60000 });
    const result = await page.evaluate(async (format) => {
      const el = document.querySelector('attnscope-view');
      if (el.dataset.state === 'error') return { error: el.shadowRoot.querySelector('[role=status]').textContent };
      // A figure, not a page: narrow the element to the right edge of what the view drew (canvases,
      // buttons, text), so the export has no empty margin. The views lay out once, so nothing moves.
      const stage = el.shadowRoot.querySelector('.attnscope-embed-stage');
      let right = 0;
      for (const node of stage.querySelectorAll('canvas, button, select')) right = Math.max(right, node.getBoundingClientRect().right);
      const walker = document.createTreeWalker(stage, NodeFilter.SHOW_TEXT);
      for (let t = walker.nextNode(); t; t = walker.nextNode()) {
        const range = document.createRange();
        range.selectNodeContents(t);
        right = Math.max(right, range.getBoundingClientRect().right);
      }
      const left = stage.getBoundingClientRect().left;
      if (right > left) el.style.width = `${Math.ceil(right - left) + 2}px`;
      if (format === 'svg') return { svg: el.toSVG() };
      const blob = await el.toPNG();
      const bytes = new Uint8Array(await blob.arrayBuffer());
      let binary = '';
      for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return { png: btoa(binary) };
    }, o.format);
    if (result.error) throw new Error(result.error.replace(/^attnscope: /, ''));
    if (pageErrors.length) throw new Error(`the page failed: ${pageErrors.join('; ')}`);
    const body = o.format === 'svg' ? result.svg : Buffer.from(result.png, 'base64');
    writeFileSync(o.out, body);
    return { out: o.out, bytes: body.length };
  } finally {
    await browser.close();
  }
}

// Run as a program (also through npm's bin symlink, hence realpath), not when imported by the tests.
if (process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url))) {
  try {
    const o = parseArgs(process.argv.slice(2));
    if (o.help) {
      console.log(USAGE);
    } else {
      const started = Date.now();
      const { out, bytes } = await render(o);
      console.log(`attnscope: wrote ${out} (${bytes} bytes, ${o.view} view) in ${Date.now() - started} ms`);
    }
  } catch (error) {
    console.error(`attnscope: ${error.message}`);
    if (error instanceof UsageError) console.error(USAGE);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  }
}
