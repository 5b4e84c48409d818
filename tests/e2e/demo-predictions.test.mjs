// The demo's predictions panel and head atlas in Chromium. The default model (a BERT MLM): hovering a
// token shows what its masked-LM head predicts there, clicking one replaces it by [MASK] (as exBERT)
// and the predictions and attention change to what the module computes for the masked ids; the Model
// view badges every head with its dominant pattern, labels the supervised head, and ranks the heads by a
// pattern. A GPT-2 checkpoint (tests/golden/lm_heads) shows the next-token distribution instead.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ROOT, startDemo, WEB_ROOT } from './browser.mjs';
import { afterRender, artifactPath, assertClean, canvasStats, openDemo, showView } from './demo-helpers.mjs';

const DEFAULT_MODEL = join(WEB_ROOT, 'models', 'default');
const GPT2 = join(ROOT, 'tests', 'golden', 'lm_heads', 'gpt2-tied-f32');
let demo;

before(async () => { demo = await startDemo(); });
after(async () => { await demo?.close(); });

/** The predictions list as the page shows it: [{ token, percent }]. */
const shownPredictions = (page) => page.$$eval('#predictions .predictions-list li', (items) => items.map((li) => ({
  token: li.querySelector('.predictions-name').textContent,
  percent: Number.parseFloat(li.querySelector('.predictions-prob').textContent),
})));

/** What the module computes for `input` in the page (a fresh core on the same folder). */
function moduleTopK(page, folder, input, maskAt) {
  return page.evaluate(async ({ folder, input, maskAt }) => {
    const core = await (await import('/attnscope/src/index.js')).load();
    const model = await core.loadModel(folder);
    let ids = model.tokenize(input).ids.slice();
    for (const p of maskAt) ids[p] = model.maskToken.id;
    const out = model.run(ids, { logits: 'topk', k: 5 });
    const atlas = model.headAtlas(ids, { probe: true });
    return { tokens: out.tokens, topk: { tokens: out.topk.tokens, probs: Array.from(out.topk.probs) },
      broad: Array.from(atlas.patterns.broad), dominant: atlas.dominant };
  }, { folder, input, maskAt });
}

function assertSamePredictions(shown, module, position) {
  assert.equal(shown.length, 5);
  shown.forEach(({ token, percent }, r) => {
    assert.equal(token, module.topk.tokens[position * 5 + r], `rank ${r}`);
    assert.ok(Math.abs(percent - 100 * module.topk.probs[position * 5 + r]) <= 0.051, `rank ${r}: ${percent} %`);
  });
}

test('the default model: hover for predictions, click to mask, and the head atlas in the Model view', async (t) => {
  if (!existsSync(join(DEFAULT_MODEL, 'eval.json'))) {
    t.skip('web/models/default has no eval.json');
    return;
  }
  const { page, problems } = await demo.newPage();
  await openDemo(page, demo.url, { view: 'matrix' });
  const text = 'Mark told Sam that he was leaving.';
  await page.waitForSelector('#predictions:not([hidden]) .predictions-token');
  const buttons = page.locator('#predictions .predictions-token');
  const before = await moduleTopK(page, '/models/default/', text, []);
  assert.deepEqual(await buttons.allTextContents(), before.tokens);
  // Hovering a token shows the model's predictions at that position.
  const sam = before.tokens.indexOf('sam');
  await buttons.nth(sam).hover();
  assert.equal(await page.getAttribute('#predictions', 'data-position'), String(sam));
  assertSamePredictions(await shownPredictions(page), before, sam);

  // Clicking it replaces it by [MASK]: the page recomputes, the predictions and the attention change.
  const matrixBefore = await canvasStats(page, '#view-matrix .attnscope-canvas-wrap canvas:not(.attnscope-overlay)');
  await afterRender(page, () => buttons.nth(sam).click());
  assert.equal(await buttons.nth(sam).textContent(), '[MASK]');
  assert.equal(new URL(page.url()).searchParams.get('mask'), String(sam));
  const masked = await moduleTopK(page, '/models/default/', text, [sam]);
  assert.equal(await page.getAttribute('#predictions', 'data-position'), String(sam));
  assertSamePredictions(await shownPredictions(page), masked, sam);
  assert.notDeepEqual(masked.topk.probs.slice(sam * 5, sam * 5 + 5), before.topk.probs.slice(sam * 5, sam * 5 + 5));
  const matrixAfter = await canvasStats(page, '#view-matrix .attnscope-canvas-wrap canvas:not(.attnscope-overlay)');
  assert.notEqual(matrixAfter[0].hash, matrixBefore[0].hash, 'the attention drawn changed with the mask');
  await page.screenshot({ path: artifactPath('predictions-masked.png'), fullPage: true });

  // The Model view: every head badged by the atlas of the (masked) input, the supervised head noted.
  await showView(page, 'model');
  await page.waitForSelector('#view-model[data-atlas="ready"]');  // the atlas is computed in the worker
  const thumbs = page.locator('#view-model .attnscope-thumb');
  assert.equal(await thumbs.count(), 16);
  const patterns = await thumbs.evaluateAll((els) => els.map((el) => el.dataset.pattern || null));
  assert.deepEqual(patterns, masked.dominant);
  const { supervised_head: sup } = JSON.parse(readFileSync(join(DEFAULT_MODEL, 'eval.json'), 'utf8'));
  const supervised = page.locator(`#view-model .attnscope-thumb[data-layer="${sup.layer}"][data-head="${sup.head}"]`);
  assert.match(await supervised.locator('.attnscope-badge-note').textContent(), /^supervised$/);
  assert.match(await supervised.getAttribute('title'), /supervised .*broad [\d.]+/);
  // Ranked by broad: strongest first, with its score.
  await page.selectOption('#view-model select[data-atlas="sortBy"]', 'broad');
  assert.equal(new URL(page.url()).searchParams.get('sort'), 'broad');
  const captions = await page.locator('#view-model .attnscope-rank-caption').allTextContents();
  const best = masked.broad.indexOf(Math.max(...masked.broad));  // ties rank by layer and head
  assert.equal(captions[0], `L${Math.floor(best / 4)} H${best % 4} · ${masked.broad[best].toFixed(3)}`);
  await page.screenshot({ path: artifactPath('model-view-atlas.png'), fullPage: true });

  // Clicking the masked token again restores it.
  await afterRender(page, () => buttons.nth(sam).click());
  assert.equal(await buttons.nth(sam).textContent(), 'sam');
  assert.equal(new URL(page.url()).searchParams.get('mask'), null);
  assertClean(assert, problems, 'predictions', { optionalUnder: 'models/default/' });
  await page.close();
});

test('a GPT-2 checkpoint shows the next-token distribution at each position', async () => {
  const { page, problems } = await demo.newPage();
  await openDemo(page, demo.url, { source: 'seeded', view: 'matrix' });
  await page.click('#model-loader summary');
  await afterRender(page, () => page.setInputFiles('#model-folder', GPT2));
  await page.waitForSelector('#predictions:not([hidden]) .predictions-token');
  assert.match(await page.textContent('#predictions .predictions-note'), /next-token distribution/);
  const buttons = page.locator('#predictions .predictions-token');
  const count = await buttons.count();
  assert.equal(await page.getAttribute('#predictions', 'data-position'), String(count - 1), 'opens on the last position');
  await buttons.nth(1).click();
  assert.equal(new URL(page.url()).searchParams.get('pos'), '1');
  assert.match(await page.textContent('#predictions .predictions-caption'), /^After “.*” \(position 1\), the next token:/);
  const percents = (await shownPredictions(page)).map((p) => p.percent);
  assert.equal(percents.length, 5);
  assert.deepEqual(percents, [...percents].sort((a, b) => b - a), 'most probable first');
  assertClean(assert, problems);
  await page.close();
});
