// The threads build (attnscope-simd-threads, ./scripts/build wasm-simd-threads) through the public
// API in Node: load() picks it by default here (SharedArrayBuffer, worker_threads), it gives the
// PyTorch golden answers and the single-thread build's results within 1e-5, threads: false and
// wasmBinary keep one thread, bad `threads` values are refused, growth of the shared heap by a pool
// thread is seen by the JS side, and an unreachable core's workers do not keep Node alive.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { before, describe, test } from 'node:test';

import { load } from '../../web/attnscope/src/index.js';
import { threadsSupported } from '../../web/attnscope/src/loader.js';
import { assertClose, maxAbsDiff, randomFloats } from './helpers/numeric.mjs';
import { goldenCases, goldenMask, runGoldenMha } from './helpers/safetensors.mjs';

const dist = new URL('../../web/attnscope/dist/', import.meta.url);
const built = ['js', 'wasm', 'worker.js'].every((ext) => existsSync(new URL(`attnscope-simd-threads.${ext}`, dist)));
const skip = built ? false : 'web/attnscope/dist has no threads build: ./scripts/build wasm-simd-threads';

function randomMha(n, dModel, numHeads, seed) {
  const scale = 1 / Math.sqrt(dModel);
  return {
    dModel, numHeads, n, x: randomFloats(n * dModel, seed),
    wq: randomFloats(dModel * dModel, seed + 1, scale), wk: randomFloats(dModel * dModel, seed + 2, scale),
    wv: randomFloats(dModel * dModel, seed + 3, scale), wo: randomFloats(dModel * dModel, seed + 4, scale),
    bq: randomFloats(dModel, seed + 5), bo: randomFloats(dModel, seed + 6),
  };
}

describe('threads build', { skip }, () => {
  let threaded;
  let single;
  before(async () => {
    threaded = await load();
    single = await load({ threads: false });
  });

  test('is the default in Node, with one thread per core up to 4', async () => {
    assert.equal(threadsSupported(), true);
    const { availableParallelism, cpus } = await import('node:os');
    const cores = availableParallelism?.() ?? cpus().length;
    assert.equal(threaded.threads, Math.min(4, cores));
    assert.equal(threaded.simd, true);
    assert.equal(single.threads, 1);
    assert.equal((await load({ threads: 1 })).threads, 1);
    assert.equal((await load({ threads: 3 })).threads, 3);
    assert.equal((await load({ simd: false })).threads, 1, 'the scalar build has no threads');
  });

  test('golden cases: PyTorch within tolerance, the single-thread build within 1e-5', () => {
    const cases = [...goldenCases('mha'), ...goldenCases('sdpa')];
    assert.ok(cases.length >= 10);
    for (const golden of cases) {
      let a;
      let b;
      if (golden.metadata.op === 'sdpa') {
        const { q, k, v } = golden.tensors;
        const m = golden.metadata;
        const options = { q, k, v, n: Number(m.n), m: Number(m.m), dK: Number(m.d_k), dV: Number(m.d_v), mask: goldenMask(golden), steps: true };
        [a, b] = [threaded.attention(options), single.attention(options)];
      } else {
        [a, b] = [runGoldenMha(threaded, golden), runGoldenMha(single, golden)];
      }
      for (const name of ['weights', 'output']) {
        assertClose(a[name], golden.tensors[name], { atol: 2e-5, rtol: 2e-4, what: `${golden.name} ${name}` });
        assert.ok(maxAbsDiff(a[name], b[name]) <= 1e-5, `${golden.name} ${name}: threads vs one thread`);
      }
    }
  });

  test('shapes the kernels split (rows, column panels, causal softmax) equal one thread within 1e-5', () => {
    for (const [n, dModel, numHeads, mask] of [[128, 256, 4, 'causal'], [9, 768, 12, null], [200, 64, 2, null]]) {
      const p = randomMha(n, dModel, numHeads, n);
      const [a, b] = [threaded, single].map((core) => core.multiHeadAttention({ ...p, mask, steps: true }));
      for (const name of ['output', 'weights', 'heads', 'q', 'scores']) {
        const diff = maxAbsDiff(a[name], b[name]);
        assert.ok(diff <= 1e-5, `${n}x${dModel}x${numHeads} ${name}: max |diff| ${diff}`);
      }
    }
  });

  test('heap growth during a threaded call is seen by the JS side', () => {
    const core = threaded;
    const before = core.memory().heapBytes;
    // Big enough that the heap grows during the call: the [8, 1024, 1024] weights alone are 32 MiB
    // (and the pool threads' GEMM packing buffers grow with it).
    const p = randomMha(1024, 512, 8, 99);
    const mha = core.createMultiHeadAttention(p);
    const r = mha.forward(p.x, { n: p.n });
    const reference = single.multiHeadAttention({ ...p });
    mha.dispose();
    assert.ok(core.memory().heapBytes > before, `the heap grew (${before} -> ${core.memory().heapBytes})`);
    assert.ok(maxAbsDiff(r.output, reference.output) <= 1e-5);
    assert.ok(maxAbsDiff(r.weights, reference.weights) <= 1e-5);
  });

  test('bad threads values are refused with the expected values named', async () => {
    for (const bad of [0, -1, 1.5, 65, NaN, '2', null, {}, 2n]) {
      await assert.rejects(load({ threads: bad }),
        (e) => e instanceof TypeError && /threads must be 'auto', true, false or an integer from 1 to 64/.test(e.message),
        `threads: ${String(bad)}`);
    }
    await assert.rejects(load({ threads: 2, simd: false }), /threads is 2 but the threads build needs WebAssembly SIMD/);
    assert.equal((await load({ threads: true })).threads >= 2, true);
  });

  test('wasmBinary keeps the single-thread build unless threads are asked for', async () => {
    const simdBytes = await readFile(new URL('attnscope-simd.wasm', dist));
    const core = await load({ wasmBinary: simdBytes });
    assert.equal(core.threads, 1);
    const threadBytes = await readFile(new URL('attnscope-simd-threads.wasm', dist));
    const two = await load({ wasmBinary: threadBytes, threads: 2 });
    assert.equal(two.threads, 2);
    const p = randomMha(64, 128, 4, 5);
    assert.ok(maxAbsDiff(two.multiHeadAttention(p).output, single.multiHeadAttention(p).output) <= 1e-5);
  });

  test('a script that loads the threads build exits on its own', () => {
    const index = new URL('../../web/attnscope/src/index.js', import.meta.url).href;
    const script = `import { load } from '${index}'; const core = await load(); console.log(core.threads);`;
    const started = Date.now();
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60000 });
    assert.equal(child.status, 0, `exit status ${child.status}, signal ${child.signal}: ${child.stderr}`);
    assert.ok(Number(child.stdout) >= 2, `threads: ${child.stdout}`);
    assert.equal(child.stderr, '', 'nothing printed on stderr');
    console.log(`  load() and exit in a child process: ${Date.now() - started} ms`);
  });
});
