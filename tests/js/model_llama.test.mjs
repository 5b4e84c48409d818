// core.loadModel on the Llama-family golden checkpoints beyond what model_golden and model_steps check
// for every folder: a sharded checkpoint from every source kind (with progress over the index and all
// shards), missing or outside shards named, the config fields the views use (K/V heads, head width,
// rotary and window settings), grouped K/V heads in the steps, 16-bit weights kept 16-bit in wasm memory
// (heap growth against the stored bytes), and a model too large refused before anything is read.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { startServer } from '../../scripts/serve.mjs';
import { makeLlamaCheckpoint } from '../bench/random_llama.mjs';
import { load } from './helpers/module.mjs';
import { maxAbsDiff } from './helpers/numeric.mjs';
import { readModelReference } from './helpers/safetensors.mjs';

const MODELS = fileURLToPath(new URL('../golden/models/', import.meta.url));
const SHARDED = 'llama-sharded-bf16';
const filesOf = (name) => Object.fromEntries(readdirSync(join(MODELS, name))
  .filter((f) => f !== 'reference.safetensors').map((f) => [f, new Uint8Array(readFileSync(join(MODELS, name, f)))]));

function checkAgainstReference(model, name) {
  const ref = readModelReference(join(MODELS, name));
  const out = model.run(ref.ids);
  out.attentions.forEach((a, l) => assert.ok(maxAbsDiff(a, ref.attentions[l]) <= 1e-5, `${name} layer ${l}`));
  assert.ok(maxAbsDiff(out.hidden, ref.hidden) <= 1e-4, `${name} hidden`);
}

describe('Llama-family checkpoints', () => {
  let core, server;
  before(async () => {
    core = await load({ threads: false });
    server = await startServer({ root: MODELS });
  });
  after(() => server.close());

  test('a sharded checkpoint loads from an object, File[] and a folder URL, with progress over every file', async () => {
    const files = filesOf(SHARDED);
    const shards = Object.keys(files).filter((f) => f.endsWith('.safetensors'));
    assert.equal(shards.length, 3);
    for (const source of [files, Object.entries(files).map(([name, bytes]) => new File([bytes], name))]) {
      const model = await core.loadModel(source);
      checkAgainstReference(model, SHARDED);
      model.dispose();
    }
    const seen = new Set();
    let last = null;
    const model = await core.loadModel(`${server.url}/${SHARDED}/`, {
      onProgress: (loaded, total, info) => { seen.add(info.file); last = [loaded, total]; },
    });
    checkAgainstReference(model, SHARDED);
    model.dispose();
    for (const name of ['model.safetensors.index.json', ...shards]) assert.ok(seen.has(name), `progress for ${name}`);
    assert.equal(last[0], last[1], 'progress reaches its total');
    const bytes = Object.values(files).reduce((n, b) => n + b.length, 0);
    assert.ok(last[0] >= bytes, `progress covers the index and the shards (${last[0]} >= ${bytes})`);
  });

  test('missing shards and shards outside the folder are named; the core stays usable', async () => {
    const files = filesOf(SHARDED);
    const { 'model-00002-of-00003.safetensors': _, ...missing } = files;
    await assert.rejects(core.loadModel(missing), {
      message: /loadModel: model\.safetensors\.index\.json names the shard model-00002-of-00003\.safetensors, which the given object does not have/,
    });
    const index = new TextDecoder().decode(files['model.safetensors.index.json'])
      .replace('"lm_head.weight": "model-00001-of-00003.safetensors"', '"lm_head.weight": "../model-00001-of-00003.safetensors"');
    await assert.rejects(core.loadModel({ ...files, 'model.safetensors.index.json': index }), {
      message: /model\.safetensors\.index\.json: tensor 'lm_head\.weight' is in shard '\.\.\/model-00001-of-00003\.safetensors', expected a \.safetensors file name in the same folder/,
    });
    // A URL folder cannot be listed: the shard is found missing when it is asked for.
    const dir = mkdtempSync(join(tmpdir(), 'attnscope-shards-'));
    for (const [name, bytes] of Object.entries(missing)) writeFileSync(join(dir, name), bytes);
    const partial = await startServer({ root: dir });
    try {
      await assert.rejects(core.loadModel(`${partial.url}/`), {
        message: /model\.safetensors\.index\.json names the shard model-00002-of-00003\.safetensors, which folder URL .* does not have/,
      });
    } finally {
      await partial.close();
      rmSync(dir, { recursive: true });
    }
    const shuffled = { ...files, 'model-00003-of-00003.safetensors': files['model-00001-of-00003.safetensors'] };
    await assert.rejects(core.loadModel(shuffled), {
      message: /loadModel: model-00003-of-00003\.safetensors: tensor 'lm_head\.weight' is also in another shard/,
    });
    const model = await core.loadModel(files);
    checkAgainstReference(model, SHARDED);
    model.dispose();
  });

  test('the config says how heads share keys and values, and how positions enter', async () => {
    const expectations = {
      'llama-gqa-f32': { numHeads: 4, numKvHeads: 2, dHead: 8, rotaryDim: 8, slidingWindow: 0, ropeScaling: 'none', tieWordEmbeddings: false },
      'llama-llama3-bare-bf16': { numKvHeads: 2, dHead: 12, rotaryDim: 12, ropeScaling: 'llama3', ropeTheta: 500000 },
      'llama-mqa-linear-f16': { numKvHeads: 1, ropeScaling: 'linear', tieWordEmbeddings: true },
      'mistral-window-f32': { slidingWindow: 5, slidingLayers: [0, 1] },
      'qwen2-bias-bf16': { slidingWindow: 4, slidingLayers: [1] },
      'qwen3-qknorm-f16': { dHead: 16, dModel: 32, numHeads: 4 },
      'phi3-partial-f16': { dHead: 8, rotaryDim: 4 },
    };
    for (const [name, want] of Object.entries(expectations)) {
      const model = await core.loadModel(join(MODELS, name));
      for (const [key, value] of Object.entries(want)) assert.deepEqual(model.config[key], value, `${name} ${key}`);
      assert.equal(model.config.positionEmbedding, 'rotary');
      assert.equal(model.config.normalization, 'rms');
      assert.equal(model.config.causal, true);
      model.dispose();
    }
    const bert = await core.loadModel(join(MODELS, 'bert-f32'));
    assert.equal(bert.config.numKvHeads, bert.config.numHeads);
    assert.equal(bert.config.positionEmbedding, 'absolute');
    bert.dispose();
  });

  test('steps name the key/value head each query head reads', async () => {
    const model = await core.loadModel(join(MODELS, 'llama-gqa-f32'));
    const ref = readModelReference(join(MODELS, 'llama-gqa-f32'));
    const { steps } = model.run(ref.ids, { steps: { layer: 1 } });
    assert.deepEqual(steps.kvHeads, [0, 0, 1, 1]);
    // Query heads 0 and 1 read the same (rotated) keys.
    const n = ref.ids.length, dh = model.config.dHead;
    assert.deepEqual(steps.k.subarray(0, n * dh), steps.k.subarray(n * dh, 2 * n * dh));
    assert.notDeepEqual(steps.q.subarray(0, n * dh), steps.q.subarray(n * dh, 2 * n * dh));
    model.dispose();
  });

  test('16-bit weights stay 16-bit: the heap grows by the stored bytes, not by a float32 copy or the file', async () => {
    const shape = { family: 'llama', numLayers: 8, dModel: 512, numHeads: 8, numKvHeads: 2, dFF: 1536, vocabSize: 8000,
      maxPositions: 256, ropeTheta: 10000, rmsNormEps: 1e-5, tied: false };
    const files = makeLlamaCheckpoint(shape, { dtype: 'BF16', shards: 2 });
    const fresh = await load({ threads: false });
    const before = fresh.memory();
    const model = await fresh.loadModel(files);
    const afterLoad = fresh.memory();
    const weights = model.config.weightBytes;
    const fileBytes = Object.entries(files).filter(([n]) => n.endsWith('.safetensors')).reduce((s, [, b]) => s + b.length, 0);
    const lmHead = shape.vocabSize * shape.dModel * 2;  // in the file, checked, not kept
    assert.ok(Math.abs(weights - (fileBytes - lmHead)) < 64 * 1024, `weights ${weights} vs file ${fileBytes} less the LM head`);
    const inUse = afterLoad.bytesInUse - before.bytesInUse;
    assert.ok(inUse < weights * 1.02 + (1 << 20), `bytes in use grew by ${inUse}, weights are ${weights}`);
    const peak = afterLoad.heapBytes - before.heapBytes;
    assert.ok(peak < weights + 24 * 2 ** 20, `wasm memory grew by ${peak} for ${weights} bytes of weights`);
    model.dispose();
  });

  test('a model too large for wasm memory fails before anything is read', async () => {
    const files = makeLlamaCheckpoint({ family: 'llama', numLayers: 1, dModel: 16, numHeads: 2, numKvHeads: 1, dFF: 16,
      vocabSize: 10, maxPositions: 16, ropeTheta: 10000, rmsNormEps: 1e-5, tied: true }, { dtype: 'BF16' });
    const config = { ...JSON.parse(files['config.json']), hidden_size: 8192, num_attention_heads: 64, num_key_value_heads: 8,
      intermediate_size: 28672, num_hidden_layers: 80, vocab_size: 128256 };
    const before = core.memory().bytesInUse;
    await assert.rejects(core.loadModel({ ...files, 'config.json': JSON.stringify(config) }), (e) => e instanceof RangeError &&
      /the model needs \d+\.\d\d GiB of wasm memory \(its weights as 16-bit floats\), more than the .* left under the 4 GiB wasm limit/.test(e.message));
    assert.ok(core.memory().bytesInUse - before < 1 << 20);
  });
});
