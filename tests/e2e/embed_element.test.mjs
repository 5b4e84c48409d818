// <attnscope-view> in headless Chromium: the documented example page renders every element, two
// elements on one page stay independent, hover shows the given weights, bad input is reported by the
// element (which stays usable), and nothing is requested outside the page's origin.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { drawnPixels, ROOT, servedSite, softmaxRows, waitForViews } from './embed_browser.mjs';

const site = servedSite();

test('the documented example page renders every element from the bundle', async () => {
  const { page, errors, blocked, context } = await site.page();
  const started = Date.now();
  await page.goto(`${site.url}/examples/embed/`);
  const states = await waitForViews(page, 'attnscope-view', 5, 60000);
  console.log(`# example page: ${states.length} elements rendered in ${Date.now() - started} ms`);
  for (const s of states) assert.equal(s.state, 'rendered', `${s.id}: ${s.message}`);
  const drawn = await drawnPixels(page);
  for (const d of drawn) assert.ok(d.canvases > 0 && d.inked > 200 && d.colours > 10, `${d.id} drew nothing: ${JSON.stringify(d)}`);
  // The seeded model view: 3 layers × 4 heads of thumbnails (the attributes' defaults).
  assert.equal(drawn.find((d) => d.id === 'seeded-model').canvases, 12);
  const requests = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name));
  assert.ok(requests.every((u) => u.startsWith(site.url)), `requests outside the origin: ${requests}`);
  assert.deepEqual(blocked, []);
  assert.deepEqual(errors, []);
  await page.screenshot({ path: join(ROOT, 'tests', 'artifacts', 'embed-example.png'), fullPage: true });
  // Clicking a thumbnail of the model view opens that head large, inside the element.
  await page.locator('#seeded-model').locator('.attnscope-thumb[data-layer="2"][data-head="1"]').click();
  const dialog = page.locator('#seeded-model').locator('dialog[open]');
  await dialog.waitFor();
  assert.match(await dialog.locator('figcaption').first().textContent(), /Layer 2 · head 1/);
  assert.deepEqual(errors, []);
  await context.close();
});

const TWO_ELEMENTS = (a, b) => `<!doctype html><html><head><meta charset="utf-8">
<style>/* page styles that would break the views if they leaked in */
.attnscope-panel, .attnscope-head-canvas, canvas { display: none !important; } select { visibility: hidden; }</style>
<script>window.globalsBefore = Object.getOwnPropertyNames(window);</script>
<script type="module" src="/attnscope/dist/attnscope-embed.js"></script></head><body>
<attnscope-view id="a" view="head" tokens='${JSON.stringify(a.tokens)}' attentions='${JSON.stringify(a.attentions)}'></attnscope-view>
<attnscope-view id="b" view="matrix" layer="1" tokens='${JSON.stringify(b.tokens)}' attentions='${JSON.stringify(b.attentions)}'></attnscope-view>
</body></html>`;

test('two elements on one page render, stay independent and show their own weights', async () => {
  const a = { tokens: ['[CLS]', 'the', 'cat', 'sat', '[SEP]'], attentions: softmaxRows(5, 5, 3, 2, 0) };
  const b = { tokens: ['Mark', 'told', 'Sam', 'that', 'he', 'was', 'leaving'], attentions: softmaxRows(7, 7, 2, 2, 5) };
  const { page, errors, blocked, context } = await site.page();
  await context.route(`${site.url}/embed/two-elements.html`, (route) => route.fulfill({
    contentType: 'text/html; charset=utf-8', body: TWO_ELEMENTS(a, b),
  }));
  await page.goto(`${site.url}/embed/two-elements.html`);
  const states = await waitForViews(page, 'attnscope-view', 2);
  assert.deepEqual(states.map((s) => s.state), ['rendered', 'rendered'], JSON.stringify(states));
  const before = await drawnPixels(page);
  assert.ok(before.every((d) => d.inked > 200), JSON.stringify(before));
  assert.equal(await page.locator('#b').locator('figure.attnscope-panel').count(), 2, 'matrix view of b: one heatmap per head');
  const newGlobals = await page.evaluate(() => Object.getOwnPropertyNames(window).filter((k) => k !== 'globalsBefore' && !window.globalsBefore.includes(k)));
  assert.deepEqual(newGlobals, [], 'the bundle defines no globals');

  // Hiding head 0 in a redraws a, leaves b untouched.
  await page.locator('#a').locator('.attnscope-swatch[data-head="0"]').click();
  const afterToggle = await drawnPixels(page);
  assert.notEqual(afterToggle[0].inked, before[0].inked, 'a redrew without head 0');
  assert.deepEqual(afterToggle[1], before[1], 'b is unchanged');

  // Hovering cell (query 4, key 2) of b's head 1 shows b's layer-1 weight, to the tooltip's 4 decimals.
  const canvas = page.locator('#b').locator('figure[data-head="1"] canvas:not(.attnscope-overlay)');
  const geo = await canvas.evaluate((c) => ({ ...c.dataset }));
  const cell = Number(geo.cell);
  await canvas.hover({ position: { x: Number(geo.plotLeft) + 2.5 * cell, y: Number(geo.plotTop) + 4.5 * cell } });
  const tip = await page.locator('.attnscope-tooltip').textContent();
  // The tooltip lives in the page (outside the shadow roots) and got the views' style there.
  assert.equal(await page.locator('.attnscope-tooltip').evaluate((t) => getComputedStyle(t).position), 'fixed');
  assert.match(tip, /query: he/);
  assert.match(tip, /key: Sam/);
  assert.match(tip, new RegExp(`weight: ${b.attentions[1][1][4][2].toFixed(4)}`), tip);
  assert.deepEqual(blocked, []);
  assert.deepEqual(errors, []);
  await context.close();
});

test('bad input is reported by the element, which recovers when given good input', async () => {
  const { page, errors, context } = await site.page();
  await context.route(`${site.url}/embed/bad-input.html`, (route) => route.fulfill({
    contentType: 'text/html; charset=utf-8',
    body: `<!doctype html><script type="module" src="/attnscope/dist/attnscope-embed.js"></script>
<attnscope-view id="ragged" tokens='["a","b"]' attentions='[[[[1,0],[0.5]]]]'></attnscope-view>
<attnscope-view id="json" tokens='["a","b"]' attentions='[[[[1,0],'></attnscope-view>
<attnscope-view id="kind" view="pie" tokens='["a"]' attentions='[[[[1]]]]'></attnscope-view>
<attnscope-view id="good" tokens='["a","b"]' attentions='[[[[1,0],[0.5,0.5]]]]'></attnscope-view>`,
  }));
  await page.goto(`${site.url}/embed/bad-input.html`);
  const states = Object.fromEntries((await waitForViews(page, 'attnscope-view', 4)).map((s) => [s.id, s]));
  assert.equal(states.ragged.state, 'error');
  assert.match(states.ragged.message, /attentions\[0\]\[0\]\[1\]: expected 2 weights/);
  assert.equal(states.json.state, 'error');
  assert.match(states.json.message, /attribute "attentions": expected JSON/);
  assert.equal(states.kind.state, 'error');
  assert.match(states.kind.message, /attribute "view": expected head, model, matrix or step/);
  assert.equal(states.good.state, 'rendered');
  await page.locator('#ragged').evaluate((el) => el.setAttribute('attentions', '[[[[1,0],[0.25,0.75]]]]'));
  await page.waitForFunction(() => document.getElementById('ragged').dataset.state === 'rendered');
  assert.ok((await drawnPixels(page, '#ragged'))[0].inked > 100);
  assert.deepEqual(errors, []);
  await context.close();
});

test('the bundle exports the module: load() runs attention from the inlined wasm', async () => {
  const { page, errors, context } = await site.page();
  await page.goto(`${site.url}/examples/embed/`);
  const result = await page.evaluate(async () => {
    const { load } = await import('/attnscope/dist/attnscope-embed.js');
    const core = await load();
    // One query, two keys: scores [0, 1] / √1 -> softmax weights [1/(1+e), e/(1+e)].
    const args = { q: new Float32Array([1]), k: new Float32Array([0, 1]), v: new Float32Array([2, 4]), n: 1, m: 2, dK: 1 };
    const r = core.attention(args);
    const scalar = await load({ simd: false });  // the inlined scalar build, for engines without SIMD
    return { simd: core.simd, weights: Array.from(r.weights), output: Array.from(r.output),
      scalarSimd: scalar.simd, scalarWeights: Array.from(scalar.attention(args).weights), same: (await load()) === core };
  });
  assert.equal(result.scalarSimd, false);
  assert.ok(Math.abs(result.scalarWeights[1] - Math.E / (1 + Math.E)) < 1e-6, JSON.stringify(result));
  assert.equal(result.same, true, 'one shared core per page');
  const e = Math.E;
  assert.ok(Math.abs(result.weights[0] - 1 / (1 + e)) < 1e-6, JSON.stringify(result));
  assert.ok(Math.abs(result.output[0] - (2 + 4 * e) / (1 + e)) < 1e-5, JSON.stringify(result));
  assert.equal(result.simd, true, 'Chromium supports wasm SIMD: the SIMD build is used');
  assert.deepEqual(errors, []);
  await context.close();
});
