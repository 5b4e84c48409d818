// The Python helper in a real notebook: builds the wheel and installs it into a temporary folder
// (python_package.mjs: offline, nothing downloaded), executes tests/python/show_twice.ipynb (PyTorch
// computes the attentions), tests/python/bertviz_compat.ipynb (BertViz's head_view/model_view
// calls on numpy arrays) and tests/python/encoder_decoder.ipynb (a PyTorch encoder-decoder's encoder,
// decoder and cross-attention, and a sentence pair) with Debian's Jupyter and /usr/bin/python3,
// exports each to HTML, opens that file in headless Chromium with every non-file:/data: request
// aborted, and checks the views drew the weights given, with no console errors. Also runs the
// package's unit tests.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { drawnPixels, guardedPage, launchBrowser, offlineOnly, ROOT, waitForViews } from './embed_browser.mjs';
import { buildAndInstallWheel, PYTHON } from './python_package.mjs';

let work;
let site;
let browser;

before(() => {
  work = mkdtempSync(join(tmpdir(), 'attnscope-notebook-'));
  ({ site } = buildAndInstallWheel(work));
});
after(async () => {
  await browser?.close();
  if (work && !process.env.ATTNSCOPE_KEEP_TMP) rmSync(work, { recursive: true, force: true });
});

test('the Python package unit tests pass (installed copy)', () => {
  execFileSync(PYTHON, ['-m', 'unittest', 'discover', '-s', join(ROOT, 'tests', 'python'), '-p', 'test_*.py'], {
    stdio: 'inherit', env: { ...process.env, PYTHONPATH: site },
  });
});

/** Weights `layers × heads × rows × columns` the element received equal the notebook's, to its 5 decimals. */
function close(got, want, what) {
  let worst = 0;
  got.forEach((layer, l) => layer.forEach((h, hh) => h.forEach((row, i) => row.forEach((w, j) => {
    worst = Math.max(worst, Math.abs(w - want[l][hh][i][j]));
  }))));
  assert.equal(got.length, want.length, what);
  assert.ok(worst <= 5e-6, `${what}: largest difference from the notebook's weights: ${worst}`);
}

/**
 * Executes tests/python/<name>.ipynb with Debian's Jupyter (the installed wheel on PYTHONPATH) and
 * exports it to HTML; returns the HTML file's path.
 */
function runNotebook(name, env) {
  const notebook = join(work, `${name}.ipynb`);
  copyFileSync(join(ROOT, 'tests', 'python', `${name}.ipynb`), notebook);
  const started = Date.now();
  // Debian's nbconvert template links require.js and MathJax from /usr/share/javascript, packages
  // this project does not install (MathJax alone is 40 MB): empty scripts stand in for them, which
  // also shows the views need no RequireJS.
  const emptyScript = 'data:text/javascript,';
  execFileSync(PYTHON, ['-m', 'nbconvert', '--to', 'html', '--execute', '--ExecutePreprocessor.timeout=300',
    '--ExecutePreprocessor.kernel_name=python3', `--HTMLExporter.require_js_url=${emptyScript}`,
    `--HTMLExporter.mathjax_url=${emptyScript}`, '--output', `${name}.html`, notebook], {
    stdio: ['ignore', 'inherit', 'pipe'], cwd: work,
    env: { ...process.env, PYTHONPATH: site, PYDEVD_DISABLE_FILE_VALIDATION: '1', ...env },
  });
  console.log(`# ${name}.ipynb executed and exported in ${Date.now() - started} ms`);
  return join(work, `${name}.html`);
}

test('a notebook calling show() twice, exported to HTML, draws both views offline', async () => {
  const reference = join(work, 'reference.json');
  const standalone = join(work, 'standalone.html');
  const html = runNotebook('show_twice', { ATTNSCOPE_NOTEBOOK_REFERENCE: reference, ATTNSCOPE_NOTEBOOK_STANDALONE: standalone });
  const torch = JSON.parse(readFileSync(reference, 'utf8'));

  browser ??= await launchBrowser();
  const { page, errors, blocked, context } = await guardedPage(browser, offlineOnly);
  await page.goto(pathToFileURL(html).href);
  const states = await waitForViews(page, 'attnscope-view', 2);
  assert.equal(states.length, 2, 'one element per show() call');
  for (const s of states) assert.equal(s.state, 'rendered', s.message);
  assert.notEqual(states[0].id, states[1].id, 'each output has its own id');
  // Each output carries its own copy of the viewer: none relies on an earlier cell's script.
  const inlineViewers = await page.$$eval('script[type=module]:not([src])',
    (scripts) => scripts.filter((s) => s.textContent.includes('attnscope-view')).length);
  assert.equal(inlineViewers, 2);

  const drawn = await drawnPixels(page);
  for (const d of drawn) assert.ok(d.canvases > 0 && d.inked > 500 && d.colours > 10, `nothing drawn: ${JSON.stringify(d)}`);
  const views = await page.$$eval('attnscope-view', (els) => els.map((el) => el.getAttribute('view')));
  assert.deepEqual(views, ['head', 'matrix']);
  // The matrix view of layer 1 shows one heatmap per head.
  assert.equal(await page.locator('attnscope-view[view=matrix]').locator('figure.attnscope-panel').count(), 4);

  // What each element received equals PyTorch's weights (rounded to the package's 5 decimals).
  const received = await page.$$eval('attnscope-view', (els) => els.map((el) => ({
    tokens: JSON.parse(el.getAttribute('tokens')), attentions: JSON.parse(el.getAttribute('attentions')),
  })));
  for (const r of received) {
    assert.deepEqual(r.tokens, torch.tokens);
    let worst = 0;
    r.attentions.forEach((layer, l) => layer.forEach((head, h) => head.forEach((row, i) => row.forEach((w, j) => {
      worst = Math.max(worst, Math.abs(w - torch.attentions[l][h][i][j]));
    }))));
    assert.equal(r.attentions.length, torch.attentions.length);
    assert.ok(worst <= 5e-6, `largest difference from PyTorch: ${worst}`);
  }
  // Nothing may go to the network.
  assert.deepEqual(blocked, []);
  assert.deepEqual(errors, []);
  await page.screenshot({ path: join(ROOT, 'tests', 'artifacts', 'embed-notebook.png'), fullPage: true });

  // to_html()'s standalone page (written by the notebook): the model view, 2 layers × 4 heads.
  await page.goto(pathToFileURL(standalone).href);
  const [one] = await waitForViews(page, 'attnscope-view', 1);
  assert.equal(one.state, 'rendered', one.message);
  assert.equal(await page.locator('attnscope-view').locator('.attnscope-thumb canvas').count(), 8);
  const [pixels] = await drawnPixels(page);
  assert.ok(pixels.inked > 500, JSON.stringify(pixels));
  assert.deepEqual(blocked, []);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a BertViz notebook (head_view, model_view on numpy arrays) works by changing the import', async () => {
  const reference = join(work, 'bertviz-reference.json');
  const html = runNotebook('bertviz_compat', { ATTNSCOPE_NOTEBOOK_REFERENCE: reference });
  const given = JSON.parse(readFileSync(reference, 'utf8'));
  browser ??= await launchBrowser();
  const { page, errors, blocked, context } = await guardedPage(browser, offlineOnly);
  await page.goto(pathToFileURL(html).href);
  const states = await waitForViews(page, 'attnscope-view', 2);
  for (const s of states) assert.equal(s.state, 'rendered', s.message);
  const els = await page.$$eval('attnscope-view', (all) => all.map((el) => ({
    view: el.getAttribute('view'), theme: el.getAttribute('theme'), layer: el.getAttribute('layer'),
    visibleHeads: el.getAttribute('visible-heads'), tokens: JSON.parse(el.getAttribute('tokens')),
    attentions: JSON.parse(el.getAttribute('attentions')), sentenceBStart: el.attentionData.sentenceBStart,
    frameBackground: getComputedStyle(el.shadowRoot.querySelector('.attnscope-embed-frame')).backgroundColor,
    swatchesOn: [...el.shadowRoot.querySelectorAll('.attnscope-swatch')].map((b) => b.getAttribute('aria-pressed')),
    thumbs: el.shadowRoot.querySelectorAll('.attnscope-thumb canvas').length,
  })));
  assert.deepEqual(els.map((e) => e.view), ['head', 'model']);
  const [head, model] = els;
  // prettify_tokens: Ġ and ▁ become spaces, a WordPiece ## goes.
  const pretty = ['[CLS]', ' the', ' cat', ' sat', '[SEP]', 'the', 'ir', 'mat', '[SEP]'];
  assert.deepEqual(head.tokens, pretty);
  assert.deepEqual(model.tokens, pretty);
  // sentence_b_start reaches the element (attentionData.sentenceBStart).
  assert.deepEqual([head.sentenceBStart, model.sentenceBStart], [5, 5]);
  // include_layers=[1, 2] with layer=2: the second included layer is selected; heads=[0, 2] drawn first.
  close(head.attentions, [given.attentions[1], given.attentions[2]], 'head_view include_layers');
  assert.equal(head.layer, '1');
  assert.deepEqual(JSON.parse(head.visibleHeads), [0, 2]);
  assert.deepEqual(head.swatchesOn, ['true', 'false', 'true', 'false']);
  // include_heads=[1, 3]: every layer, two heads: 3 x 2 thumbnails.
  close(model.attentions, given.attentions.map((layer) => [layer[1], layer[3]]), 'model_view include_heads');
  assert.equal(model.thumbs, 6);
  // display_mode: the head view dark, the model view light.
  assert.deepEqual([head.theme, model.theme], ['dark', 'light']);
  const luminance = (css) => { const [r, g, b] = css.match(/\d+/g).map(Number); return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255; };
  assert.ok(luminance(head.frameBackground) < 0.2, `dark frame: ${head.frameBackground}`);
  assert.ok(luminance(model.frameBackground) > 0.9, `light frame: ${model.frameBackground}`);
  const drawn = await drawnPixels(page);
  for (const d of drawn) assert.ok(d.canvases > 0 && d.colours > 10, `nothing drawn: ${JSON.stringify(d)}`);
  assert.deepEqual(blocked, []);
  assert.deepEqual(errors, []);
  await page.screenshot({ path: join(ROOT, 'tests', 'artifacts', 'embed-notebook-bertviz.png'), fullPage: true });
  await context.close();
});

test('a notebook showing an encoder-decoder model and a sentence pair draws them offline, as PyTorch computed them', async () => {
  const reference = join(work, 'encoder-decoder-reference.json');
  const html = runNotebook('encoder_decoder', { ATTNSCOPE_NOTEBOOK_REFERENCE: reference });
  const torch = JSON.parse(readFileSync(reference, 'utf8'));
  browser ??= await launchBrowser();
  const { page, errors, blocked, context } = await guardedPage(browser, offlineOnly);
  await page.goto(pathToFileURL(html).href);
  const states = await waitForViews(page, 'attnscope-view', 3);
  for (const s of states) assert.equal(s.state, 'rendered', s.message);
  const els = page.locator('attnscope-view');
  const received = await els.evaluateAll((all) => all.map((el) => Object.fromEntries(
    [...el.attributes].filter((a) => /tokens|attentions/.test(a.name)).map((a) => [a.name, JSON.parse(a.value)]))));
  const pretty = (tokens) => tokens.map((t) => t.replace('\u2581', ' '));
  // show(encoder_attention=…, decoder_attention=…, cross_attention=…, kind="cross", view="matrix", layer=1)
  const [seq2seq, pair, bertviz] = received;
  for (const kind of ['encoder', 'decoder', 'cross']) close(seq2seq[`${kind}-attentions`], torch[kind], kind);
  assert.deepEqual([seq2seq['encoder-tokens'], seq2seq['decoder-tokens']], [torch.src, torch.tgt]);
  const first = els.nth(0);
  const heatmap = first.locator('figure[data-head="3"] canvas:not(.attnscope-overlay)');
  assert.deepEqual(await heatmap.evaluate((c) => [c.dataset.rows, c.dataset.cols]), ['5', '8']);
  assert.equal(await first.locator('figure.attnscope-panel').count(), 4);
  const g = await heatmap.evaluate((c) => ({ ...c.dataset }));
  await heatmap.hover({ position: { x: Number(g.plotLeft) + 6.5 * Number(g.cell), y: Number(g.plotTop) + 2.5 * Number(g.cell) } });
  const tip = await page.locator('.attnscope-tooltip').textContent();
  assert.match(tip, /query: ▁sieht {2}\(decoder #2\)\nkey: \. {2}\(encoder #6\)/);
  assert.match(tip, new RegExp(`weight: ${torch.cross[1][3][2][6].toFixed(4)}`), tip);
  // show(pair_attention, pair, sentence_b_start=5, pair_filter="ab"): the head view draws A's tokens against B's.
  close(pair.attentions, torch.pair_attention, 'pair');
  const second = els.nth(1);
  assert.equal(await second.locator('select.attnscope-pair-select').inputValue(), 'ab');
  assert.equal(await second.evaluate((el) => el.attentionData.sentenceBStart), 5);
  const svg = await second.evaluate((el) => el.toSVG());
  const sides = await page.evaluate((text) => {
    const texts = [...new DOMParser().parseFromString(text, 'image/svg+xml').querySelectorAll('text')];
    const shown = (t) => t.getAttribute('dominant-baseline') === 'middle';
    return { left: texts.filter((t) => shown(t) && t.getAttribute('text-anchor') === 'end').map((t) => t.textContent),
      right: texts.filter((t) => shown(t) && !t.hasAttribute('text-anchor')).map((t) => t.textContent) };
  }, svg);
  assert.deepEqual(sides, { left: torch.pair.slice(0, 5), right: torch.pair.slice(5) });
  // BertViz's model_view(encoder_attention=…, …): prettified tokens, the parts offered as BertViz's
  // "Attention" menu, the encoder's thumbnails first and the cross-attention's 8 wide and 5 high.
  assert.deepEqual([bertviz['encoder-tokens'], bertviz['decoder-tokens']], [pretty(torch.src), pretty(torch.tgt)]);
  const third = els.nth(2);
  assert.deepEqual(await third.locator('select.attnscope-kind-select option').allTextContents(), ['Encoder', 'Decoder', 'Cross']);
  assert.deepEqual(await third.locator('.attnscope-thumb canvas').first().evaluate((c) => [c.width, c.height]), [8, 8]);
  await third.locator('select.attnscope-kind-select').selectOption('cross');
  assert.deepEqual(await third.locator('.attnscope-thumb canvas').evaluateAll((cs) => cs.map((c) => [c.width, c.height])),
    Array(8).fill([8, 5]));
  assert.deepEqual(blocked, []);
  assert.deepEqual(errors, []);
  await page.screenshot({ path: join(ROOT, 'tests', 'artifacts', 'embed-notebook-encoder-decoder.png'), fullPage: true });
  await context.close();
});

// JupyterLab (and VS Code) put an output's HTML in with innerHTML, where scripts do not run, then
// replace each <script> with a fresh copy so it does; classic Notebook (jQuery) runs each script as a
// new element in <head>. Outputs arrive one after another, and an output may be rendered again later
// (scrolling, re-opening): each copy must work, and none may break another.
test('show() outputs inserted the way JupyterLab and classic Notebook render them work, each on its own and repeated', async () => {
  const fragments = JSON.parse(execFileSync(PYTHON, ['-c', `
import json, attnscope
tokens = ["[CLS]", "the", "cat", "sat", "[SEP]"]
heads = [[[1.0 if j == (i + h) % 5 else 0.0 for j in range(5)] for i in range(5)] for h in range(3)]
print(json.dumps([attnscope.html_fragment([heads, heads], tokens, view=v) for v in ("head", "model", "matrix")]))`],
  { env: { ...process.env, PYTHONPATH: site }, encoding: 'utf8', maxBuffer: 64 << 20 }));
  browser ??= await launchBrowser();
  // Each page starts with the first output in one of the two ways, so that its own script must run.
  for (const firstInPlace of [true, false]) {
    const { page, errors, blocked, context } = await guardedPage(browser, offlineOnly);
    await page.setContent('<!doctype html><html><head><meta charset="utf-8"></head><body></body></html>');
    const states = await page.evaluate(async ([outputs, inPlaceFirst]) => {
      // inPlace: JupyterLab / VS Code (the script replaced where it was); otherwise classic Notebook's
      // jQuery, which evaluates each script as a new element in <head> and removes it again.
      const render = async (html, inPlace) => {
        const area = document.createElement('div');
        area.className = 'output_area';
        area.innerHTML = html;
        document.body.append(area);
        for (const old of area.querySelectorAll('script')) {
          const fresh = document.createElement('script');
          if (old.type) fresh.type = old.type;
          fresh.text = old.text;
          if (inPlace) {
            old.replaceWith(fresh);
          } else {
            old.remove();
            document.head.append(fresh);
            fresh.remove();
          }
        }
        const el = area.querySelector('attnscope-view');
        for (let t = 0; t < 400 && !['rendered', 'error'].includes(el.dataset.state); t++) {
          await new Promise((r) => setTimeout(r, 25));
        }
        return el.dataset.state ?? 'never upgraded';
      };
      const result = [await render(outputs[0], inPlaceFirst)];
      result.push(await render(outputs[1], !inPlaceFirst), await render(outputs[2], inPlaceFirst));
      result.push(await render(outputs[0], true));  // the first output rendered again
      return result;
    }, [fragments, firstInPlace]);
    assert.deepEqual(states, ['rendered', 'rendered', 'rendered', 'rendered'], `first in place: ${firstInPlace}`);
    const drawn = await drawnPixels(page);
    for (const d of drawn) assert.ok(d.inked > 100, JSON.stringify(d));
    assert.equal(await page.locator('attnscope-view[view=model]').locator('.attnscope-thumb').count(), 2 * 3);
    assert.deepEqual(blocked, []);
    assert.deepEqual(errors, []);
    await context.close();
  }
});
