// The module inside Node worker_threads (both builds, several workers at once).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';

import { assertClose } from './helpers/numeric.mjs';
import { goldenCases } from './helpers/safetensors.mjs';

const golden = goldenCases('sdpa').find((g) => g.metadata.mask === 'allowed');

function runInWorker(options) {
  const { q, k, v, mask } = golden.tensors;
  const meta = golden.metadata;
  const args = { q, k, v, mask, n: +meta.n, m: +meta.m, dK: +meta.d_k, dV: +meta.d_v };
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./helpers/worker.mjs', import.meta.url), { workerData: { options, args } });
    worker.once('message', (message) => { resolve(message); worker.terminate(); });
    worker.once('error', reject);
    worker.once('exit', (code) => { if (code !== 0 && code !== 1) reject(new Error(`worker exited with ${code}`)); });
  });
}

test('attention in worker_threads workers matches PyTorch (simd and scalar, concurrently)', async () => {
  const results = await Promise.all([runInWorker({ simd: true }), runInWorker({ simd: false }), runInWorker({})]);
  assert.deepEqual(results.map((r) => r.simd), [true, false, true]);
  for (const r of results) {
    assertClose(r.output, golden.tensors.output, { atol: 2e-5, what: 'worker output' });
    assertClose(r.weights, golden.tensors.weights, { atol: 2e-5, what: 'worker weights' });
  }
});
