// The demo page's robustness: user text is only ever text, empty input gets a friendly message, the
// state round-trips through the URL, the main controls work from the keyboard, the layout fits a
// 400 px window, and 2,048 tokens draw in under a second with hover that does not stall.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startDemo } from './browser.mjs';
import { afterRender, artifactPath, assertClean, canvasStats, hoverCell, openDemo, showView } from './demo-helpers.mjs';

const XSS = '<img src=x onerror=alert(1)>';
let demo;

before(async () => { demo = await startDemo(); });
after(async () => { await demo?.close(); });

test('a sentence containing HTML shows as text and runs nothing', async () => {
  const { page, problems } = await demo.newPage();
  const dialogs = [];
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
  await openDemo(page, demo.url, { source: 'seeded', text: XSS, view: 'matrix' });
  assert.equal(await page.inputValue('#sentence'), XSS);
  assert.equal(await page.locator('img').count(), 0, 'no <img> element was created');
  const tip = await hoverCell(page, '#view-matrix figure[data-head="0"] canvas:not(.attnscope-overlay)', 1, 2);
  assert.match(tip, /query: < {2}\(#1\)/, 'the "<" token is shown as a character');
  assert.match(tip, /key: img {2}\(#2\)/);
  // Typing it as well (not only through the URL) still creates no markup.
  await afterRender(page, () => page.fill('#sentence', `he said ${XSS} twice`));
  for (const view of ['step', 'head', 'model']) await showView(page, view);
  assert.equal(await page.locator('img').count(), 0);
  assert.deepEqual(dialogs, [], 'no alert ran');
  assertClean(assert, problems);
  await page.close();
});

test('empty or whitespace-only input shows a friendly message, and the page recovers', async () => {
  const { page, problems } = await demo.newPage();
  await openDemo(page, demo.url, { source: 'seeded', text: '   ' });
  assert.match(await page.textContent('#message'), /Type a sentence/);
  assert.equal(await page.locator('#view-step canvas').count(), 0);
  await afterRender(page, () => page.fill('#sentence', 'The cat sat.'));
  assert.match(await page.textContent('#message'), /^6 tokens/, '[CLS] the cat sat . [SEP]');
  await page.fill('#sentence', '');
  await page.waitForFunction(() => /Type a sentence/.test(document.getElementById('message').textContent));
  assertClean(assert, problems);
  await page.close();
});

test('the state is in the URL and a shared URL restores it', async () => {
  const { page, problems } = await demo.newPage();
  await openDemo(page, demo.url, { source: 'seeded' });
  await showView(page, 'matrix');
  await afterRender(page, () => page.selectOption('#layer', '2'));
  await afterRender(page, () => page.selectOption('#head', '3'));
  await afterRender(page, () => page.fill('#seed', '42').then(() => page.dispatchEvent('#seed', 'change')));
  await afterRender(page, () => page.check('#hide-special'));
  await afterRender(page, () => page.selectOption('#normalize', 'row'));
  const shared = new URL(page.url());
  for (const [k, v] of Object.entries({ view: 'matrix', layer: '2', head: '3', seed: '42', hide: '1', norm: 'row' })) {
    assert.equal(shared.searchParams.get(k), v, `URL has ${k}=${v}`);
  }
  const [before] = await canvasStats(page, '#view-matrix .attnscope-canvas-wrap canvas:not(.attnscope-overlay)');
  const other = await demo.newPage();
  await other.page.goto(shared.href);
  await other.page.waitForFunction(() => document.body.dataset.state === 'rendered');
  assert.equal(await other.page.getAttribute('#tab-matrix', 'aria-selected'), 'true');
  assert.equal(await other.page.inputValue('#layer'), '2');
  assert.equal(await other.page.locator('#view-matrix figure.attnscope-panel').count(), 1, 'only head 3');
  assert.equal(await other.page.getAttribute('#view-matrix .attnscope-canvas-wrap canvas:not(.attnscope-overlay)', 'data-rows'), '8', 'special tokens hidden');
  const [after] = await canvasStats(other.page, '#view-matrix .attnscope-canvas-wrap canvas:not(.attnscope-overlay)');
  assert.equal(after.hash, before.hash, 'the shared URL draws the same picture');
  assertClean(assert, problems);
  assertClean(assert, other.problems, 'in the shared page');
  await other.page.close();
  await page.close();
});

test('the main controls work from the keyboard', async () => {
  const { page, problems } = await demo.newPage();
  await openDemo(page, demo.url, { source: 'seeded' });
  await page.focus('#tab-step');
  await afterRender(page, () => page.keyboard.press('ArrowRight'));
  assert.equal(await page.getAttribute('#tab-matrix', 'aria-selected'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'tab-matrix');
  // Arrow keys move the cursor over a heatmap and show its tooltip.
  await page.focus('#view-matrix figure[data-head="1"] canvas:not(.attnscope-overlay)');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowDown');
  assert.match(await page.textContent('.attnscope-tooltip'), /query: mark {2}\(#1\)\nkey: mark {2}\(#1\)/);
  // Tab reaches the sentence, and typing recomputes.
  await page.focus('#sentence');
  await afterRender(page, async () => { await page.keyboard.press('End'); await page.keyboard.type(' Then he left.'); });
  assert.match(await page.textContent('#message'), /^14 tokens/);
  await afterRender(page, () => page.focus('#causal').then(() => page.keyboard.press('Space')));
  assert.equal(new URL(page.url()).searchParams.get('causal'), '1');
  assertClean(assert, problems);
  await page.close();
});

test('readable in a 400 px wide window', async () => {
  const { page, problems } = await demo.newPage();
  await page.setViewportSize({ width: 400, height: 800 });
  await openDemo(page, demo.url, { source: 'seeded' });
  for (const view of ['step', 'matrix', 'head', 'model']) {
    await showView(page, view);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${view}: the page scrolls sideways by ${overflow}px`);
    await page.screenshot({ path: artifactPath(`narrow-${view}.png`), fullPage: true });
  }
  assertClean(assert, problems);
  await page.close();
});

test('2,048 tokens: the matrix view draws in under a second and hover does not stall', async () => {
  const { page, problems } = await demo.newPage();
  const words = ['mark', 'told', 'sam', 'that', 'he', 'was', 'leaving', 'the', 'cat', 'sat', 'on', 'a', 'mat', 'and', 'then'];
  const text = Array.from({ length: 2046 }, (_, i) => words[(i * 7 + (i >> 3)) % words.length]).join(' ');
  await openDemo(page, demo.url, { source: 'seeded', view: 'matrix', text });
  assert.match(await page.textContent('#message'), /^2048 tokens/);
  const stats = await canvasStats(page, '#view-matrix .attnscope-canvas-wrap canvas:not(.attnscope-overlay)');
  assert.equal(stats.length, 4);
  for (const st of stats) assert.ok(st.distinct > 20, 'each 2,048² heatmap has colour');
  await page.screenshot({ path: artifactPath('matrix-2048.png') });
  const drawMs = async () => Number(await page.getAttribute('#view-matrix', 'data-draw-ms'));
  // The test machine is shared (other builds and tests run at the same time), so wall-clock time
  // measures the machine's load as much as the page. The page's main-thread CPU time (Chromium's
  // ThreadTime) is what a draw costs on a free core: that is asserted; both are printed.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
  const threadMs = async () => 1000 * (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'ThreadTime').value;
  const measure = async (what, action) => {
    const before = await threadMs();
    await afterRender(page, action);
    return { what, cpu: (await threadMs()) - before, wall: await drawMs() };
  };
  // Draws that redraw without recomputing and that the view has not cached (each setting is new).
  const draws = [
    await measure('4 heads, per-row scale', () => page.selectOption('#normalize', 'row')),
    await measure('4 heads, special tokens hidden', () => page.check('#hide-special')),
    await measure('mean of 4 heads', () => page.check('#average')),
  ];
  await afterRender(page, () => page.uncheck('#average'));
  draws.push(await measure('4 heads, top 10 %', () => page.$eval('#threshold', (el) => {
    el.value = '10';
    el.dispatchEvent(new Event('change'));
  })));
  await afterRender(page, () => page.selectOption('#head', '2'));
  const single = await drawMs();
  const computeMs = (await page.textContent('#message')).match(/computed in (\d+) ms/)[1];
  for (const d of draws) console.log(`# 2048 tokens, ${d.what}: matrix view drawn in ${d.wall.toFixed(0)} ms wall, ${d.cpu.toFixed(0)} ms main-thread CPU`);
  console.log(`# 2048 tokens: one head ${single.toFixed(0)} ms wall; seeded model (3 layers) computed in ${computeMs} ms wall`);
  for (const d of draws) assert.ok(d.cpu < 1000, `${d.what}: ${d.cpu} ms of CPU`);

  // Hover: 60 pointer moves across the heatmap, each must update the tooltip quickly.
  const hover = await page.evaluate(async () => {
    const canvas = document.querySelector('#view-matrix .attnscope-canvas-wrap canvas:not(.attnscope-overlay)');
    const box = canvas.getBoundingClientRect();
    const tip = () => document.querySelector('.attnscope-tooltip')?.textContent ?? '';
    const durations = [];
    let changed = 0;
    let last = '';
    for (let s = 0; s < 60; s++) {
      const x = box.left + 20 + ((box.width - 40) * s) / 59;
      const y = box.top + 20 + ((box.height - 40) * ((s * 37) % 60)) / 59;
      const t0 = performance.now();
      canvas.dispatchEvent(new PointerEvent('pointermove', { clientX: x, clientY: y, bubbles: true }));
      durations.push(performance.now() - t0);
      if (tip() !== last) { changed++; last = tip(); }
      await new Promise((r) => requestAnimationFrame(r));
    }
    durations.sort((a, b) => a - b);
    return { median: durations[30], max: durations[59], changed };
  });
  console.log(`# 2048 tokens hover: median ${hover.median.toFixed(2)} ms, max ${hover.max.toFixed(2)} ms per pointer move`);
  assert.ok(hover.changed >= 50, 'the tooltip followed the pointer');
  assert.ok(hover.median < 16, `hover took ${hover.median} ms (median)`);
  assert.ok(hover.max < 250, `a hover stalled for ${hover.max} ms`);
  assertClean(assert, problems);
  await page.close();
});
