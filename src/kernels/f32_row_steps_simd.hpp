// SIMD row steps shared by several kernels: scale a row (scale, the softmax's normalisation), and
// exponentiate a row against its maximum and sum it (the softmax). Included only by *_simd.cpp files.
#pragma once
#include <cstddef>

#include "kernels/simd_primitives.hpp"

namespace attnscope::kernels::simd {

// out[j] = in[j] * factor for j < count (in may equal out).
inline void scale_row(const float* in, float* out, std::size_t count, float factor) {
  const f32x4 f = splat(factor);
  std::size_t j = 0;
  for (; j + kLanes <= count; j += kLanes) store(out + j, load(in + j) * f);
  for (; j < count; ++j) out[j] = in[j] * factor;
}

// out[j] = exp(in[j]·scale - row_max) for j < count (in may equal out); -inf entries (masked)
// become exactly 0 (vexp's contract). Returns the sum. One pass: the scaled row is never stored.
inline float scaled_exp_row_and_sum(const float* in, float* out, std::size_t count, float scale,
                                    float row_max) {
  const f32x4 m = splat(row_max), s = splat(scale);
  f32x4 sum = splat(0.0f), sum_odd = sum;  // two sums: shorter chains of dependent adds
  const f32x4 log2e = splat(kLog2e);
  std::size_t j = 0;
  for (; j + 2 * kLanes <= count; j += 2 * kLanes) {  // two vectors at a time (see vexp2_each)
    f32x4 e[2] = {(load(in + j) * s - m) * log2e, (load(in + j + kLanes) * s - m) * log2e};
    vexp2_each(e);
    store(out + j, e[0]);
    store(out + j + kLanes, e[1]);
    sum += e[0];
    sum_odd += e[1];
  }
  sum += sum_odd;
  for (; j + kLanes <= count; j += kLanes) {
    const f32x4 e = vexp(load(in + j) * s - m);
    store(out + j, e);
    sum += e;
  }
  float total = sum_lanes(sum);
  if (j < count) {  // the last count - j entries; the padding lanes are neither stored nor summed
    store_partial(out + j, count - j, vexp(load_partial(in + j, count - j, 0.0f) * s - m));
    for (; j < count; ++j) total += out[j];
  }
  return total;
}

}  // namespace attnscope::kernels::simd
