// Smoke test of the benchmark (CI runs this, not the timings): every engine — attnscope's SIMD
// build and its relaxed-SIMD twin, onnxruntime-web on the generated ONNX graph, tfjs-backend-wasm — agrees within 1e-4 at
// small shapes, and attnscope agrees with a float64 reference. Needs web/attnscope/dist (the module build).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import test from 'node:test';
import { fileURLToPath } from 'node:url';

import { buildMultiHeadAttentionOnnx } from '../bench/make_onnx_graph.mjs';
import { makeProblem, maxAbsDiff, referenceMultiHeadAttention } from '../bench/problems.mjs';
import { measureGemmTileRate, measureSimdCeiling, relaxedSimdSupported } from '../bench/simd_probe.mjs';

const benchDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'bench');

test('bench --quick: every engine agrees with attnscope within 1e-4', () => {
  const run = spawnSync(process.execPath, [join(benchDir, 'run_bench.mjs'), '--quick'], {
    encoding: 'utf8', timeout: 120_000,
  });
  assert.equal(run.status, 0, `run_bench --quick failed:\n${run.stdout}\n${run.stderr}`);
  const ok = run.stdout.split('\n').filter((l) => l.startsWith('ok '));
  // 2 shapes × (attnscope, attnscope relaxed and its reused-arrays run vs float64; the last two and
  // 2 peers vs attnscope) × (output, weights): run_bench turns relaxed SIMD on in Node 20.
  assert.equal(ok.length, 28, run.stdout);
  for (const engine of ['attnscope', 'attnscope relaxed', 'attnscope relaxed, reused', 'onnxruntime-web', 'tfjs-backend-wasm']) {
    assert.ok(ok.some((l) => l.includes(engine)), `no check of ${engine}:\n${run.stdout}`);
  }
  assert.doesNotMatch(run.stdout, /FAIL/);
});

test('the agreement check catches a wrong answer and NaN', () => {
  const p = makeProblem({ n: 6, dModel: 8, numHeads: 2, causal: true });
  const ref = referenceMultiHeadAttention(p);
  const wrong = Float32Array.from(ref.weights);
  wrong[7] += 2e-4;
  assert.ok(maxAbsDiff(wrong, ref.weights).diff > 1e-4);
  wrong[7] = NaN;
  assert.equal(maxAbsDiff(wrong, ref.weights).diff, NaN);
  assert.equal(maxAbsDiff(wrong.subarray(1), ref.weights).diff, Infinity);
  // causal: row 0 attends only key 0
  assert.equal(ref.weights[0], 1);
  assert.equal(ref.weights[1], 0);
});

test('the ONNX graph generator rejects bad shapes and writes a model', () => {
  assert.throws(() => buildMultiHeadAttentionOnnx({ dModel: 10, numHeads: 3 }), /numHeads must divide dModel/);
  const bytes = buildMultiHeadAttentionOnnx({ dModel: 8, numHeads: 2, causal: true });
  assert.ok(bytes.length > 200);
  assert.ok(new TextDecoder().decode(bytes).includes('Softmax'));
});

test('the SIMD ceiling probe measures a positive rate', async () => {
  const { gflops, chains } = await measureSimdCeiling({ chainCounts: [4], seconds: 0.05 });
  assert.ok(gflops > 0.1, `probe measured ${gflops} GFLOP/s`);
  assert.equal(chains, 4);
  assert.ok((await measureGemmTileRate({ seconds: 0.05 })) > 0.1);
});

test('the relaxed-SIMD (fused multiply-add) probes validate where relaxed SIMD is on, and measure', async () => {
  (await import('node:v8')).default.setFlagsFromString('--experimental-wasm-relaxed-simd');  // Node 20
  assert.equal(relaxedSimdSupported(), true);
  const { gflops } = await measureSimdCeiling({ chainCounts: [4], seconds: 0.05, fused: true });
  assert.ok(gflops > 0.1, `fused probe measured ${gflops} GFLOP/s`);
  assert.ok((await measureGemmTileRate({ seconds: 0.05, fused: true })) > 0.1);
});
