// The relaxed-SIMD builds (attnscope-relaxed-simd[-threads], linked in the wasm-simd and
// wasm-simd-threads builds) through the public API in Node: load() picks them where the engine has
// relaxed SIMD, they give the PyTorch golden answers, an engine without relaxed SIMD falls back to
// the SIMD128 build (or is told why when it asked for relaxed SIMD), bad `relaxedSimd` values are
// refused, and bindings/relaxed_simd_opcodes.mjs rewrites only real instructions.
//
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { before, describe, test } from 'node:test';

import { rewriteRelaxedSimdOpcodes } from '../../bindings/relaxed_simd_opcodes.mjs';
import { load, relaxedSimdSupported } from '../../web/attnscope/src/index.js';
import { assertClose, maxAbsDiff, randomFloats } from './helpers/numeric.mjs';
import { goldenCases, goldenMask, runGoldenMha } from './helpers/safetensors.mjs';
import v8 from 'node:v8';

// Node 20 validates relaxed SIMD only behind --experimental-wasm-relaxed-simd (Chrome 114+ and
// Node 22+ by default): this file's process turns it on before any wasm is compiled.
v8.setFlagsFromString('--experimental-wasm-relaxed-simd');

const dist = new URL('../../web/attnscope/dist/', import.meta.url);
const has = (file) => existsSync(new URL(file, dist));
const skip = has('attnscope-relaxed-simd.wasm') ? false : 'web/attnscope/dist has no relaxed-SIMD build: ./scripts/build wasm-simd';
const skipThreads = has('attnscope-relaxed-simd-threads.worker.js') ? false
  : 'web/attnscope/dist has no relaxed-SIMD threads build: ./scripts/build wasm-simd-threads';
const index = new URL('../../web/attnscope/src/index.js', import.meta.url).href;

/** Runs `script` (an ES module body with `load` imported) in a Node without relaxed SIMD. */
function runWithoutRelaxedSimd(script) {
  const child = spawnSync(process.execPath, ['--input-type=module', '-e',
    `import { load, relaxedSimdSupported } from '${index}';\n${script}`], { encoding: 'utf8', timeout: 60000 });
  assert.equal(child.status, 0, `exit status ${child.status}: ${child.stderr}`);
  return child.stdout.trim();
}

function checkGolden(core) {
  const cases = [...goldenCases('mha'), ...goldenCases('sdpa')];
  assert.ok(cases.length >= 10);
  for (const golden of cases) {
    let result;
    if (golden.metadata.op === 'sdpa') {
      const { q, k, v } = golden.tensors;
      const m = golden.metadata;
      result = core.attention({ q, k, v, n: Number(m.n), m: Number(m.m), dK: Number(m.d_k), dV: Number(m.d_v),
        mask: goldenMask(golden) });
    } else {
      result = runGoldenMha(core, golden);
    }
    for (const name of ['weights', 'output']) {
      assertClose(result[name], golden.tensors[name], { atol: 2e-5, rtol: 2e-4, what: `${golden.name} ${name}` });
    }
  }
}

describe('relaxed-SIMD build', { skip }, () => {
  let relaxed;
  let plain;
  before(async () => {
    relaxed = await load({ threads: false });
    plain = await load({ threads: false, relaxedSimd: false });
  });

  test('is chosen by default where the engine has relaxed SIMD', async () => {
    assert.equal(relaxedSimdSupported(), true);
    assert.equal(relaxed.relaxedSimd, true);
    assert.equal(relaxed.simd, true);
    assert.equal(plain.relaxedSimd, false);
    assert.equal((await load({ simd: false })).relaxedSimd, false, 'scalar stays scalar');
  });

  test('golden cases: PyTorch within tolerance', () => checkGolden(relaxed));

  test('agrees with the SIMD128 build to rounding at the benchmark shapes', () => {
    for (const [n, dModel, numHeads, mask] of [[128, 768, 12, null], [200, 256, 4, 'causal']]) {
      const scale = 1 / Math.sqrt(dModel);
      const p = {
        dModel, numHeads, n, mask, x: randomFloats(n * dModel, n),
        wq: randomFloats(dModel * dModel, 1, scale), wk: randomFloats(dModel * dModel, 2, scale),
        wv: randomFloats(dModel * dModel, 3, scale), wo: randomFloats(dModel * dModel, 4, scale),
      };
      const [a, b] = [relaxed, plain].map((core) => core.multiHeadAttention(p));
      for (const name of ['output', 'weights']) {
        const diff = maxAbsDiff(a[name], b[name]);
        assert.ok(diff <= 1e-5, `${n}x${dModel}x${numHeads} ${name}: max |diff| ${diff}`);
      }
      const streamed = relaxed.multiHeadAttention({ ...p, weights: false });
      assert.ok(maxAbsDiff(streamed.output, a.output) <= 1e-5, 'the streaming path agrees');
    }
  });

  test('bad relaxedSimd values are refused, and wasmBinary keeps the build it names', async () => {
    for (const bad of [1, 'yes', null, {}]) {
      await assert.rejects(load({ relaxedSimd: bad }),
        (e) => e instanceof TypeError && /relaxedSimd must be 'auto', true or false/.test(e.message), String(bad));
    }
    await assert.rejects(load({ relaxedSimd: true, simd: false }), /relaxedSimd is true but simd is false/);
    const simdBytes = readFileSync(new URL('attnscope-simd.wasm', dist));
    assert.equal((await load({ wasmBinary: simdBytes })).relaxedSimd, false);
    const relaxedBytes = readFileSync(new URL('attnscope-relaxed-simd.wasm', dist));
    const fromBytes = await load({ wasmBinary: relaxedBytes, relaxedSimd: true });
    assert.equal(fromBytes.relaxedSimd, true);
  });

  test('an engine without relaxed SIMD falls back to SIMD128, or says why when it was asked for', () => {
    const out = runWithoutRelaxedSimd(`
      const core = await load({ threads: false });
      let message = '';
      try { await load({ relaxedSimd: true }); } catch (e) { message = e.message; }
      console.log(JSON.stringify({ supported: relaxedSimdSupported(), relaxed: core.relaxedSimd, simd: core.simd, message }));`);
    const result = JSON.parse(out);
    assert.deepEqual({ ...result, message: undefined },
      { supported: false, relaxed: false, simd: true, message: undefined });
    assert.match(result.message, /relaxedSimd is true but this WebAssembly engine does not support relaxed SIMD/);
  });

  test('the threads twin: chosen with threads, golden cases within tolerance', { skip: skipThreads }, async () => {
    const threaded = await load({ threads: 2 });
    assert.equal(threaded.relaxedSimd, true);
    assert.equal(threaded.threads, 2);
    checkGolden(threaded);
  });
});

describe('bindings/relaxed_simd_opcodes.mjs', () => {
  // (func (param v128 v128 v128) (result v128)) whose body is `body`, in a whole module.
  const moduleWith = (body) => {
    const code = [0x00, ...body, 0x0b];  // no locals, body, end
    return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
      0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b,
      0x03, 0x02, 0x01, 0x00,
      0x0a, code.length + 2, 0x01, code.length, ...code]);
  };
  const args = [0x20, 0x00, 0x20, 0x01, 0x20, 0x02];
  const clangFma = [0xfd, 0xaf, 0x01];
  const standardFma = [0xfd, 0x85, 0x02];

  test('rewrites the pre-standard f32x4.fma and leaves look-alike immediate bytes alone', () => {
    // v128.const whose 16 immediate bytes contain the pattern, dropped; then the real instruction.
    const constant = [0xfd, 0x0c, ...clangFma, ...new Array(13).fill(0)];
    const bytes = moduleWith([...constant, 0x1a, ...args, ...clangFma]);
    assert.equal(WebAssembly.validate(bytes), false, 'engines reject the pre-standard opcode');
    assert.equal(rewriteRelaxedSimdOpcodes(bytes), 1);
    assert.deepEqual([...bytes.slice(-4, -1)], standardFma);
    assert.deepEqual([...bytes.slice(-27, -24)], clangFma, 'the constant is untouched');
    assert.equal(WebAssembly.validate(bytes), true);
  });

  test('refuses other pre-standard relaxed opcodes, unknown opcodes and non-wasm input', () => {
    assert.throws(() => rewriteRelaxedSimdOpcodes(moduleWith([...args, 0xfd, 0xb2, 0x01])),
      /pre-standard relaxed-SIMD opcode 0xfd 0xb2 .* has no rewrite/);
    assert.throws(() => rewriteRelaxedSimdOpcodes(moduleWith([0xf0])), /unknown opcode 0xf0/);
    assert.throws(() => rewriteRelaxedSimdOpcodes(new TextEncoder().encode('<html>not wasm</html>')),
      /not a wasm module/);
  });

  test('leaves the standard instructions numbered among the pre-standard ones alone', () => {
    // i32x4.mul (0xb5), i64x2.mul (0xd5), i32x4.extend_low_i16x8_s (0xa7), f32x4.sqrt (0xe3),
    // f64x2.sqrt (0xef): an autovectorised integer multiply put 0xb5 into the relaxed test build.
    for (const body of [[0x20, 0x00, 0x20, 0x01, 0xfd, 0xb5, 0x01], [0x20, 0x00, 0x20, 0x01, 0xfd, 0xd5, 0x01],
      [0x20, 0x00, 0xfd, 0xa7, 0x01], [0x20, 0x00, 0xfd, 0xe3, 0x01], [0x20, 0x00, 0xfd, 0xef, 0x01]]) {
      const bytes = moduleWith(body);
      assert.equal(WebAssembly.validate(bytes), true, `standard body ${body} validates`);
      const before = [...bytes];
      assert.equal(rewriteRelaxedSimdOpcodes(bytes), 0);
      assert.deepEqual([...bytes], before);
    }
  });

  test('the shipped relaxed build has only standard opcodes left to rewrite', { skip }, () => {
    const bytes = new Uint8Array(readFileSync(new URL('attnscope-relaxed-simd.wasm', dist)));
    assert.equal(rewriteRelaxedSimdOpcodes(bytes), 0, 'already rewritten at build time');
    assert.equal(WebAssembly.validate(bytes), true);
  });
});
