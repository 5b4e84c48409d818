// The few SIMD primitives every *_simd.cpp kernel uses, on one fixed-width type: 4 float lanes
// (SSE natively, SIMD128 under Emscripten, NEON on ARM). Fixing the width keeps the kernels'
// register blocking (e.g. the 4x8 GEMM tile) the same on every target. Only *_simd.cpp includes this.
#pragma once
#include <xsimd/xsimd.hpp>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "kernels/common.hpp"

#ifndef ATTNSCOPE_RELAXED_SIMD
#define ATTNSCOPE_RELAXED_SIMD 0
#endif

namespace attnscope::kernels::simd {

using f32x4 = xsimd::make_sized_batch_t<float, 4>;
static_assert(!std::is_void_v<f32x4>, "xsimd offers no 4-lane float batch for this target");
inline constexpr std::size_t kLanes = 4;

inline f32x4 load(const float* p) noexcept { return f32x4::load_unaligned(p); }
inline void store(float* p, f32x4 v) noexcept { v.store_unaligned(p); }
// Explicit broadcast (splat): measurably faster than letting the compiler form it from a scalar.
inline f32x4 splat(float x) noexcept { return f32x4::broadcast(x); }
// a·b + c. SIMD128 has no fused multiply-add (xsimd issues a multiply and an add); the
// relaxed-SIMD builds (ATTNSCOPE_RELAXED_SIMD, em++ -mrelaxed-simd) use f32x4.relaxed_madd, which
// V8 runs as one FMA where the CPU has it: half the arithmetic instructions of a GEMM step.
// clang 14 spells it __builtin_wasm_fma_f32x4 and encodes it with a pre-standard opcode that
// bindings/relaxed_simd_opcodes.mjs rewrites after linking; the operands go in relaxed_madd's order.
#if ATTNSCOPE_RELAXED_SIMD
inline f32x4 fmadd(f32x4 a, f32x4 b, f32x4 c) noexcept {
  using float4 = float __attribute__((vector_size(16)));
  const v128_t a_bits = a, b_bits = b, c_bits = c;
  return f32x4(static_cast<v128_t>(__builtin_wasm_fma_f32x4(
      static_cast<float4>(a_bits), static_cast<float4>(b_bits), static_cast<float4>(c_bits))));
}
#else
inline f32x4 fmadd(f32x4 a, f32x4 b, f32x4 c) noexcept { return xsimd::fma(a, b, c); }
#endif
inline f32x4 vmax(f32x4 a, f32x4 b) noexcept { return xsimd::max(a, b); }

// 2^y and exp for the softmax kernels, whose arguments are x - row_max <= 0 (-inf when masked).
// xsimd::exp guards every special case and is one long dependency chain (~7 ns per float under
// V8, as much as the Q·Kᵀ GEMM that produced the row); this keeps only the guards the softmax
// needs and a short chain, ~4x faster:
//   n = round(y) (by the 1.5·2^23 rounding trick, whose low mantissa bits then hold n + 127, the
//   biased exponent of 2^n), f = y - n in [-1/2, 1/2], 2^y = 2^n · p(f), p a degree-5 minimax fit
//   of 2^f with p(0) = 1 (relative error 1.2e-7, about 1 ulp; exp(0) = 1 exactly), evaluated
//   Estrin-style (dependency depth 4 instead of Horner's 10).
// Range: y < -126.5 (2^y below FLT_MIN, including -inf) gives exactly 0 where std::exp2 would give
// a denormal (< 1.2e-38 away): clamping y at -127 makes n + 127 = 0, the bit pattern of 2^n then
// being +0.0, so no compare and select is needed. y > 127 is clamped to 2^127. NaN gives NaN under
// wasm (pmax keeps its first operand) and 0 on x86 SSE (maxps returns its second).
// vexp2 on N vectors at once, each step applied to all N before the next: N independent
// dependency chains side by side, so the out-of-order core overlaps them (one vector's chain is
// ~13 operations deep, and the scheduler only sees a few dozen operations ahead).
template <std::size_t N>
inline void vexp2_each(f32x4 (&y)[N]) noexcept {
  const f32x4 round_magic = splat(12582912.0f + 127.0f);
  f32x4 t[N], f[N], f2[N], p01[N], p23[N], p45[N];
  for (std::size_t i = 0; i < N; ++i) y[i] = xsimd::min(xsimd::max(y[i], splat(-127.0f)), splat(127.0f));
  for (std::size_t i = 0; i < N; ++i) t[i] = y[i] + round_magic;
  for (std::size_t i = 0; i < N; ++i) f[i] = y[i] - (t[i] - round_magic);
  for (std::size_t i = 0; i < N; ++i) f2[i] = f[i] * f[i];
  for (std::size_t i = 0; i < N; ++i) p01[i] = splat(1.0f) + splat(0.693147063f) * f[i];
  for (std::size_t i = 0; i < N; ++i) p23[i] = splat(0.240222424f) + splat(0.0555058233f) * f[i];
  for (std::size_t i = 0; i < N; ++i) p45[i] = splat(0.00967151672f) + splat(0.00133088243f) * f[i];
  for (std::size_t i = 0; i < N; ++i) p23[i] = p23[i] + f2[i] * p45[i];
  for (std::size_t i = 0; i < N; ++i) p01[i] = p01[i] + f2[i] * p23[i];
  for (std::size_t i = 0; i < N; ++i) {
    y[i] = p01[i] * xsimd::bitwise_cast<float>(xsimd::bitwise_cast<std::int32_t>(t[i]) << 23);
  }
}
inline f32x4 vexp2(f32x4 y) noexcept {
  f32x4 one[1] = {y};
  vexp2_each(one);
  return one[0];
}
inline constexpr float kLog2e = 1.44269504088896341f;
inline f32x4 vexp(f32x4 x) noexcept { return vexp2(x * splat(kLog2e)); }
inline float sum_lanes(f32x4 v) noexcept { return xsimd::reduce_add(v); }
inline float max_lanes(f32x4 v) noexcept { return xsimd::reduce_max(v); }

// In-register 4x4 transpose: rows r0..r3 in, columns out (r0 becomes {r0[0], r1[0], r2[0], r3[0]}).
// Used to pack GEMM panels with vector loads and stores instead of scalar gathers.
inline void transpose4x4(f32x4& r0, f32x4& r1, f32x4& r2, f32x4& r3) noexcept {
  const f32x4 t0 = xsimd::zip_lo(r0, r2), t1 = xsimd::zip_hi(r0, r2);
  const f32x4 t2 = xsimd::zip_lo(r1, r3), t3 = xsimd::zip_hi(r1, r3);
  r0 = xsimd::zip_lo(t0, t2);
  r1 = xsimd::zip_hi(t0, t2);
  r2 = xsimd::zip_lo(t1, t3);
  r3 = xsimd::zip_hi(t1, t3);
}

// The first `count` (< kLanes) elements of p, the other lanes set to `fill`.
inline f32x4 load_partial(const float* p, std::size_t count, float fill) noexcept {
  alignas(16) float lanes[kLanes] = {fill, fill, fill, fill};
  for (std::size_t i = 0; i < count; ++i) lanes[i] = p[i];
  return f32x4::load_aligned(lanes);
}
inline void store_partial(float* p, std::size_t count, f32x4 v) noexcept {
  alignas(16) float lanes[kLanes];
  v.store_aligned(lanes);
  for (std::size_t i = 0; i < count; ++i) p[i] = lanes[i];
}

// ---- 16-bit elements (kernels/common.hpp has the scalar conversions) ----

using u16x8 = xsimd::batch<std::uint16_t, f32x4::arch_type>;
using u32x4 = xsimd::batch<std::uint32_t, f32x4::arch_type>;
static_assert(u16x8::size == 8 && u32x4::size == 4, "16-bit widening expects 128-bit vectors");

// f16_to_f32 of common.hpp on 4 lanes, each holding a half in its low 16 bits.
inline f32x4 f16_to_f32(u32x4 h) noexcept {
  const u32x4 sign = (h & u32x4(0x8000u)) << 16;
  u32x4 bits = (h & u32x4(0x7FFFu)) << 13;
  const u32x4 exponent = bits & u32x4(kF16ExponentMask);
  bits += u32x4(kF16Rebias);
  bits = xsimd::select(exponent == u32x4(kF16ExponentMask), bits + u32x4(kF16Rebias), bits);
  const f32x4 subnormal =
      xsimd::bitwise_cast<float>(bits + u32x4(1u << 23)) - splat(float_from_bits(kF16Subnormal2));
  bits = xsimd::select(exponent == u32x4(0u), xsimd::bitwise_cast<std::uint32_t>(subnormal), bits);
  return xsimd::bitwise_cast<float>(bits | sign);
}

// p[0..8) widened to float: lo = p[0..4), hi = p[4..8). 16-bit elements take one 16-byte load and
// an interleave with zeros (bf16: into the upper halves, which is the whole conversion; f16: into
// the lower halves, then f16_to_f32).
template <ElementType Type>
inline void load_widened_8(const Stored<Type>* p, f32x4& lo, f32x4& hi) noexcept {
  if constexpr (Type == ElementType::f32) {
    lo = load(p);
    hi = load(p + kLanes);
  } else {
    const u16x8 h = u16x8::load_unaligned(p), zero(std::uint16_t{0});
    if constexpr (Type == ElementType::bf16) {
      lo = xsimd::bitwise_cast<float>(xsimd::zip_lo(zero, h));
      hi = xsimd::bitwise_cast<float>(xsimd::zip_hi(zero, h));
    } else {
      lo = f16_to_f32(xsimd::bitwise_cast<std::uint32_t>(xsimd::zip_lo(h, zero)));
      hi = f16_to_f32(xsimd::bitwise_cast<std::uint32_t>(xsimd::zip_hi(h, zero)));
    }
  }
}

}  // namespace attnscope::kernels::simd
