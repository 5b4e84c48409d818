// The demo with an encoder–decoder checkpoint: the tiny T5 golden (tests/golden/seq2seq/t5-relu-bf16,
// made with PyTorch) with a T5-style tokenizer.json, chosen through the folder picker. The text is
// the source, sentence B the target; the matrix view's cross-attention is drawn with the target's
// tokens as queries and the source's as keys, each cell equal to what the module computes (the
// module itself is checked against PyTorch in tests/js/model_seq2seq.test.mjs).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { t5TokenizerJson } from '../js/helpers/t5-tokenizer.mjs';
import { ROOT, startDemo } from './browser.mjs';
import { afterRender, artifactPath, assertClean, hoverCell, numberAfter, openDemo, showView } from './demo-helpers.mjs';

const GOLDEN = join(ROOT, 'tests', 'golden', 'seq2seq', 't5-relu-bf16');
let demo, folder;

before(async () => {
  demo = await startDemo();
  folder = await mkdtemp(join(tmpdir(), 'attnscope-t5-'));
  for (const f of ['config.json', 'model.safetensors']) await writeFile(join(folder, f), readFileSync(join(GOLDEN, f)));
  await writeFile(join(folder, 'tokenizer.json'), t5TokenizerJson());
});
after(async () => {
  await demo?.close();
  await rm(folder, { recursive: true, force: true });
});

test('an encoder-decoder folder: cross-attention drawn with both token lists, as the module computes it', async () => {
  const { page, problems } = await demo.newPage();
  await openDemo(page, demo.url, { source: 'seeded', view: 'matrix' });
  const source = 'the cat sat on the mat', target = 'le chat est assis';
  const expected = await page.evaluate(async ({ config, weights, tokenizer, source, target }) => {
    const core = await (await import('/attnscope/src/index.js')).load();
    const model = await core.loadModel({ 'config.json': new Uint8Array(config), 'model.safetensors': new Uint8Array(weights),
      'tokenizer.json': tokenizer });
    const out = model.run({ source, target });
    model.dispose();
    return { sourceTokens: out.sourceTokens, targetTokens: out.targetTokens, cross: [...out.crossAttentions[1]] };
  }, { config: [...readFileSync(join(GOLDEN, 'config.json'))], weights: [...readFileSync(join(GOLDEN, 'model.safetensors'))],
    tokenizer: t5TokenizerJson(), source, target });
  assert.deepEqual(expected.sourceTokens, ['▁the', '▁cat', '▁sat', '▁on', '▁the', '▁mat', '</s>']);
  assert.equal(expected.targetTokens[0], '<pad>');  // T5's decoder_start_token_id

  await afterRender(page, () => page.fill('#sentence', source));
  await afterRender(page, () => page.fill('#sentence-b', target));
  await page.click('#model-loader summary');
  await page.setInputFiles('#model-folder', folder);
  await page.waitForFunction(() => /loaded in|Could not load/.test(document.getElementById('model-summary').textContent));
  assert.match(await page.textContent('#model-summary'), /t5 · 2 layers × 4 heads/);
  await page.waitForFunction(() => document.body.dataset.state === 'rendered'
    && /target tokens/.test(document.getElementById('message').textContent));
  const ns = expected.sourceTokens.length, nt = expected.targetTokens.length;
  assert.match(await page.textContent('#message'), new RegExp(`${ns} tokens → ${nt} target tokens`));

  await showView(page, 'matrix');
  await afterRender(page, () => page.selectOption('#layer', '1'));
  await page.selectOption('#view-matrix select.attnscope-kind-select', 'cross');
  const heatmap = (h) => `#view-matrix figure[data-head="${h}"] canvas:not(.attnscope-overlay)`;
  const shape = await page.$eval(heatmap(2), (c) => [Number(c.dataset.rows), Number(c.dataset.cols)]);
  assert.deepEqual(shape, [nt, ns], 'target queries × source keys');
  for (const [h, i, j] of [[0, 0, 0], [2, 3, 5], [3, nt - 1, ns - 1]]) {
    const tip = await hoverCell(page, heatmap(h), i, j);
    assert.ok(tip.startsWith(`query: ${expected.targetTokens[i]}  (decoder #${i})\nkey: ${expected.sourceTokens[j]}  (encoder #${j})`), tip);
    const want = expected.cross[(h * nt + i) * ns + j];
    assert.ok(Math.abs(numberAfter(tip, 'weight:') - want) < 1e-4 * Math.max(1, want), `head ${h} [${i}, ${j}]: ${tip} vs ${want}`);
  }
  await page.mouse.move(0, 0);
  await page.screenshot({ path: artifactPath('demo-seq2seq-cross.png'), fullPage: true });
  await page.selectOption('#view-matrix select.attnscope-kind-select', 'encoder');
  assert.deepEqual(await page.$eval(heatmap(0), (c) => [Number(c.dataset.rows), Number(c.dataset.cols)]), [ns, ns]);
  assertClean(assert, problems, 'demo with an encoder-decoder model');
});
