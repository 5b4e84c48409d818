// The demo computes in a Web Worker (web/demo/compute-worker.js): while a 512-token forward of a
// bert-base-shaped model runs, the page's main thread has no task over 50 ms (Long Tasks API), it
// says it is computing with the elapsed time, and edits made meanwhile supersede each other: only
// the newest is computed next and drawn. The checkpoint is seeded (tests/bench/random_bert.mjs):
// 12 layers, hidden 768, 12 heads, FFN 3072, 512 positions (415 MiB), served from a temporary site.
//   node --test --test-concurrency=1 tests/e2e/demo-responsive.test.mjs
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { BERT_BASE, makeBertCheckpoint } from '../bench/random_bert.mjs';
import { writeCheckpoint } from '../bench/onnx_checkpoints.mjs';
import { startDemo, WEB_ROOT } from './browser.mjs';
import { afterRender, assertClean, openDemo } from './demo-helpers.mjs';

const LONG_TASK_MS = 50;
// While the forward runs, the test looks at the page twice a second (Playwright's default polls
// every animation frame: main-thread tasks of the test's own).
const QUIET_POLLING = { polling: 500, timeout: 300000 };
let root, site;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'attnscope-site-'));
  for (const entry of readdirSync(WEB_ROOT)) if (entry !== 'models') await symlink(join(WEB_ROOT, entry), join(root, entry));
  writeCheckpoint(join(root, 'models', 'bert-base-shaped'), makeBertCheckpoint(BERT_BASE));
  site = await startDemo({ root });
});
after(async () => {
  await site?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

/** n tokens of the checkpoint's vocabulary: [CLS] tok5 … [SEP] (its vocabulary is tok<id> filler). */
const sentence = (n, first = 5) => Array.from({ length: n - 2 }, (_, i) => `tok${first + i}`).join(' ');

/** The page's 'attnscope:compute' measures (one per computation the worker ran) and its long tasks. */
const timings = (page) => page.evaluate(() => ({
  computes: performance.getEntriesByName('attnscope:compute').map((e) => ({ start: e.startTime, end: e.startTime + e.duration })),
  longTasks: window.longTasks.map((e) => ({ start: e.startTime, end: e.startTime + e.duration })),
}));

test('a 512-token bert-base-shaped forward runs without a main-thread task over 50 ms', { timeout: 600000 }, async () => {
  const { page, problems } = await site.newPage();
  await openDemo(page, site.url, { source: 'seeded' });
  await page.evaluate(() => {
    window.longTasks = [];
    new PerformanceObserver((list) => window.longTasks.push(...list.getEntries())).observe({ type: 'longtask', buffered: true });
  });
  await page.click('#model-loader summary');
  await page.fill('#model-url', '../models/bert-base-shaped');
  await afterRender(page, () => page.press('#model-url', 'Enter'));
  assert.match(await page.textContent('#model-summary'), /bert · 12 layers × 12 heads · d_model 768/);

  const before = (await timings(page)).computes.length;
  await page.fill('#sentence', sentence(512));
  await page.waitForFunction(() => document.body.dataset.state === 'computing');
  // The status line counts the seconds while the worker computes.
  await page.waitForFunction(() => /^Computing… (0\.[3-9]|[1-9]\d*\.\d) s$/.test(document.getElementById('message').textContent),
    null, QUIET_POLLING);
  // The page keeps taking input: typing into another field while the forward runs.
  await page.fill('#model-url', 'typed while computing');
  assert.equal(await page.inputValue('#model-url'), 'typed while computing');
  await page.waitForFunction(() => document.body.dataset.state === 'rendered', null, QUIET_POLLING);
  assert.match(await page.textContent('#message'), /^512 tokens · 12 layers × 12 heads/);

  const { computes, longTasks } = await timings(page);
  assert.equal(computes.length, before + 1, 'one computation for the edit');
  const forward = computes.at(-1);
  const during = longTasks.filter((t) => t.end > forward.start && t.start < forward.end);
  console.log(`  512-token forward in the worker: ${((forward.end - forward.start) / 1000).toFixed(1)} s; ` +
    `main-thread long tasks meanwhile: ${during.length}; in the whole test: ${longTasks.length}`);
  assert.ok(forward.end - forward.start > 4 * LONG_TASK_MS, 'the forward itself takes longer than a long task would');
  assert.deepEqual(during.map((t) => Math.round(t.end - t.start)).filter((ms) => ms > LONG_TASK_MS), [],
    'no main-thread task over 50 ms while the forward ran');

  // Edits while a forward runs: the one in between is never computed; the newest is drawn.
  const edits = (await timings(page)).computes.length;
  await page.fill('#sentence', sentence(512, 7));
  await page.waitForFunction(() => document.body.dataset.state === 'computing');
  await page.fill('#sentence', sentence(6, 100));
  await page.waitForTimeout(400);  // past the 200 ms typing debounce: this edit is waiting
  await page.fill('#sentence', sentence(5, 200));
  await page.waitForFunction(() => document.body.dataset.state === 'rendered', null, { timeout: 300000 });
  assert.match(await page.textContent('#message'), /^5 tokens · 12 layers × 12 heads/, 'the newest edit is drawn');
  assert.equal((await timings(page)).computes.length, edits + 2, 'the 512-token edit and the newest, not the one between');
  assertClean(assert, problems, 'with a bert-base-shaped model', { optionalUnder: 'models/bert-base-shaped/', root });
  await page.close();
});
