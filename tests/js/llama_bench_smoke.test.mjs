// Smoke test of the model bench's Llama rows (CI runs this, not the timings): `model_bench.mjs --quick
// --models llama` passes its checks (golden Llama vs PyTorch, a tiny random Llama stored as F32 and as
// BF16 with and without attentions), and the seeded checkpoints have the published models' parameter
// counts and the family's initialisation.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import test from 'node:test';
import { fileURLToPath } from 'node:url';

import { llamaForwardFlops } from '../bench/llama_bench.mjs';
import { QWEN25_05B, SMOLLM2_135M, llamaParameterCount, makeLlamaCheckpoint } from '../bench/random_llama.mjs';

const benchDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'bench');

test('model_bench --quick --models llama: every check passes', () => {
  const run = spawnSync(process.execPath, [join(benchDir, 'model_bench.mjs'), '--quick', '--models', 'llama'], {
    encoding: 'utf8', timeout: 120_000,
  });
  assert.equal(run.status, 0, `model_bench failed:\n${run.stdout}\n${run.stderr}`);
  const ok = run.stdout.split('\n').filter((l) => l.startsWith('ok '));
  // golden: 2 layers' attentions + hidden; two tiny random Llamas (F32, BF16): 6 checks each
  assert.equal(ok.length, 15, run.stdout);
  assert.doesNotMatch(run.stdout, /FAIL|tokens\/s/);
});

test('the seeded checkpoints have the published parameter counts', () => {
  // SmolLM2-135M: 134,515,008 parameters; Qwen2.5-0.5B: 494,032,768 (tied embeddings counted once).
  assert.equal(llamaParameterCount(SMOLLM2_135M), 134_515_008);
  assert.equal(llamaParameterCount(QWEN25_05B), 494_032_768);
  // Per layer and token at n = 1: 2·(q + k + v + o) + 2·3·d·ff multiply-adds, as the bench's FLOPs say.
  const d = 576, kv = 192, ff = 1536;
  assert.equal(llamaForwardFlops({ ...SMOLLM2_135M, numLayers: 1 }, 1), 2 * (2 * d * d + 2 * d * kv) + 6 * d * ff + 4 * d);
});

test('a BF16 seeded checkpoint rounds the F32 one to bfloat16, and norms start at 1', () => {
  const shape = { family: 'qwen2', numLayers: 1, dModel: 16, numHeads: 2, numKvHeads: 1, dFF: 24, vocabSize: 50,
    maxPositions: 32, ropeTheta: 10000, rmsNormEps: 1e-6, tied: true };
  const read = (files) => {
    const file = files['model.safetensors'];
    const length = Number(new DataView(file.buffer, file.byteOffset).getBigUint64(0, true));
    return { header: JSON.parse(new TextDecoder().decode(file.subarray(8, 8 + length))), data: file.subarray(8 + length) };
  };
  const f32 = read(makeLlamaCheckpoint(shape, { dtype: 'F32' }));
  const bf16 = read(makeLlamaCheckpoint(shape, { dtype: 'BF16' }));
  assert.deepEqual(Object.keys(f32.header), Object.keys(bf16.header));
  assert.ok('model.layers.0.self_attn.q_proj.bias' in f32.header, 'Qwen2 has Q/K/V biases');
  assert.ok(!('lm_head.weight' in f32.header), 'tied: no lm_head');
  const tensor = (file, name) => file.data.subarray(...file.header[name].data_offsets);
  const wide = new Float32Array(tensor(f32, 'model.layers.0.mlp.up_proj.weight').slice().buffer);
  const narrow = new Uint16Array(tensor(bf16, 'model.layers.0.mlp.up_proj.weight').slice().buffer);
  const widen = (bits) => new Float32Array(new Uint32Array([bits << 16]).buffer)[0];
  let std = 0;
  wide.forEach((w, i) => {
    assert.ok(Math.abs(widen(narrow[i]) - w) <= Math.abs(w) * 2 ** -8, `element ${i}: ${widen(narrow[i])} vs ${w}`);
    std += w * w;
  });
  assert.ok(Math.abs(Math.sqrt(std / wide.length) - 0.02) < 0.004, 'N(0, 0.02) weights');
  assert.deepEqual([...new Float32Array(tensor(f32, 'model.norm.weight').slice().buffer)], Array(16).fill(1));
});
