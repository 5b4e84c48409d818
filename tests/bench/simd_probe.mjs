// Measures this machine's single-thread wasm SIMD128 ceiling in the running engine (V8 here):
// a hand-assembled wasm module whose loop does only independent f32x4 multiply-adds, the inner
// step of a register-blocked GEMM micro-kernel:
//   b = v128.load(p); p = (p + 16) & 1008;   acc_i += b * m_i   for i in 0..A-1
// A independent accumulator chains, 8 FLOP (4 mul + 4 add) per chain per step. WebAssembly
// SIMD128 has no fused multiply-add, so no kernel can issue this mix faster. The product depends on
// a fresh load each step so V8 cannot hoist it out of the loop, and every chain has its own
// multiplier m_i: with shared multipliers V8 computes each distinct product once (an earlier
// version used two, so its loop did 2 multiplies and A adds and overstated the ceiling ~1.6x).
// The probe tries a few chain counts (latency vs register pressure: 2A+1 vectors) and keeps the best.
// With `fused`, each chain step is one relaxed-SIMD f32x4.relaxed_madd instead (an FMA under V8 on
// x86 with FMA3): the ceiling of the relaxed-SIMD builds, about twice SIMD128's.
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
const V128_LOAD32_SPLAT = 0x09;
const V128_CONST = 0x0c;
const F32X4_EXTRACT_LANE = 0x1f;
const F32X4_ADD = 0xe4;
const F32X4_MUL = 0xe6;
const F32X4_RELAXED_MADD = 0x105;

// acc = acc + x·y on locals: f32x4 mul and add (SIMD128), or with `fused` one relaxed-SIMD
// f32x4.relaxed_madd(x, y, acc), which V8 compiles to an FMA where the CPU has one.
function multiplyAdd(acc, x, y, fused) {
  if (fused) return [op.local_get, x, op.local_get, y, op.local_get, acc, ...simd(F32X4_RELAXED_MADD), op.local_set, acc];
  return [op.local_get, acc, op.local_get, x, op.local_get, y, ...simd(F32X4_MUL), ...simd(F32X4_ADD), op.local_set, acc];
}

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
function probeModule(chains, fused = false) {
  const iters = 0;
  const ptr = 1;    // i32
  const b = 2;      // v128 locals from here
  const m = (i) => 3 + i;
  const acc = (i) => 3 + chains + i;
  const constVec = (x) => [...simd(V128_CONST), ...f32Bytes(x), ...f32Bytes(x), ...f32Bytes(x), ...f32Bytes(x)];
  const body = [];
  for (let i = 0; i < chains; i++) body.push(...constVec(0.5 + i / 64), op.local_set, m(i));
  for (let i = 0; i < chains; i++) body.push(...constVec(i), op.local_set, acc(i));
  body.push(op.loop, 0x40);
  body.push(op.local_get, ptr, ...simd(V128_LOAD), 4, 0, op.local_set, b);
  for (let i = 0; i < chains; i++) body.push(...multiplyAdd(acc(i), b, m(i), fused));
  body.push(op.local_get, ptr, op.i32_const, 16, op.i32_add, op.i32_const, 0xf0, 0x07, op.i32_and, op.local_set, ptr);
  body.push(op.local_get, iters, op.i32_const, 1, op.i32_sub, op.local_tee, iters, op.br_if, 0, op.end);
  // The result depends on every chain, so none can be dropped.
  body.push(op.local_get, acc(0), ...simd(F32X4_EXTRACT_LANE), 0);
  for (let i = 1; i < chains; i++) body.push(op.local_get, acc(i), ...simd(F32X4_EXTRACT_LANE), 0, op.f32_add);
  body.push(op.end);
  return wrapModule([2, 1, I32, ...uleb(1 + 2 * chains), V128], body);
}

// One exported function "probe" of type (i32) -> f32 over one page of (zeroed) memory.
function wrapModule(locals, body) {
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

// The inner step of a packed GEMM's register tile of `rows` × (4·`vecs`) floats (the core's
// f32_gemm_4x8_simd is rows 4, vecs 2), data in L1:
//   b_c = f32x4 loads of the packed B panel (c < vecs); for r < rows: a = load32_splat(A panel + r);
//   acc[r][c] += a·b_c          (rows·vecs accumulators, 8·rows·vecs FLOP per step)
// It shows what that instruction mix (loads and splats included) can reach in this engine, between
// the ceiling above and what a whole GEMM reaches (which adds packing, edges and C traffic).
function gemmTileModule(rows = 4, vecs = 2, fused = false) {
  const iters = 0;
  const ptr = 1;  // i32: A panel at ptr, B panel at ptr + 16384
  const b = (c) => 2 + c;
  const a = 2 + vecs;
  const acc = (i) => 3 + vecs + i;
  const load = (offset) => [...simd(V128_LOAD), 4, ...uleb(offset)];
  const splat = (offset) => [...simd(V128_LOAD32_SPLAT), 2, ...uleb(offset)];
  const body = [op.loop, 0x40];
  for (let c = 0; c < vecs; c++) body.push(op.local_get, ptr, ...load(16384 + 16 * c), op.local_set, b(c));
  for (let r = 0; r < rows; r++) {
    body.push(op.local_get, ptr, ...splat(4 * r), op.local_set, a);
    for (let c = 0; c < vecs; c++) body.push(...multiplyAdd(acc(vecs * r + c), a, b(c), fused));
  }
  // ptr += 64, wrapping inside 16 KB: A and B panels stay in L1 as in a packed GEMM.
  body.push(op.local_get, ptr, op.i32_const, 0xc0, 0x00, op.i32_add, op.i32_const, 0xc0, 0xff, 0x00, op.i32_and, op.local_set, ptr);
  body.push(op.local_get, iters, op.i32_const, 1, op.i32_sub, op.local_tee, iters, op.br_if, 0, op.end);
  body.push(op.local_get, acc(0), ...simd(F32X4_EXTRACT_LANE), 0);
  for (let i = 1; i < rows * vecs; i++) body.push(op.local_get, acc(i), ...simd(F32X4_EXTRACT_LANE), 0, op.f32_add);
  body.push(op.end);
  return wrapModule([2, 1, I32, ...uleb(1 + vecs + rows * vecs), V128], body);
}

// Best GFLOP/s of a probe module (by this process's CPU time: on a shared machine wall time would
// include waiting for a core). Grows the loop until one call takes ~20 ms, keeps the best call.
async function bestRate(module, flopsPerIteration, seconds) {
  const { instance } = await WebAssembly.instantiate(module);
  const probe = instance.exports.probe;
  probe(100000);  // tier up (V8 compiles wasm lazily, Liftoff first, then TurboFan)
  let iters = 1 << 16;
  for (;;) {
    const t0 = performance.now();
    probe(iters);
    if (performance.now() - t0 > 20) break;
    iters *= 2;
  }
  let rate = 0;
  const deadline = performance.now() + seconds * 1000;
  while (performance.now() < deadline) {
    const c0 = process.cpuUsage();
    probe(iters);
    const c = process.cpuUsage(c0);
    const s = (c.user + c.system) / 1e6;
    if (s > 0) rate = Math.max(rate, (iters * flopsPerIteration) / s / 1e9);
  }
  return rate;
}

// Returns { gflops, chains, perChains: {chains: gflops} }. `seconds` is the time budget per chain count.
// `fused`: the relaxed-SIMD multiply-add instead of mul + add (needs relaxedSimdSupported()).
// Node only (process.cpuUsage).
export async function measureSimdCeiling({ chainCounts = [4, 5, 6, 7], seconds = 0.3, fused = false } = {}) {
  const perChains = {};
  let best = { gflops: 0, chains: 0 };
  for (const chains of chainCounts) {
    const rate = await bestRate(probeModule(chains, fused), chains * 8, seconds);
    perChains[chains] = rate;
    if (rate > best.gflops) best = { gflops: rate, chains };
  }
  return { ...best, perChains };
}

// GFLOP/s of a GEMM register tile's instruction mix (gemmTileModule above). Node only.
export async function measureGemmTileRate({ rows = 4, vecs = 2, seconds = 0.3, fused = false } = {}) {
  return bestRate(gemmTileModule(rows, vecs, fused), 8 * rows * vecs, seconds);
}

export function simdSupported() {
  return WebAssembly.validate(probeModule(1));
}

/** True when this engine validates relaxed SIMD's f32x4.relaxed_madd (the fused probes). */
export function relaxedSimdSupported() {
  return WebAssembly.validate(probeModule(1, true));
}
