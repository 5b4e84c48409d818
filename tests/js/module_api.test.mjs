// The load() options, the core object's shape and defaults, and result ownership.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { simdSupported, version } from '../../web/attnscope/src/index.js';
import { load } from './helpers/module.mjs';
import { assertClose, randomFloats, randomParameters } from './helpers/numeric.mjs';
import { goldenCases } from './helpers/safetensors.mjs';

const dist = (file) => fileURLToPath(new URL(`../../web/attnscope/dist/${file}`, import.meta.url));
const packageJson = JSON.parse(readFileSync(new URL('../../web/attnscope/package.json', import.meta.url), 'utf8'));
const golden = goldenCases('sdpa').find((g) => g.metadata.mask === 'none' && g.metadata.d_k !== g.metadata.d_v);

function checkGolden(core) {
  const { q, k, v, output, weights } = golden.tensors;
  const meta = golden.metadata;
  const r = core.attention({ q, k, v, n: +meta.n, m: +meta.m, dK: +meta.d_k, dV: +meta.d_v });
  assertClose(r.output, output, { atol: 2e-5, what: 'output' });
  assertClose(r.weights, weights, { atol: 2e-5, what: 'weights' });
  assert.equal(r.scores, undefined, 'scores only with steps: true');
}

describe('load()', () => {
  test('version equals package.json', async () => {
    const core = await load();
    assert.equal(core.version, packageJson.version);
    assert.equal(version, packageJson.version);
  });

  test("simd: 'auto' picks the SIMD build in Node (which supports wasm SIMD)", async () => {
    assert.equal(simdSupported(), true);
    assert.equal((await load()).simd, true);
    assert.equal((await load({ simd: 'auto' })).simd, true);
  });

  test("without wasm SIMD, 'auto' falls back to scalar and simd: true is refused", async (t) => {
    // Simulates an engine without SIMD: its validate() rejects modules using v128 (type 0x7b).
    const validate = WebAssembly.validate;
    t.after(() => { WebAssembly.validate = validate; });
    WebAssembly.validate = (bytes) => !new Uint8Array(bytes).includes(0x7b) && validate(bytes);
    assert.equal(simdSupported(), false);
    const core = await load();
    assert.equal(core.simd, false);
    checkGolden(core);
    await assert.rejects(load({ simd: true }), { name: 'Error', message: /load: simd is true but this WebAssembly engine has no SIMD support/ });
  });

  test('the scalar build contains no SIMD instructions, the SIMD build does (binaryen validator)', async (t) => {
    if (spawnSync('wasm-opt', ['--version']).error) return t.skip('wasm-opt (binaryen, a dependency of emscripten) not on PATH');
    const validatesWithoutSimd = (file) => spawnSync('wasm-opt', ['--all-features', '--disable-simd', dist(file), '-o', '/dev/null']).status === 0;
    assert.equal(validatesWithoutSimd('attnscope-scalar.wasm'), true);
    assert.equal(validatesWithoutSimd('attnscope-simd.wasm'), false);
  });

  test('simd: false forces the scalar build', async () => {
    const core = await load({ simd: false });
    assert.equal(core.simd, false);
    checkGolden(core);
  });

  test('wasmBinary: the bytes of the chosen build (ArrayBuffer or Uint8Array)', async () => {
    const scalar = await load({ simd: false, wasmBinary: readFileSync(dist('attnscope-scalar.wasm')) });
    assert.equal(scalar.simd, false);
    checkGolden(scalar);
    const bytes = readFileSync(dist('attnscope-simd.wasm'));
    const simd = await load({ simd: true, wasmBinary: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) });
    assert.equal(simd.simd, true);
    checkGolden(simd);
  });

  test('locateFile: maps the file name to a path or file: URL', async () => {
    const asked = [];
    const core = await load({ simd: false, locateFile: (file) => { asked.push(file); return dist(file); } });
    assert.deepEqual(asked, ['attnscope-scalar.wasm']);
    checkGolden(core);
    const viaUrl = await load({ locateFile: (file) => new URL(`../../web/attnscope/dist/${file}`, import.meta.url).href });
    checkGolden(viaUrl);
  });

  test('two loads are independent instances', async () => {
    const [a, b] = await Promise.all([load(), load()]);
    const mha = a.createMultiHeadAttention(randomParameters(8, 2, 3));
    assert.notEqual(a.memory().bytesInUse, 0);
    mha.dispose();
    checkGolden(b);
  });
});

describe('results and defaults', () => {
  test('results are caller-owned copies that survive later calls and heap growth', async () => {
    const core = await load();
    const { q, k, v } = golden.tensors;
    const meta = golden.metadata;
    const args = { q, k, v, n: +meta.n, m: +meta.m, dK: +meta.d_k, dV: +meta.d_v };
    const first = core.attention(args);
    const kept = first.output.slice();
    assert.ok(!(first.output.buffer instanceof SharedArrayBuffer));
    assert.notEqual(first.output.buffer.byteLength, core.memory().heapBytes, 'not a view of the wasm heap');
    first.output.fill(42);  // mutating a result does not affect the core
    checkGolden(core);
    const second = core.attention(args);
    assert.deepEqual(second.output, kept);
    // Grow the heap well past its initial size with one big call, then look at the old result again.
    const heapBefore = core.memory().heapBytes;
    const big = 3000;  // weights alone: 36 MB, more than the initial 16 MiB heap
    core.attention({ q: randomFloats(big * 4, 1), k: randomFloats(big * 4, 2), v: randomFloats(big * 4, 3), n: big, dK: 4 });
    assert.ok(core.memory().heapBytes > heapBefore, 'the big call grew the heap');
    assert.deepEqual(second.output, kept);
    checkGolden(core);
  });

  test('attention: m defaults to n, dV to dK; steps adds scores and scaled', async () => {
    const core = await load();
    const q = randomFloats(12, 4);
    const r = core.attention({ q, k: q, v: q, n: 3, dK: 4, steps: true });
    assert.equal(r.output.length, 12);
    assert.equal(r.weights.length, 9);
    for (let i = 0; i < 9; i++) assert.ok(Math.abs(r.scaled[i] - r.scores[i] / 2) < 1e-6, 'scaled = scores/√dK');
    // causal: row 0 attends only key 0
    const causal = core.attention({ q, k: q, v: q, n: 3, dK: 4, mask: 'causal' });
    assert.deepEqual(Array.from(causal.weights.slice(0, 3)), [1, 0, 0]);
    assert.deepEqual(causal.output.slice(0, 4), q.slice(0, 4));
  });

  test('multiHeadAttention: defaults (self-attention, m = n, weights and heads on) and field lengths', async () => {
    const core = await load();
    const p = randomParameters(16, 4, 5, { biases: false });
    const x = randomFloats(5 * 16, 6);
    const y = core.multiHeadAttention({ ...p, x });
    assert.deepEqual(Object.keys(y).sort(), ['heads', 'output', 'weights']);
    assert.equal(y.output.length, 80);
    assert.equal(y.weights.length, 4 * 5 * 5);
    assert.equal(y.heads.length, 80);
    const explicit = core.multiHeadAttention({ ...p, x, context: x, n: 5, m: 5, steps: true });
    assert.deepEqual(explicit.output, y.output, 'context = x is self-attention');
    assert.deepEqual(Object.keys(explicit).sort(), ['heads', 'k', 'output', 'q', 'scaled', 'scores', 'v', 'weights']);
    const lean = core.multiHeadAttention({ ...p, x, weights: false, heads: false });
    assert.deepEqual(Object.keys(lean), ['output']);
    // Without weights the heads stream (online softmax): equal to float rounding, not bit for bit.
    assertClose(lean.output, y.output, { atol: 1e-5, rtol: 0, what: 'output without weights' });
    // cross-attention, m inferred from the context
    const context = randomFloats(7 * 16, 8);
    const cross = core.createMultiHeadAttention(p).forward(x, { context, steps: true });
    assert.equal(cross.weights.length, 4 * 5 * 7);
    assert.equal(cross.k.length, 7 * 16);
  });
});
