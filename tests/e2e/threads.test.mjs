// The threads build in Chromium: the demo served with COOP/COEP (scripts/serve.mjs) is cross-origin
// isolated, so load() picks a threads build (Web Workers from its worker script): Chromium has
// relaxed SIMD, so attnscope-relaxed-simd-threads; the demo's status line says how many threads its
// compute worker uses (every core but one); results equal the single-thread build's,
// also in a module Web Worker of that page (whose pthread workers are nested workers). The same page
// served without those headers is not isolated and falls back silently: one thread, the threads
// files never requested, no console error.
//   node --test --test-concurrency=1 tests/e2e/threads.test.mjs
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startDemo, WEB_ROOT } from './browser.mjs';
import { assertClean, openDemo } from './demo-helpers.mjs';

const THREADS_FILES = ['simd-threads', 'relaxed-simd-threads']
  .flatMap((flavour) => ['js', 'wasm', 'worker.js'].map((ext) => `attnscope-${flavour}.${ext}`));
const built = THREADS_FILES.every((f) => existsSync(join(WEB_ROOT, 'attnscope', 'dist', f)));
const skip = built ? false : 'web/attnscope/dist has no threads build: ./scripts/build wasm-simd-threads';

let demo;
before(async () => { if (built) demo = await startDemo(); });
after(async () => { await demo?.close(); });

// In the page: multi-head self-attention (large enough for the kernels to split it) on the default
// load() and on threads: false; returns the thread counts and the largest differences.
function compareInPage() {
  return (async () => {
    const { load } = await import('/attnscope/src/index.js');
    const [threaded, single] = [await load(), await load({ threads: false })];
    const n = 96, dModel = 256, numHeads = 4;
    let seed = 7;
    const random = (length, scale) => Float32Array.from({ length }, () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return (seed / 2147483648 - 0.5) * scale;
    });
    const params = { dModel, numHeads, wq: random(dModel * dModel, 0.2), wk: random(dModel * dModel, 0.2),
      wv: random(dModel * dModel, 0.2), wo: random(dModel * dModel, 0.2), bq: random(dModel, 1) };
    const x = random(n * dModel, 2);
    const results = [threaded, single].map((core) => core.multiHeadAttention({ ...params, x, n, mask: 'causal' }));
    const maxDiff = (a, b) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
    return {
      isolated: globalThis.crossOriginIsolated,
      relaxed: [threaded.relaxedSimd, single.relaxedSimd],
      threads: threaded.threads,
      singleThreads: single.threads,
      weights: maxDiff(results[0].weights, results[1].weights),
      output: maxDiff(results[0].output, results[1].output),
      outputScale: results[1].output.reduce((m, v) => Math.max(m, Math.abs(v)), 0),
    };
  })();
}

test('an isolated page uses the threads build, renders, and matches one thread', { skip, timeout: 180000 }, async () => {
  const { page, problems } = await demo.newPage();
  const requested = [];
  page.on('request', (r) => requested.push(new URL(r.url()).pathname));
  await openDemo(page, demo.url, { source: 'seeded' });
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'rendered');
  const message = await page.textContent('#message');
  // The demo computes in its module Web Worker (web/demo/compute-worker.js) on every core but one (the
  // page keeps a core): the threads build from three cores on, whose pthread workers nest in it (their
  // script requests are not reported to the page; load() resolves with threads > 1 once they started).
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  const demoThreads = cores > 2 ? Math.min(cores - 1, 4) : 1;
  const shown = Number(/· (\d+) threads/.exec(message)?.[1] ?? 1);
  assert.equal(shown, demoThreads, `the status line names the demo's threads (${cores} cores): ${message}`);
  assert.match(message, /wasm SIMD \(relaxed, FMA\)/, 'Chromium has relaxed SIMD: the status line says so');
  const threadsFiles = ['js', 'wasm'].map((ext) => `/attnscope/dist/attnscope-relaxed-simd-threads.${ext}`);
  assert.equal(threadsFiles.every((f) => requested.includes(f)), demoThreads > 1, `threads build loaded: ${requested}`);

  const r = await page.evaluate(compareInPage);
  console.log(`  isolated page: ${r.threads} threads; vs threads: false, max |diff| weights ${r.weights}, output ${r.output}`);
  assert.equal(r.isolated, true);
  assert.deepEqual(r.relaxed, [true, true]);
  assert.equal(r.threads, Math.min(cores, 4), 'load() in the page itself takes every core (at most 4)');
  assert.ok(r.threads > 1);
  assert.equal(r.singleThreads, 1);
  assert.ok(r.weights <= 1e-5, `weights differ by ${r.weights}`);
  assert.ok(r.output <= 1e-5 * Math.max(1, r.outputScale), `outputs differ by ${r.output}`);
  assertClean(assert, problems, 'on the isolated page');
  await page.close();
});

test('a module Web Worker of the isolated page runs the threads build too', { skip, timeout: 180000 }, async () => {
  const { page, problems } = await demo.newPage();
  await page.goto(`${demo.url}/demo/?source=seeded`);
  const r = await page.evaluate(() => new Promise((resolve, reject) => {
    const code = `
      const { load } = await import('${location.origin}/attnscope/src/index.js');
      const [threaded, single] = [await load(), await load({ threads: false })];
      const q = Float32Array.from({ length: 200 * 64 }, (_, i) => Math.sin(i * 0.37));
      const options = { q, k: q, v: q, n: 200, dK: 64, mask: 'causal' };
      const [a, b] = [threaded.attention(options), single.attention(options)];
      const diff = a.weights.reduce((m, v, i) => Math.max(m, Math.abs(v - b.weights[i])), 0);
      postMessage({ isolated: self.crossOriginIsolated, threads: threaded.threads, diff });`;
    const worker = new Worker(URL.createObjectURL(new Blob([code], { type: 'text/javascript' })), { type: 'module' });
    worker.onmessage = (e) => { resolve(e.data); worker.terminate(); };
    worker.onerror = (e) => reject(new Error(e.message));
  }));
  console.log(`  module worker: ${r.threads} threads, max |diff| weights vs threads: false ${r.diff}`);
  assert.equal(r.isolated, true);
  assert.ok(r.threads > 1, `threads in the worker: ${r.threads}`);
  assert.ok(r.diff <= 1e-5);
  assertClean(assert, problems, 'with the module worker');
  await page.close();
});

test('without COOP/COEP the page falls back to one thread silently', { skip, timeout: 180000 }, async () => {
  const { page, problems } = await demo.newPage();
  // The same server, minus the isolation headers (registered after the page guard, so it runs first).
  await page.route('**/*', async (route) => {
    if (!route.request().url().startsWith(`${demo.url}/`)) return route.fallback();
    const response = await route.fetch();
    const headers = { ...response.headers() };
    delete headers['cross-origin-opener-policy'];
    delete headers['cross-origin-embedder-policy'];
    return route.fulfill({ response, headers });
  });
  const requested = [];
  page.on('request', (r) => requested.push(new URL(r.url()).pathname));
  await openDemo(page, demo.url, { source: 'seeded' });
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'rendered');
  const message = await page.textContent('#message');
  assert.match(message, /wasm SIMD/);
  assert.doesNotMatch(message, /threads/, `one thread: ${message}`);
  const r = await page.evaluate(async () => {
    const { load } = await import('/attnscope/src/index.js');
    const core = await load();
    let refused = '';
    try { await load({ threads: 2 }); } catch (error) { refused = error.message; }
    return { isolated: globalThis.crossOriginIsolated, threads: core.threads, refused };
  });
  assert.equal(r.isolated, false);
  assert.equal(r.threads, 1);
  assert.match(r.refused, /threads is 2 but this page is not cross-origin isolated/);
  assert.deepEqual(requested.filter((p) => p.includes('simd-threads')), [], 'no threads file fetched');
  assertClean(assert, problems, 'on the page without isolation');
  await page.close();
});
