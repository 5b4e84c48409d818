// The Step view and the neuron view with a real model (the default model, web/models/default): the
// numbers drawn are that model's own (model.run's steps, checked against PyTorch in
// tests/js/model_steps.test.mjs), the neuron view's score for he → mark equals the Step view's, and
// the Matrix view's value-weighted and rollout measures equal the module's computations.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startDemo, WEB_ROOT } from './browser.mjs';
import { afterRender, artifactPath, assertClean, DEFAULT_SENTENCE, hoverCell, numberAfter, openDemo,
  showView } from './demo-helpers.mjs';

const DEFAULT_MODEL = join(WEB_ROOT, 'models', 'default');
let demo;
before(async () => { demo = await startDemo(); });
after(async () => { await demo?.close(); });

const close = (got, want, what, tol = 1e-4) =>
  assert.ok(Math.abs(got - want) <= tol * Math.max(1, Math.abs(want)), `${what}: page ${got}, module ${want}`);

/** The module run by the test itself on the default model: steps of `layer`, value norms, rollout. */
function reference(page, layer) {
  return page.evaluate(async ({ text, layer }) => {
    const core = await (await import('/attnscope/src/index.js')).load();
    const model = await core.loadModel('/models/default/');
    const out = model.run(text, { steps: { layer }, valueNorms: true });
    const rollout = core.attentionRollout(out.attentions, { numHeads: model.config.numHeads });
    const plain = (a) => Array.from(a);
    return { tokens: out.tokens, numHeads: model.config.numHeads, scale: out.steps.scale,
      scores: plain(out.steps.scores), scaled: plain(out.steps.scaled), weights: plain(out.steps.weights),
      attentions: out.attentions.map(plain), valueNorms: out.valueNorms.map(plain), rollout: rollout.map(plain) };
  }, { text: DEFAULT_SENTENCE, layer });
}

test('with the default model the Step and neuron views show its own numbers, and the measures are the module\'s', async (t) => {
  if (!existsSync(join(DEFAULT_MODEL, 'eval.json'))) { t.skip('no default model'); return; }
  const { best_head: best } = JSON.parse(readFileSync(join(DEFAULT_MODEL, 'eval.json'), 'utf8'));
  const { page, problems } = await demo.newPage();
  await openDemo(page, demo.url);
  assert.match(await page.textContent('#source-name'), /default model/);
  assert.equal(await page.getAttribute('#tab-step', 'aria-selected'), 'true', 'opens on the steps');
  assert.equal(await page.inputValue('#view-step .attnscope-step-head'), String(best.head));
  const ref = await reference(page, best.layer);
  const { tokens } = ref;
  const n = tokens.length, he = tokens.indexOf('he'), mark = tokens.indexOf('mark');
  assert.ok(he > 0 && mark > 0, tokens.join(' '));
  assert.equal(await page.inputValue('#view-step .attnscope-neuron-query'), String(he), 'the neuron view opens on "he"');
  assert.match(await page.textContent('#view-step'), /default model.*layer 1: its own numbers/);

  const at = (array, i, j) => array[(best.head * n + i) * n + j];
  const cell = (step) => `#view-step figure[data-step="${step}"] canvas:not(.attnscope-overlay)`;
  let tip = await hoverCell(page, cell('scores'), he, mark);
  close(numberAfter(tip, '] = '), at(ref.scores, he, mark), 'scores[he, mark]');
  tip = await hoverCell(page, cell('scaled'), he, mark);
  const scaledShown = numberAfter(tip, '] = ');
  close(scaledShown, at(ref.scaled, he, mark), 'scaled[he, mark]');
  tip = await hoverCell(page, cell('softmax'), he, mark);
  close(numberAfter(tip, '] = '), at(ref.weights, he, mark), 'weights[he, mark]');
  assert.ok(at(ref.weights, he, mark) > at(ref.weights, he, tokens.indexOf('sam')), 'he attends to mark more than sam');

  // The neuron view sums q ⊙ k itself: its score × scale for he → mark is the Step view's scaled value.
  const neuron = (step) => page.locator(`#view-step figure[data-neuron="${step}"]`).getAttribute('data-values').then(JSON.parse);
  close((await neuron('scaled'))[mark], scaledShown, 'neuron view scaled(he → mark)');
  close((await neuron('score'))[mark], at(ref.scores, he, mark), 'neuron view score(he → mark)');
  close((await neuron('weight'))[mark], at(ref.weights, he, mark), 'neuron view weight(he → mark)');
  tip = await hoverCell(page, '#view-step figure[data-neuron="score"] canvas:not(.attnscope-overlay)', mark, 0);
  assert.match(tip, /score\(“he” → “mark”\) = Σ \(q ⊙ k\)/);
  await page.screenshot({ path: artifactPath('default-model-steps.png'), fullPage: true });

  // Another query in the neuron view, kept in the URL.
  await page.selectOption('#view-step .attnscope-neuron-query', String(mark));
  assert.equal(new URL(page.url()).searchParams.get('query'), String(mark));

  // Matrix view, value-weighted: α_ij·‖v_j·W_O^h‖; rollout: the core's rollout of the layers.
  await showView(page, 'matrix');
  await afterRender(page, () => page.selectOption('#measure', 'value'));
  const matrixCell = `#view-matrix figure[data-head="${best.head}"] canvas:not(.attnscope-overlay)`;
  tip = await hoverCell(page, matrixCell, he, mark);
  close(numberAfter(tip, '‖α·v·W_O‖:'), at(ref.attentions[best.layer], he, mark) * ref.valueNorms[best.layer][best.head * n + mark],
    'value-weighted [he, mark]');
  await afterRender(page, () => page.selectOption('#measure', 'rollout'));
  tip = await hoverCell(page, '#view-matrix figure canvas:not(.attnscope-overlay)', he, mark);
  close(numberAfter(tip, 'rollout:'), ref.rollout[best.layer][he * n + mark], 'rollout [he, mark]');
  assert.equal(new URL(page.url()).searchParams.get('measure'), 'rollout');
  for (const view of ['head', 'model']) await showView(page, view);
  assert.match(await page.textContent('#view-model'), /rollout \(all heads\)/);
  assertClean(assert, problems, 'with the default model', { optionalUnder: 'models/default/' });
  await page.close();
});

test('past the Step view\'s token limit the page says so, and the matrix view still draws the input', async () => {
  const { page, problems } = await demo.newPage();
  await openDemo(page, demo.url, { source: 'seeded', view: 'step' });
  const limit = 512;
  const words = Array.from({ length: limit + 8 }, (_, i) => `w${i}`).join(' ');
  await afterRender(page, () => page.fill('#sentence', words));
  const note = await page.textContent('#view-step');
  const said = note.match(/limited to (\d+) tokens; this input has (\d+)\. The matrix view handles long inputs/);
  assert.ok(said, `the Step view names its limit: ${note.slice(0, 200)}`);
  const [saidLimit, shown] = said.slice(1).map(Number);
  assert.equal(saidLimit, limit);
  assert.ok(shown > limit, `the count given (${shown}) is past the limit`);
  assert.equal(await page.$$eval('#view-step figure[data-step]', (f) => f.length), 0, 'no step is drawn');
  await showView(page, 'matrix');
  const rows = await page.$eval('#view-matrix figure canvas:not(.attnscope-overlay)', (c) => Number(c.dataset.rows ?? 0));
  assert.equal(rows, shown, 'the matrix view draws every token');
  assertClean(assert, problems, 'past the Step view\'s limit');
  await page.close();
});
