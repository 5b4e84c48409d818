// Measures this machine's single-thread wasm SIMD128 ceiling in the running engine (V8 here):
// a hand-assembled wasm module whose loop does only independent f32x4 multiply-adds, the inner
// step of a register-blocked GEMM micro-kernel:
//   b = v128.load(p); p = (p + 16) & 1008;   acc_i += b * m_(i mod 2)   for i in 0..A-1
// A independent accumulator chains, 8 FLOP (4 mul + 4 add) per chain per step. WebAssembly
// SIMD128 has no fused multiply-add, so no kernel can issue this mix faster. The product depends on
// a fresh load each step so V8 cannot hoist it out of the loop. The probe tries a few chain counts
// (latency vs register pressure) and keeps the best.
//
// Built by hand (bytes below) rather than with em++ so that no compiler can reshape the loop.

const V128 = 0x7b;
const I32 = 0x7f;
const F32 = 0x7d;
const op = {
  loop: 0x03, br_if: 0x0d, end: 0x0b,
  local_get: 0x20, local_set: 0x21, local_tee: 0x22,
  i32_const: 0x41, i32_add: 0x6a, i32_sub: 0x6b, i32_and: 0x71, f32_add: 0x92,
};
const simd = (code) => [0xfd, ...uleb(code)];
const V128_LOAD = 0x00;
const V128_CONST = 0x0c;
const F32X4_EXTRACT_LANE = 0x1f;
const F32X4_ADD = 0xe4;
const F32X4_MUL = 0xe6;

function uleb(value) {
  const out = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}
const f32Bytes = (x) => [...new Uint8Array(new Float32Array([x]).buffer)];
const vec = (bytes) => [...uleb(bytes.length), ...bytes];
const section = (id, bytes) => [id, ...vec(bytes)];

// (func (param $iters i32) (result f32)) over one page of (zeroed) memory.
function probeModule(chains) {
  const iters = 0;
  const ptr = 1;    // i32
  const b = 2;      // v128 locals from here
  const m0 = 3;
  const m1 = 4;
  const acc = (i) => 5 + i;
  const constVec = (x) => [...simd(V128_CONST), ...f32Bytes(x), ...f32Bytes(x), ...f32Bytes(x), ...f32Bytes(x)];
  const body = [];
  body.push(...constVec(0.5), op.local_set, m0, ...constVec(0.25), op.local_set, m1);
  for (let i = 0; i < chains; i++) body.push(...constVec(i), op.local_set, acc(i));
  body.push(op.loop, 0x40);
  body.push(op.local_get, ptr, ...simd(V128_LOAD), 4, 0, op.local_set, b);
  for (let i = 0; i < chains; i++) {
    body.push(op.local_get, acc(i), op.local_get, b, op.local_get, i % 2 ? m1 : m0, ...simd(F32X4_MUL),
              ...simd(F32X4_ADD), op.local_set, acc(i));
  }
  body.push(op.local_get, ptr, op.i32_const, 16, op.i32_add, op.i32_const, 0xf0, 0x07, op.i32_and, op.local_set, ptr);
  body.push(op.local_get, iters, op.i32_const, 1, op.i32_sub, op.local_tee, iters, op.br_if, 0, op.end);
  // The result depends on every chain, so none can be dropped.
  body.push(op.local_get, acc(0), ...simd(F32X4_EXTRACT_LANE), 0);
  for (let i = 1; i < chains; i++) body.push(op.local_get, acc(i), ...simd(F32X4_EXTRACT_LANE), 0, op.f32_add);
  body.push(op.end);
  const locals = [2, 1, I32, ...uleb(3 + chains), V128];
  const func = vec([...locals, ...body]);
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 1, I32, 1, F32]),   // type: (i32) -> f32
    ...section(3, [1, 0]),                       // one function of type 0
    ...section(5, [1, 0x00, 1]),                 // one memory, one page
    ...section(7, [1, ...vec([...new TextEncoder().encode('probe')]), 0x00, 0]),  // export "probe"
    ...section(10, [1, ...func]),
  ]);
}

// Returns { gflops, chains, perChains: {chains: gflops} }. `seconds` is the time budget per chain count.
// Node only (process.cpuUsage).
export async function measureSimdCeiling({ chainCounts = [4, 8, 12], seconds = 0.3 } = {}) {
  const perChains = {};
  let best = { gflops: 0, chains: 0 };
  for (const chains of chainCounts) {
    const { instance } = await WebAssembly.instantiate(probeModule(chains));
    const probe = instance.exports.probe;
    probe(100000);  // tier up (V8 compiles wasm lazily, Liftoff first, then TurboFan)
    let iters = 1 << 16;
    let rate = 0;
    // grow the loop until one call takes ~20 ms, then keep the best of several calls
    for (;;) {
      const t0 = performance.now();
      probe(iters);
      const ms = performance.now() - t0;
      if (ms > 20) break;
      iters *= 2;
    }
    // Timed by this process's CPU time (as run_bench.mjs times the engines): on a shared machine
    // wall time would include waiting for a core.
    const deadline = performance.now() + seconds * 1000;
    while (performance.now() < deadline) {
      const c0 = process.cpuUsage();
      probe(iters);
      const c = process.cpuUsage(c0);
      const s = (c.user + c.system) / 1e6;
      if (s > 0) rate = Math.max(rate, (iters * chains * 8) / s / 1e9);
    }
    perChains[chains] = rate;
    if (rate > best.gflops) best = { gflops: rate, chains };
  }
  return { ...best, perChains };
}

export function simdSupported() {
  return WebAssembly.validate(probeModule(1));
}
