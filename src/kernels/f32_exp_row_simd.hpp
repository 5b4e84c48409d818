// SIMD row step shared by the softmax kernels (the regular one and the streaming online one):
// exponentiate a row against its maximum and sum it. Included only by *_simd.cpp files.
#pragma once
#include <cstddef>
#include <limits>

#include "kernels/simd_primitives.hpp"

namespace attnscope::kernels::simd {

// row[j] = exp(row[j] - row_max) for j < count, -inf entries (masked) becoming exactly 0;
// returns the sum.
inline float exp_row_and_sum(float* row, std::size_t count, float row_max) {
  constexpr float minus_inf_value = -std::numeric_limits<float>::infinity();
  const f32x4 m = splat(row_max), minus_inf = splat(minus_inf_value), zero = splat(0.0f);
  f32x4 sum = zero;
  std::size_t j = 0;
  for (; j + kLanes <= count; j += kLanes) {
    const f32x4 value = load(row + j);
    const f32x4 e = xsimd::select(value == minus_inf, zero, vexp(value - m));
    store(row + j, e);
    sum += e;
  }
  if (j < count) {  // padding lanes are -inf, so they add 0
    const f32x4 value = load_partial(row + j, count - j, minus_inf_value);
    const f32x4 e = xsimd::select(value == minus_inf, zero, vexp(value - m));
    store_partial(row + j, count - j, e);
    sum += e;
  }
  return sum_lanes(sum);
}

}  // namespace attnscope::kernels::simd
