// Models from the Hugging Face Hub in the demo, in Chromium, against the local imitation of the Hub
// (tests/js/helpers/fake-hub.mjs: the hub and its file "CDN" on two 127.0.0.1 origins). The page is
// served with that endpoint (its CSP's connect-src names the two origins instead of the Hub's); every
// other origin is aborted and recorded. Checked: nothing leaves the page before the user asks; a model
// typed by id loads (attentions against PyTorch's), with a progress row per file, and is listed in the
// cache; with the hub stopped it loads again from the Cache API; cancelling frees the wasm memory; each
// error users meet; the token goes to the endpoint only; a refused storage quota loads uncached; a
// damaged cache entry is never used; Delete empties the cache.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { goldenFiles, startFakeHub } from '../js/helpers/fake-hub.mjs';
import { MODELS } from '../js/helpers/model-reference.mjs';
import { readModelReference } from '../js/helpers/safetensors.mjs';
import { startDemo } from './browser.mjs';
import { artifactPath, assertClean, openDemo } from './demo-helpers.mjs';

const TOKEN = 'hf_PageTokenForTheGatedRepository';
const { 'model.safetensors': unused, ...withoutWeights } = goldenFiles('bert-f32');
let hub, demo;

before(async () => {
  hub = await startFakeHub({ repos: {
    'test/bert-f32': { golden: 'bert-f32' },
    'test/roberta-f32': { golden: 'roberta-f32' },
    'test/stalled': { golden: 'gpt2-lmhead-f16' },
    'test/quota': { golden: 'distilbert-f16' },
    'test/damaged': { golden: 'bert-bf16' },
    'gated/gpt2': { golden: 'gpt2-f32', token: TOKEN },
    'test/no-weights': { files: withoutWeights },
    'test/dropped': { golden: 'distilbert-bare-f32', drop: 'model.safetensors' },
    'test/no-cors': { golden: 'bert-f32', cors: false },
  } });
  demo = await startDemo({ hub: { endpoint: hub.endpoint, hosts: [hub.cdnOrigin] } });
});
after(async () => {
  await demo?.close();
  await hub?.close();
});

const summary = (page) => page.textContent('#model-summary');
const untilLoaded = (page) => page.waitForFunction(() => /loaded in|Could not load/.test(document.getElementById('model-summary').textContent),
  null, { timeout: 60000 });

/** Types a model into the field, presses Enter and waits for the summary's verdict. */
async function loadByName(page, name) {
  await page.fill('#model-url', name);
  await page.press('#model-url', 'Enter');
  await untilLoaded(page);
  return summary(page);
}

/** The module in the page, loading a Hub model and running PyTorch's reference ids. */
function attentionsInPage(page, id, golden, more = {}) {
  const ids = [...readModelReference(join(MODELS, golden)).ids];
  return page.evaluate(async ({ id, ids, endpoint, more }) => {
    const core = await (await import('/attnscope/src/index.js')).load();
    const model = await core.loadModel(`hf:${id}`, { endpoint, onWarning: () => {}, ...more });
    try {
      return model.run(Int32Array.from(ids)).attentions.map((a) => [...a]);
    } finally {
      model.dispose();
    }
  }, { id, ids, endpoint: hub.endpoint, more });
}

function assertMatchesTorch(attentions, golden) {
  const ref = readModelReference(join(MODELS, golden));
  attentions.forEach((a, layer) => {
    const worst = Math.max(...a.map((v, q) => Math.abs(v - ref.attentions[layer][q])));
    assert.ok(worst < 1e-5, `${golden} layer ${layer}: differs from PyTorch by ${worst}`);
  });
}

test('the page fetches nothing from the Hub until a model is asked for, and its CSP names the endpoint', async () => {
  const { page, problems } = await demo.newPage();
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  await openDemo(page, demo.url, { source: 'seeded' });
  await page.click('#model-loader summary');
  await page.fill('#model-url', 'test/bert-f32');
  await page.waitForFunction(() => /None yet/.test(document.getElementById('cached-models').textContent));
  assert.equal(hub.requests.length, 0, 'the hub saw no request');
  assert.deepEqual(requests.filter((url) => !url.startsWith(`${demo.url}/`)), [], 'every request stayed on the page\'s origin');
  const csp = await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', 'content');
  assert.match(csp, new RegExp(`connect-src 'self' ${hub.endpoint} ${hub.cdnOrigin};`));
  assert.equal(await page.textContent('#hub-endpoint'), hub.endpoint);
  assertClean(assert, problems, 'before any model');
  await page.close();
});

test('the shipped page allows the Hub and its file hosts only, and fetches nothing before a model is chosen', async () => {
  const plain = await startDemo();
  try {
    const { page, problems } = await plain.newPage();
    await openDemo(page, plain.url, { source: 'seeded' });
    await page.click('#model-loader summary');
    await page.waitForFunction(() => /None yet/.test(document.getElementById('cached-models').textContent));
    const csp = await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', 'content');
    assert.match(csp, /connect-src 'self' https:\/\/huggingface\.co https:\/\/cdn-lfs\.huggingface\.co https:\/\/cdn-lfs-us-1\.huggingface\.co https:\/\/\*\.hf\.co;/);
    assert.equal(await page.getAttribute('meta[name="attnscope-hub-endpoint"]', 'content'), 'https://huggingface.co');
    assertClean(assert, problems, 'on the shipped page');
  } finally {
    await plain.close();
  }
});

test('a model typed by id loads with a row per file, is cached, and loads again with the hub stopped', async () => {
  const { page, problems } = await demo.newPage();
  await openDemo(page, demo.url, { source: 'seeded' });
  await page.click('#model-loader summary');
  const start = hub.requests.length;
  assert.match(await loadByName(page, 'test/bert-f32'), /^test\/bert-f32: bert · 2 layers × 4 heads · d_model 32/);
  await page.waitForFunction(() => document.body.dataset.state === 'rendered');
  assert.equal(new URL(page.url()).searchParams.get('model'), 'hf:test/bert-f32');
  const golden = goldenFiles('bert-f32');
  const rows = await page.$$eval('#model-files li', (lis) => lis.map((li) => li.textContent));
  assert.deepEqual(rows.map((r) => r.split(/\d/)[0]), ['config.json', 'vocab.txt', 'tokenizer_config.json', 'model.safetensors']);
  for (const row of rows) assert.doesNotMatch(row, /from the cache/);
  const files = hub.requests.slice(start).filter((r) => r.path.includes('/resolve/')).map((r) => r.path.split('/').pop());
  assert.deepEqual(files, ['config.json', 'vocab.txt', 'tokenizer_config.json', 'model.safetensors'], 'only the files BERT needs');
  await page.waitForFunction(() => /test\/bert-f32/.test(document.getElementById('cached-models').textContent));
  const bytes = ['config.json', 'vocab.txt', 'tokenizer_config.json', 'model.safetensors'].reduce((n, f) => n + golden[f].length, 0);
  assert.match(await page.textContent('#cached-models li[data-id="test/bert-f32"]'), new RegExp(`main · ${(bytes / 1000).toFixed(1)} kB in 4 files`));
  assertMatchesTorch(await attentionsInPage(page, 'test/bert-f32', 'bert-f32'), 'bert-f32');

  await hub.stop();
  try {
    const before = hub.requests.length;
    await page.reload();
    await page.waitForFunction(() => document.body.dataset.state === 'rendered' && /loaded in/.test(document.getElementById('model-summary').textContent), null, { timeout: 60000 });
    assert.match(await summary(page), /^hf:test\/bert-f32: bert · 2 layers × 4 heads/);
    const offline = await page.$$eval('#model-files li', (lis) => lis.map((li) => li.textContent));
    assert.equal(offline.length, 4);
    for (const row of offline) assert.match(row, /from the cache/);
    assert.match(await page.textContent('#model-warning'), /cannot be reached .*using the cached copy of test\/bert-f32 at main = commit [0-9a-f]{12}/);
    await page.click('#model-loader summary');
    await page.waitForSelector('#cached-models li[data-id]');
    await page.locator('#model-loader').screenshot({ path: artifactPath('demo-hub-offline.png') });
    await page.click('#model-loader summary');
    assertMatchesTorch(await attentionsInPage(page, 'test/bert-f32', 'bert-f32'), 'bert-f32');
    assert.equal(hub.requests.length, before);
    // Nothing cached and the hub down: the error says both.
    await page.click('#model-loader summary');
    assert.match(await loadByName(page, 'test/roberta-f32'),
      /Could not load test\/roberta-f32: loadModel: config\.json of the Hugging Face model test\/roberta-f32 .*could not be fetched: the network is down, or the request was refused .*; nothing is cached for test\/roberta-f32 at main: load it once while online/);
  } finally {
    await hub.start();
  }
  assertClean(assert, problems, 'loading from the hub', { allowedErrors: /Failed to load resource: net::ERR_CONNECTION_REFUSED/ });
  await page.close();
});

test('Cancel stops a download half-way; the wasm memory is freed and the page loads the next model', async () => {
  const { page, problems } = await demo.newPage();
  await openDemo(page, demo.url, { source: 'seeded' });
  // The module itself: abort with a signal, memory back where it was.
  let stall = hub.stall('test/stalled', 'model.safetensors');
  const memory = page.evaluate(async (endpoint) => {
    // One thread: a pool thread's reusable GEMM buffers could otherwise first grow on a later run.
    const core = await (await import('/attnscope/src/index.js')).load({ threads: false });
    const use = async () => {
      const model = await core.loadModel('hf:test/bert-f32', { endpoint });
      model.run('the cat');
      model.dispose();
    };
    await use();  // warm: the kernels' reusable buffers exist from here on
    const before = core.memory().bytesInUse;
    const controller = new AbortController();
    window.abortTest = controller;
    const error = await core.loadModel('hf:test/stalled', { endpoint, signal: controller.signal }).then(() => null, (e) => e.name);
    const afterAbort = core.memory().bytesInUse;
    await use();
    return { error, before, afterAbort, after: core.memory().bytesInUse };
  }, hub.endpoint);
  await stall.reached;
  await page.evaluate(() => window.abortTest.abort());
  stall.release();
  const { error, before, afterAbort, after } = await memory;
  assert.equal(error, 'AbortError');
  assert.equal(afterAbort, before, 'the aborted load freed what it allocated');
  assert.equal(after, before, 'the core loads and runs the next model');
  // The demo's Cancel button.
  stall = hub.stall('test/stalled', 'model.safetensors');
  await page.click('#model-loader summary');
  await page.fill('#model-url', 'test/stalled');
  await page.press('#model-url', 'Enter');
  await stall.reached;
  assert.equal(await page.isVisible('#model-cancel'), true);
  await page.click('#model-cancel');
  await untilLoaded(page);
  stall.release();
  assert.match(await summary(page), /^Could not load test\/stalled: the load was cancelled/);
  assert.equal(await page.isVisible('#model-cancel'), false);
  assert.match(await loadByName(page, 'test/stalled'), /^test\/stalled: gpt2 · 2 layers/);
  // This repository has no tokenizer_config.json (optional): its 404 is logged by Chromium.
  assertClean(assert, problems, 'cancelling', { allowedErrors: /status of 404 .*\/resolve\/[0-9a-f]{40}\/tokenizer_config\.json$/ });
  await page.close();
});

test('errors users meet, and the token sent to the endpoint only', async () => {
  const { page, problems } = await demo.newPage();
  await openDemo(page, demo.url, { source: 'seeded' });
  await page.click('#model-loader summary');
  const where = (id) => `config\\.json of the Hugging Face model ${id.replace('/', '\\/')} \\(revision main, ${hub.endpoint}\\)`;
  assert.match(await loadByName(page, 'gated/gpt2'), new RegExp(`${where('gated/gpt2')}: this model needs a Hugging Face token \\(HTTP 401\\)`));
  assert.match(await loadByName(page, 'test/missing'), new RegExp(`${where('test/missing')}: there is no model test/missing: check the id`));
  assert.match(await loadByName(page, `${hub.endpoint}/test/bert-f32/tree/v9`),
    /config\.json of the Hugging Face model test\/bert-f32 \(revision v9, .*the repository has no revision "v9"/);
  assert.match(await loadByName(page, 'test/no-weights'), /the Hugging Face model test\/no-weights \(revision main, .*\) has no model\.safetensors/);
  assert.match(await loadByName(page, 'test/dropped'),
    new RegExp(`model\\.safetensors of the Hugging Face model test/dropped .*the download was cut off after \\d+ of ${goldenFiles('distilbert-bare-f32')['model.safetensors'].length} bytes`));
  assert.match(await loadByName(page, 'test/no-cors'),
    new RegExp(`${where('test/no-cors')}: .*could not be fetched: the network is down, or the request was refused before it reached this page — the server must allow this origin \\(CORS: Access-Control-Allow-Origin\\)`));
  // A cut-off file is not cached.
  const cached = await page.evaluate(async () => (await (await import('/attnscope/src/index.js')).cachedModels()));
  assert.ok(!cached.find((m) => m.id === 'test/dropped')?.files.some((f) => f.name === 'model.safetensors'));

  await page.click('.hub-token summary');
  await page.fill('#hub-token', TOKEN);
  const start = hub.requests.length;
  assert.match(await loadByName(page, 'gated/gpt2'), /^gated\/gpt2: gpt2 · 2 layers/);
  const requests = hub.requests.slice(start);
  const cdn = requests.filter((r) => r.origin === 'cdn');
  assert.ok(cdn.length >= 1, 'model.safetensors came through the redirect');
  assert.deepEqual(cdn.map((r) => r.authorization), cdn.map(() => null), 'the redirect origin never saw an Authorization header');
  const gets = requests.filter((r) => r.origin === 'hub' && r.method === 'GET');
  assert.ok(gets.length >= 4);
  for (const r of gets) assert.equal(r.authorization, `Bearer ${TOKEN}`, r.path);
  assertClean(assert, problems, 'errors', { allowedErrors: /Failed to load resource|blocked by CORS policy/ });
  await page.close();
});

test('a refused storage quota loads the model uncached, with a warning', async () => {
  const { page, problems } = await demo.newPage();
  await openDemo(page, demo.url, { source: 'seeded' });
  const cdp = await demo.context.newCDPSession(page);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: demo.url, quotaSize: 2000 });
  await page.click('#model-loader summary');
  assert.match(await loadByName(page, 'test/quota'), /^test\/quota: distilbert · 2 layers/);
  assert.match(await page.textContent('#model-warning'), /could not cache .* of test\/quota \(QuotaExceededError: .*\): the model is loaded, but it will be downloaded again next time/);
  const cached = await page.evaluate(async () => (await (await import('/attnscope/src/index.js')).cachedModels()));
  assert.ok(!cached.find((m) => m.id === 'test/quota')?.files.some((f) => f.name === 'model.safetensors'));
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: demo.url });
  assertClean(assert, problems, 'quota');
  await page.close();
});

test('a cached file of the wrong length is never loaded; Delete empties the cache', async () => {
  const { page, problems } = await demo.newPage();
  await openDemo(page, demo.url, { source: 'seeded' });
  assertMatchesTorch(await attentionsInPage(page, 'test/damaged', 'bert-bf16'), 'bert-bf16');
  // Cut the cached model.safetensors short, keeping its recorded length (as a broken disk might).
  const cut = await page.evaluate(async () => {
    const cache = await caches.open('attnscope-models');
    for (const request of await cache.keys()) {
      const url = new URL(request.url);
      if (url.searchParams.get('id') !== 'test/damaged' || url.searchParams.get('file') !== 'model.safetensors') continue;
      const response = await cache.match(request);
      const bytes = new Uint8Array(await response.arrayBuffer());
      await cache.put(request, new Response(bytes.subarray(0, 100), { headers: response.headers }));
      return url.searchParams.get('commit');
    }
    return null;
  });
  assert.ok(cut, 'found the cached file');
  await assert.rejects(attentionsInPage(page, 'test/damaged', 'bert-bf16', { revision: cut }),
    /the cached copy of model\.safetensors of test\/damaged has 100 bytes instead of \d+; it was deleted: load the model again/);
  assertMatchesTorch(await attentionsInPage(page, 'test/damaged', 'bert-bf16'), 'bert-bf16');

  await page.click('#model-loader summary');
  await page.waitForSelector('#cached-models li[data-id="test/damaged"]');
  await page.click('#cached-models li[data-id="test/damaged"] button:text("Load")');
  await untilLoaded(page);
  assert.match(await summary(page), /^hf:test\/damaged: bert · 2 layers/);
  for (let left = await page.locator('#cached-models li[data-id]').count(); left > 0; left--) {
    await page.locator('#cached-models li[data-id] button', { hasText: 'Delete' }).first().click();
    await page.waitForFunction((n) => document.querySelectorAll('#cached-models li[data-id]').length < n, left);
  }
  await page.waitForFunction(() => /None yet/.test(document.getElementById('cached-models').textContent));
  assert.deepEqual(await page.evaluate(async () => (await (await import('/attnscope/src/index.js')).cachedModels())), []);
  assertClean(assert, problems, 'damaged cache');
  await page.close();
});
