// <attnscope-view model="…" text="…"> and `attnscope render --model DIR`: attention computed in the
// page from the project's default checkpoint (web/models/default), checked against the weights PyTorch
// computed for the default sentence (recorded in its eval.json by scripts/train).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startServer } from '../../scripts/serve.mjs';
import { drawnPixels, guardedPage, launchBrowser, ROOT, waitForViews } from './embed_browser.mjs';

const MODEL_DIR = join(ROOT, 'web', 'models', 'default');
const missing = ['config.json', 'eval.json'].filter((f) => !existsSync(join(MODEL_DIR, f)));
const skip = missing.length ? `web/models/default has no ${missing.join(', ')} (scripts/train makes it)` : false;
let server;
let browser;

before(async () => {
  if (skip) return;
  execFileSync('node', [join(ROOT, 'web', 'embed', 'build.mjs')], { stdio: 'inherit' });
  server = await startServer({ root: join(ROOT, 'web') });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

test('an element with model and text computes the checkpoint\'s attention in the page', { skip }, async () => {
  const evaluation = JSON.parse(readFileSync(join(MODEL_DIR, 'eval.json'), 'utf8'));
  const { layer, head } = evaluation.best_head;
  const expected = evaluation.default_sentence;
  const sameOrigin = (url) => url.startsWith(`${server.url}/`) || url.startsWith('data:') || url.startsWith('blob:');
  const { page, errors, blocked, context } = await guardedPage(browser, sameOrigin);
  await context.route(`${server.url}/embed/model-element.html`, (route) => route.fulfill({
    contentType: 'text/html; charset=utf-8',
    body: `<!doctype html><meta charset="utf-8"><script type="module" src="/dist/attnscope-embed.js"></script>
<attnscope-view id="m" view="head" layer="${layer}" model="../models/default/" text="${expected.sentence}"></attnscope-view>`,
  }));
  const started = Date.now();
  await page.goto(`${server.url}/embed/model-element.html`);
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

test('attnscope render --model DIR writes the checkpoint\'s model view as PNG', { skip }, () => {
  const work = mkdtempSync(join(tmpdir(), 'attnscope-cli-model-'));
  try {
    const out = join(work, 'model.png');
    const r = spawnSync('node', [join(ROOT, 'web', 'bin', 'attnscope.mjs'), 'render', '--model', MODEL_DIR,
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
