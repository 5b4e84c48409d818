// Smoke test of the model bench (CI runs this, not the timings): `model_bench.mjs --quick` passes its
// checks (golden BERT vs PyTorch, a tiny random BERT with and without attentions); the checks catch
// broken outputs; the random checkpoint has bert-base's parameter count and BERT's initialisation.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import test from 'node:test';
import { fileURLToPath } from 'node:url';

import { checkRunPair, checkSameOutputs, forwardFlops } from '../bench/model_bench.mjs';
import { BERT_BASE, bertParameterCount, makeBertCheckpoint } from '../bench/random_bert.mjs';

const benchDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'bench');

for (const extra of [[], ['--relaxed']]) {
  test(`model_bench --quick ${extra.join(' ')}: every check passes`, () => {
    const run = spawnSync(process.execPath, [join(benchDir, 'model_bench.mjs'), '--quick', ...extra], {
      encoding: 'utf8', timeout: 120_000,
    });
    assert.equal(run.status, 0, `model_bench --quick failed:\n${run.stdout}\n${run.stderr}`);
    const ok = run.stdout.split('\n').filter((l) => l.startsWith('ok '));
    // golden: 2 layers' attentions + hidden; tiny random BERT: 6 checks of the run pair
    assert.equal(ok.length, 9, run.stdout);
    assert.ok(ok.some((l) => l.includes('vs PyTorch')), run.stdout);
    assert.doesNotMatch(run.stdout, /FAIL|tokens\/s/);  // --quick times nothing
  });
}

// Two heads over n = 2 tokens, one layer, dModel 2: a valid pair, then broken copies of it.
function validPair() {
  const attentions = [new Float32Array([0.25, 0.75, 1, 0, 0.5, 0.5, 0.1, 0.9])];
  const hidden = new Float32Array([1, -2, 0.5, 3]);
  return { withAttentions: { attentions, hidden }, withoutAttentions: { hidden: hidden.slice() } };
}
const config = { numLayers: 1, numHeads: 2, dModel: 2 };
const failed = (pair) => checkRunPair(pair.withAttentions, pair.withoutAttentions, config, 2)
  .filter((c) => !c.ok).map((c) => c.what);

test('the run-pair check passes a consistent pair and catches each kind of breakage', () => {
  assert.deepEqual(failed(validPair()), []);

  let p = validPair();
  p.withAttentions.hidden[2] = NaN;
  assert.deepEqual(failed(p), ['hidden finite', 'same hidden without attentions']);

  p = validPair();
  p.withoutAttentions.hidden[1] += 2e-5;  // beyond the 1e-5 tolerance
  assert.deepEqual(failed(p), ['same hidden without attentions']);

  p = validPair();
  p.withAttentions.attentions[0][5] = 0.6;  // row 2 sums to 1.1
  assert.deepEqual(failed(p), ['attention rows sum to 1']);

  p = validPair();
  p.withAttentions.attentions[0][0] = Infinity;
  assert.deepEqual(failed(p), ['attention rows sum to 1']);

  p = validPair();
  p.withAttentions.attentions.push(new Float32Array(8));
  assert.ok(failed(p).includes('attentions per layer'));

  p = validPair();
  p.withoutAttentions.attentions = p.withAttentions.attentions;
  assert.deepEqual(failed(p), ['no attentions when not asked']);
});

test('the 2-threads check passes equal outputs and catches drift, NaN and a missing layer', () => {
  const oneThread = validPair().withAttentions;
  const failing = (actual) => checkSameOutputs(actual, oneThread).filter((c) => !c.ok).map((c) => c.what);
  assert.deepEqual(failing(structuredClone(oneThread)), []);
  let other = structuredClone(oneThread);
  other.hidden[3] += 2e-5;
  assert.deepEqual(failing(other), ['hidden vs 1 thread']);
  other = structuredClone(oneThread);
  other.attentions[0][6] = NaN;
  assert.deepEqual(failing(other), ['attentions vs 1 thread']);
  other = structuredClone(oneThread);
  other.attentions = [];
  assert.deepEqual(failing(other), ['attentions vs 1 thread']);
});

test('the random checkpoint: bert-base size, safetensors layout, BERT initialisation', () => {
  // bert-base-uncased's BertModel has 109,482,240 parameters, 590,592 of them the pooler (not written).
  assert.equal(bertParameterCount(BERT_BASE), 109_482_240 - 590_592);
  // 12 layers at 512 tokens: 12 · (8·512·768² + 4·512·768·3072 + 4·512²·768)
  assert.equal(forwardFlops(BERT_BASE, 512), 12 * (2415919104 + 4831838208 + 805306368));

  const shape = { numLayers: 1, dModel: 32, numHeads: 4, dFF: 64, vocabSize: 400, maxPositions: 16 };
  const files = makeBertCheckpoint(shape);
  const config = JSON.parse(files['config.json']);
  assert.equal(config.model_type, 'bert');
  assert.equal(config.hidden_size, 32);
  assert.equal(files['vocab.txt'].trim().split('\n').length, 400);
  assert.deepEqual(makeBertCheckpoint(shape)['model.safetensors'], files['model.safetensors'], 'seeded');

  const bytes = files['model.safetensors'];
  const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.equal(headerLength % 8, 0);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  const tensor = (name) => {
    const [begin, end] = header[name].data_offsets;
    return new Float32Array(bytes.buffer, 8 + headerLength + begin, (end - begin) / 4);
  };
  assert.equal(bytes.length, 8 + headerLength + 4 * bertParameterCount(shape));
  assert.deepEqual(header['encoder.layer.0.intermediate.dense.weight'].shape, [64, 32]);  // nn.Linear [out, in]
  assert.ok(tensor('encoder.layer.0.output.LayerNorm.weight').every((v) => v === 1));
  assert.ok(tensor('encoder.layer.0.attention.self.query.bias').every((v) => v === 0));
  const words = tensor('embeddings.word_embeddings.weight');  // 12,800 samples of N(0, 0.02)
  const mean = words.reduce((a, v) => a + v, 0) / words.length;
  const std = Math.sqrt(words.reduce((a, v) => a + (v - mean) ** 2, 0) / words.length);
  assert.ok(Math.abs(mean) < 1e-3, `mean ${mean}`);
  assert.ok(Math.abs(std - 0.02) < 0.001, `std ${std}`);
});
