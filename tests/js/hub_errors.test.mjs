// Hub sources and the errors users meet, through the local imitation of the Hub: how ids and URLs are
// read, bad options, a gated model (401) and its token (sent to the endpoint only, never to the
// redirect's origin), a wrong id or revision, a missing file, the network down, a download cut
// off half-way, and a sharded checkpoint's index and shards served by name. After every error the
// wasm memory is back where it was and the core still loads models.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { DEFAULT_ENDPOINT, parseHubSource } from '../../web/attnscope/src/hub.js';
import { openFolder } from '../../web/attnscope/src/model-files.js';
import { goldenFiles, guardFetch, startFakeHub } from './helpers/fake-hub.mjs';
import { checkAgainstReference } from './helpers/model-reference.mjs';
import { load } from './helpers/module.mjs';

const fetched = guardFetch();
const TOKEN = 'hf_TestTokenForTheGatedRepository';
const { 'model.safetensors': weights, ...withoutWeights } = goldenFiles('bert-f32');
const shards = { 'model-00001-of-00002.safetensors': new Uint8Array(3000).fill(1), 'model-00002-of-00002.safetensors': new Uint8Array(1000).fill(2) };
const index = JSON.stringify({ metadata: { total_size: 4000 }, weight_map: { a: 'model-00001-of-00002.safetensors', b: 'model-00002-of-00002.safetensors' } });

let hub, core, cacheDir;
const options = (more = {}) => ({ endpoint: hub.endpoint, cacheDir, onWarning: () => {}, ...more });

before(async () => {
  hub = await startFakeHub({ repos: {
    'test/bert-f32': { golden: 'bert-f32' },
    'gated/gpt2': { golden: 'gpt2-f32', token: TOKEN },
    'test/no-weights': { files: withoutWeights },
    'test/dropped': { golden: 'roberta-f32', drop: 'model.safetensors' },
    'test/sharded': { files: { 'config.json': '{}', 'model.safetensors.index.json': index, ...shards } },
  } });
  core = await load({ threads: false });
  cacheDir = await mkdtemp(join(tmpdir(), 'attnscope-hub-errors-'));
});
after(async () => {
  await hub.close();
  await rm(cacheDir, { recursive: true, force: true });
  assert.deepEqual(fetched.filter((url) => new URL(url).hostname !== '127.0.0.1'), [], 'no request left 127.0.0.1');
});

/** The load fails with `pattern`, leaves the wasm memory as it was, and the core loads the next model. */
async function failsCleanly(source, more, pattern) {
  const before = core.memory().bytesInUse;
  await assert.rejects(core.loadModel(source, options(more)), pattern);
  assert.equal(core.memory().bytesInUse, before, 'wasm memory back where it was');
}

describe('ids and URLs', () => {
  const parse = (source, endpoint) => parseHubSource(source, { endpoint }, 'test');
  test('hub sources', () => {
    const hf = (id, revision) => ({ id, endpoint: DEFAULT_ENDPOINT, revision });
    assert.deepEqual(parse('hf:bert-base-uncased'), hf('bert-base-uncased', undefined));
    assert.deepEqual(parse('hf:openai-community/gpt2'), hf('openai-community/gpt2', undefined));
    assert.deepEqual(parse('https://huggingface.co/openai-community/gpt2'), hf('openai-community/gpt2', undefined));
    assert.deepEqual(parse(new URL('https://huggingface.co/gpt2/tree/v1.0')), hf('gpt2', 'v1.0'));
    assert.deepEqual(parse('https://huggingface.co/FacebookAI/roberta-base/tree/main'), hf('FacebookAI/roberta-base', 'main'));
    assert.deepEqual(parse('https://huggingface.co/org/m/tree/refs%2Fpr%2F1'), hf('org/m', 'refs/pr/1'));
    assert.deepEqual(parse('https://huggingface.co/bert-base-uncased/resolve/main/'), hf('bert-base-uncased', 'main'));
    assert.deepEqual(parse('https://hf.co/HuggingFaceTB/SmolLM2-135M?library=transformers'), hf('HuggingFaceTB/SmolLM2-135M', undefined));
    assert.deepEqual(parse('http://127.0.0.1:9/mirror/org/m/tree/dev', 'http://127.0.0.1:9/mirror/'),
      { id: 'org/m', endpoint: 'http://127.0.0.1:9/mirror', revision: 'dev' });
    assert.deepEqual(parse('hf:gpt2', 'http://127.0.0.1:9'), { id: 'gpt2', endpoint: 'http://127.0.0.1:9', revision: undefined });
  });
  test('other sources are not hub sources', () => {
    for (const source of ['https://example.org/models/bert/', 'models/default', '../models/default/', 'file:///tmp/x',
      'http://huggingface.co.evil.example/gpt2', [], {}]) {
      assert.equal(parse(source), null, String(source));
    }
  });
  test('bad ids and hub URLs that are not a model', () => {
    for (const source of ['hf:', 'hf:a/b/c', 'hf:../etc', 'hf:a--b', 'hf:-x', 'hf:x.', 'hf:a b', 'hf:/gpt2', `hf:${'x'.repeat(97)}`,
      'https://huggingface.co/datasets/org/data', 'https://huggingface.co/spaces/org/app',
      'https://huggingface.co/gpt2/blob/main/config.json', 'https://huggingface.co/gpt2/resolve/main/config.json',
      'https://huggingface.co/gpt2/tree/main/onnx', 'https://huggingface.co/', 'https://huggingface.co/a%ZZ/b',
      'https://huggingface.co/gpt2/tree/..', 'https://huggingface.co/gpt2/tree/a%0Ab']) {
      assert.throws(() => parse(source), TypeError, source);
    }
  });
});

describe('bad options', () => {
  for (const [name, more, source] of [
    ['endpoint', { endpoint: 'ftp://127.0.0.1/' }], ['endpoint', { endpoint: 'not a url' }], ['endpoint', { endpoint: 5 }],
    ['token', { token: 'two words' }], ['token', { token: 5 }], ['revision', { revision: '../main' }], ['revision', { revision: '' }],
    ['revision', { revision: 7 }], ['cache', { cache: 'yes' }], ['cacheDir', { cacheDir: 5 }], ['signal', { signal: {} }],
    ['revision', { revision: 'main' }, 'URL/test/bert-f32/tree/dev'],
  ]) {
    test(`${name}: ${JSON.stringify(more)}${source ? ` with ${source}` : ''}`, async () => {
      const start = hub.requests.length;
      const given = source ? source.replace('URL', hub.endpoint) : 'hf:test/bert-f32';
      await assert.rejects(core.loadModel(given, { ...options(), ...more }), (e) => e instanceof TypeError && e.message.includes(name));
      assert.equal(hub.requests.length, start, 'refused before any request');
    });
  }
});

describe('errors users meet', () => {
  test('a gated model without a token says it needs one and where to get it', () => failsCleanly('hf:gated/gpt2', {},
    /^Error: loadModel: config\.json of the Hugging Face model gated\/gpt2 \(revision main, http:\/\/127\.0\.0\.1:\d+\): this model needs a Hugging Face token \(HTTP 401\): it is gated or private\. Accept its conditions at http:\/\/127\.0\.0\.1:\d+\/gated\/gpt2, create a read token at .*\/settings\/tokens and pass it as the token option/)
    .catch((e) => { throw e; }));

  test('a wrong token is refused', () => failsCleanly('hf:gated/gpt2', { token: 'hf_wrong' },
    /gated\/gpt2.*the token was refused \(HTTP 401\): check that it is valid/));

  test('with the token it loads, and the token goes to the endpoint only, never to the redirect origin', async () => {
    const start = hub.requests.length;
    const model = await core.loadModel('hf:gated/gpt2', options({ token: TOKEN, cache: false }));
    checkAgainstReference(model, 'gpt2-f32');
    model.dispose();
    const requests = hub.requests.slice(start);
    const cdn = requests.filter((r) => r.origin === 'cdn');
    assert.ok(cdn.length >= 1, 'model.safetensors came through the redirect');
    assert.deepEqual(cdn.map((r) => r.authorization), cdn.map(() => null), 'the redirect origin saw no Authorization');
    for (const r of requests.filter((q) => q.origin === 'hub')) assert.equal(r.authorization, `Bearer ${TOKEN}`, r.path);
  });

  test('a wrong id', () => failsCleanly('hf:test/no-such-model', {},
    /config\.json of the Hugging Face model test\/no-such-model .*there is no model test\/no-such-model: check the id \(a private model also needs a Hugging Face token/));

  test('a wrong revision', () => failsCleanly('hf:test/bert-f32', { revision: 'v9' },
    /config\.json of the Hugging Face model test\/bert-f32 \(revision v9, .*the repository has no revision "v9": check the revision/));

  test('a file missing from the repository', () => failsCleanly('hf:test/no-weights', {},
    /the Hugging Face model test\/no-weights \(revision main, http:\/\/127\.0\.0\.1:\d+\) has no model\.safetensors/));

  test('the network down and nothing cached', async () => {
    const gone = await startFakeHub({ repos: { 'test/bert-f32': { golden: 'bert-f32' } } });
    await gone.close();
    await failsCleanly('hf:test/bert-f32', { endpoint: gone.endpoint },
      /config\.json of the Hugging Face model test\/bert-f32 .*cannot be reached \(ECONNREFUSED\): check the network and the endpoint; nothing is cached for test\/bert-f32 at main: load it once while online/);
  });

  test('a download cut off half-way is an error, never a shorter model, and is not cached', async () => {
    const size = goldenFiles('roberta-f32')['model.safetensors'].length;
    await failsCleanly('hf:test/dropped', {},
      new RegExp(`model\\.safetensors of the Hugging Face model test/dropped .*the download was cut off after \\d+ of ${size} bytes.*Nothing of it was kept or cached; try again`));
    const cached = (await core.cachedModels({ cacheDir })).find((m) => m.id === 'test/dropped');
    assert.deepEqual(cached.files.map((f) => f.name), ['config.json', 'merges.txt', 'vocab.json']);
    const snapshot = join(cacheDir, 'hub', encodeURIComponent(hub.endpoint), 'test--dropped', 'snapshots', cached.revision);
    assert.deepEqual((await readdir(snapshot)).sort(), ['config.json', 'merges.txt', 'vocab.json'], 'no partial file');
  });

  test('after all of these the core still loads a model', async () => {
    const model = await core.loadModel('hf:test/bert-f32', options());
    checkAgainstReference(model, 'bert-f32');
    model.dispose();
  });
});

describe('a sharded checkpoint through the folder', () => {
  test('the index and each shard are served by name, with progress, then from the cache', async () => {
    for (const online of [true, false]) {
      if (!online) await hub.stop();
      try {
        const calls = [];
        const folder = await openFolder('hf:test/sharded', 'test', options({ onProgress: (...a) => calls.push(a) }));
        const names = [...new Set(Object.values(JSON.parse(await folder.text('model.safetensors.index.json')).weight_map))];
        for (const name of names) {
          const file = await folder.open(name);
          assert.equal(file.size, shards[name].length);
          assert.equal(file.fromCache, !online);
          const chunks = [];
          await file.read((chunk) => chunks.push(chunk.slice()));
          assert.deepEqual(Buffer.concat(chunks), Buffer.from(shards[name]));
        }
        assert.deepEqual(calls.at(-1).slice(0, 2), [index.length + 4000, index.length + 4000]);
        assert.deepEqual([...new Set(calls.map((c) => c[2].file))], ['model.safetensors.index.json', ...names]);
      } finally {
        if (!online) await hub.start();
      }
    }
  });

  test('names that are not plain file names are refused before any request', async () => {
    const folder = await openFolder('hf:test/sharded', 'test', options());
    const start = hub.requests.length;
    for (const name of ['../config.json', 'a/b.safetensors', `${hub.cdnOrigin}/blobs/x`, '//evil.example/x', '%2e%2e', '..', '.',
      '', 'model.safetensors?x=1', 'C:\\model.safetensors', 5]) {
      await assert.rejects(folder.open(name), /is not a plain file name/, String(name));
      await assert.rejects(folder.text(name), /is not a plain file name/, String(name));
    }
    assert.equal(hub.requests.length, start);
  });
});
