// <attnscope-view view="model" atlas> in headless Chromium, as the Python helper writes it: attentions
// built here with known patterns (a previous-token head, a head on the first token, a head on [SEP], a
// uniform head, and on a repeated probe an induction head) get those labels, the scores on hover are
// the definitions' values computed here, sort-by ranks and atlas-filter filters, and bad attributes
// are reported by the element.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { servedSite, waitForViews } from './embed_browser.mjs';

const site = servedSite();

// One head's n×n rows: weight `share` on the key `target(i)` (when it exists and i may see it), the
// rest spread evenly over the row's other keys.
function head(n, target, share = 0.8) {
  return Array.from({ length: n }, (_, i) => {
    const t = target(i);
    const row = Array(n).fill(t === null || n === 1 ? 1 / n : (1 - share) / (n - 1));
    if (t !== null && n > 1) row[t] = share;
    return row;
  });
}

const TOKENS = ['[CLS]', 'the', 'cat', 'sat', 'on', 'mat', '[SEP]'];
const n = TOKENS.length;
const HEADS = [
  head(n, (i) => (i > 0 ? i - 1 : null)),       // previous token
  head(n, () => 0),                              // first token
  head(n, () => n - 1),                          // [SEP]
  head(n, () => null),                           // uniform
];
// A probe: [CLS], T = 4 tokens twice, [SEP]; head 0 of layer 0 attends from s+T+t to s+t+1.
const T = 4, S = 1, PROBE_N = 2 * T + 2;
const PROBE_HEADS = [
  head(PROBE_N, (i) => (i >= S + T && i < S + 2 * T ? i - T + 1 : null)),
  ...[0, 1, 2].map(() => head(PROBE_N, () => null)),
];

const page = (attrs) => `<!doctype html><html><head><meta charset="utf-8">
<script type="module" src="/attnscope/dist/attnscope-embed.js"></script></head><body>
<attnscope-view id="v" view="model" tokens='${JSON.stringify(TOKENS)}' attentions='${JSON.stringify([HEADS])}' ${attrs}></attnscope-view>
</body></html>`;

async function open(site, attrs) {
  const { page: p, errors, context } = await site.page();
  await context.route(`${site.url}/embed/atlas.html`, (route) => route.fulfill({ contentType: 'text/html', body: page(attrs) }));
  await p.goto(`${site.url}/embed/atlas.html`);
  const [state] = await waitForViews(p, '#v', 1, 60000);
  return { p, errors, context, state };
}

test('the atlas labels the heads built here and shows their scores on hover', async () => {
  const probe = `probe-attentions='${JSON.stringify([PROBE_HEADS])}' probe-start="${S}" probe-length="${T}"`;
  const { p, errors, context, state } = await open(site, `atlas ${probe}`);
  assert.equal(state.state, 'rendered', state.message);
  const thumbs = p.locator('#v').locator('.attnscope-thumb');
  const labels = await thumbs.evaluateAll((els) => els.map((el) => el.dataset.pattern || null));
  // Head 0 scores 0.8 both as a previous-token head (input) and as an induction head (probe): ties go
  // to the first pattern listed.
  assert.deepEqual(labels, ['previousToken', 'firstToken', 'special', 'broad']);
  const title = await thumbs.nth(0).getAttribute('title');
  assert.match(title, /previous token 0\.800 \(dominant\)/);
  assert.match(title, /induction 0\.800/);
  // Head 2's special score: every row puts 0.8 on [SEP] (position 6), and [SEP] is a special key.
  assert.match(await thumbs.nth(2).getAttribute('title'), /special tokens 0\.800 \(dominant\)/);
  // The uniform head: normalised entropy 1.
  assert.match(await thumbs.nth(3).getAttribute('title'), /broad 1\.000 \(dominant\)/);
  const drawn = await p.locator('#v').evaluate((el) => el.attentionData.atlas.patterns.firstToken[1]);
  assert.ok(Math.abs(drawn - 0.8) < 1e-6, String(drawn));
  assert.deepEqual(errors, []);
  await context.close();
});

test('sort-by ranks the heads by a pattern, atlas-filter keeps the heads it dominates', async () => {
  let { p, errors, context, state } = await open(site, 'atlas sort-by="firstToken"');
  assert.equal(state.state, 'rendered', state.message);
  const captions = await p.locator('#v').locator('.attnscope-rank-caption').allTextContents();
  assert.equal(captions[0], 'L0 H1 · 0.800');
  assert.equal(captions.length, 4);
  await context.close();
  ({ p, errors, context, state } = await open(site, 'atlas atlas-filter="broad"'));
  assert.deepEqual(await p.locator('#v').locator('.attnscope-rank-caption').allTextContents(), ['L0 H3']);
  assert.deepEqual(errors, []);
  await context.close();
});

test('bad atlas attributes are reported by the element', async () => {
  for (const [attrs, message] of [
    ['sort-by="firstToken"', /"sort-by" needs the "atlas" attribute/],
    ['atlas sort-by="cats"', /sortBy must be a pattern/],
    [`atlas probe-attentions='${JSON.stringify([PROBE_HEADS])}' probe-length="6"`, /two copies of 6 tokens from position 0 do not fit in 10 tokens/],
    ['atlas probe-attentions="[[" probe-length="2"', /"probe-attentions": expected JSON/],
  ]) {
    const { context, state } = await open(site, attrs);
    assert.equal(state.state, 'error', attrs);
    assert.match(state.message, message);
    await context.close();
  }
});
