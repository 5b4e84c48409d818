// The demo with an encoder–decoder checkpoint: the tiny T5 goldens (tests/golden/seq2seq/t5-relu-bf16,
// t5-gated-f32 with 2 encoder and 3 decoder layers, made with PyTorch) with a T5-style tokenizer.json,
// chosen through the folder picker. The text is the source, sentence B the target; the matrix view's
// cross-attention and the Step view's cross-attention steps are drawn with the target's tokens as
// queries and the source's as keys, each cell equal to what the module computes (the module itself,
// steps included, is checked against PyTorch in tests/js/model_seq2seq.test.mjs).
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
const GATED = join(ROOT, 'tests', 'golden', 'seq2seq', 't5-gated-f32');
let demo, folder, gatedFolder, longFolder;

/** A folder of the golden's weights, its config (with `configChanges` over it) and the T5-style tokenizer.json. */
async function modelFolder(golden, configChanges = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'attnscope-t5-'));
  const config = JSON.parse(readFileSync(join(golden, 'config.json'), 'utf8'));
  await writeFile(join(dir, 'config.json'), JSON.stringify({ ...config, ...configChanges }));
  await writeFile(join(dir, 'model.safetensors'), readFileSync(join(golden, 'model.safetensors')));
  await writeFile(join(dir, 'tokenizer.json'), t5TokenizerJson());
  return dir;
}

before(async () => {
  demo = await startDemo();
  folder = await modelFolder(GOLDEN);
  gatedFolder = await modelFolder(GATED);
  // T5's relative positions allow any length; n_positions (512 when absent) is raised past the Step view's limit.
  longFolder = await modelFolder(GATED, { n_positions: 1024 });
});
after(async () => {
  await demo?.close();
  for (const dir of [folder, gatedFolder, longFolder]) if (dir) await rm(dir, { recursive: true, force: true });
});

/** Types the source and target, then loads `dir` through the folder picker and waits for the draw. */
async function loadFolder(page, dir, source, target) {
  await afterRender(page, () => page.fill('#sentence', source));
  await afterRender(page, () => page.fill('#sentence-b', target));
  await page.click('#model-loader summary');
  await page.setInputFiles('#model-folder', dir);
  await page.waitForFunction(() => /loaded in|Could not load/.test(document.getElementById('model-summary').textContent));
  await page.waitForFunction(() => document.body.dataset.state === 'rendered'
    && /target tokens/.test(document.getElementById('message').textContent));
}

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

  await loadFolder(page, folder, source, target);
  assert.match(await page.textContent('#model-summary'), /t5 · 2 layers × 4 heads/);
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

/** The module run in the page on the gated T5 golden: tokens and the steps of `kind` at `layer`. */
function moduleSteps(page, source, target, kind, layer) {
  return page.evaluate(async ({ config, weights, tokenizer, source, target, kind, layer }) => {
    const core = await (await import('/attnscope/src/index.js')).load();
    const model = await core.loadModel({ 'config.json': new Uint8Array(config), 'model.safetensors': new Uint8Array(weights),
      'tokenizer.json': tokenizer });
    const out = model.run({ source, target }, { attentions: false, hidden: true, steps: { layer, kind } });
    model.dispose();
    const plain = (a) => Array.from(a);
    const s = out.steps;
    return { sourceTokens: out.sourceTokens, targetTokens: out.targetTokens, numHeads: s.numHeads, dHead: s.dHead,
      scale: s.scale, positionBias: s.positionBias, scores: plain(s.scores), scaled: plain(s.scaled),
      weights: plain(s.weights), output: plain(s.output), encoderHidden: plain(out.encoderHidden) };
  }, { config: [...readFileSync(join(GATED, 'config.json'))], weights: [...readFileSync(join(GATED, 'model.safetensors'))],
    tokenizer: t5TokenizerJson(), source, target, kind, layer });
}

/** A Step view panel's row and column labels, as its SVG export writes them. */
function panelLabels(page, step) {
  return page.$eval(`#view-step figure[data-step="${step}"] canvas:not(.attnscope-overlay)`, (canvas) => {
    const svg = new DOMParser().parseFromString(`<svg xmlns="http://www.w3.org/2000/svg">${canvas.attnscopeSvg()}</svg>`, 'image/svg+xml');
    const texts = [...svg.querySelectorAll('text')];
    return { rows: texts.filter((t) => t.getAttribute('text-anchor') === 'end').map((t) => t.textContent),
      cols: texts.filter((t) => /rotate/.test(t.getAttribute('transform') ?? '')).map((t) => t.textContent) };
  });
}

test('the Step view of an encoder-decoder model: cross-attention steps with target rows and source columns, the module\'s numbers', async () => {
  const { page, problems } = await demo.newPage();
  await openDemo(page, demo.url, { source: 'seeded', view: 'step' });
  const source = 'the cat sat on the mat', target = 'le chat est';
  await loadFolder(page, gatedFolder, source, target);
  assert.match(await page.textContent('#model-summary'), /t5 · 2 layers × 4 heads/);
  assert.equal(await page.$$eval('#layer option', (o) => o.length), 2, 'the encoder\'s steps: its 2 layers');
  assert.match(await page.textContent('#view-step .attnscope-toolbar'), /Encoder · layer 0 · n = 7 source tokens/);

  // Cross-attention in the Step view's own Attention menu; the decoder's 3 layers in the layer menu.
  await afterRender(page, () => page.selectOption('#view-step select.attnscope-kind-select', 'cross'));
  assert.equal(new URL(page.url()).searchParams.get('kind'), 'cross');
  assert.equal(await page.$$eval('#layer option', (o) => o.length), 3, 'cross-attention: the decoder\'s 3 layers');
  await afterRender(page, () => page.selectOption('#layer', '2'));
  const ref = await moduleSteps(page, source, target, 'cross', 2);
  const ns = ref.sourceTokens.length, nt = ref.targetTokens.length;
  assert.deepEqual([ns, nt], [7, 5]);
  assert.match(await page.textContent('#view-step .attnscope-toolbar'), /Cross · layer 2 · 5 queries \(target tokens\) × 7 keys \(source tokens\)/);
  assert.match(await page.textContent('#view-step'), /Queries come from the decoder/);
  for (const step of ['scores', 'scaled', 'masked', 'softmax']) {
    assert.deepEqual(await panelLabels(page, step), { rows: ref.targetTokens, cols: ref.sourceTokens }, `${step}: target rows, source columns`);
  }
  // Q has a row per target token, K and V one per source token (too narrow for labels: the tooltips name them).
  const rowsOf = (step) => page.$eval(`#view-step figure[data-step="${step}"] canvas:not(.attnscope-overlay)`, (c) => Number(c.dataset.rows));
  assert.deepEqual([await rowsOf('q'), await rowsOf('k'), await rowsOf('v')], [nt, ns, ns]);
  const subtitle = (step) => page.textContent(`#view-step figure[data-step="${step}"] .attnscope-subtitle`);
  assert.match(await subtitle('k'), /^K = E·W_K, from the encoder’s output E/);
  assert.match(await subtitle('q'), /^Q = X·W_Q, from the decoder/);
  assert.equal(ref.scale, 1);
  assert.equal(ref.positionBias, false, 'T5\'s cross-attention has no position bias');
  assert.match(await subtitle('scaled'), /^S {2}\(scale 1: not divided by √d_k\)/);

  const close = (got, want, what) => assert.ok(Math.abs(got - want) <= 1e-4 * Math.max(1, Math.abs(want)), `${what}: page ${got}, module ${want}`);
  const cell = (step) => `#view-step figure[data-step="${step}"] canvas:not(.attnscope-overlay)`;
  const head = 2;
  await page.selectOption('#view-step .attnscope-step-head', String(head));
  const at = (array, i, j) => array[(head * nt + i) * ns + j];
  for (const [i, j] of [[0, 0], [nt - 1, ns - 1], [2, 4]]) {
    let tip = await hoverCell(page, cell('scores'), i, j);
    assert.ok(tip.startsWith(`S[${ref.targetTokens[i]}, ${ref.sourceTokens[j]}] = `), tip);
    close(numberAfter(tip, '] = '), at(ref.scores, i, j), `scores[${i}, ${j}]`);
    tip = await hoverCell(page, cell('scaled'), i, j);
    close(numberAfter(tip, '] = '), at(ref.scaled, i, j), `scaled[${i}, ${j}]`);
    tip = await hoverCell(page, cell('softmax'), i, j);
    close(numberAfter(tip, '] = '), at(ref.weights, i, j), `weights[${i}, ${j}]`);
  }
  assert.ok((await hoverCell(page, cell('k'), ns - 1, 3)).startsWith(`K[${ref.sourceTokens[ns - 1]}, 3] = `));
  assert.ok((await hoverCell(page, cell('q'), nt - 1, 3)).startsWith(`Q[${ref.targetTokens[nt - 1]}, 3] = `));
  const d = ref.encoderHidden.length / ns;
  let tip = await hoverCell(page, cell('e'), 3, 5);
  close(numberAfter(tip, '] = '), ref.encoderHidden[3 * d + 5], 'E[3, 5]: the encoder\'s output');
  tip = await hoverCell(page, cell('output'), 1, 7);
  close(numberAfter(tip, '] = '), ref.output[1 * d + 7], 'Y[1, 7]');

  // The neuron view: a target token's query, the source tokens' keys.
  const queries = await page.$$eval('#view-step .attnscope-neuron-query option', (o) => o.map((x) => x.textContent));
  assert.deepEqual(queries, ref.targetTokens.map((t, i) => `${i}: ${t}`));
  await page.selectOption('#view-step .attnscope-neuron-query', '1');
  const neuron = (step) => page.locator(`#view-step figure[data-neuron="${step}"]`).getAttribute('data-values').then(JSON.parse);
  const weights = await neuron('weight');
  assert.equal(weights.length, ns);
  for (let j = 0; j < ns; j++) {
    close(weights[j], at(ref.weights, 1, j), `neuron weight(1 → ${j})`);
    close((await neuron('score'))[j], at(ref.scores, 1, j), `neuron score(1 → ${j})`);
  }
  await page.mouse.move(0, 0);
  await page.screenshot({ path: artifactPath('demo-seq2seq-cross-steps.png'), fullPage: true });

  // The decoder's self-attention: causal, square over the target, T5's position bias in the scaled step.
  await afterRender(page, () => page.selectOption('#view-step select.attnscope-kind-select', 'decoder'));
  const dec = await moduleSteps(page, source, target, 'decoder', 2);
  assert.equal(dec.positionBias, true);
  assert.deepEqual(await panelLabels(page, 'scaled'), { rows: dec.targetTokens, cols: dec.targetTokens });
  assert.match(await page.textContent('#view-step figure[data-step="scaled"] figcaption'), /Scaled \+ position bias.*S \+ B/);
  tip = await hoverCell(page, cell('scaled'), 3, 1);
  assert.equal(await page.inputValue('#view-step .attnscope-step-head'), String(head), 'the head picked is kept');
  close(numberAfter(tip, '] = '), dec.scaled[(head * nt + 3) * nt + 1], `decoder scaled[3, 1] (head ${head})`);
  const [, product, bias] = tip.match(/\+ B = (-?[\d.e+-]+) \+ (-?[\d.e+-]+)/).map(Number);
  close(product, dec.scores[(head * nt + 3) * nt + 1] * dec.scale, 'score × scale (decoder [3, 1])');
  close(product + bias, dec.scaled[(head * nt + 3) * nt + 1], 'score × scale + B adds up');
  assert.ok(Math.abs(bias) > 1e-3, `a position bias is there: ${tip}`);
  assert.match(await subtitle('masked'), /causal/);
  // Back to the encoder: its 2 layers, the layer clamped.
  await afterRender(page, () => page.selectOption('#view-step select.attnscope-kind-select', 'encoder'));
  assert.equal(await page.$$eval('#layer option', (o) => o.length), 2);
  assert.equal(await page.inputValue('#layer'), '1');
  assertClean(assert, problems, 'the Step view of an encoder-decoder model');
  await page.close();
});

test('an encoder-decoder input past the Step view\'s limit on one side: the page gives both sides\' counts', async () => {
  const { page, problems } = await demo.newPage();
  await openDemo(page, demo.url, { source: 'seeded', view: 'step' });
  const source = Array.from({ length: 90 }, () => 'the cat sat on the mat').join(' ');
  await loadFolder(page, longFolder, source, 'le chat est');
  const note = await page.textContent('#view-step');
  const said = note.match(/limited to 512 tokens per side; this input has (\d+) source and (\d+) target tokens\. The matrix view handles long inputs/);
  assert.ok(said, `the Step view names its limit: ${note.slice(0, 200)}`);
  const [sourceCount, targetCount] = said.slice(1).map(Number);
  assert.ok(sourceCount > 512, `source tokens: ${sourceCount}`);
  assert.equal(targetCount, 5, 'the short target (4 pieces and </s>)');
  assert.equal(await page.$$eval('#view-step figure[data-step]', (f) => f.length), 0, 'no step is drawn');
  assertClean(assert, problems, 'an encoder-decoder input past the Step view\'s limit');
  await page.close();
});
