// Attention that is not one square matrix, drawn by <attnscope-view> (the bundle) in headless Chromium:
// an encoder–decoder model's cross-attention with both token lists in the matrix, head and model views
// (tooltips, line counts, thumbnail shapes and the SVG, PNG and JSON exports checked against the
// matrices given), the part selector, the sentence-pair filter changing what is drawn exactly as
// BertViz slices the matrix, and clear errors for parts that do not fit together.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT, servedSite, softmaxRows, waitForViews } from './embed_browser.mjs';

const site = servedSite();

/**
 * The lines the head view draws for one layer: per shown head, every (query, key) whose weight over
 * the head's largest shown weight is at least 0.01 (views.css's faintest line), in float32 as the view holds them.
 */
function expectedLines(heads, rows, cols) {
  let count = 0;
  for (const head of heads) {
    const values = rows.map((i) => Float32Array.from(cols, (j) => head[i][j]));
    const max = Math.max(...values.map((r) => Math.max(...r)));
    const scale = Math.fround(1 / max);
    for (const row of values) for (const v of row) if (Math.min(1, v * scale) >= 0.01) count++;
  }
  return count;
}

const ENCODER = ['<s>', 'She', 'sees', 'the', 'small', 'elephant', '.', '</s>'];
const DECODER = ['<s>', 'Sie', 'sieht', 'den', 'Elefanten'];
const encoder = softmaxRows(8, 8, 3, 2, 0);
const decoder = softmaxRows(5, 5, 3, 2, 3);
const cross = softmaxRows(5, 8, 3, 2, 6);
const PAIR = ['[CLS]', 'who', 'sat', '?', '[SEP]', 'the', 'cat', 'sat', '[SEP]'];
const pairAttentions = softmaxRows(9, 9, 3, 2, 9);

const attr = (value) => JSON.stringify(value).replaceAll("'", '&#39;');
const page = (body) => `<!doctype html><html><head><meta charset="utf-8">
<script type="module" src="/attnscope/dist/attnscope-embed.js"></script></head><body>${body}</body></html>`;
const encoderDecoderElement = (id, extra = '', parts = { encoder, decoder, cross }) => `<attnscope-view id="${id}" ${extra}
  encoder-tokens='${attr(ENCODER)}' decoder-tokens='${attr(DECODER)}'
  ${Object.entries(parts).map(([k, v]) => `${k}-attentions='${attr(v)}'`).join(' ')}></attnscope-view>`;

async function open(body, count) {
  const { page: p, errors, blocked, context } = await site.page();
  await context.route(`${site.url}/embed/rect.html`, (route) => route.fulfill({ contentType: 'text/html; charset=utf-8', body: page(body) }));
  await p.goto(`${site.url}/embed/rect.html`);
  const states = Object.fromEntries((await waitForViews(p, 'attnscope-view', count)).map((s) => [s.id, s]));
  return { p, errors, blocked, context, states };
}

/** Hovers cell (i, j) of a heatmap canvas inside an element; returns the tooltip's text. */
async function hover(p, canvas, i, j) {
  const g = await canvas.evaluate((c) => ({ ...c.dataset }));
  await canvas.hover({ position: { x: Number(g.plotLeft) + (j + 0.5) * Number(g.cell), y: Number(g.plotTop) + (i + 0.5) * Number(g.cell) } });
  return p.locator('.attnscope-tooltip').textContent();
}

test('cross-attention is drawn with both token lists in every view; hover and exports give the weights given', async () => {
  const { p, errors, blocked, context, states } = await open(encoderDecoderElement('ed', 'view="matrix" kind="cross" layer="1"'), 1);
  assert.equal(states.ed.state, 'rendered', states.ed.message);
  const el = p.locator('#ed');
  const canvas = el.locator('figure[data-head="1"] canvas:not(.attnscope-overlay)');
  assert.deepEqual(await canvas.evaluate((c) => [c.dataset.rows, c.dataset.cols]), ['5', '8'], 'decoder queries down, encoder keys across');
  assert.match(await el.locator('figcaption').first().textContent(), /Cross · Layer 1 · head 0/);
  const tip = await hover(p, canvas, 3, 5);
  assert.match(tip, /query: den {2}\(decoder #3\)/);
  assert.match(tip, /key: elephant {2}\(encoder #5\)/);
  assert.match(tip, new RegExp(`weight: ${cross[1][1][3][5].toFixed(4)}`), tip);

  // SVG: each heatmap's labels are text: the decoder's tokens down (anchored at their end), the encoder's across.
  const svg = await el.evaluate((e) => e.toSVG());
  const labels = await p.evaluate((text) => {
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    const all = [...doc.querySelectorAll('text')];
    return { error: doc.querySelector('parsererror')?.textContent ?? null,
      rows: all.filter((t) => t.getAttribute('text-anchor') === 'end').map((t) => t.textContent),
      cols: all.filter((t) => /rotate\(-90\)/.test(t.getAttribute('transform') ?? '')).map((t) => t.textContent) };
  }, svg);
  assert.equal(labels.error, null);
  assert.deepEqual(labels.rows, [...DECODER, ...DECODER, ...DECODER], 'three heads, decoder tokens as row labels');
  assert.deepEqual(labels.cols, [...ENCODER, ...ENCODER, ...ENCODER], 'encoder tokens as column labels');
  const png = await el.evaluate(async (e) => { const b = await e.toPNG(); return { type: b.type, size: b.size }; });
  assert.equal(png.type, 'image/png');
  assert.ok(png.size > 2000, JSON.stringify(png));
  const json = JSON.parse(await el.evaluate(async (e) => (await import('/attnscope/views/export.js')).attentionJSON(e.attentionData)));
  assert.deepEqual([json.cross.queryTokens, json.cross.keyTokens, json.encoder.tokens, json.decoder.tokens], [DECODER, ENCODER, ENCODER, DECODER]);
  json.cross.attentions.forEach((layer, l) => layer.forEach((head, h) => head.forEach((row, i) => row.forEach((w, j) => {
    assert.equal(w, Math.fround(cross[l][h][i][j]), `cross[${l}][${h}][${i}][${j}]`);
  }))));

  // The part selector: the encoder's self-attention, 8 × 8.
  await el.locator('select.attnscope-kind-select').selectOption('encoder');
  assert.deepEqual(await el.locator('figure[data-head="0"] canvas:not(.attnscope-overlay)').evaluate((c) => [c.dataset.rows, c.dataset.cols]), ['8', '8']);
  assert.match(await el.locator('figcaption').first().textContent(), /Encoder · Layer 1 · head 0/);

  // Head view of the cross-attention: decoder tokens left, encoder tokens right, the lines the weights give.
  await el.evaluate((e) => { e.setAttribute('view', 'head'); });
  await p.waitForFunction(() => document.querySelector('#ed').shadowRoot.querySelector('.attnscope-head-canvas'));
  const head = el.locator('canvas.attnscope-head-canvas');
  assert.equal(Number(await head.getAttribute('data-lines')), expectedLines(cross[1], [...DECODER.keys()], [...ENCODER.keys()]));
  const vector = await p.evaluate((text) => {
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    const texts = [...doc.querySelectorAll('text')];
    return { lines: doc.querySelectorAll('line').length, left: texts.filter((t) => t.getAttribute('text-anchor') === 'end').map((t) => t.textContent),
      right: texts.filter((t) => !t.hasAttribute('text-anchor') && t.getAttribute('dominant-baseline') === 'middle').map((t) => t.textContent) };
  }, await el.evaluate((e) => e.toSVG()));
  assert.deepEqual(vector.left, DECODER);
  assert.deepEqual(vector.right, ENCODER);
  assert.equal(vector.lines, Number(await head.getAttribute('data-lines')));
  // Hovering the encoder token "small" (key side) names the decoder token that attends to it most.
  const box = await head.boundingBox();
  await p.mouse.move(box.x + box.width - 10, box.y + 8 + 4.5 * 22);
  const strongest = cross[1][0].map((row) => row[4]);
  const best = strongest.indexOf(Math.max(...strongest));
  assert.match(await p.locator('.attnscope-tooltip').textContent(), new RegExp(`key: small {2}\\(encoder #4\\)\\nhead 0: strongest ← ${DECODER[best]}`));

  // Model view: 2 layers × 3 heads, each thumbnail 8 keys wide and 5 queries high.
  await el.evaluate((e) => { e.setAttribute('view', 'model'); });
  await p.waitForFunction(() => document.querySelector('#ed').shadowRoot.querySelectorAll('.attnscope-thumb').length === 6);
  const thumbs = await el.locator('.attnscope-thumb canvas').evaluateAll((cs) => cs.map((c) => [c.width, c.height, c.clientWidth > c.clientHeight]));
  assert.deepEqual(thumbs, Array(6).fill([8, 5, true]));
  await p.screenshot({ path: join(ROOT, 'tests', 'artifacts', 'embed-cross-attention.png'), fullPage: true });
  assert.deepEqual(blocked, []);
  assert.deepEqual(errors, []);
  await context.close();
});

test('the sentence-pair filter changes what is drawn, in every view, as BertViz slices the matrix', async () => {
  const body = `<attnscope-view id="pair" view="matrix" layer="1" sentence-b-start="5" tokens='${attr(PAIR)}'
    attentions='${attr(pairAttentions)}'></attnscope-view>`;
  const { p, errors, blocked, context, states } = await open(body, 1);
  assert.equal(states.pair.state, 'rendered', states.pair.message);
  const el = p.locator('#pair');
  const shape = () => el.locator('figure[data-head="2"] canvas:not(.attnscope-overlay)').evaluate((c) => [c.dataset.rows, c.dataset.cols].map(Number));
  const A = [0, 1, 2, 3, 4];
  const B = [5, 6, 7, 8];
  assert.deepEqual(await shape(), [9, 9]);
  const filter = el.locator('select.attnscope-pair-select');
  assert.deepEqual(await filter.locator('option').allTextContents(),
    ['All', 'Sentence A → Sentence A', 'Sentence A → Sentence B', 'Sentence B → Sentence A', 'Sentence B → Sentence B']);
  await filter.selectOption('ab');
  assert.deepEqual(await shape(), [5, 4], 'A\'s queries, B\'s keys');
  let tip = await hover(p, el.locator('figure[data-head="2"] canvas:not(.attnscope-overlay)'), 1, 2);
  assert.match(tip, /query: who {2}\(#1\)\nkey: sat {2}\(#7\)/);
  assert.match(tip, new RegExp(`weight: ${pairAttentions[1][2][1][7].toFixed(4)}`));
  await el.locator('select.attnscope-pair-select').selectOption('ba');
  assert.deepEqual(await shape(), [4, 5]);
  tip = await hover(p, el.locator('figure[data-head="2"] canvas:not(.attnscope-overlay)'), 3, 0);
  assert.match(tip, /query: \[SEP\] {2}\(#8\)\nkey: \[CLS\] {2}\(#0\)/);

  // Head view: the lines of each filter, exactly those of the sliced matrix.
  await el.evaluate((e) => { e.setAttribute('view', 'head'); e.setAttribute('pair-filter', 'all'); });
  const lines = async (f) => {
    await el.locator('select.attnscope-pair-select').selectOption(f);
    return Number(await el.locator('canvas.attnscope-head-canvas').getAttribute('data-lines'));
  };
  await p.waitForFunction(() => document.querySelector('#pair').shadowRoot.querySelector('.attnscope-head-canvas'));
  const slices = { all: [[...A, ...B], [...A, ...B]], aa: [A, A], ab: [A, B], ba: [B, A], bb: [B, B] };
  const counts = {};
  for (const [f, [rows, cols]] of Object.entries(slices)) {
    counts[f] = await lines(f);
    assert.equal(counts[f], expectedLines(pairAttentions[1], rows, cols), `lines of ${f}`);
  }
  assert.equal(new Set(Object.values(counts)).size, 5, `each filter draws different lines: ${JSON.stringify(counts)}`);

  // The attribute sets the filter too; the model view's thumbnails take the slice's shape.
  await el.evaluate((e) => { e.setAttribute('view', 'model'); e.setAttribute('pair-filter', 'ab'); });
  await p.waitForFunction(() => document.querySelector('#pair').shadowRoot.querySelectorAll('.attnscope-thumb').length === 6);
  assert.deepEqual(await el.locator('.attnscope-thumb canvas').first().evaluate((c) => [c.width, c.height]), [4, 5]);
  assert.equal(await el.locator('select.attnscope-pair-select').inputValue(), 'ab');
  // The views used directly: selectors: false draws the same slice without the menu.
  const withoutMenus = await p.evaluate(async ([tokens, attentions]) => {
    const views = await import('/attnscope/views/index.js');
    const host = document.createElement('div');
    document.body.append(host);
    const data = { tokens, attentions: attentions.map((layer) => Float32Array.from(layer.flat(2))), sentenceBStart: 5 };
    return ['HeadView', 'MatrixView', 'ModelView'].map((name) => {
      new views[name](host).update(data, { selectors: false, pairFilter: 'ab' });
      const heatmap = host.querySelector('figure canvas:not(.attnscope-overlay)');
      return [host.querySelectorAll('select.attnscope-pair-select').length, heatmap ? heatmap.dataset.rows : null];
    });
  }, [PAIR, pairAttentions]);
  assert.deepEqual(withoutMenus, [[0, null], [0, '5'], [0, null]]);
  assert.deepEqual(blocked, []);
  assert.deepEqual(errors, []);
  await context.close();
});

test('parts that do not fit together, and pair options without a pair, are reported by the element', async () => {
  const cases = {
    rows: [encoderDecoderElement('rows', '', { encoder, decoder: softmaxRows(4, 5, 3, 2, 3) }), /decoder\.attentions\[0\]\[0\]: expected 5 rows \(one per token\), got an array of 4/],
    keys: [encoderDecoderElement('keys', '', { encoder, cross: softmaxRows(5, 7, 3, 2, 6) }), /cross\.attentions\[0\]\[0\]\[0\]: expected 8 weights \(one per key token\), got 7/],
    layers: [encoderDecoderElement('layers', '', { decoder, cross: cross.slice(0, 1) }), /cross has 1 layers and the decoder 2/],
    pair: [encoderDecoderElement('pair', 'sentence-b-start="2"'), /attribute "sentence-b-start": a sentence pair is marked in one token list/],
    kind: [encoderDecoderElement('kind', 'kind="middle"'), /attribute "kind": expected encoder, decoder, cross, got "middle"/],
    filter: [`<attnscope-view id="filter" pair-filter="ab" tokens='["a","b"]' attentions='[[[[1,0],[0.5,0.5]]]]'></attnscope-view>`,
      /attribute "pair-filter": "ab" needs a sentence pair/],
    tokens: [`<attnscope-view id="tokens" decoder-tokens='${attr(DECODER)}' cross-attentions='${attr(cross)}'></attnscope-view>`,
      /"cross-attentions" \(keys: the encoder's tokens\) needs the "encoder-tokens" attribute/],
  };
  const { p, errors, context, states } = await open(Object.values(cases).map(([html]) => html).join('\n'), Object.keys(cases).length);
  for (const [id, [, message]] of Object.entries(cases)) {
    assert.equal(states[id].state, 'error', id);
    assert.match(states[id].message, message, id);
  }
  // Fixed, the element draws.
  await p.locator('#keys').evaluate((e, good) => e.setAttribute('cross-attentions', good), JSON.stringify(cross));
  await p.waitForFunction(() => document.getElementById('keys').dataset.state === 'rendered');
  assert.deepEqual(errors, []);
  await context.close();
});
