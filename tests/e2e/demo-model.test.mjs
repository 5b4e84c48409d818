// The demo's "Load model" control and default model. A tiny BERT checkpoint from the golden data
// (tests/golden/models/bert-f32, made with PyTorch) is chosen through the folder picker; the weights
// the page then shows must equal PyTorch's reference attentions.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ROOT, startDemo, WEB_ROOT } from './browser.mjs';
import { afterRender, artifactPath, assertClean, hoverCell, numberAfter, openDemo, showView } from './demo-helpers.mjs';

const CHECKPOINT = join(ROOT, 'tests', 'golden', 'models', 'bert-f32');
const DEFAULT_MODEL = join(WEB_ROOT, 'models', 'default');
let demo;

before(async () => { demo = await startDemo(); });
after(async () => { await demo?.close(); });

function readSafetensors(path) {
  const bytes = readFileSync(path);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8'));
  const tensor = (name) => {
    const { dtype, data_offsets: [from, to] } = header[name];
    const data = bytes.subarray(8 + headerLength + from, 8 + headerLength + to);
    const copy = new Uint8Array(data).buffer;
    return dtype === 'I32' ? new Int32Array(copy) : new Float32Array(copy);
  };
  return { header, tensor };
}

test('Load model: a checkpoint folder from the picker is drawn with PyTorch\'s attentions', async () => {
  const { page, problems } = await demo.newPage();
  await openDemo(page, demo.url, { source: 'seeded' });
  await page.click('#model-loader summary');
  // PyTorch's reference is for token ids that no text tokenizes to (random ids), so the chain is:
  // (1) the module on those ids equals PyTorch, (2) the page shows exactly what the module computes
  // for the typed text, through the folder picker.
  const ref = readSafetensors(join(CHECKPOINT, 'reference.safetensors'));
  const files = Object.fromEntries(['config.json', 'model.safetensors', 'vocab.txt', 'tokenizer_config.json']
    .map((f) => [f, [...readFileSync(join(CHECKPOINT, f))]]));
  const text = 'The cat sat on the mat, naïvely.';
  const expected = await page.evaluate(async ({ files, ids, text }) => {
    const core = await (await import('/attnscope/src/index.js')).load();
    const model = await core.loadModel(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, new Uint8Array(v)])));
    const onIds = model.run(Int32Array.from(ids), { attentions: true });
    const onText = model.run(text, { attentions: true });
    return { idsAttentions: onIds.attentions.map((a) => [...a]), tokens: onText.tokens, attentions: onText.attentions.map((a) => [...a]) };
  }, { files, ids: [...ref.tensor('input_ids')], text });
  for (const layer of [0, 1]) {
    const torch = ref.tensor(`attentions.${layer}`);
    const worst = Math.max(...expected.idsAttentions[layer].map((v, q) => Math.abs(v - torch[q])));
    assert.ok(worst < 1e-5, `layer ${layer}: the module differs from PyTorch by ${worst}`);
  }
  await afterRender(page, () => page.fill('#sentence', text));
  await page.setInputFiles('#model-folder', CHECKPOINT);
  await page.waitForFunction(() => /loaded in|Could not load/.test(document.getElementById('model-summary').textContent));
  assert.match(await page.textContent('#model-summary'), /bert · 2 layers × 4 heads · d_model 32/);
  await page.waitForFunction(() => /bert-f32/.test(document.getElementById('source-name').textContent)
    && document.body.dataset.state === 'rendered');
  await showView(page, 'matrix');
  await afterRender(page, () => page.selectOption('#layer', '1'));
  const { tokens } = expected;
  const n = tokens.length;
  assert.equal(tokens[0], '[CLS]');
  assert.ok(tokens.includes('##ly'), 'the model\'s WordPiece tokens are shown');
  for (const [h, i, j] of [[0, 0, 0], [1, 3, 5], [3, n - 1, 2]]) {
    const tip = await hoverCell(page, `#view-matrix figure[data-head="${h}"] canvas:not(.attnscope-overlay)`, i, j);
    assert.ok(tip.startsWith(`query: ${tokens[i]}  (#${i})\nkey: ${tokens[j]}  (#${j})`), tip);
    const want = expected.attentions[1][(h * n + i) * n + j];
    assert.ok(Math.abs(numberAfter(tip, 'weight:') - want) < 1e-4 * Math.max(1, want), `head ${h} [${i}, ${j}]: ${tip} vs module ${want}`);
  }
  for (const view of ['head', 'model', 'step']) await showView(page, view);
  assert.match(await page.textContent('#view-step'), /bert-f32.*, layer 1: its own numbers/);
  assert.equal(await page.locator('#view-step .attnscope-steps figure.attnscope-panel').count(), 11, 'the model\'s own steps');
  await showView(page, 'model');
  assert.equal(await page.locator('#view-model .attnscope-thumb').count(), 8, '2 layers × 4 heads');
  await page.screenshot({ path: artifactPath('model-loaded.png'), fullPage: true });
  await afterRender(page, () => page.click('#use-seeded'));
  assert.match(await page.textContent('#source-name'), /seeded/);
  assertClean(assert, problems);
  await page.close();
});

test('Load model: dropping a folder\'s files on the drop zone loads them; a broken checkpoint is a clear message', async () => {
  const { page, problems } = await demo.newPage();
  await openDemo(page, demo.url, { source: 'seeded', view: 'head' });
  await page.click('#model-loader summary');
  const files = Object.fromEntries(['config.json', 'model.safetensors', 'vocab.txt', 'tokenizer_config.json']
    .map((f) => [f, [...readFileSync(join(CHECKPOINT, f))]]));
  const drop = (entries) => page.evaluate((entries) => {
    const transfer = new DataTransfer();
    for (const [name, bytes] of Object.entries(entries)) transfer.items.add(new File([new Uint8Array(bytes)], name));
    document.getElementById('drop-zone').dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
  }, entries);
  // A truncated safetensors file: the loader's message is shown, the page keeps working.
  await drop({ ...files, 'model.safetensors': files['model.safetensors'].slice(0, 1000) });
  await page.waitForFunction(() => /Could not load|loaded in/.test(document.getElementById('model-summary').textContent));
  assert.match(await page.textContent('#model-summary'), /^Could not load 4 dropped files: .*safetensors/i);
  assert.match(await page.textContent('#source-name'), /seeded/);
  await afterRender(page, () => drop(files));
  assert.match(await page.textContent('#model-summary'), /^4 dropped files: bert · 2 layers × 4 heads/);
  assert.equal(await page.locator('#view-head .attnscope-swatch').count(), 4);
  assert.ok(Number(await page.getAttribute('#view-head canvas', 'data-lines')) > 0);
  assertClean(assert, problems);
  await page.close();
});

test('the default model opens on the head its evaluation names', async (t) => {
  if (!existsSync(join(DEFAULT_MODEL, 'config.json')) || !existsSync(join(DEFAULT_MODEL, 'eval.json'))) {
    t.skip('web/models/default has no config.json / eval.json yet');
    return;
  }
  const { page, problems } = await demo.newPage();
  await openDemo(page, demo.url, { view: 'matrix' });
  const { best_head: best } = JSON.parse(readFileSync(join(DEFAULT_MODEL, 'eval.json'), 'utf8'));
  assert.match(await page.textContent('#source-name'), /default model/);
  assert.equal(await page.inputValue('#layer'), String(best.layer));
  assert.equal(await page.inputValue('#head'), String(best.head));
  const figure = page.locator('#view-matrix figure.attnscope-panel');
  assert.equal(await figure.count(), 1);
  assert.equal(await figure.getAttribute('data-head'), String(best.head));
  // The page's own export of what it shows: on that head, "he" attends to "mark" more than to "sam".
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-json')]);
  const shown = JSON.parse(readFileSync(await download.path(), 'utf8'));
  const he = shown.tokens.indexOf('he');
  const row = shown.attentions[best.layer][best.head][he];
  assert.ok(row[shown.tokens.indexOf('mark')] > row[shown.tokens.indexOf('sam')],
    `he → mark ${row[shown.tokens.indexOf('mark')]} vs he → sam ${row[shown.tokens.indexOf('sam')]}`);
  const tip = await hoverCell(page, '#view-matrix .attnscope-canvas-wrap canvas:not(.attnscope-overlay)', he, shown.tokens.indexOf('mark'));
  assert.match(tip, /query: he .*\nkey: mark /);
  await page.screenshot({ path: artifactPath('default-model.png'), fullPage: true });
  assertClean(assert, problems, 'with the default model', { optionalUnder: 'models/default/' });
  await page.close();
});

// The page's default-model path, independent of the real trained model: a site whose
// models/default/ is the golden BERT checkpoint with an eval.json naming layer 1, head 2.
test('a default model folder is loaded at start and the page opens on its named head', async () => {
  const root = await mkdtemp(join(tmpdir(), 'attnscope-site-'));
  for (const entry of readdirSync(WEB_ROOT)) if (entry !== 'models') await symlink(join(WEB_ROOT, entry), join(root, entry));
  const folder = join(root, 'models', 'default');
  await mkdir(folder, { recursive: true });
  for (const f of ['config.json', 'model.safetensors', 'vocab.txt', 'tokenizer_config.json']) await symlink(join(CHECKPOINT, f), join(folder, f));
  await writeFile(join(folder, 'eval.json'), JSON.stringify({ best_head: { layer: 1, head: 2 } }));
  const site = await startDemo({ root });
  try {
    const { page, problems } = await site.newPage();
    await openDemo(page, site.url);
    assert.match(await page.textContent('#source-name'), /default model/);
    assert.equal(await page.getAttribute('#tab-step', 'aria-selected'), 'true', 'opens on the step view');
    assert.equal(await page.inputValue('#layer'), '1');
    assert.equal(await page.inputValue('#head'), '2');
    assert.equal(await page.inputValue('#view-step .attnscope-step-head'), '2', 'the steps of the named head');
    await showView(page, 'head');
    assert.equal(await page.inputValue('#view-head .attnscope-layer-select'), '1');
    const pressed = await page.locator('#view-head .attnscope-swatch[aria-pressed="true"]').allTextContents();
    assert.deepEqual(pressed, ['2'], 'only the named head is shown');
    await page.screenshot({ path: artifactPath('default-model-flow-head.png'), fullPage: true });
    assert.match(await page.textContent('#message'), /^\d+ tokens · 2 layers × 4 heads/);
    // An explicit URL state wins over eval.json, and source=seeded skips the model.
    await openDemo(page, site.url, { layer: '0', view: 'matrix' });
    assert.equal(await page.inputValue('#layer'), '0');
    assert.equal(await page.getAttribute('#tab-matrix', 'aria-selected'), 'true');
    await openDemo(page, site.url, { source: 'seeded' });
    assert.match(await page.textContent('#source-name'), /seeded/);
    // The URL field loads a same-origin folder, and the URL then names it so the view can be shared.
    await page.click('#model-loader summary');
    await page.fill('#model-url', '../models/default');
    await afterRender(page, () => page.press('#model-url', 'Enter'));
    assert.match(await page.textContent('#model-summary'), /^\.\.\/models\/default: bert · 2 layers × 4 heads/);
    assert.equal(new URL(page.url()).searchParams.get('model'), '../models/default/');
    assert.equal(new URL(page.url()).searchParams.get('source'), 'model');
    assertClean(assert, problems, 'with a default model', { optionalUnder: 'models/default/', root });
  } finally {
    await site.close();
    await rm(root, { recursive: true, force: true });
  }
});
