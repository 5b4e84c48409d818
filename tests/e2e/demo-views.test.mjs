// The demo page with the default sentence and the seeded transformer: every view draws, the step
// view's numbers equal an independent computation with the module, hover shows the right values,
// head toggles and the threshold change the drawing, exports download and parse.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { startDemo } from './browser.mjs';
import { afterRender, artifactPath, assertClean, canvasStats, DEFAULT_SENTENCE, hoverCell, numberAfter, openDemo,
  showView } from './demo-helpers.mjs';

const SEED = 7;
const PARAMS = { source: 'seeded', seed: String(SEED) };  // d_model 16, 4 heads, 3 layers (the defaults)
let demo;
let page;
let problems;

before(async () => {
  demo = await startDemo();
  ({ page, problems } = await demo.newPage());
  await openDemo(page, demo.url, PARAMS);
});
after(async () => { await demo?.close(); });

// The reference: Q, K, V projected in JavaScript (float64) from the same seeded input, then each
// head through the module's single-head attention (not the multi-head path the page uses), the
// heads concatenated and projected by W_O in JavaScript.
function reference(page, text, seed) {
  return page.evaluate(async ({ text, seed }) => {
    const { load } = await import('/attnscope/src/index.js');
    const seeded = await import('/attnscope/embed/seeded-model.js');
    const core = await load();
    const d = 16;
    const H = 4;
    const dk = d / H;
    const tokens = seeded.tokenize(text);
    const n = tokens.length;
    const { x } = seeded.embed(tokens, d);
    const P = seeded.layerParams(seed, 0, d, H);
    const project = (input, W, b) => {
      const out = new Float32Array(n * d);
      for (let i = 0; i < n; i++) {
        for (let c = 0; c < d; c++) {
          let s = b[c];
          for (let t = 0; t < d; t++) s += input[i * d + t] * W[t * d + c];
          out[i * d + c] = s;
        }
      }
      return out;
    };
    const [Q, K, V] = [project(x, P.wq, P.bq), project(x, P.wk, P.bk), project(x, P.wv, P.bv)];
    const slice = (M, h) => {
      const out = new Float32Array(n * dk);
      for (let i = 0; i < n; i++) for (let c = 0; c < dk; c++) out[i * dk + c] = M[i * d + h * dk + c];
      return out;
    };
    const heads = [];
    const concat = new Float32Array(n * d);
    for (let h = 0; h < H; h++) {
      const r = core.attention({ q: slice(Q, h), k: slice(K, h), v: slice(V, h), n, dK: dk, steps: true });
      heads.push({ scores: [...r.scores], scaled: [...r.scaled], weights: [...r.weights], output: [...r.output] });
      for (let i = 0; i < n; i++) for (let c = 0; c < dk; c++) concat[i * d + h * dk + c] = r.output[i * dk + c];
    }
    return { tokens, n, x: [...x], Q: [...Q], heads, Y: [...project(concat, P.wo, P.bo)] };
  }, { text, seed });
}

function close(actual, expected, what) {
  const tol = 1.5e-4 + 1e-4 * Math.abs(expected);
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: page shows ${actual}, reference ${expected}`);
}

test('the default sentence renders every view (canvas pixels and DOM)', async () => {
  assert.equal(await page.inputValue('#sentence'), DEFAULT_SENTENCE);
  // Step view: 11 panels (X, Q, K, V, scores, scaled, masked, softmax, head, concat, output), then the
  // neuron view's 6 (q, k, q ⊙ k, score, × scale, softmax).
  await showView(page, 'step');
  assert.equal(await page.locator('#view-step .attnscope-steps figure.attnscope-panel').count(), 11);
  assert.equal(await page.locator('#view-step .attnscope-neuron-grid figure.attnscope-panel').count(), 6);
  const steps = await canvasStats(page, '#view-step .attnscope-canvas-wrap canvas:not(.attnscope-overlay)');
  for (const s of steps) assert.ok(s.distinct > 20 && s.nonWhite > 1000, `a step panel is nearly blank: ${JSON.stringify(s)}`);
  await page.screenshot({ path: artifactPath('view-step.png'), fullPage: true });

  await showView(page, 'matrix');
  const figures = page.locator('#view-matrix figure.attnscope-panel');
  assert.equal(await figures.count(), 4, 'one heatmap per head');
  assert.equal(await page.getAttribute('#view-matrix figure[data-head="0"] canvas:not(.attnscope-overlay)', 'data-rows'), '10');
  const matrix = await canvasStats(page, '#view-matrix .attnscope-canvas-wrap canvas:not(.attnscope-overlay)');
  for (const s of matrix) assert.ok(s.distinct > 20, `a head heatmap has too few colours: ${JSON.stringify(s)}`);
  assert.notEqual(matrix[0].hash, matrix[1].hash, 'heads 0 and 1 drew the same picture');
  assert.equal(await page.locator('#view-matrix .attnscope-legend').count(), 1, 'colour legend');
  await page.screenshot({ path: artifactPath('view-matrix.png'), fullPage: true });

  await showView(page, 'head');
  assert.equal(await page.locator('#view-head .attnscope-swatch').count(), 4);
  assert.ok(Number(await page.getAttribute('#view-head canvas', 'data-lines')) > 40, 'head view drew its lines');
  const [head] = await canvasStats(page, '#view-head canvas');
  assert.ok(head.distinct > 20, 'head view canvas has colour');
  await page.screenshot({ path: artifactPath('view-head.png'), fullPage: true });

  await showView(page, 'model');
  assert.equal(await page.locator('#view-model .attnscope-thumb').count(), 12, '3 layers × 4 heads');
  const thumbs = await canvasStats(page, '#view-model .attnscope-thumb canvas');
  assert.equal(new Set(thumbs.map((t) => t.hash)).size, 12, 'every thumbnail differs');
  await page.screenshot({ path: artifactPath('view-model.png'), fullPage: true });
  await page.click('#view-model .attnscope-thumb[data-layer="2"][data-head="1"]');
  const dialog = page.locator('#view-model dialog[open]');
  await dialog.waitFor();
  assert.match(await dialog.locator('figcaption').textContent(), /Layer 2 · head 1/);
  // A redraw (a window resize; a full-page screenshot causes one too) keeps the opened head open.
  const size = page.viewportSize();
  await afterRender(page, () => page.setViewportSize({ width: size.width - 40, height: size.height }));
  await dialog.waitFor();
  assert.match(await dialog.locator('figcaption').textContent(), /Layer 2 · head 1/);
  await afterRender(page, () => page.setViewportSize(size));
  const [large] = await canvasStats(page, '#view-model dialog .attnscope-canvas-wrap canvas:not(.attnscope-overlay)');
  assert.ok(large.width > 300 && large.distinct > 20, 'the opened head is drawn large');
  await page.screenshot({ path: artifactPath('view-model-open.png') });
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  assertClean(assert, problems);
});

test('step view numbers equal the module computed independently, and hover explains them', async () => {
  await openDemo(page, demo.url, PARAMS);
  await showView(page, 'step');
  const ref = await reference(page, DEFAULT_SENTENCE, SEED);
  const h = 2;
  await page.selectOption('#view-step .attnscope-step-head', String(h));
  const he = ref.tokens.indexOf('he');
  const mark = ref.tokens.indexOf('mark');
  const { n } = ref;
  const cell = (step) => `#view-step figure[data-step="${step}"] canvas:not(.attnscope-overlay)`;

  let tip = await hoverCell(page, cell('x'), he, 3);
  close(numberAfter(tip, '] = '), ref.x[he * 16 + 3], 'X[he, 3]');
  const [embedding, position] = tip.split('\n')[1].split(' = ')[1].split(' + ').map(Number);
  close(embedding + position, ref.x[he * 16 + 3], 'X = embedding + position');
  assert.ok(Math.abs(position - Math.cos(5 / 10000 ** (2 / 16))) < 1e-4, 'sinusoidal position of "he" (#5), dim 3');

  tip = await hoverCell(page, cell('q'), he, 9);
  close(numberAfter(tip, '] = '), ref.Q[he * 16 + 9], 'Q[he, 9]');
  assert.match(tip, /X\[he, :\] · W_Q\[:, 9\] \+ b_Q\[9\]/, 'Q tooltip shows how it was obtained');

  tip = await hoverCell(page, cell('scores'), he, mark);
  close(numberAfter(tip, '] = '), ref.heads[h].scores[he * n + mark], 'scores[he, mark]');
  assert.match(tip, /Q_2\[he, :\] · K_2\[mark, :\]/);

  tip = await hoverCell(page, cell('scaled'), he, mark);
  close(numberAfter(tip, '] = '), ref.heads[h].scaled[he * n + mark], 'scaled[he, mark]');

  for (const key of [0, mark, n - 1]) {
    tip = await hoverCell(page, cell('softmax'), he, key);
    close(numberAfter(tip, '] = '), ref.heads[h].weights[he * n + key], `weights[he, ${ref.tokens[key]}]`);
  }
  assert.match(tip, /exp\(/, 'softmax tooltip shows the exponentials');

  tip = await hoverCell(page, cell('head'), he, 1);
  close(numberAfter(tip, '] = '), ref.heads[h].output[he * 4 + 1], 'head_2[he, 1]');

  tip = await hoverCell(page, cell('output'), he, 5);
  close(numberAfter(tip, '] = '), ref.Y[he * 16 + 5], 'output[he, 5]');

  // Causal toggle: the masked panel hides the future and the weights above the diagonal become 0.
  await afterRender(page, () => page.check('#causal'));
  tip = await hoverCell(page, cell('masked'), 1, 4);
  assert.match(tip, /= −∞/);
  tip = await hoverCell(page, cell('softmax'), 1, 4);
  assert.equal(numberAfter(tip, '] = '), 0);
  await afterRender(page, () => page.uncheck('#causal'));

  // Matrix view hover: the tooltip names query and key and gives the module's weight.
  await showView(page, 'matrix');
  tip = await hoverCell(page, '#view-matrix figure[data-head="2"] canvas:not(.attnscope-overlay)', he, mark);
  assert.match(tip, /query: he {2}\(#5\)/);
  assert.match(tip, /key: mark {2}\(#1\)/);
  close(numberAfter(tip, 'weight:'), ref.heads[h].weights[he * n + mark], 'matrix view weight[he, mark]');
  await page.mouse.move(0, 0);

  // Average heads: one panel whose weights are the mean of the four heads.
  await afterRender(page, () => page.check('#average'));
  assert.equal(await page.locator('#view-matrix figure.attnscope-panel').count(), 1);
  assert.match(await page.textContent('#view-matrix figcaption'), /mean of 4 heads/);
  tip = await hoverCell(page, '#view-matrix figure[data-head="mean"] canvas:not(.attnscope-overlay)', he, mark);
  close(numberAfter(tip, 'weight:'), ref.heads.reduce((sum, r) => sum + r.weights[he * n + mark], 0) / 4, 'mean weight[he, mark]');
  await page.mouse.move(0, 0);
  assertClean(assert, problems);
});

test('head toggles, token hover and the threshold change what is drawn', async () => {
  await openDemo(page, demo.url, PARAMS);
  await showView(page, 'head');
  const canvas = '#view-head canvas';
  const lines = async () => Number(await page.getAttribute(canvas, 'data-lines'));
  const [start] = await canvasStats(page, canvas);
  const allLines = await lines();
  await page.click('#view-head .attnscope-swatch[data-head="0"]');
  assert.equal(await page.getAttribute('#view-head .attnscope-swatch[data-head="0"]', 'aria-pressed'), 'false');
  const [without0] = await canvasStats(page, canvas);
  assert.notEqual(without0.hash, start.hash, 'hiding head 0 changed the drawing');
  assert.ok(await lines() < allLines, 'fewer lines without head 0');
  assert.match(page.url(), /heads=1%2C2%2C3/, 'visible heads are in the URL');
  await page.keyboard.press('Enter');  // the swatch keeps focus: Enter toggles it back
  const [back] = await canvasStats(page, canvas);
  assert.equal(back.hash, start.hash, 'showing head 0 again restores the drawing');

  // Hover the query "he" (left column): only its lines remain.
  const box = await page.locator(canvas).boundingBox();
  const rowY = await page.evaluate(() => 8 + 5.5 * 22);  // top padding + row 5 at 22 px rows
  await page.mouse.move(box.x + 10, box.y + rowY);
  await page.locator('.attnscope-tooltip').waitFor({ state: 'visible' });
  assert.match(await page.textContent('.attnscope-tooltip'), /query: he/);
  assert.ok(await lines() <= 4 * 10 && await lines() > 0, `isolated lines: ${await lines()}`);
  await page.mouse.move(0, 0);

  // Threshold: keep the top 10 % of the weights.
  await afterRender(page, () => page.$eval('#threshold', (el) => { el.value = '10'; el.dispatchEvent(new Event('change')); }));
  assert.ok(await lines() < allLines / 3, 'the threshold removed most lines');
  await showView(page, 'matrix');
  const stats = await canvasStats(page, '#view-matrix .attnscope-canvas-wrap canvas:not(.attnscope-overlay)');
  // Top 10 % of 100 cells leaves about 90 grey cells of at least 20×20 px each.
  for (const s of stats) assert.ok(s.grey > 80 * 400, `cells below the threshold are greyed out (${s.grey} grey px)`);
  await page.screenshot({ path: artifactPath('view-matrix-top10.png'), fullPage: true });
  await afterRender(page, () => page.$eval('#threshold', (el) => { el.value = '100'; el.dispatchEvent(new Event('change')); }));
  const full = await canvasStats(page, '#view-matrix .attnscope-canvas-wrap canvas:not(.attnscope-overlay)');
  for (const s of full) assert.ok(s.grey < 50, `threshold 100 % shows every cell (${s.grey} grey px, anti-aliased text only)`);
  assertClean(assert, problems);
});

test('PNG, SVG and JSON exports download and parse', async () => {
  await openDemo(page, demo.url, PARAMS);
  await showView(page, 'matrix');
  const save = async (button) => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click(button)]);
    return { name: download.suggestedFilename(), bytes: await readFile(await download.path()) };
  };
  const png = await save('#export-png');
  assert.match(png.name, /\.png$/);
  assert.deepEqual([...png.bytes.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10], 'PNG signature');
  const width = png.bytes.readUInt32BE(16);
  const height = png.bytes.readUInt32BE(20);
  assert.ok(width > 300 && height > 200, `PNG is ${width}×${height}`);

  const svg = await save('#export-svg');
  const svgText = svg.bytes.toString('utf8');
  const parsed = await page.evaluate((text) => {
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    return { error: doc.querySelector('parsererror')?.textContent ?? null, root: doc.documentElement.nodeName,
      images: doc.querySelectorAll('image').length, texts: [...doc.querySelectorAll('text')].map((t) => t.textContent) };
  }, svgText);
  assert.equal(parsed.error, null);
  assert.equal(parsed.root, 'svg');
  assert.ok(parsed.images >= 4, 'the four heatmaps are in the SVG');
  assert.ok(parsed.texts.some((t) => t.includes('Layer 0 · head 3')), 'panel titles are SVG text');

  // The head view exports as vector lines and text, not a bitmap.
  await showView(page, 'head');
  const headSvg = (await save('#export-svg')).bytes.toString('utf8');
  const vector = await page.evaluate((text) => {
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    return { error: doc.querySelector('parsererror')?.textContent ?? null, lines: doc.querySelectorAll('line').length,
      texts: [...doc.querySelectorAll('text')].map((t) => t.textContent) };
  }, headSvg);
  assert.equal(vector.error, null);
  assert.equal(vector.lines, Number(await page.getAttribute('#view-head canvas', 'data-lines')), 'one <line> per drawn line');
  assert.ok(vector.texts.includes('mark') && vector.texts.includes('[SEP]'), 'token labels are SVG text');

  const json = JSON.parse((await save('#export-json')).bytes.toString('utf8'));
  assert.deepEqual(json.tokens, ['[CLS]', 'mark', 'told', 'sam', 'that', 'he', 'was', 'leaving', '.', '[SEP]']);
  assert.equal(json.attentions.length, 3);
  assert.equal(json.attentions[0].length, 4);
  for (const row of json.attentions[1][3]) {
    assert.equal(row.length, 10);
    assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-4, 'each softmax row sums to 1');
  }
  assert.equal(json.seed, SEED);
  assertClean(assert, problems);
});
