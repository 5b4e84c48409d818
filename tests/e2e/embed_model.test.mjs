// <attnscope-view model="…" text="…"> and `attnscope render --model DIR`: attention computed in the
// page from a checkpoint folder. A small golden BERT (tests/golden/models/bert-f32) checks the plumbing
// (the element draws exactly what the module computes, rows are distributions); the project's default
// checkpoint (web/models/default) is checked against the weights PyTorch computed for the default
// sentence (its eval.json, written by scripts/train).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { drawnPixels, ROOT, servedSite, waitForViews } from './embed_browser.mjs';

const MODEL_DIR = join(ROOT, 'web', 'models', 'default');
const GOLDEN_BERT = join(ROOT, 'tests', 'golden', 'models', 'bert-f32');
const missing = ['config.json', 'eval.json'].filter((f) => !existsSync(join(MODEL_DIR, f)));
const skip = missing.length ? `web/models/default has no ${missing.join(', ')} (scripts/train makes it)` : false;
const site = servedSite();

test('an element with model and text draws what the module computes for that checkpoint', async () => {
  const { page, errors, blocked, context } = await site.page();
  // The golden checkpoint's files, served under /golden-bert/ (outside web/).
  await context.route(`${site.url}/golden-bert/*`, (route) => {
    const file = join(GOLDEN_BERT, new URL(route.request().url()).pathname.split('/').pop());
    return existsSync(file) ? route.fulfill({ body: readFileSync(file) }) : route.fulfill({ status: 404, body: '' });
  });
  await context.route(`${site.url}/embed/golden-element.html`, (route) => route.fulfill({
    contentType: 'text/html; charset=utf-8',
    body: `<!doctype html><meta charset="utf-8"><script type="module" src="/attnscope/dist/attnscope-embed.js"></script>
<attnscope-view id="g" view="model" model="/golden-bert/" text="the cat is in it"></attnscope-view>`,
  }));
  await page.goto(`${site.url}/embed/golden-element.html`);
  const [state] = await waitForViews(page, '#g', 1, 60000);
  assert.equal(state.state, 'rendered', state.message);
  const check = await page.evaluate(async () => {
    const el = document.getElementById('g');
    const { load } = await import('/attnscope/dist/attnscope-embed.js');
    const model = await (await load()).loadModel(new URL('/golden-bert/', location.href).href);
    const out = model.run('the cat is in it', { attentions: true });
    const drawn = el.attentionData;
    let worstDiff = 0;
    let worstRowSum = 0;
    const n = drawn.tokens.length;
    drawn.attentions.forEach((layer, l) => {
      for (let i = 0; i < layer.length; i++) worstDiff = Math.max(worstDiff, Math.abs(layer[i] - out.attentions[l][i]));
      for (let r = 0; r < layer.length / n; r++) {
        let sum = 0;
        for (let j = 0; j < n; j++) sum += layer[r * n + j];
        worstRowSum = Math.max(worstRowSum, Math.abs(sum - 1));
      }
    });
    return { tokens: drawn.tokens, moduleTokens: Array.from(out.tokens), layers: drawn.attentions.length,
      numHeads: drawn.numHeads, worstDiff, worstRowSum, thumbs: el.shadowRoot.querySelectorAll('.attnscope-thumb').length };
  });
  assert.deepEqual(check.tokens, check.moduleTokens);
  assert.equal(check.tokens[0], '[CLS]');
  assert.equal(check.tokens.at(-1), '[SEP]');
  assert.equal(check.layers, 2, 'config.json: num_hidden_layers');
  assert.equal(check.numHeads, 4, 'config.json: num_attention_heads');
  assert.equal(check.thumbs, 2 * 4);
  assert.equal(check.worstDiff, 0);
  assert.ok(check.worstRowSum < 1e-5, `softmax rows sum to 1: ${check.worstRowSum}`);
  assert.deepEqual(blocked, []);
  assert.deepEqual(errors, []);
  await context.close();
});

test('attnscope render --model DIR renders a checkpoint folder', () => {
  const work = mkdtempSync(join(tmpdir(), 'attnscope-cli-model-'));
  try {
    const out = join(work, 'golden.svg');
    const r = spawnSync('node', [join(ROOT, 'web', 'attnscope', 'bin', 'attnscope.mjs'), 'render', '--model', GOLDEN_BERT,
      '--text', 'the cat is in it', '--view', 'matrix', '--out', out], { encoding: 'utf8', timeout: 120000 });
    assert.equal(r.status, 0, r.stderr);
    const svg = readFileSync(out, 'utf8');
    for (let h = 0; h < 4; h++) assert.ok(svg.includes(`>Layer 0 · head ${h}</text>`), `head ${h} of the checkpoint`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test('the default checkpoint in an element gives PyTorch\'s weights for the default sentence', { skip }, async () => {
  const evaluation = JSON.parse(readFileSync(join(MODEL_DIR, 'eval.json'), 'utf8'));
  const { layer, head } = evaluation.best_head;
  const expected = evaluation.default_sentence;
  const { page, errors, blocked, context } = await site.page();
  await context.route(`${site.url}/embed/model-element.html`, (route) => route.fulfill({
    contentType: 'text/html; charset=utf-8',
    body: `<!doctype html><meta charset="utf-8"><script type="module" src="/attnscope/dist/attnscope-embed.js"></script>
<attnscope-view id="m" view="head" layer="${layer}" model="../models/default/" text="${expected.sentence}"></attnscope-view>`,
  }));
  const started = Date.now();
  await page.goto(`${site.url}/embed/model-element.html`);
  const [state] = await waitForViews(page, '#m', 1, 60000);
  console.log(`# model element rendered in ${Date.now() - started} ms`);
  assert.equal(state.state, 'rendered', state.message);
  const data = await page.locator('#m').evaluate((el) => ({
    tokens: el.attentionData.tokens, n: el.attentionData.tokens.length, numHeads: el.attentionData.numHeads,
    row: Array.from(el.attentionData.attentions[Number(el.getAttribute('layer'))]),
  }));
  assert.deepEqual(data.tokens, expected.tokens);
  const at = (i, j) => data.row[head * data.n * data.n + i * data.n + j];
  const he = data.tokens.indexOf('he');
  for (const name of ['mark', 'sam']) {
    const w = at(he, data.tokens.indexOf(name));
    assert.ok(Math.abs(w - expected.attention[name]) < 2e-3, `he -> ${name}: ${w}, torch ${expected.attention[name]}`);
  }
  assert.ok((await drawnPixels(page, '#m'))[0].inked > 500);
  assert.deepEqual(blocked, []);
  assert.deepEqual(errors, []);
  await context.close();
});

test('attnscope render --model web/models/default writes the default model\'s model view as PNG', { skip }, () => {
  const work = mkdtempSync(join(tmpdir(), 'attnscope-cli-model-'));
  try {
    const out = join(work, 'model.png');
    const r = spawnSync('node', [join(ROOT, 'web', 'attnscope', 'bin', 'attnscope.mjs'), 'render', '--model', MODEL_DIR,
      '--view', 'model', '--out', out], { encoding: 'utf8', timeout: 120000 });
    assert.equal(r.status, 0, r.stderr);
    console.log(`# ${r.stdout.trim()}`);
    const png = readFileSync(out);
    assert.equal(png.toString('latin1', 1, 4), 'PNG');
    assert.ok(png.readUInt32BE(16) > 200 && png.readUInt32BE(20) > 200, 'a figure-sized image');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
