// Streaming attention through the module (issue 7): `weights: false` computes the output with the
// online-softmax core, never an [n*m] matrix. 16,384 tokens × 64 in the SIMD build within 64 MB of
// wasm memory, checked against a float64 JavaScript reference on sampled rows; with and without
// weights agree at small sizes in both builds, for every mask kind and for cross-attention.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { referenceAttentionRow as referenceRow } from '../bench/problems.mjs';
import { busiestThreadsMs, threadCpuMs } from '../bench/thread_cpu.mjs';
import { FLAVOURS, load } from './helpers/module.mjs';
import { maxAbsDiff, randomFloats, randomParameters } from './helpers/numeric.mjs';

const LONG = 16_384;
const WIDTH = 64;
const MEMORY_LIMIT = 64 * 1024 * 1024;
const SAMPLED_ROWS = [0, 1, 63, 64, 255, 4_097, 9_999, LONG - 1];

/** [rows, d]·W + b in float64, W row-major [d, d]. */
function project(x, rows, d, w, b) {
  const out = new Float64Array(rows * d);
  for (let r = 0; r < rows; r++) {
    for (let p = 0; p < d; p++) {
      const xv = x[r * d + p];
      for (let c = 0; c < d; c++) out[r * d + c] += xv * w[p * d + c];
    }
    if (b) for (let c = 0; c < d; c++) out[r * d + c] += b[c];
  }
  return out;
}

function assertRowsClose(actual, expectedRow, rows, width, tolerance, what) {
  for (const i of rows) {
    const expected = expectedRow(i);
    for (let c = 0; c < width; c++) {
      const error = Math.abs(actual[i * width + c] - expected[c]);
      assert.ok(error <= tolerance, `${what}: row ${i} column ${c} is ${actual[i * width + c]}, ` +
        `expected ${expected[c]} (|error| ${error} > ${tolerance})`);
    }
  }
}

const seconds = (start) => (performance.now() - start) / 1000;
const cpuSeconds = (start) => { const u = process.cpuUsage(start); return (u.user + u.system) / 1e6; };

/** 16,384 × 64 attention without weights on `core`, with and without the causal mask. */
function checkLongAttention(core, label) {
  const q = randomFloats(LONG * WIDTH, 1, 1.5), k = randomFloats(LONG * WIDTH, 2, 1.5);
  const v = randomFloats(LONG * WIDTH, 3);
  for (const mask of [null, 'causal']) {
    const wall = performance.now(), cpu = process.cpuUsage();
    const { output, weights } = core.attention({ q, k, v, n: LONG, dK: WIDTH, mask, weights: false });
    console.log(`attention 16,384 × 64 mask ${mask}, ${label}: ${seconds(wall).toFixed(2)} s wall, ` +
      `${cpuSeconds(cpu).toFixed(2)} s CPU (shared machine), memory ${JSON.stringify(core.memory())}`);
    assert.equal(weights, undefined);
    assert.equal(output.length, LONG * WIDTH);
    assertRowsClose(output, (i) => referenceRow(q, k, v, i, LONG, WIDTH, WIDTH, mask === 'causal'),
      SAMPLED_ROWS, WIDTH, 1e-4, `output (mask ${mask}, ${label})`);
  }
  const { heapBytes, bytesInUse } = core.memory();
  assert.ok(heapBytes < MEMORY_LIMIT, `${label}: wasm memory is ${heapBytes} bytes, expected < ${MEMORY_LIMIT}`);
  assert.ok(bytesInUse < 4 * 1024 * 1024, `${label}: ${bytesInUse} bytes still malloc'd after the calls`);
}

describe('16,384 × 64, one head, in the SIMD build', () => {
  test('core.attention({ weights: false }) stays under 64 MB and matches float64 on sampled rows',
    { timeout: 300_000 }, async () => {
      // A fresh single-thread instance: its memory has grown for nothing else.
      checkLongAttention(await load({ simd: true, threads: false }), 'SIMD build, 1 thread');
    });

  test('the same on 2 threads (threads build: query blocks spread over the pool)', { timeout: 300_000 }, async (t) => {
    const core = await load({ simd: true, threads: 'auto' });
    if (core.threads < 2) return t.skip(`the threads build is not available here (core.threads = ${core.threads})`);
    const before = threadCpuMs();
    checkLongAttention(core, `threads build, ${core.threads} threads`);
    const busiest = busiestThreadsMs(before, threadCpuMs());
    if (busiest) {  // on a busy machine the wall time shows little; each thread's CPU shows the split
      console.log(`CPU of the two busiest threads: ${busiest.map((ms) => `${(ms / 1000).toFixed(2)} s`).join(' + ')} ` +
        '(two free cores would take about the larger)');
    }
  });

  test('the same in the relaxed-SIMD threads build (FMA), as Chrome 114+ and Node 22+ load it', { timeout: 300_000 }, async (t) => {
    (await import('node:v8')).default.setFlagsFromString('--experimental-wasm-relaxed-simd');  // Node 20
    let core;
    try {
      core = await load({ relaxedSimd: true, threads: 2 });
    } catch (error) {
      return t.skip(`the relaxed-SIMD threads build is not available here: ${error.message}`);
    }
    assert.equal(core.relaxedSimd, true);
    checkLongAttention(core, `relaxed-SIMD threads build, ${core.threads} threads`);
  });

  test('multiHeadAttention({ weights: false, heads: false }) stays under 64 MB and matches float64',
    { timeout: 300_000 }, async () => {
      const core = await load({ simd: true, threads: false });
      const params = randomParameters(WIDTH, 1, 30);
      const x = randomFloats(LONG * WIDTH, 31, 1.5);
      const wall = performance.now(), cpu = process.cpuUsage();
      const result = core.multiHeadAttention({ ...params, x, weights: false, heads: false });
      console.log(`multiHeadAttention 16,384 × 64 × 1 head: ${seconds(wall).toFixed(2)} s wall, ` +
        `${cpuSeconds(cpu).toFixed(2)} s CPU (shared machine), memory ${JSON.stringify(core.memory())}`);
      assert.deepEqual(Object.keys(result), ['output']);
      const { heapBytes } = core.memory();
      assert.ok(heapBytes < MEMORY_LIMIT, `wasm memory is ${heapBytes} bytes, expected < ${MEMORY_LIMIT}`);

      const q = project(x, LONG, WIDTH, params.wq, params.bq);
      const k = project(x, LONG, WIDTH, params.wk, params.bk);
      const v = project(x, LONG, WIDTH, params.wv, params.bv);
      const expectedRow = (i) => {
        const head = referenceRow(q, k, v, i, LONG, WIDTH, WIDTH, false);
        return project(head, 1, WIDTH, params.wo, params.bo);
      };
      assertRowsClose(result.output, expectedRow, SAMPLED_ROWS, WIDTH, 1e-4, 'output');
    });
});

for (const flavour of FLAVOURS) {
  describe(`with and without weights agree (${flavour.name})`, () => {
    const n = 130, m = 300, dK = 24, dV = 20;
    const q = randomFloats(n * dK, 40, 2), k = randomFloats(m * dK, 41, 2), v = randomFloats(m * dV, 42);
    const allowed = new Uint8Array(n * m).map((_, i) => (i * 7919) % 5 === 0 ? 0 : 1);
    allowed.fill(0, 3 * m, 4 * m);  // query 3 may attend nothing: a zero row on both paths

    test('core.attention, every mask kind, also m != n', async () => {
      const core = await load(flavour.options);
      for (const [mask, rows, keys] of [[null, n, m], ['causal', n, m], ['causal', m, n], [allowed, n, m]]) {
        const options = { q: randomFloats(rows * dK, 43, 2), k: k.subarray(0, keys * dK), v: v.subarray(0, keys * dV), n: rows, m: keys, dK, dV, mask };
        const full = core.attention(options);
        const streamed = core.attention({ ...options, weights: false });
        assert.equal(streamed.weights, undefined);
        assert.ok(maxAbsDiff(streamed.output, full.output) <= 1e-5,
          `mask ${mask?.constructor?.name ?? mask} ${rows}×${keys}: max |difference| ${maxAbsDiff(streamed.output, full.output)}`);
      }
      const dead = core.attention({ q, k, v, n, m, dK, dV, mask: allowed, weights: false }).output;
      assert.deepEqual(Array.from(dead.subarray(3 * dV, 4 * dV)), new Array(dV).fill(0));
      // steps: true still needs the matrices: the regular path, without the weights in the result.
      const stepsOnly = core.attention({ q, k, v, n, m, dK, dV, steps: true, weights: false });
      assert.equal(stepsOnly.weights, undefined);
      assert.equal(stepsOnly.scores.length, n * m);
    });

    test('multiHeadAttention and forward(), self- and cross-attention', async () => {
      const core = await load(flavour.options);
      const dModel = 32, numHeads = 4;
      const params = randomParameters(dModel, numHeads, 50);
      const x = randomFloats(n * dModel, 51), context = randomFloats(m * dModel, 52);
      const mha = core.createMultiHeadAttention(params);
      try {
        for (const options of [{ mask: 'causal' }, { context }, { context, mask: allowed }]) {
          const full = mha.forward(x, options);
          const streamed = mha.forward(x, { ...options, weights: false });
          assert.equal(streamed.weights, undefined);
          assert.ok(maxAbsDiff(streamed.output, full.output) <= 1e-5, `output, ${Object.keys(options)}`);
          assert.ok(maxAbsDiff(streamed.heads, full.heads) <= 1e-5, `heads, ${Object.keys(options)}`);
        }
      } finally {
        mha.dispose();
      }
      const oneShot = core.multiHeadAttention({ ...params, x, mask: 'causal', weights: false, heads: false });
      assert.ok(maxAbsDiff(oneShot.output, core.multiHeadAttention({ ...params, x, mask: 'causal' }).output) <= 1e-5);
    });

    test('bad input on the streaming path: errors name the argument, the core stays usable', async () => {
      const core = await load(flavour.options);
      const first = core.attention({ q, k, v, n, m, dK, dV, weights: false });  // warms the kernel's buffers
      const before = core.memory().bytesInUse;
      assert.throws(() => core.attention({ q, k, v, n, m, dK, dV, weights: 'no' }),
        { name: 'TypeError', message: /attention: weights must be true or false, got "no"/ });
      const bad = q.slice();
      bad[5] = NaN;
      assert.throws(() => core.attention({ q: bad, k, v, n, m, dK, dV, weights: false }),
        { message: /q\[5\] is NaN/ });
      const again = core.attention({ q, k, v, n, m, dK, dV, weights: false });
      assert.deepEqual(again.output, first.output);
      assert.equal(core.memory().bytesInUse, before, 'nothing left allocated after the calls');
    });
  });
}
