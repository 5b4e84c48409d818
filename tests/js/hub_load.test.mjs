// Models from the Hugging Face Hub by name, through a local imitation of the Hub (helpers/fake-hub.mjs):
// loading golden checkpoints by id and URL (checked against torch's outputs), only the files the
// family needs, progress over every file, the cache in a folder (reload with the server stopped,
// `main` moving on, a commit id read with no request), cancelling a load, and the cache's listing.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { goldenFiles, guardFetch, startFakeHub } from './helpers/fake-hub.mjs';
import { checkAgainstReference } from './helpers/model-reference.mjs';
import { load } from './helpers/module.mjs';

const fetched = guardFetch();
const GOLDEN = { 'test/bert-f32': 'bert-f32', 'test/roberta-f32': 'roberta-f32', 'distilbert-f16': 'distilbert-f16',
  'test/gpt2-f32': 'gpt2-f32', 'test/moving': 'bert-f32', 'test/stalled': 'gpt2-lmhead-f16' };

let hub, core, cacheDir;
const warnings = [];
const options = (more = {}) => ({ endpoint: hub.endpoint, cacheDir, onWarning: (w) => warnings.push(w), ...more });
const since = (count) => hub.requests.slice(count);

before(async () => {
  const repos = Object.fromEntries(Object.entries(GOLDEN).map(([id, golden]) => [id, { golden }]));
  // Files BERT does not need sit beside the ones it does: none of them may be fetched.
  repos['test/bert-f32'] = { files: { ...goldenFiles('bert-f32'), 'pytorch_model.bin': new Uint8Array(5000),
    'tokenizer.json': '{}', 'merges.txt': '#version: 0.2\n', 'vocab.json': '{}' } };
  hub = await startFakeHub({ repos });
  core = await load({ threads: false });
  cacheDir = await mkdtemp(join(tmpdir(), 'attnscope-hub-cache-'));
});
after(async () => {
  await hub.close();
  await rm(cacheDir, { recursive: true, force: true });
  assert.deepEqual(fetched.filter((url) => new URL(url).hostname !== '127.0.0.1'), [], 'no request left 127.0.0.1');
});

describe('loading by id', () => {
  for (const [id, golden] of Object.entries(GOLDEN).slice(0, 4)) {
    test(`hf:${id} matches torch, fetching only what ${golden.split('-')[0]} needs`, async () => {
      const start = hub.requests.length;
      const calls = [];
      const model = await core.loadModel(`hf:${id}`, options({ onProgress: (...args) => calls.push(args) }));
      try {
        checkAgainstReference(model, golden);
      } finally {
        model.dispose();
      }
      const files = since(start).filter((r) => r.path.includes('/resolve/')).map((r) => r.path.split('/').pop());
      const tokenizer = golden.startsWith('bert') || golden.startsWith('distilbert') ? ['vocab.txt'] : ['vocab.json', 'merges.txt'];
      assert.deepEqual(files, ['config.json', ...tokenizer, 'tokenizer_config.json', 'model.safetensors']);
      // Progress: bytes only grow, every file is named, and the end equals the bytes of the files read.
      for (let i = 1; i < calls.length; i++) assert.ok(calls[i][0] >= calls[i - 1][0]);
      const [loaded, total] = calls.at(-1);
      const present = Object.keys(goldenFiles(golden)).filter((f) => files.includes(f));
      const bytes = present.reduce((n, f) => n + goldenFiles(golden)[f].length, 0);
      assert.equal(loaded, bytes);
      assert.equal(total, bytes);
      assert.deepEqual([...new Set(calls.map((c) => c[2].file))], present.sort((a, b) => files.indexOf(a) - files.indexOf(b)));
      for (const [, , info] of calls) {
        assert.equal(info.fromCache, false);
        assert.equal(info.fileTotal, goldenFiles(golden)[info.file].length);
        assert.ok(info.fileLoaded > 0 && info.fileLoaded <= info.fileTotal);
      }
      assert.ok(since(start).every((r) => r.authorization === null), 'no token, no Authorization header');
    });
  }

  test('URLs: <endpoint>/<id>, …/tree/<revision>, …/resolve/<revision>/ and the revision option', async () => {
    const commit = hub.commitOf('test/roberta-f32');
    for (const source of [`${hub.endpoint}/test/roberta-f32`, `${hub.endpoint}/test/roberta-f32/tree/main`,
      `${hub.endpoint}/test/roberta-f32/resolve/${commit}/`]) {
      const model = await core.loadModel(source, options());
      checkAgainstReference(model, 'roberta-f32');
      model.dispose();
    }
    const model = await core.loadModel('hf:test/roberta-f32', options({ revision: commit, cache: false }));
    checkAgainstReference(model, 'roberta-f32');
    model.dispose();
  });
});

describe('the cache', () => {
  test('a second load with the server stopped comes from the cache', async () => {
    const first = await core.loadModel('hf:test/gpt2-f32', options());
    const expected = first.run('the cat sat');
    first.dispose();
    await hub.stop();
    try {
      const start = hub.requests.length;
      const calls = [];
      warnings.length = 0;
      const model = await core.loadModel('hf:test/gpt2-f32', options({ onProgress: (...args) => calls.push(args) }));
      const out = model.run('the cat sat');
      assert.deepEqual(out.attentions, expected.attentions);
      checkAgainstReference(model, 'gpt2-f32');
      model.dispose();
      assert.equal(hub.requests.length, start);
      assert.ok(calls.length > 0 && calls.every(([, , info]) => info.fromCache));
      assert.equal(warnings.length, 1);
      assert.match(warnings[0], /cannot be reached \([A-Z_]+\); using the cached copy of test\/gpt2-f32 at main = commit [0-9a-f]{12}/);
    } finally {
      await hub.start();
    }
  });

  test('online, a cached model costs one small request (config.json, to see where main is)', async () => {
    await core.loadModel('hf:test/gpt2-f32', options()).then((m) => m.dispose());
    const start = hub.requests.length;
    const model = await core.loadModel('hf:test/gpt2-f32', options());
    model.dispose();
    assert.deepEqual(since(start).map((r) => r.path.split('/').pop()), ['config.json', 'config.json']);  // resolve, then resolve-cache
  });

  test('main moving on is noticed: the new commit is downloaded and cached beside the old one', async () => {
    const old = hub.commitOf('test/moving');
    (await core.loadModel('hf:test/moving', options())).dispose();
    const moved = hub.move('test/moving');
    const start = hub.requests.length;
    const model = await core.loadModel('hf:test/moving', options());
    checkAgainstReference(model, 'bert-f32');
    model.dispose();
    assert.ok(since(start).some((r) => r.origin === 'cdn'), 'model.safetensors fetched again for the new commit');
    const cached = (await core.cachedModels({ cacheDir })).filter((m) => m.id === 'test/moving');
    assert.deepEqual(cached.map((m) => m.revision).sort(), [old, moved].sort());
    assert.deepEqual(cached.find((m) => m.revision === moved).refs, ['main']);
    assert.deepEqual(cached.find((m) => m.revision === old).refs, []);
  });

  test('a commit id as revision is read from the cache without any request', async () => {
    const commit = hub.commitOf('test/gpt2-f32');
    const start = hub.requests.length;
    const model = await core.loadModel('hf:test/gpt2-f32', options({ revision: commit }));
    checkAgainstReference(model, 'gpt2-f32');
    model.dispose();
    assert.equal(hub.requests.length, start);
  });

  test('cachedModels lists files and sizes as on disk; deleteCachedModel removes them', async () => {
    const listed = (await core.cachedModels({ cacheDir })).find((m) => m.id === 'distilbert-f16');
    assert.ok(listed, 'distilbert-f16 (an id without organisation) is cached');
    assert.equal(listed.endpoint, hub.endpoint);
    assert.equal(listed.revision, hub.commitOf('distilbert-f16'));
    assert.deepEqual(listed.refs, ['main']);
    assert.ok(!Number.isNaN(Date.parse(listed.date)));
    const golden = goldenFiles('distilbert-f16');
    assert.deepEqual(listed.files, ['config.json', 'model.safetensors', 'tokenizer_config.json', 'vocab.txt']
      .map((name) => ({ name, bytes: golden[name].length })));
    assert.equal(listed.bytes, listed.files.reduce((n, f) => n + f.bytes, 0));
    assert.equal(await core.deleteCachedModel('hf:distilbert-f16', { cacheDir }), listed.bytes);
    assert.equal((await core.cachedModels({ cacheDir })).find((m) => m.id === 'distilbert-f16'), undefined);
    assert.equal(await core.deleteCachedModel('distilbert-f16', { cacheDir }), 0);
    const start = hub.requests.length;
    (await core.loadModel('hf:distilbert-f16', options())).dispose();
    assert.ok(since(start).some((r) => r.origin === 'cdn'), 'downloaded again after deleting');
  });

  test('cache: false neither reads nor writes the cache', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'attnscope-hub-nocache-'));
    try {
      for (let i = 0; i < 2; i++) {
        const start = hub.requests.length;
        (await core.loadModel('hf:test/bert-f32', options({ cacheDir: dir, cache: false }))).dispose();
        assert.ok(since(start).some((r) => r.origin === 'cdn'));
      }
      assert.deepEqual(await readdir(dir), []);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a cache folder that cannot be written: the model loads, uncached, with a warning', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'attnscope-hub-blocked-'));
    try {
      const blocked = join(dir, 'file');
      await (await import('node:fs/promises')).writeFile(blocked, 'not a folder');
      warnings.length = 0;
      const model = await core.loadModel('hf:test/bert-f32', options({ cacheDir: join(blocked, 'cache') }));
      checkAgainstReference(model, 'bert-f32');
      model.dispose();
      assert.ok(warnings.length >= 1);
      for (const w of warnings) assert.match(w, /could not cache .* of test\/bert-f32 .*\(ENOTDIR\): the model is loaded, but it will be downloaded again next time/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('cancelling', () => {
  test('abort mid-download: the load rejects, wasm memory is back where it was, nothing half is cached', async () => {
    const before = core.memory().bytesInUse;
    const stall = hub.stall('test/stalled', 'model.safetensors');
    const controller = new AbortController();
    const loading = core.loadModel('hf:test/stalled', options({ signal: controller.signal }));
    await stall.reached;
    controller.abort();
    await assert.rejects(loading, { name: 'AbortError' });
    stall.release();
    assert.equal(core.memory().bytesInUse, before);
    const cached = (await core.cachedModels({ cacheDir })).find((m) => m.id === 'test/stalled');
    assert.ok(!cached.files.some((f) => f.name === 'model.safetensors'), 'the cut file is not cached');
    const snapshot = join(cacheDir, 'hub', encodeURIComponent(hub.endpoint), 'test--stalled', 'snapshots', cached.revision);
    assert.deepEqual((await readdir(snapshot)).filter((f) => f.endsWith('.part')), [], 'no temporary file left');
    // The core and the same model still load and run.
    const model = await core.loadModel('hf:test/stalled', options());
    checkAgainstReference(model, 'gpt2-lmhead-f16');
    model.dispose();
    assert.equal(core.memory().bytesInUse, before);
    assert.ok((await stat(join(snapshot, 'model.safetensors'))).size > 0);
  });

  test('an already aborted signal rejects before any request', async () => {
    const start = hub.requests.length;
    await assert.rejects(core.loadModel('hf:test/bert-f32', options({ signal: AbortSignal.abort() })), { name: 'AbortError' });
    assert.equal(hub.requests.length, start);
  });
});
