// Sentence pairs in model.run: { text, textPair } is tokenized with the tokenizer's pair template and
// runs with its token types, as Hugging Face's BERT-family tokenizers and models use them. Checked on
// the golden checkpoints: token types reach the embeddings (LayerNorm(word + position + type), computed
// here in float64 from model.safetensors), the pair's layout is BERT's / RoBERTa's published one
// ([CLS] A [SEP] B [SEP] with B of type 1; <s> A </s></s> B </s>, all type 0), DistilBERT runs pairs
// without types, GPT-2 (no types, nothing between the sentences) is refused, and bad input is named.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { pairTokenTypes } from '../../web/attnscope/src/model-run.js';
import { load } from './helpers/module.mjs';
import { maxScaledDiff } from './helpers/numeric.mjs';
import { readModelReference, readSafetensors } from './helpers/safetensors.mjs';

const MODELS = fileURLToPath(new URL('../golden/models/', import.meta.url));

/** LayerNorm(word[id] + position[i] + type[t]) per token, in float64 (BERT's embeddings; eps from config.json). */
function bertEmbeddings(dir, prefix, ids, types, eps) {
  const { tensors: t, shapes } = readSafetensors(join(dir, 'model.safetensors'));
  const d = shapes[`${prefix}embeddings.word_embeddings.weight`][1];
  const [word, position, type] = ['word', 'position', 'token_type'].map((k) => t[`${prefix}embeddings.${k}_embeddings.weight`]);
  const gamma = t[`${prefix}embeddings.LayerNorm.weight`];
  const beta = t[`${prefix}embeddings.LayerNorm.bias`];
  const out = new Float64Array(ids.length * d);
  ids.forEach((id, i) => {
    const x = Array.from({ length: d }, (_, c) => word[id * d + c] + position[i * d + c] + type[types[i] * d + c]);
    const mean = x.reduce((a, b) => a + b, 0) / d;
    const variance = x.reduce((a, b) => a + (b - mean) ** 2, 0) / d;
    x.forEach((v, c) => { out[i * d + c] = ((v - mean) / Math.sqrt(variance + eps)) * gamma[c] + beta[c]; });
  });
  return out;
}

test('pairTokenTypes follows Hugging Face: types where the model embeds them, none where it does not, GPT-2 refused', () => {
  const what = 'model.run';
  const bert = { ids: new Int32Array(7), typeIds: Int32Array.of(0, 0, 0, 0, 1, 1, 1), sentenceBStart: 4 };
  assert.deepEqual([...pairTokenTypes(bert, 0, { typeVocabSize: 2 }, 'bert', what)], [0, 0, 0, 0, 1, 1, 1]);
  const roberta = { ids: new Int32Array(8), typeIds: new Int32Array(8), sentenceBStart: 5 };
  assert.deepEqual([...pairTokenTypes(roberta, 0, { typeVocabSize: 1 }, 'roberta', what)], [0, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(pairTokenTypes(bert, 4, { typeVocabSize: 0 }, 'distilbert', what), null, 'DistilBERT: [CLS] and [SEP]s separate A and B');
  const gpt2 = { ids: new Int32Array(5), typeIds: Int32Array.of(0, 0, 1, 1, 1), sentenceBStart: 2 };
  assert.throws(() => pairTokenTypes(gpt2, 5, { typeVocabSize: 0 }, 'gpt2', what),
    /model\.run: gpt2 cannot read a sentence pair: the model has no token type embeddings and its tokenizer puts nothing between the sentences/);
  assert.throws(() => pairTokenTypes(bert, 0, { typeVocabSize: 1 }, 'roberta', what),
    /model\.run: the tokenizer gives token 4 of the pair type id 1, but this model has 1 token type embedding$/);
  assert.throws(() => pairTokenTypes({ ...bert, sentenceBStart: null }, 0, { typeVocabSize: 2 }, 'bert', what),
    /bert's tokenizer has no sentence-pair template/);
});

describe('model.run with sentence pairs and token types', () => {
  let core;
  const models = {};
  before(async () => {
    core = await load({ simd: true, threads: false });
    for (const name of ['bert-f32', 'roberta-f32', 'distilbert-bare-f32', 'gpt2-f32']) models[name] = await core.loadModel(join(MODELS, name));
  });
  after(() => { for (const m of Object.values(models)) m.dispose(); });

  test('token types reach the embeddings: hidden_states[0] = LayerNorm(word + position + type)', () => {
    const dir = join(MODELS, 'bert-f32');
    const { ids } = readModelReference(dir);
    const types = Int32Array.from(ids, (_, i) => (i < 5 ? 0 : 1));
    const model = models['bert-f32'];
    const out = model.run(ids, { tokenTypes: types, hidden: 'all' });
    const diff = maxScaledDiff(out.hiddenStates[0], bertEmbeddings(dir, 'bert.', ids, types, 1e-12));
    assert.ok(diff <= 1e-5, `embeddings with token types differ from the formula by ${diff}`);
    const plain = model.run(ids, { hidden: 'all' });
    assert.ok(maxScaledDiff(plain.hiddenStates[0], bertEmbeddings(dir, 'bert.', ids, new Int32Array(ids.length), 1e-12)) <= 1e-5);
    assert.ok(maxScaledDiff(out.attentions[1], plain.attentions[1]) > 1e-3, 'type 1 changes the attention downstream');
  });

  test('bad pair input is named before anything runs, and the model stays usable', () => {
    const model = models['bert-f32'];
    const cases = [
      [{ text: 3 }, TypeError, /model\.run: input\.text must be a string, got 3/],
      [{ text: 'the cat', textPair: ['sat'] }, TypeError, /model\.run: input\.textPair must be a string \(sentence B\) or undefined, got Array\(1\)/],
      [{}, TypeError, /model\.run: input\.text must be a string, got undefined/],
    ];
    for (const [input, error, message] of cases) assert.throws(() => model.run(input), { name: error.name, message });
    assert.throws(() => model.run({ text: 'the cat', textPair: 'sat' }, { tokenTypes: [0, 0, 0, 1, 1] }),
      { name: 'TypeError', message: /tokenTypes come from the sentence pair's tokenization; give textPair or tokenTypes, not both/ });
    assert.throws(() => model.run(new Float32Array(2)), /a sentence pair is \{ text, textPair \}/);
    const single = model.run({ text: 'the cat sat' });
    assert.deepEqual(single.tokens, model.run('the cat sat').tokens, '{ text } alone is one text');
    assert.equal(single.sentenceBStart, undefined);
  });

  test('BERT: [CLS] A [SEP] B [SEP], B and its [SEP] of type 1, the same as running those ids with those types', () => {
    const model = models['bert-f32'];
    const a = model.tokenize('the cat sat on the mat.').ids;
    const b = model.tokenize('she was in it?').ids;
    const ids = [...a, ...b.subarray(1)];
    const types = [...Array(a.length).fill(0), ...Array(b.length - 1).fill(1)];
    const out = model.run({ text: 'the cat sat on the mat.', textPair: 'she was in it?' }, { hidden: 'all' });
    assert.deepEqual([...out.ids], ids);
    assert.equal(out.sentenceBStart, a.length);
    assert.deepEqual([...out.tokenTypes], types);
    const byIds = model.run(Int32Array.from(ids), { tokenTypes: types, hidden: 'all' });
    out.attentions.forEach((layer, l) => assert.deepEqual(layer, byIds.attentions[l], `layer ${l}`));
    const diff = maxScaledDiff(out.hiddenStates[0], bertEmbeddings(join(MODELS, 'bert-f32'), 'bert.', ids, types, 1e-12));
    assert.ok(diff <= 1e-5, `pair embeddings differ from the formula by ${diff}`);
  });

  test('RoBERTa: <s> A </s></s> B </s>, every type 0; DistilBERT without types; GPT-2 refused', () => {
    const roberta = models['roberta-f32'];
    const a = roberta.tokenize('the cat sat').ids;
    const b = roberta.tokenize('on the mat').ids;
    const r = roberta.run({ text: 'the cat sat', textPair: 'on the mat' });
    assert.deepEqual([...r.ids], [...a, a[a.length - 1], ...b.subarray(1)]);
    assert.equal(r.sentenceBStart, a.length + 1);
    assert.deepEqual([...r.tokenTypes], Array(r.ids.length).fill(0));

    const distil = models['distilbert-bare-f32'];
    const d = distil.run({ text: 'the cat sat', textPair: 'on the mat' });
    const da = distil.tokenize('the cat sat').ids;
    assert.equal(d.sentenceBStart, da.length);
    assert.equal(d.tokenTypes, null, 'no token type embeddings: no types, as Hugging Face');
    const byIds = distil.run(d.ids);
    d.attentions.forEach((layer, l) => assert.deepEqual(layer, byIds.attentions[l]));

    const gpt2 = models['gpt2-f32'];
    assert.throws(() => gpt2.run({ text: 'the cat sat', textPair: 'on the mat' }), /gpt2 cannot read a sentence pair/);
    assert.equal(gpt2.run('the cat sat').tokens.length > 0, true, 'the model stays usable');
  });
});
