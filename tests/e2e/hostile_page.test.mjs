// The demo page under hostile input and a hostile environment (issue 9), in headless Chromium:
//   - a checkpoint whose vocabulary holds markup, quotes, RTL overrides and control characters,
//     loaded through the page's own "Load model" folder picker: the strings are shown as text,
//     nothing runs, no console errors;
//   - the page itself: a strict CSP meta tag, no inline event handlers or inline scripts, eval blocked,
//     no eval / new Function in the code it serves;
//   - an engine without WebAssembly SIMD: the page runs the scalar build and says so;
//   - a request too large for wasm memory: a clear message, and the page recovers;
//   - 500 edits of the sentence: elements, listeners, JS heap and wasm memory stay bounded.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { ROOT, startDemo, WEB_ROOT } from './browser.mjs';
import {
  addComputeWorkerInitScript, afterRender, assertClean, computeWorker, hoverCell, openDemo, showView,
} from './demo-helpers.mjs';

const CHECKPOINT = join(ROOT, 'tests', 'golden', 'models', 'bert-f32');
const HOSTILE = {
  unk: '\u202eRTL override\u0007bell\u0001',
  cls: '<img src=x onerror=alert(1)>',
  sep: '"><script>window.__pwned = 1</script>',
  mask: '\u0000\u001b[31m<b onmouseover=alert(2)>',
};
let demo;
let hostileDir;

before(async () => {
  demo = await startDemo();
  // bert-f32 with [UNK] [CLS] [SEP] [MASK] replaced by hostile strings (same ids, so the weights fit),
  // named as the special tokens in tokenizer_config.json: they appear around every sentence.
  hostileDir = mkdtempSync(join(tmpdir(), 'attnscope-hostile-'));
  for (const f of ['config.json', 'model.safetensors']) copyFileSync(join(CHECKPOINT, f), join(hostileDir, f));
  const vocab = readFileSync(join(CHECKPOINT, 'vocab.txt'), 'utf8').split('\n');
  [vocab[1], vocab[2], vocab[3], vocab[4]] = [HOSTILE.unk, HOSTILE.cls, HOSTILE.sep, HOSTILE.mask];
  writeFileSync(join(hostileDir, 'vocab.txt'), vocab.join('\n'));
  writeFileSync(join(hostileDir, 'tokenizer_config.json'), JSON.stringify({
    do_lower_case: true, unk_token: HOSTILE.unk, cls_token: HOSTILE.cls, sep_token: HOSTILE.sep, mask_token: HOSTILE.mask,
  }));
});
after(async () => {
  await demo?.close();
  if (hostileDir) rmSync(hostileDir, { recursive: true, force: true });
});

/** Anything that would show script ran or markup was parsed from a string. */
function pageIntegrity(page) {
  return page.evaluate(() => {
    const all = [...document.querySelectorAll('*')];
    return {
      pwned: window.__pwned ?? null,
      injectedImages: document.querySelectorAll('img[src="x"], img[onerror]').length,
      bold: document.querySelectorAll('b[onmouseover]').length,
      inlineScripts: [...document.scripts].filter((s) => !s.src).length,
      handlerAttributes: all.flatMap((el) => [...el.attributes].filter((a) => /^on/i.test(a.name)).map((a) => `${el.tagName}[${a.name}]`)),
      javascriptUrls: all.filter((el) => /^\s*javascript:/i.test(el.getAttribute('href') ?? el.getAttribute('src') ?? '')).length,
    };
  });
}

test('hostile vocabulary entries loaded through the model control are shown as text and run nothing', async () => {
  const { page, problems } = await demo.newPage();
  const dialogs = [];
  page.on('dialog', (dialog) => { dialogs.push(dialog.message()); dialog.dismiss(); });
  await openDemo(page, demo.url, { source: 'seeded', view: 'matrix' });
  // "ж" is not in the vocabulary, so it becomes the hostile [UNK]; the hostile [MASK] string typed in the
  // sentence is matched verbatim as a special token.
  const sentence = `a ж b ${HOSTILE.cls} c`;
  await afterRender(page, () => page.fill('#sentence', sentence));
  await page.click('#model-loader summary');
  await page.setInputFiles('#model-folder', hostileDir);
  await page.waitForFunction(() => /loaded in|Could not load/.test(document.getElementById('model-summary').textContent));
  assert.match(await page.textContent('#model-summary'), /bert · 2 layers × 4 heads/);
  await page.waitForFunction(() => document.body.dataset.state === 'rendered' && !/seeded/.test(document.getElementById('source-name').textContent));

  await showView(page, 'matrix');
  const canvas = '#view-matrix figure[data-head="0"] canvas:not(.attnscope-overlay)';
  const first = await hoverCell(page, canvas, 0, 0);
  assert.ok(first.startsWith(`query: ${HOSTILE.cls}`), `the [CLS] string is shown verbatim as text: ${JSON.stringify(first)}`);
  const unk = await hoverCell(page, canvas, 2, 2);  // [CLS] a ж …: the third token is the hostile [UNK]
  assert.ok(unk.startsWith(`query: ${HOSTILE.unk}`), `the [UNK] string (RTL override, control characters) as text: ${JSON.stringify(unk)}`);
  const last = await hoverCell(page, canvas, 6, 4);  // [CLS] a ж b <cls> c [SEP]: the query is the hostile [SEP]
  assert.ok(last.startsWith(`query: ${HOSTILE.sep}  (#6)\nkey: ${HOSTILE.cls}  (#4)`), `[SEP] and the typed [CLS] as text: ${JSON.stringify(last)}`);
  // Every view draws these tokens (canvas labels, SVG text, DOM text) without running anything.
  for (const view of ['head', 'model', 'step', 'matrix']) await showView(page, view);
  const integrity = await pageIntegrity(page);
  assert.deepEqual(integrity, { pwned: null, injectedImages: 0, bold: 0, inlineScripts: 0, handlerAttributes: [], javascriptUrls: 0 });
  assert.deepEqual(dialogs, [], 'no alert() ran');
  assertClean(assert, problems, 'with a hostile vocabulary');
  await page.close();
});

test('the page has a strict CSP, no inline handlers or scripts, and eval is blocked', async () => {
  const { page, problems } = await demo.newPage();
  await openDemo(page, demo.url, { source: 'seeded' });
  const csp = await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', 'content');
  assert.ok(csp, 'a Content-Security-Policy meta tag');
  const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map(([k, ...v]) => [k, v]));
  assert.deepEqual(directives['default-src'], ["'self'"]);
  assert.deepEqual(directives['script-src'], ["'self'", "'wasm-unsafe-eval'"], 'scripts: same origin and wasm only');
  assert.deepEqual(directives['object-src'], ["'none'"]);
  for (const [name, values] of Object.entries(directives)) {
    assert.ok(!values.includes("'unsafe-inline'") && !values.includes("'unsafe-eval'") && !values.includes('*') && !values.includes('data:') ||
      (name === 'img-src' && !values.includes("'unsafe-inline'")), `${name} ${values.join(' ')} is not loosened`);
  }
  assert.deepEqual(await pageIntegrity(page), { pwned: null, injectedImages: 0, bold: 0, inlineScripts: 0, handlerAttributes: [], javascriptUrls: 0 });
  // The CSP is in force. DevTools' evaluate is exempt from it, so the probe is a same-origin script
  // (allowed by script-src 'self') served for this test only, which then tries eval, new Function and
  // an inline script the way injected code would.
  await page.route(`${demo.url}/__csp_probe.js`, (route) => route.fulfill({ contentType: 'text/javascript', body: `
    const result = {};
    try { eval('1'); result.eval = 'ran'; } catch (e) { result.eval = e.name; }
    try { new Function('return 1')(); result.function = 'ran'; } catch (e) { result.function = e.name; }
    const s = document.createElement('script');
    s.textContent = 'window.__inline = 1';
    document.body.append(s);
    result.inline = window.__inline ?? null;
    window.__cspProbe = result;` }));
  await page.evaluate(() => new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = '/__csp_probe.js';
    s.onload = resolve;
    s.onerror = () => reject(new Error('the probe script did not load'));
    document.head.append(s);
  }));
  assert.deepEqual(await page.evaluate(() => window.__cspProbe), { eval: 'EvalError', function: 'EvalError', inline: null });
  problems.consoleErrors = problems.consoleErrors.filter((e) => !/Content Security Policy/.test(e));  // our own probes
  assertClean(assert, problems);
  await page.close();

  // And nothing the page serves contains dynamic code execution.
  const files = [];
  const walk = (dir) => readdirSync(dir, { withFileTypes: true }).forEach((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory() && !['node_modules', 'models'].includes(e.name)) walk(path);
    else if (/\.(m?js|html)$/.test(e.name) && e.name !== 'attnscope-embed.js') files.push(path);
  });
  ['attnscope/src', 'attnscope/views', 'attnscope/embed', 'attnscope/dist', 'demo', 'examples'].forEach((d) => walk(join(WEB_ROOT, d)));
  assert.ok(files.length > 5, `scanned ${files.length} files`);
  for (const file of files) {
    const code = readFileSync(file, 'utf8');
    assert.doesNotMatch(code, /(^|[^\w.])eval\s*\(|new\s+Function\s*\(|setTimeout\s*\(\s*['"`]/, `${file} executes strings as code`);
    if (file.endsWith('.html')) assert.doesNotMatch(code, /\son[a-z]+\s*=/i, `${file} has an inline event handler`);
  }
});

test('without WebAssembly SIMD the page runs the scalar build and says so', async () => {
  const { page, problems } = await demo.newPage();
  // An engine without SIMD: validate() rejects SIMD code (the loader's probe), and compiling the SIMD
  // build would fail as it would there; in the page and in the worker the demo computes in. Requests
  // for it are recorded.
  const withoutSimd = () => {
    const hasSimd = (bytes) => {
      const b = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let i = 0; i + 1 < b.length; i++) if (b[i] === 0xfd || b[i] === 0x7b) return true;  // SIMD prefix / v128
      return false;
    };
    const validate = WebAssembly.validate;
    WebAssembly.validate = (bytes) => !hasSimd(bytes) && validate(bytes);
  };
  await page.addInitScript(withoutSimd);
  await addComputeWorkerInitScript(page, withoutSimd);
  const wasmRequests = [];
  page.on('request', (r) => { if (/\.wasm$/.test(new URL(r.url()).pathname)) wasmRequests.push(new URL(r.url()).pathname); });
  await openDemo(page, demo.url, { source: 'seeded', view: 'matrix' });
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'rendered');
  assert.match(await page.textContent('#message'), /wasm \(scalar\)/, 'the status line says the scalar build runs');
  assert.ok(wasmRequests.some((p) => p.endsWith('attnscope-scalar.wasm')), `scalar build fetched: ${wasmRequests}`);
  assert.ok(!wasmRequests.some((p) => /simd/.test(p)), `no SIMD build is ever fetched: ${wasmRequests}`);
  assert.equal(await page.evaluate(async () => (await (await import('/attnscope/src/index.js')).load()).simd), false);
  assertClean(assert, problems);
  await page.close();
});

test('a request too large for wasm memory shows a clear message and the page recovers', async () => {
  const { page, problems } = await demo.newPage();
  await openDemo(page, demo.url, { source: 'seeded', view: 'matrix', h: '8', d: '64' });
  // 40,000 tokens: one layer's attention weights alone would need 8 × 40,000² × 4 bytes ≈ 48 GiB.
  await page.fill('#sentence', 'word '.repeat(40_000));
  await page.waitForFunction(() => document.body.dataset.state === 'error' || /GiB|memory/i.test(document.getElementById('message').textContent),
    null, { timeout: 120_000 });
  const message = await page.textContent('#message');
  console.log(`out-of-memory message: ${message}`);
  assert.match(message, /GiB of wasm memory|out of wasm memory|too (long|large)/i, `a clear memory message: ${message}`);
  assert.doesNotMatch(message, /internal error|abort|RuntimeError|undefined/i, message);
  // The page recovers: a normal sentence draws again.
  await afterRender(page, () => page.fill('#sentence', 'Mark told Sam that he was leaving.'));
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'rendered');
  assert.match(await page.textContent('#message'), /^10 tokens/);  // [CLS] 7 words . [SEP]
  assertClean(assert, problems);
  await page.close();
});

test('editing the sentence 500 times keeps the page bounded (DOM nodes, listeners, JS heap, wasm memory)', { timeout: 600_000 }, async () => {
  const { page, problems } = await demo.newPage();
  // Keep a handle on every wasm memory the compute worker (where the demo's wasm runs) creates, to read
  // its size from the test: exported (single-thread builds) or imported (the threads build's shared memory).
  await addComputeWorkerInitScript(page, () => {
    globalThis.__wasmMemories = [];
    const remember = (value) => {
      if (value instanceof WebAssembly.Memory && !globalThis.__wasmMemories.includes(value)) globalThis.__wasmMemories.push(value);
    };
    const keep = (result) => {
      const instance = result.instance ?? result;
      for (const value of Object.values(instance.exports ?? {})) remember(value);
      return result;
    };
    for (const name of ['instantiate', 'instantiateStreaming']) {
      const original = WebAssembly[name];
      WebAssembly[name] = (...args) => {
        for (const namespace of Object.values(args[1] ?? {})) for (const value of Object.values(namespace ?? {})) remember(value);
        return original.apply(WebAssembly, args).then(keep);
      };
    }
  });
  await openDemo(page, demo.url, { source: 'seeded', view: 'matrix' });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const measure = async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    const { metrics } = await cdp.send('Performance.getMetrics');
    const metric = (name) => metrics.find((m) => m.name === name)?.value ?? NaN;
    const wasmBytes = await computeWorker(page).evaluate(() => globalThis.__wasmMemories.reduce((sum, m) => sum + m.buffer.byteLength, 0));
    const elements = await page.evaluate(() => document.querySelectorAll('*').length);
    return { elements, nodes: metric('Nodes'), listeners: metric('JSEventListeners'), jsHeap: metric('JSHeapUsedSize'), wasmBytes };
  };
  const words = 'the quick brown fox jumps over a lazy dog while mark told sam that he was leaving'.split(' ');
  const sentence = (i) => words.slice(0, 3 + (i * 7) % (words.length - 3)).join(' ') + (i % 2 ? '.' : '?');
  const views = ['matrix', 'head', 'model', 'step'];
  let warm = null;
  for (let i = 0; i < 500; i++) {
    if (i % 25 === 0) await showView(page, views[(i / 25) % views.length]);  // all four before the first measure
    await afterRender(page, () => page.fill('#sentence', sentence(i)));
    if (i === 99) warm = await measure();
  }
  const end = await measure();
  console.log(`500 edits: after 100 ${JSON.stringify(warm)}; after 500 ${JSON.stringify(end)}`);
  assert.ok(end.wasmBytes > 0, 'the wasm memory was found');
  assert.ok(end.wasmBytes <= warm.wasmBytes, `wasm memory grew from ${warm.wasmBytes} to ${end.wasmBytes}`);
  assert.equal(end.elements, warm.elements, 'elements in the document');
  // Chromium keeps one text node per edit in the textarea's undo history (bounded by its undo depth;
  // a bare page with a textarea does the same); anything the demo retained would come on top.
  const edits = 400;
  assert.ok(end.nodes - warm.nodes <= edits + 20, `DOM nodes grew from ${warm.nodes} to ${end.nodes} over ${edits} edits`);
  assert.ok(end.listeners <= warm.listeners + 20, `event listeners grew from ${warm.listeners} to ${end.listeners}`);
  assert.ok(end.jsHeap <= warm.jsHeap * 1.5 + 4e6, `JS heap grew from ${warm.jsHeap} to ${end.jsHeap}`);
  assertClean(assert, problems);
  await page.close();
});
