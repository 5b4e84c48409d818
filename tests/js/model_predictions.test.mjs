// model.run(…, { logits: 'topk', k }) through the module: the checkpoints' language-model heads
// (BERT's cls.predictions, RoBERTa's lm_head, DistilBERT's vocab_*, GPT-2 tied and untied, the Llama
// family's) against float64 references (scripts/generate/make_lm_head_golden.py, make_llama_golden.py),
// the head mask, the mask token, a
// checkpoint without a head and bad options.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, describe, test } from 'node:test';

import { FLAVOURS, load } from './helpers/module.mjs';
import { readSafetensors } from './helpers/safetensors.mjs';

const LM_HEADS = fileURLToPath(new URL('../golden/lm_heads/', import.meta.url));
const MODELS = fileURLToPath(new URL('../golden/models/', import.meta.url));
const NAMES = readdirSync(LM_HEADS).sort();

/**
 * Each rank's probability within 2e-5 of the reference's at that rank, our id's reference probability the
 * same (a near-tie may swap two ids, nothing else), and the id the reference's where no near-tie is close.
 */
function assertTopK(topk, logProbs, refTop, n, vocab) {
  const { k } = topk;
  for (let i = 0; i < n; i++) {
    const row = Array.from(logProbs.subarray(i * vocab, (i + 1) * vocab));
    const sorted = [...row].sort((a, b) => b - a);
    for (let r = 0; r < k; r++) {
      const id = topk.ids[i * k + r], want = Math.exp(sorted[r]);
      assert.ok(Math.abs(topk.probs[i * k + r] - want) < 2e-5, `position ${i} rank ${r}: ${topk.probs[i * k + r]} vs ${want}`);
      assert.ok(Math.abs(Math.exp(row[id]) - want) < 2e-5, `position ${i} rank ${r}: id ${id}`);
      const clear = (r === 0 || sorted[r - 1] - sorted[r] > 1e-3) && (r + 1 >= vocab || sorted[r] - sorted[r + 1] > 1e-3);
      if (refTop && r < 5 && clear) assert.equal(id, refTop[i * 5 + r], `position ${i} rank ${r}`);
    }
  }
}

for (const flavour of FLAVOURS) {
  describe(`top-k predictions (${flavour.name})`, () => {
    let core;
    before(async () => { core = await load(flavour.options); });

    for (const name of NAMES) {
      test(`${name}: the k most probable tokens match the float64 reference`, async () => {
        const model = await core.loadModel(join(LM_HEADS, name));
        try {
          assert.deepEqual(model.lmHead, { usable: true, problem: null });
          const { tensors: r } = readSafetensors(join(LM_HEADS, name, 'lm_reference.safetensors'));
          const n = r.input_ids.length, vocab = model.config.vocabSize;
          for (const k of [undefined, 1, vocab]) {
            const out = model.run(r.input_ids, { logits: 'topk', k, attentions: false, hidden: false });
            assert.equal(out.topk.k, k ?? 5);
            assert.equal(out.topk.ids.length, n * (k ?? 5));
            assert.equal(out.topk.tokens.length, n * (k ?? 5));
            assertTopK(out.topk, r.log_probs, r.topk_ids, n, vocab);
          }
          const out = model.run(r.input_ids, { logits: 'topk', k: 3 });
          assert.equal(out.tokens.length, n);  // the usual outputs are still there
          assert.equal(out.attentions.length, model.config.numLayers);
          assert.equal(out.topk.tokens[0], model.run([out.topk.ids[0]], { attentions: false }).tokens[0]);
        } finally {
          model.dispose();
        }
      });
    }

    // The Llama family: untied lm_head.weight (kept by the module) or tied embed_tokens, F32/F16/BF16,
    // against the log-softmax of make_llama_golden.py's float64 logits.
    for (const name of ['llama-gqa-f32', 'qwen2-bias-bf16', 'qwen3-qknorm-f16', 'gemma-f32']) {
      test(`${name}: next-token top-k matches the float64 reference logits`, async () => {
        const model = await core.loadModel(join(MODELS, name));
        try {
          assert.deepEqual(model.lmHead, { usable: true, problem: null });
          const { tensors: r } = readSafetensors(join(MODELS, name, 'reference.safetensors'));
          const n = r.input_ids.length, vocab = model.config.vocabSize;
          const logProbs = new Float32Array(n * vocab);
          for (let i = 0; i < n; i++) {
            const row = r.logits.subarray(i * vocab, (i + 1) * vocab);
            const max = Math.max(...row);
            const logSum = Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
            for (let j = 0; j < vocab; j++) logProbs[i * vocab + j] = row[j] - max - logSum;
          }
          for (const k of [1, 5, vocab]) {
            const out = model.run(r.input_ids, { logits: 'topk', k, attentions: false, hidden: false });
            assertTopK(out.topk, logProbs, null, n, vocab);
          }
        } finally {
          model.dispose();
        }
      });
    }

    test('headMask multiplies each head\'s weights before ·V (Hugging Face\'s head_mask)', async () => {
      const model = await core.loadModel(join(LM_HEADS, 'gpt2-tied-f32'));
      try {
        const { tensors: r } = readSafetensors(join(LM_HEADS, 'gpt2-tied-f32', 'lm_reference.safetensors'));
        const mask = r['masked.head_mask'];
        const nested = [Array.from(mask.subarray(0, 4)), Array.from(mask.subarray(4, 8))];
        for (const headMask of [mask, Array.from(mask), nested]) {
          const out = model.run(r.input_ids, { headMask, logits: 'topk', k: model.config.vocabSize });
          for (let l = 0; l < 2; l++) {
            const want = r[`masked.attentions.${l}`];
            assert.ok(out.attentions[l].every((v, i) => Math.abs(v - want[i]) < 1e-5), `layer ${l}`);
          }
          assertTopK(out.topk, r['masked.log_probs'], null, r.input_ids.length, model.config.vocabSize);
        }
      } finally {
        model.dispose();
      }
    });
  });
}

describe('predictions: mask tokens, missing heads, bad options', () => {
  let core;
  before(async () => { core = await load(); });

  test('the mask token comes from the tokenizer', async () => {
    for (const [name, want] of [['bert-mlm-f32', '[MASK]'], ['roberta-mlm-f16', '<mask>'], ['gpt2-tied-f32', null]]) {
      const model = await core.loadModel(join(LM_HEADS, name));
      try {
        assert.equal(model.maskToken?.token ?? null, want, name);
        if (want) assert.deepEqual(model.tokenize(`a ${want} b`).ids.includes(model.maskToken.id), true);
      } finally {
        model.dispose();
      }
    }
  });

  test('a checkpoint without a usable head says why', async () => {
    const bare = await core.loadModel(join(MODELS, 'bert-gamma-beta-f16'));
    const partial = await core.loadModel(join(MODELS, 'bert-f32'));
    try {
      assert.equal(bare.lmHead.usable, false);
      assert.throws(() => bare.run('the cat', { logits: 'topk' }),
        /model.run: cannot predict tokens: this bert checkpoint \(model.safetensors\) has no language-model head \(missing tensor 'cls.predictions.transform.dense.weight'; BertForMaskedLM or BertForPreTraining checkpoints have one\)/);
      assert.throws(() => partial.run('the cat', { logits: 'topk' }), /has an incomplete language-model head/);
      assert.equal(bare.run('the cat').attentions.length, 2);  // still a model
    } finally {
      bare.dispose();
      partial.dispose();
    }
  });

  test('bad k, logits and headMask are named; the model stays usable', async () => {
    const model = await core.loadModel(join(LM_HEADS, 'gpt2-tied-f32'));
    try {
      const ids = [1, 2, 3];
      const vocab = model.config.vocabSize;
      assert.throws(() => model.run(ids, { logits: 'topk', k: 0 }), new RegExp(`k 0 is outside \\[1, ${vocab}\\]`));
      assert.throws(() => model.run(ids, { logits: 'topk', k: vocab + 1 }), RangeError);
      assert.throws(() => model.run(ids, { logits: 'topk', k: 2.5 }), /k must be an integer/);
      assert.throws(() => model.run(ids, { logits: 'topk', k: '3' }), TypeError);
      assert.throws(() => model.run(ids, { k: 3 }), /k needs logits: 'topk'/);
      assert.throws(() => model.run(ids, { logits: 'all' }), /logits must be 'topk'/);
      assert.throws(() => model.run(ids, { headMask: [1, 0] }), /headMask must be 2\*4 numbers/);
      assert.throws(() => model.run(ids, { headMask: [[1, 1, 1, 1], [1, 1]] }), /headMask must be 2\*4 numbers/);
      assert.throws(() => model.run(ids, { headMask: [1, 1, 1, 1, 1, NaN, 1, 1] }), /headMask\[5\] = NaN is not a finite number/);
      assert.throws(() => model.run(ids, { headMask: 'none' }), TypeError);
      assert.equal(model.run(ids, { logits: 'topk', k: 2 }).topk.ids.length, 6);
    } finally {
      model.dispose();
    }
  });
});
