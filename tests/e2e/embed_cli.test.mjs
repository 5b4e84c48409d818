// The command-line renderer (web/attnscope/bin/attnscope.mjs): for the default sentence it writes an SVG that
// parses and renders as an image, and a PNG with a valid header and drawn pixels; bad arguments exit
// with status 2 and a message naming the option.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildBundle, guardedPage, launchBrowser, PACKAGE } from './embed_browser.mjs';

const CLI = join(PACKAGE, 'bin', 'attnscope.mjs');
let work;
let browser;

before(async () => {
  buildBundle();
  work = mkdtempSync(join(tmpdir(), 'attnscope-cli-'));
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

function runCli(...args) {
  const started = Date.now();
  const r = spawnSync('node', [CLI, ...args], { encoding: 'utf8', timeout: 120000 });
  return { ...r, ms: Date.now() - started };
}

// Decodes an image (data URL) in Chromium: its size and how many pixels are neither white nor clear.
async function decodeInBrowser(dataUrl) {
  const { page, context, errors } = await guardedPage(browser, (u) => u.startsWith('data:') || u === 'about:blank');
  const result = await page.evaluate(async (src) => {
    const img = new Image();
    img.src = src;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.naturalWidth;
    c.height = img.naturalHeight;
    const ctx = c.getContext('2d');
    ctx.drawImage(img, 0, 0);
    const px = ctx.getImageData(0, 0, c.width, c.height).data;
    let inked = 0;
    const colours = new Set();
    for (let i = 0; i < px.length; i += 4) {
      if (px[i + 3] === 0 || (px[i] > 245 && px[i + 1] > 245 && px[i + 2] > 245)) continue;
      inked++;
      colours.add((px[i] << 16) | (px[i + 1] << 8) | px[i + 2]);
    }
    return { width: img.naturalWidth, height: img.naturalHeight, inked, colours: colours.size };
  }, dataUrl);
  await context.close();
  assert.deepEqual(errors, []);
  return result;
}

test('render --out fig.svg: a well-formed SVG of the default sentence that draws', async () => {
  const out = join(work, 'fig.svg');
  const r = runCli('render', '--view', 'matrix', '--out', out);
  assert.equal(r.status, 0, r.stderr);
  console.log(`# svg: ${r.stdout.trim()} (${r.ms} ms with Chromium start)`);
  const svg = readFileSync(out, 'utf8');
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="\d+" height="\d+"/);
  // The seeded source's default: 4 heads, one titled heatmap each (the canvas as an embedded image).
  for (let h = 0; h < 4; h++) assert.ok(svg.includes(`>Layer 0 · head ${h}</text>`), `title of head ${h} missing`);
  assert.ok((svg.match(/<image /g) ?? []).length >= 4, 'one image per heatmap');
  assert.match(svg, />attention weight[^<]*<\/text>/, 'the legend');
  const { page, context } = await guardedPage(browser, (u) => u === 'about:blank');
  const parseError = await page.evaluate((text) => {
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    return doc.querySelector('parsererror')?.textContent ?? (doc.documentElement.localName === 'svg' ? null : 'root is not <svg>');
  }, svg);
  await context.close();
  assert.equal(parseError, null);
  const image = await decodeInBrowser(`data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`);
  assert.ok(image.width > 200 && image.height > 200, JSON.stringify(image));
  assert.ok(image.inked > 20000 && image.colours > 50, `the SVG draws little: ${JSON.stringify(image)}`);
});

test('render --out fig.png: a valid PNG of the default sentence with the heatmaps drawn', async () => {
  for (const view of ['head', 'model']) {
    const out = join(work, `fig-${view}.png`);
    const r = runCli('render', '--view', view, '--out', out);
    assert.equal(r.status, 0, r.stderr);
    console.log(`# png: ${r.stdout.trim()} (${r.ms} ms with Chromium start)`);
    const png = readFileSync(out);
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
    assert.equal(png.toString('latin1', 12, 16), 'IHDR');
    const width = png.readUInt32BE(16);
    const height = png.readUInt32BE(20);
    const image = await decodeInBrowser(`data:image/png;base64,${png.toString('base64')}`);
    assert.deepEqual([image.width, image.height], [width, height]);
    assert.ok(width < 900, `${view}: cropped to the figure, not the 1000 px page (${width} px)`);
    assert.ok(image.inked > 5000 && image.colours > 20, `${view}: the PNG shows little: ${JSON.stringify(image)}`);
  }
});

test('render --text-pair --pair-filter ab: the heatmaps of sentence A\'s tokens attending to sentence B\'s', () => {
  const out = join(work, 'pair.svg');
  const r = runCli('render', '--text', 'Who sat?', '--text-pair', 'The cat sat.', '--pair-filter', 'ab', '--out', out);
  assert.equal(r.status, 0, r.stderr);
  const svg = readFileSync(out, 'utf8');
  // Each heatmap's labels are SVG text: rows anchored at their end (A's tokens), columns rotated (B's).
  const rows = [...svg.matchAll(/<text [^>]*text-anchor="end"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
  const cols = [...svg.matchAll(/<text transform="[^"]*rotate\(-90\)"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
  assert.deepEqual(rows.slice(0, 5), ['[CLS]', 'who', 'sat', '?', '[SEP]']);
  assert.deepEqual(cols.slice(0, 5), ['the', 'cat', 'sat', '.', '[SEP]']);
  assert.equal(rows.length, 4 * 5, 'four heads of A × B');
  assert.match(svg, />Sentence A → Sentence B<\/text>/, 'the menu shows the filter');
});

test('bad arguments: exit status 2 and a message naming the option', () => {
  const cases = [
    [['render', '--view', 'pie', '--out', 'x.svg'], /--view: expected matrix, head or model/],
    [['render', '--out', 'x.gif'], /--out: expected a \.svg or \.png/],
    [['render', '--view', 'head'], /--out is required/],
    [['render', '--layer', 'two', '--out', 'x.svg'], /--layer: expected a whole number/],
    [['render', '--model', join(work, 'nowhere'), '--out', 'x.svg'], /--model: .* is not a folder/],
    [['draw'], /unknown command "draw"/],
    [['render', '--pair-filter', 'ab', '--out', 'x.svg'], /--pair-filter needs --text-pair/],
    [['render', '--text-pair', 'B', '--pair-filter', 'ba ', '--out', 'x.svg'], /--pair-filter: expected all, aa, ab, ba or bb/],
  ];
  for (const [args, message] of cases) {
    const r = runCli(...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
  // A valid command whose input the element rejects: status 1 with the element's message.
  const r = runCli('render', '--layer', '9', '--out', join(work, 'bad.svg'));
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /attribute "layer": expected an integer from 0 to 2/);
});
