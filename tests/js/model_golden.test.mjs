// core.loadModel on the golden checkpoints (tests/golden/models, written by
// scripts/generate/make_model_golden.py): every source kind, both wasm flavours, and the attentions
// and hidden states against torch's reference (attentions within 1e-5, hidden within 1e-4).
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { startServer } from '../../scripts/serve.mjs';
import { checkAgainstReference, MODELS } from './helpers/model-reference.mjs';
import { FLAVOURS, load } from './helpers/module.mjs';
import { readModelReference } from './helpers/safetensors.mjs';

const NAMES = readdirSync(MODELS).sort();
const ARCHITECTURE = (name) => name.split('-')[0];

const filesOf = (name) => readdirSync(join(MODELS, name))
  .filter((f) => f !== 'reference.safetensors')
  .map((f) => new File([readFileSync(join(MODELS, name, f))], f));

for (const flavour of FLAVOURS) {
  describe(`loadModel golden checkpoints (${flavour.name})`, () => {
    let core;
    before(async () => { core = await load(flavour.options); });

    for (const name of NAMES) {
      test(`${name} from a directory path matches torch`, async () => {
        const model = await core.loadModel(join(MODELS, name));
        try {
          assert.equal(model.architecture, ARCHITECTURE(name));
          assert.equal(model.config.numLayers, readModelReference(join(MODELS, name)).attentions.length);
          checkAgainstReference(model, name);
        } finally {
          model.dispose();
        }
      });
    }
  });
}

describe('loadModel sources', () => {
  let core, server, chunked;
  before(async () => {
    core = await load();
    server = await startServer({ root: MODELS });
    // A server without Content-Length (chunked), as compressing servers answer: size unknown.
    chunked = createServer((req, res) => {
      try {
        const body = readFileSync(join(MODELS, decodeURIComponent(new URL(req.url, 'http://x').pathname)));
        res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
        for (let i = 0; i < body.length; i += 1000) res.write(body.subarray(i, i + 1000));
        res.end();
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise((r) => chunked.listen(0, '127.0.0.1', r));
  });
  after(async () => {
    await server.close();
    await new Promise((r) => chunked.close(r));
  });

  test('a plain object of strings and bytes', async () => {
    const dir = join(MODELS, 'bert-f32');
    const model = await core.loadModel({
      'config.json': readFileSync(join(dir, 'config.json'), 'utf8'),
      'model.safetensors': new Uint8Array(readFileSync(join(dir, 'model.safetensors'))),
      'vocab.txt': readFileSync(join(dir, 'vocab.txt')).buffer.slice(0),
    });
    checkAgainstReference(model, 'bert-f32');
    model.dispose();
  });

  test('File[] (as from a folder picker), nested copies lose to the top-level file', async () => {
    const files = filesOf('gpt2-lmhead-f16');
    const decoy = new File(['{"model_type": "t5"}'], 'config.json');
    Object.defineProperty(decoy, 'webkitRelativePath', { value: 'gpt2/onnx/config.json' });
    const model = await core.loadModel([decoy, ...files]);
    checkAgainstReference(model, 'gpt2-lmhead-f16');
    model.dispose();
  });

  test('a folder URL, with progress reaching the total', async () => {
    const calls = [];
    const model = await core.loadModel(`${server.url}/roberta-f32`, {
      onProgress: (loaded, total) => calls.push([loaded, total]),
    });
    checkAgainstReference(model, 'roberta-f32');
    model.dispose();
    assert.ok(calls.length >= 2);
    for (let i = 1; i < calls.length; i++) assert.ok(calls[i][0] >= calls[i - 1][0], 'loaded only grows');
    const [loaded, total] = calls.at(-1);
    assert.equal(loaded, total);
    const size = readFileSync(join(MODELS, 'roberta-f32', 'model.safetensors')).length;
    assert.ok(loaded >= size, `progress covers model.safetensors (${loaded} >= ${size})`);
  });

  test('a folder URL whose server sends no Content-Length', async () => {
    const model = await core.loadModel(`http://127.0.0.1:${chunked.address().port}/distilbert-f16/`);
    checkAgainstReference(model, 'distilbert-f16');
    model.dispose();
  });
});

describe('model.tokenize and run(text)', () => {
  let core;
  before(async () => { core = await load(); });

  test('BERT WordPiece adds [CLS] … [SEP] and run(text) = run(tokenize(text).ids)', async () => {
    const model = await core.loadModel(join(MODELS, 'bert-f32'));
    const vocab = readFileSync(join(MODELS, 'bert-f32', 'vocab.txt'), 'utf8').split('\n');
    const { ids, tokens } = model.tokenize('The cats sat on the mat!');
    assert.ok(ids instanceof Int32Array);
    assert.deepEqual(tokens, ['[CLS]', 'the', 'cat', '##s', 'sat', 'on', 'the', 'mat', '!', '[SEP]']);
    assert.deepEqual(Array.from(ids), tokens.map((t) => vocab.indexOf(t)));
    const byText = model.run('The cats sat on the mat!');
    const byIds = model.run(ids);
    assert.deepEqual(byText.tokens, tokens);
    assert.deepEqual(byText.attentions, byIds.attentions);
    assert.deepEqual(byText.hidden, byIds.hidden);
    // Ids given directly are used as they are: no special tokens added.
    assert.deepEqual(model.run([7, 8]).tokens, [vocab[7], vocab[8]]);
    model.dispose();
  });

  test('GPT-2 byte-level BPE adds nothing and round-trips the text', async () => {
    const model = await core.loadModel(join(MODELS, 'gpt2-f32'));
    const vocab = JSON.parse(readFileSync(join(MODELS, 'gpt2-f32', 'vocab.json'), 'utf8'));
    const text = 'the cat, hello world';
    const { ids, tokens } = model.tokenize(text);
    assert.deepEqual(Array.from(ids), tokens.map((t) => vocab[t]));
    assert.equal(tokens.join('').replaceAll('Ġ', ' '), text);
    assert.ok(tokens.includes('Ġhello'), `merges applied: ${tokens}`);
    const out = model.run(text, { hidden: false });
    assert.equal(out.hidden, undefined);
    assert.equal(out.attentions.length, 2);
    // Causal: no token attends to a later one.
    const n = ids.length, a = out.attentions[0];
    for (let h = 0; h < model.config.numHeads; h++) {
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) assert.equal(a[(h * n + i) * n + j], 0);
    }
    model.dispose();
  });

  test('RoBERTa wraps in <s> … </s>', async () => {
    const model = await core.loadModel(join(MODELS, 'roberta-f32'));
    const { tokens } = model.tokenize('the model');
    assert.equal(tokens[0], '<s>');
    assert.equal(tokens.at(-1), '</s>');
    assert.equal(model.run('the model', { attentions: false }).attentions, undefined);
    model.dispose();
  });

  test('config describes the model', async () => {
    const model = await core.loadModel(join(MODELS, 'bert-bf16'));
    assert.equal(model.architecture, 'bert');
    assert.deepEqual(
      { ...model.config },
      { numLayers: 2, numHeads: 3, dModel: 24, dFF: 40, vocabSize: model.config.vocabSize, maxPositions: 64,
        maxTokens: 64, typeVocabSize: 2, activation: 'gelu', layerNormEps: model.config.layerNormEps,
        causal: false, preLayerNorm: false,
        numKvHeads: 3, dHead: 8, normalization: 'layer', gatedMlp: false, qkNorm: false, positionEmbedding: 'absolute',
        rotaryDim: 0, ropeTheta: 0, ropeScaling: 'none', slidingWindow: 0, slidingLayers: [], tieWordEmbeddings: true,
        weightBytes: model.config.weightBytes, encoderDecoder: false });
    assert.equal(model.config.layerNormEps, 1e-12);
    assert.equal(model.config.vocabSize, readFileSync(join(MODELS, 'bert-bf16', 'vocab.txt'), 'utf8').trim().split('\n').length);
    model.dispose();
  });
});
