// The few SIMD primitives every *_simd.cpp kernel uses, on one fixed-width type: 4 float lanes
// (SSE natively, SIMD128 under Emscripten, NEON on ARM). Fixing the width keeps the kernels'
// register blocking (e.g. the 4x8 GEMM tile) the same on every target. Only *_simd.cpp includes this.
#pragma once
#include <xsimd/xsimd.hpp>

#include <cstddef>
#include <limits>
#include <type_traits>

namespace attnscope::kernels::simd {

using f32x4 = xsimd::make_sized_batch_t<float, 4>;
static_assert(!std::is_void_v<f32x4>, "xsimd offers no 4-lane float batch for this target");
inline constexpr std::size_t kLanes = 4;

inline f32x4 load(const float* p) noexcept { return f32x4::load_unaligned(p); }
inline void store(float* p, f32x4 v) noexcept { v.store_unaligned(p); }
// Explicit broadcast (splat): measurably faster than letting the compiler form it from a scalar.
inline f32x4 splat(float x) noexcept { return f32x4::broadcast(x); }
inline f32x4 fmadd(f32x4 a, f32x4 b, f32x4 c) noexcept { return xsimd::fma(a, b, c); }
inline f32x4 vmax(f32x4 a, f32x4 b) noexcept { return xsimd::max(a, b); }
inline f32x4 vexp(f32x4 x) noexcept { return xsimd::exp(x); }
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

}  // namespace attnscope::kernels::simd
