// The head atlas through the module: core.headAtlas on fixed attention tensors against the NumPy
// definitions, and model.headAtlas on the hand-built GPT-2 (tests/golden/atlas, written by
// scripts/generate/make_atlas_golden.py) against its float64 references, each head found and labelled
// as built; both wasm flavours; bad input.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, describe, test } from 'node:test';

import { FLAVOURS, load } from './helpers/module.mjs';
import { readSafetensors } from './helpers/safetensors.mjs';

const ATLAS = fileURLToPath(new URL('../golden/atlas/', import.meta.url));
const LM_HEADS = fileURLToPath(new URL('../golden/lm_heads/', import.meta.url));
const MODELS = fileURLToPath(new URL('../golden/models/', import.meta.url));
const PATTERNS = ['previousToken', 'nextToken', 'self', 'firstToken', 'special', 'entropy', 'broad'];
const SNAKE = { previousToken: 'previous_token', nextToken: 'next_token', self: 'self', firstToken: 'first_token',
  special: 'special', entropy: 'entropy', broad: 'broad' };

function assertScores(got, want, tol, what) {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < want.length; i++) {
    if (Number.isNaN(want[i])) assert.ok(Number.isNaN(got[i]), `${what}[${i}] should be NaN, got ${got[i]}`);
    else assert.ok(Math.abs(got[i] - want[i]) <= tol, `${what}[${i}]: ${got[i]} vs ${want[i]}`);
  }
}

const layersOf = (all, layers) => {
  const per = all.length / layers;
  return Array.from({ length: layers }, (_, l) => all.slice(l * per, (l + 1) * per));
};

for (const flavour of FLAVOURS) {
  describe(`head atlas (${flavour.name})`, () => {
    let core;
    before(async () => { core = await load(flavour.options); });

    test('core.headAtlas matches the NumPy definitions on fixed attentions', () => {
      const files = readdirSync(ATLAS).filter((f) => f.startsWith('patterns_'));
      assert.ok(files.length >= 4);
      for (const file of files) {
        const { metadata: m, tensors: t } = readSafetensors(join(ATLAS, file));
        const attentions = layersOf(t.attentions, Number(m.layers));
        const probe = m.period ? { attentions, start: Number(m.start), length: Number(m.period) } : undefined;
        const atlas = core.headAtlas({ attentions, numHeads: Number(m.heads), causal: m.causal === '1', special: t.special_keys, probe });
        assert.equal(atlas.numLayers, Number(m.layers));
        for (const name of PATTERNS) assertScores(atlas.patterns[name], t[SNAKE[name]], 1e-5, `${file} ${name}`);
        if (probe) assertScores(atlas.patterns.induction, t.induction, 1e-6, `${file} induction`);
        assert.equal(atlas.dominant.length, Number(m.layers) * Number(m.heads));
      }
    });

    test('model.headAtlas finds the hand-built heads, with the reference scores and labels', async () => {
      const model = await core.loadModel(join(ATLAS, 'constructed-gpt2'));
      try {
        const { tensors: r } = readSafetensors(join(ATLAS, 'constructed-gpt2', 'reference.safetensors'));
        const special = Array.from(r.special_keys, (v) => v === 1);
        const atlas = model.headAtlas(r.input_ids, { special, probe: { length: 8, seed: 5, copying: true } });
        for (const name of PATTERNS) assertScores(atlas.patterns[name], r[SNAKE[name]], name === 'entropy' ? 1e-3 : 1e-4, name);
        // No tokenizer: nothing around the probe, which is the reference's plain probe.
        assert.deepEqual([...atlas.probe.ids], [...r.plain_probe_ids]);
        assert.equal(atlas.probe.start, 0);
        assertScores(atlas.patterns.induction, r.plain_probe_induction, 1e-4, 'induction');
        assertScores(atlas.patterns.copying, r.plain_probe_copying, 2e-3, 'copying');
        assert.ok(Math.abs(atlas.probe.loss - r.plain_probe_loss[0]) < 1e-3);
        assert.deepEqual([...atlas.probe.targets], [...r.plain_probe_targets]);
        assert.deepEqual(atlas.dominant, ['previousToken', 'firstToken', 'broad', 'induction', 'self', 'broad']);
        assert.deepEqual(atlas.special, [6]);  // position 0 is the first token, not a special key
      } finally {
        model.dispose();
      }
    });
  });
}

describe('head atlas of the Llama family', () => {
  let core;
  before(async () => { core = await load(); });

  // Grouped K/V heads: each query head scored on its own attention, the same scores core.headAtlas gives
  // the reference's float64 attentions (make_llama_golden.py); the probe and the copying ablations run.
  for (const name of ['llama-gqa-f32', 'qwen2-bias-bf16']) {
    test(`${name}: every query head's patterns, induction and copying`, async () => {
      const model = await core.loadModel(join(MODELS, name));
      try {
        const { numLayers, numHeads, numKvHeads } = model.config;
        assert.ok(numKvHeads < numHeads);
        const { tensors: r } = readSafetensors(join(MODELS, name, 'reference.safetensors'));
        const attentions = Array.from({ length: numLayers }, (_, l) => r[`attentions.${l}`]);
        const want = core.headAtlas({ attentions, numHeads, causal: true });
        const atlas = model.headAtlas(r.input_ids, { probe: { length: 6, seed: 3, copying: true } });
        for (const p of PATTERNS) assertScores(atlas.patterns[p], want.patterns[p], 1e-5, `${name} ${p}`);
        assert.equal(atlas.patterns.induction.length, numLayers * numHeads);
        assert.equal(atlas.patterns.copying.length, numLayers * numHeads);
        assert.ok(atlas.patterns.copying.every(Number.isFinite));
      } finally {
        model.dispose();
      }
    });
  }
});

describe('head atlas errors', () => {
  let core;
  before(async () => { core = await load(); });

  test('core.headAtlas: bad attentions, special and probe are named', () => {
    const a = new Float32Array(2 * 3 * 3).fill(1 / 3);
    assert.throws(() => core.headAtlas({ attentions: [], numHeads: 2 }), /headAtlas: attentions must be a non-empty array/);
    assert.throws(() => core.headAtlas({ attentions: [new Float32Array(0)], numHeads: 2 }), /an empty input has no atlas/);
    assert.throws(() => core.headAtlas({ attentions: [a], numHeads: 4 }), /not numHeads\*n\*n for numHeads 4/);
    assert.throws(() => core.headAtlas({ attentions: [a, new Float32Array(3)], numHeads: 2 }), /attentions\[1\] must be a Float32Array of 18/);
    assert.throws(() => core.headAtlas({ attentions: [a], numHeads: 2, special: [3] }), /special\[0\] = 3 is not a token position in \[0, 3\)/);
    assert.throws(() => core.headAtlas({ attentions: [a], numHeads: 2, probe: { attentions: [a], length: 2 } }),
      /two copies of 2 tokens from position 0 do not fit in 3 tokens/);
    const nan = a.slice();
    nan[4] = NaN;
    assert.throws(() => core.headAtlas({ attentions: [nan], numHeads: 2 }), /attentions\[0\]\[4\] is NaN/);
    assert.equal(core.headAtlas({ attentions: [a], numHeads: 2 }).patterns.self.length, 2);  // usable after errors
  });

  test('model.headAtlas: empty input, a probe that does not fit, copying without a head', async () => {
    const bare = await core.loadModel(join(MODELS, 'bert-gamma-beta-f16'));  // a bare BertModel, with vocab.txt
    const mlm = await core.loadModel(join(LM_HEADS, 'bert-mlm-f32'));
    try {
      assert.throws(() => bare.headAtlas(''), /model.headAtlas: the input is empty/);
      assert.throws(() => bare.headAtlas([]), /model.headAtlas: the input is empty/);
      assert.throws(() => bare.headAtlas('the cat', { probe: { length: 1 } }), /probe.length 1 is outside \[2, 31\]/);
      assert.throws(() => bare.headAtlas('the cat', { probe: { length: 40 } }), /probe.length 40 is outside \[2, 31\]/);
      assert.throws(() => bare.headAtlas('the cat', { probe: { seed: -1 } }), /probe.seed must be an integer/);
      assert.throws(() => bare.headAtlas('the cat', { probe: { copying: true } }),
        /copying scores need the model's language-model head: this bert checkpoint \(model.safetensors\) has no language-model head/);
      assert.throws(() => bare.headAtlas('the cat', { special: [9] }), /special\[0\] = 9 is not a token position/);
      assert.throws(() => bare.headAtlas('the cat', 'probe'), /expected an options object/);
      // With a tokenizer the probe sits inside [CLS] … [SEP] and never draws a marker token.
      const atlas = mlm.headAtlas('the cat sat', { probe: { length: 6, seed: 3, copying: true } });
      const { probe } = atlas;
      assert.equal(probe.tokens[0], '[CLS]');
      assert.equal(probe.tokens.at(-1), '[SEP]');
      assert.equal(probe.start, 1);
      assert.deepEqual(probe.tokens.slice(1, 7), probe.tokens.slice(7, 13));
      assert.ok(probe.tokens.slice(1, 13).every((t) => !/^\[.*\]$/.test(t)), probe.tokens.join(' '));
      assert.deepEqual(atlas.special, [4]);  // [SEP]
      // Encoders: odd positions of the second copy are masked and predicted.
      assert.deepEqual([...probe.targets].flatMap((t, i) => (t >= 0 ? [i] : [])), [8, 10, 12]);
      assert.equal(atlas.patterns.copying.length, 8);
    } finally {
      bare.dispose();
      mlm.dispose();
    }
  });
});
