// Smoke test of the whole-model comparison with ONNX Runtime Web (CI runs this, not the timings):
// `ort_model_bench.mjs --quick` exports tiny graphs with PyTorch at test time, checks them against the
// golden PyTorch references and attnscope's SIMD128 and relaxed-SIMD builds against ONNX Runtime; the
// comparison catches broken outputs. Needs /usr/bin/python3 with torch (scripts/setup installs it)
// and web/attnscope/dist (the wasm-simd build).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import test from 'node:test';
import { fileURLToPath } from 'node:url';

import { ATTENTION_TOLERANCE, compareOutputs, HIDDEN_TOLERANCE } from '../bench/model_engines.mjs';

const benchDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'bench');

test('ort_model_bench --quick: the exporter matches PyTorch and attnscope matches ONNX Runtime', () => {
  const run = spawnSync(process.execPath, [join(benchDir, 'ort_model_bench.mjs'), '--quick'], {
    encoding: 'utf8', timeout: 300_000,
  });
  assert.equal(run.status, 0, `ort_model_bench --quick failed:\n${run.stdout}\n${run.stderr}`);
  const ok = run.stdout.split('\n').filter((l) => l.startsWith('ok '));
  // 3 golden checkpoints (BERT, GPT-2, Llama with grouped K/V heads): exporter vs PyTorch (hidden,
  // attentions) and 2 builds × 2 inputs × (3 checks); 3 tiny seeded families: 2 builds × 1 input × 3 checks.
  assert.equal(ok.length, 3 * (2 + 2 * 2 * 3) + 3 * 2 * 3, run.stdout);
  for (const what of ['exporter: bert-f32', 'exporter: gpt2-f32', 'exporter: llama-gqa-f32',
    'attnscope relaxed vs onnxruntime-web', 'bert-base family', 'gpt2 family', 'smollm2 family']) {
    assert.ok(ok.some((l) => l.includes(what)), `no check of ${what}:\n${run.stdout}`);
  }
  assert.doesNotMatch(run.stdout, /FAIL|tok\/s/);
});

test('the comparison catches drift, NaN, a missing layer and missing hidden states', () => {
  const expected = { hidden: new Float32Array([1, -2, 0.5]), attentions: [new Float32Array([0.25, 0.75]), new Float32Array([1, 0])] };
  const failing = (actual) => compareOutputs(actual, expected).filter((c) => !c.ok).map((c) => c.what);
  assert.deepEqual(failing(structuredClone(expected)), []);

  let actual = structuredClone(expected);
  actual.hidden[1] += 2 * HIDDEN_TOLERANCE;
  assert.deepEqual(failing(actual), ['hidden']);
  actual = structuredClone(expected);
  actual.hidden[1] += HIDDEN_TOLERANCE / 2;
  actual.attentions[1][0] -= ATTENTION_TOLERANCE / 2;
  assert.deepEqual(failing(actual), []);

  actual = structuredClone(expected);
  actual.attentions[1][1] += 2 * ATTENTION_TOLERANCE;
  assert.deepEqual(failing(actual), ['attentions']);
  actual = structuredClone(expected);
  actual.attentions[0][0] = NaN;
  assert.deepEqual(failing(actual), ['attentions']);
  actual = structuredClone(expected);
  actual.attentions.pop();
  assert.deepEqual(failing(actual), ['attentions']);
  assert.deepEqual(failing({ hidden: null, attentions: expected.attentions }), ['hidden']);
  // Without attentions expected (the graph without probabilities), only the hidden states count.
  assert.deepEqual(compareOutputs({ hidden: expected.hidden, attentions: null }, { hidden: expected.hidden, attentions: null })
    .map((c) => c.what), ['hidden']);
});
