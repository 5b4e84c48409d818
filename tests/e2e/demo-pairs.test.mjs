// The demo with a second sentence (the seeded transformer): [CLS] A [SEP] B [SEP], the views' sentence
// filter draws the slice of the full matrix BertViz's filter shows (each cell checked against the same
// cell of the unfiltered view), the URL keeps sentence B and the filter, exports carry both, and
// clearing sentence B goes back to one sentence.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { startDemo } from './browser.mjs';
import { afterRender, artifactPath, assertClean, hoverCell, numberAfter, openDemo, showView } from './demo-helpers.mjs';

const PARAMS = { source: 'seeded', seed: '7', view: 'matrix', textb: 'The cat sat.' };
const TOKENS = ['[CLS]', 'mark', 'told', 'sam', 'that', 'he', 'was', 'leaving', '.', '[SEP]', 'the', 'cat', 'sat', '.', '[SEP]'];
const B = 10;  // sentence B's first token
let demo;
let page;
let problems;

before(async () => {
  demo = await startDemo();
  ({ page, problems } = await demo.newPage());
});
after(async () => { await demo?.close(); });

const heatmap = (head) => `#view-matrix figure[data-head="${head}"] canvas:not(.attnscope-overlay)`;
const shape = (head) => page.$eval(heatmap(head), (c) => [Number(c.dataset.rows), Number(c.dataset.cols)]);
// The views redraw themselves when their own selector changes (within the change event).
const pick = (filter) => page.selectOption('#view-matrix select.attnscope-pair-select', filter);

test('sentence B: the pair filter draws the slice of the full matrix, and the URL keeps both', async () => {
  await openDemo(page, demo.url, PARAMS);
  assert.equal(await page.inputValue('#sentence-b'), 'The cat sat.');
  assert.match(await page.textContent('#message'), /15 tokens \(sentence B from #10\)/);
  assert.deepEqual(await shape(2), [15, 15]);
  // The full matrix's weights, read where a person reads them: hover.
  const full = {};
  for (const [i, j] of [[5, 11], [2, 12], [12, 1], [11, 3]]) {
    full[`${i},${j}`] = numberAfter(await hoverCell(page, heatmap(2), i, j), 'weight:');
  }
  await page.mouse.move(0, 0);

  await pick('ab');
  assert.deepEqual(await shape(2), [B, TOKENS.length - B], 'A\'s queries × B\'s keys');
  assert.match(page.url(), /filter=ab/);
  let tip = await hoverCell(page, heatmap(2), 5, 11 - B);
  assert.match(tip, /query: he {2}\(#5\)\nkey: cat {2}\(#11\)/);
  assert.equal(numberAfter(tip, 'weight:'), full['5,11']);
  assert.equal(numberAfter(await hoverCell(page, heatmap(2), 2, 12 - B), 'weight:'), full['2,12']);
  await page.mouse.move(0, 0);
  await pick('ba');
  assert.deepEqual(await shape(2), [TOKENS.length - B, B]);
  tip = await hoverCell(page, heatmap(2), 12 - B, 1);
  assert.match(tip, /query: sat {2}\(#12\)\nkey: mark {2}\(#1\)/);
  assert.equal(numberAfter(tip, 'weight:'), full['12,1']);
  assert.equal(numberAfter(await hoverCell(page, heatmap(2), 11 - B, 3), 'weight:'), full['11,3']);
  await page.mouse.move(0, 0);
  await page.screenshot({ path: artifactPath('demo-pair-filter.png'), fullPage: true });

  // The head view opens with the same filter (the state), and draws fewer lines than with all tokens.
  await showView(page, 'head');
  assert.equal(await page.inputValue('#view-head select.attnscope-pair-select'), 'ba');
  const lines = () => page.getAttribute('#view-head canvas.attnscope-head-canvas', 'data-lines').then(Number);
  const ba = await lines();
  await page.selectOption('#view-head select.attnscope-pair-select', 'all');
  assert.ok(ba > 0 && ba < await lines(), `B → A draws a part of the lines (${ba} of ${await lines()})`);
  await page.selectOption('#view-head select.attnscope-pair-select', 'bb');

  // The URL reopens the same page: both sentences, the filter.
  const url = page.url();
  assert.match(url, /textb=The\+cat\+sat\./);
  await openDemo(page, url.slice(0, url.indexOf('/demo/')), Object.fromEntries(new URL(url).searchParams));
  assert.equal(await page.inputValue('#sentence-b'), 'The cat sat.');
  assert.equal(await page.inputValue('#view-head select.attnscope-pair-select'), 'bb');
  assertClean(assert, problems);
});

test('exports carry the pair; clearing sentence B returns to one sentence', async () => {
  await openDemo(page, demo.url, { ...PARAMS, filter: 'ab' });
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-json')]);
  const json = JSON.parse(await readFile(await download.path(), 'utf8'));
  assert.deepEqual(json.tokens, TOKENS);
  assert.equal(json.sentenceBStart, B);
  assert.equal(json.textB, 'The cat sat.');
  assert.equal(json.attentions[0][0].length, TOKENS.length, 'the export holds the whole matrix, not the filtered view');

  await afterRender(page, () => page.fill('#sentence-b', ''));
  assert.equal(await page.locator('#view-matrix select.attnscope-pair-select').count(), 0, 'no sentence filter without sentence B');
  assert.deepEqual(await shape(0), [10, 10]);
  assert.doesNotMatch(page.url(), /textb=|filter=/);
  await afterRender(page, () => page.fill('#sentence-b', 'Who left?'));
  assert.match(await page.textContent('#message'), /14 tokens \(sentence B from #10\)/);
  assert.equal(await page.inputValue('#view-matrix select.attnscope-pair-select'), 'all');
  assertClean(assert, problems);
});
