// loadModel and the model object on bad input: each failure is a JS error naming the problem, no
// heap is leaked, and the module (and other models) keep working afterwards.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { load } from './helpers/module.mjs';

const MODELS = fileURLToPath(new URL('../golden/models/', import.meta.url));
const read = (name, file) => new Uint8Array(readFileSync(join(MODELS, name, file)));
const bert = () => ({
  'config.json': readFileSync(join(MODELS, 'bert-f32', 'config.json'), 'utf8'),
  'model.safetensors': read('bert-f32', 'model.safetensors'),
  'vocab.txt': read('bert-f32', 'vocab.txt'),
});

/** A safetensors file with the given header object and data bytes. */
function safetensors(header, data = new Uint8Array(0), declaredLength) {
  const text = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + text.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(declaredLength ?? text.length), true);
  out.set(text, 8);
  out.set(data, 8 + text.length);
  return out;
}

describe('loadModel errors', () => {
  let core, baseline;
  before(async () => {
    core = await load();
    // Warm up once: the tokenizer builds its Unicode tables on first use and keeps them (~1 MB).
    const warm = await core.loadModel(bert());
    warm.run('the cat');
    warm.dispose();
    baseline = core.memory().bytesInUse;
  });
  after(() => {
    // Every failed load freed what it allocated.
    assert.ok(core.memory().bytesInUse - baseline < 64 * 1024,
      `heap in use grew from ${baseline} to ${core.memory().bytesInUse}`);
  });

  const rejects = (source, kind, pattern) => assert.rejects(core.loadModel(source), (e) => {
    assert.ok(e instanceof kind, `${e.constructor.name}: ${e.message}`);
    assert.match(e.message, pattern);
    return true;
  });

  test('sources of the wrong kind', async () => {
    await rejects(42, TypeError, /loadModel: source must be a folder URL, a FileList or File\[\], an object/);
    await rejects(null, TypeError, /got null/);
    await rejects(new Map(), TypeError, /got Map/);
    await rejects([{ name: 'config.json' }], TypeError, /source\[0\] must be a File/);
    await rejects({ 'config.json': 17 }, TypeError, /source\['config.json'\] must be a string, Uint8Array, ArrayBuffer or Blob, got 17/);
    await assert.rejects(core.loadModel(bert(), { onProgress: 'yes' }), TypeError);
    await rejects(join(MODELS, 'no-such-model'), Error, /cannot read the directory/);
  });

  test('missing files are named, with a hint for other weight formats', async () => {
    const { 'config.json': _, ...noConfig } = bert();
    await rejects(noConfig, Error, /has no config\.json/);
    const { 'model.safetensors': __, ...noWeights } = bert();
    await rejects(noWeights, Error, /has no model\.safetensors$/);
    await rejects({ ...noWeights, 'pytorch_model.bin': new Uint8Array(4) }, Error, /only safetensors weights can be read/);
    await rejects({ ...noWeights, 'model.safetensors.index.json': '{}' }, Error,
      /model\.safetensors\.index\.json: missing object 'weight_map'/);
  });

  test('unsupported model_type lists the supported ones (before the weights are read)', async () => {
    await rejects({ ...bert(), 'config.json': '{"model_type": "pegasus"}' }, Error,
      /model_type 'pegasus' is not supported \(supported: bert, roberta, xlm-roberta, distilbert, gpt2, llama, mistral, qwen2, qwen3, gemma, phi3, bart, mbart, marian, t5\)/);
  });

  test('hostile safetensors files', async () => {
    const good = bert()['model.safetensors'];
    await rejects({ ...bert(), 'model.safetensors': good.subarray(0, 5) }, Error, /too short/);
    await rejects({ ...bert(), 'model.safetensors': good.subarray(0, 4000) }, Error, /model\.safetensors/);
    await rejects({ ...bert(), 'model.safetensors': safetensors({}, new Uint8Array(4), 1e6) }, Error,
      /header length 1000000 goes beyond the end of the file/);
    await rejects({ ...bert(), 'model.safetensors': safetensors({
      a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
    }, new Uint8Array(12)) }, Error, /tensors 'a' and 'b' overlap/);
    await rejects({ ...bert(), 'model.safetensors': safetensors({
      a: { dtype: 'F32', shape: [2], data_offsets: [0, 80] } }, new Uint8Array(8)) }, Error, /within the data section/);
    await rejects({ ...bert(), 'model.safetensors': safetensors({
      a: { dtype: 'F16', shape: [4], data_offsets: [0, 16] } }, new Uint8Array(16)) }, Error,
      /dtype F16 with shape \[4\] needs 4 x 2/);
    await rejects({ ...bert(), 'model.safetensors': safetensors({
      a: { dtype: 'F32', shape: [1e12, 1e12], data_offsets: [0, 16] } }, new Uint8Array(16)) }, Error,
      /exceeds the data section/);
    // A valid file that lacks the model's tensors.
    await rejects({ ...bert(), 'model.safetensors': safetensors({
      a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, new Uint8Array(8)) }, Error,
      /missing tensor 'bert\.embeddings\.word_embeddings\.weight' or 'embeddings\.word_embeddings\.weight'/);
    // A mis-shaped tensor: the GPT-2 weights under a config that says they are wider.
    const gpt2Config = JSON.parse(readFileSync(join(MODELS, 'gpt2-f32', 'config.json'), 'utf8'));
    await rejects({
      'config.json': JSON.stringify({ ...gpt2Config, n_inner: 100 }),
      'model.safetensors': read('gpt2-f32', 'model.safetensors'),
    }, Error, /tensor 'h\.0\.mlp\.c_fc\.weight' has shape \[36, 144\], expected \[36, 100\]/);
  });

  test('a model too large for wasm memory fails before allocating', async () => {
    const before = core.memory().bytesInUse;
    const config = { ...JSON.parse(bert()['config.json']), vocab_size: 2_000_000, hidden_size: 1024,
      num_hidden_layers: 24, intermediate_size: 4096 };
    await rejects({ ...bert(), 'config.json': JSON.stringify(config) }, RangeError,
      /the model needs \d+\.\d\d GiB of wasm memory .* more than the .* left under the 4 GiB wasm limit/);
    assert.ok(core.memory().bytesInUse - before < 1024 * 1024);
  });

  test('bad tokenizer files are named', async () => {
    await rejects({ ...bert(), 'vocab.txt': '' }, Error, /vocab\.txt/);
  });

  test('the module still works after all of the above', async () => {
    const model = await core.loadModel(bert());
    assert.equal(model.run('the cat').attentions.length, 2);
    model.dispose();
  });
});

describe('model object errors', () => {
  let core, model;
  before(async () => {
    core = await load();
    model = await core.loadModel(bert());
  });
  after(() => model.dispose());

  test('run input and options are checked', () => {
    assert.throws(() => model.run(3.5), { name: 'TypeError', message: /input must be a string or token ids/ });
    assert.throws(() => model.run([2, 1e9]), { name: 'RangeError', message: /ids\[1\] = 1000000000 is not a token id in \[0, \d+\)/ });
    assert.throws(() => model.run([2, -1]), RangeError);
    assert.throws(() => model.run([2, 0.5]), RangeError);
    assert.throws(() => model.run(new Float32Array([1, 2])), TypeError);
    assert.throws(() => model.run([]), { name: 'RangeError', message: /no tokens/ });
    assert.throws(() => model.run(new Int32Array(65).fill(5)), { name: 'RangeError', message: /65 tokens, more than this model's maximum of 64/ });
    assert.throws(() => model.run('word '.repeat(100)), { name: 'RangeError', message: /more than this model's maximum of 64/ });
    assert.throws(() => model.run('x', { attentions: 'yes' }), TypeError);
    assert.throws(() => model.run('x', null), TypeError);
    assert.throws(() => model.tokenize(5), { name: 'TypeError', message: /model\.tokenize: text must be a string/ });
    assert.equal(model.run([2, 3]).attentions.length, 2, 'still usable');
  });

  test('a model without tokenizer files runs ids but not text', async () => {
    const { 'vocab.txt': _, ...noVocab } = bert();
    const bare = await core.loadModel(noVocab);
    assert.equal(bare.hasTokenizer, false);
    assert.throws(() => bare.tokenize('hi'), /no tokenizer files \(vocab\.txt or tokenizer\.json\)/);
    assert.deepEqual(bare.run([7, 8]).tokens, ['[7]', '[8]']);
    bare.dispose();
  });

  test('dispose is final and idempotent', async () => {
    const m = await core.loadModel(bert());
    m.dispose();
    m.dispose();
    assert.equal(m.disposed, true);
    assert.throws(() => m.run('the'), /model\.run: this model was disposed/);
    assert.throws(() => m.tokenize('the'), /disposed/);
  });

  test('a directory path with a broken file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'attnscope-model-'));
    try {
      writeFileSync(join(dir, 'config.json'), bert()['config.json']);
      writeFileSync(join(dir, 'model.safetensors'), read('bert-f32', 'model.safetensors').subarray(0, 1000));
      await assert.rejects(core.loadModel(dir), /model\.safetensors/);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});
