// The Python helper in a real notebook: installs bindings/python into a temporary folder (pip
// --no-build-isolation, nothing downloaded), executes tests/python/show_twice.ipynb with Debian's
// Jupyter and /usr/bin/python3 (PyTorch computes the attentions), exports it to HTML, opens that file
// in headless Chromium with every non-file:/data: request aborted, and checks both views drew the
// weights PyTorch computed, with no console errors. Also runs the package's unit tests.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, copyFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { buildBundle, drawnPixels, guardedPage, launchBrowser, offlineOnly, ROOT, waitForViews } from './embed_browser.mjs';

const PYTHON = '/usr/bin/python3';  // Debian's, with python3-torch; the kernel spec runs it too
let work;
let site;
let browser;

before(() => {
  buildBundle();
  work = mkdtempSync(join(tmpdir(), 'attnscope-notebook-'));
  site = join(work, 'site');
  execFileSync(PYTHON, ['-m', 'pip', 'install', '--quiet', '--no-build-isolation', '--no-deps', '--no-index',
    '--root-user-action=ignore', '--target', site, join(ROOT, 'bindings', 'python')], { stdio: 'inherit' });
  assert.ok(existsSync(join(site, 'attnscope', 'attnscope-embed.js')), 'the bundle is installed inside the package');
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

test('a notebook calling show() twice, exported to HTML, draws both views offline', async () => {
  const notebook = join(work, 'show_twice.ipynb');
  copyFileSync(join(ROOT, 'tests', 'python', 'show_twice.ipynb'), notebook);
  const reference = join(work, 'reference.json');
  const standalone = join(work, 'standalone.html');
  const started = Date.now();
  // Debian's nbconvert template links require.js and MathJax from /usr/share/javascript, packages
  // this project does not install (MathJax alone is 40 MB): empty scripts stand in for them, which
  // also shows the views need no RequireJS.
  const emptyScript = 'data:text/javascript,';
  execFileSync(PYTHON, ['-m', 'nbconvert', '--to', 'html', '--execute', '--ExecutePreprocessor.timeout=300',
    '--ExecutePreprocessor.kernel_name=python3', `--HTMLExporter.require_js_url=${emptyScript}`,
    `--HTMLExporter.mathjax_url=${emptyScript}`, '--output', 'show_twice.html', notebook], {
    stdio: ['ignore', 'inherit', 'pipe'], cwd: work,
    env: { ...process.env, PYTHONPATH: site, ATTNSCOPE_NOTEBOOK_REFERENCE: reference,
      ATTNSCOPE_NOTEBOOK_STANDALONE: standalone, PYDEVD_DISABLE_FILE_VALIDATION: '1' },
  });
  console.log(`# notebook executed and exported in ${Date.now() - started} ms`);
  const html = join(work, 'show_twice.html');
  const torch = JSON.parse(readFileSync(reference, 'utf8'));

  browser = await launchBrowser();
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
