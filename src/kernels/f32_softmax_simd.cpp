// SIMD row-wise kernels: bias add, scale, and the fused scale + mask + max-subtracted softmax with a
// vectorised exp. Same semantics as the scalar twins in f32_softmax_scalar.cpp.
#include <algorithm>
#include <cstring>
#include <limits>

#include "kernels/kernels_impl.hpp"
#include "kernels/f32_exp_row_simd.hpp"
#include "kernels/simd_primitives.hpp"

namespace attnscope::kernels {
namespace {

using simd::f32x4;
using simd::kLanes;
constexpr float kMinusInf = -std::numeric_limits<float>::infinity();

// The maximum of in[j] * factor for j < count (the scaled row itself is not stored: the exp pass
// recomputes each product, bit for bit the same).
float scaled_row_max(const float* in, std::size_t count, float factor) {
  const f32x4 f = simd::splat(factor);
  // Four running maxima: one would be a chain of dependent max operations, one per vector.
  f32x4 r0 = simd::splat(kMinusInf), r1 = r0, r2 = r0, r3 = r0;
  std::size_t j = 0;
  for (; j + 4 * kLanes <= count; j += 4 * kLanes) {
    r0 = simd::vmax(r0, simd::load(in + j) * f);
    r1 = simd::vmax(r1, simd::load(in + j + kLanes) * f);
    r2 = simd::vmax(r2, simd::load(in + j + 2 * kLanes) * f);
    r3 = simd::vmax(r3, simd::load(in + j + 3 * kLanes) * f);
  }
  for (; j + kLanes <= count; j += kLanes) r0 = simd::vmax(r0, simd::load(in + j) * f);
  float row_max = simd::max_lanes(simd::vmax(simd::vmax(r0, r1), simd::vmax(r2, r3)));
  for (; j < count; ++j) row_max = std::max(row_max, in[j] * factor);
  return row_max;
}

void scale_row(const float* in, float* out, std::size_t count, float factor) {
  const f32x4 f = simd::splat(factor);
  std::size_t j = 0;
  for (; j + kLanes <= count; j += kLanes) simd::store(out + j, simd::load(in + j) * f);
  for (; j < count; ++j) out[j] = in[j] * factor;
}

}  // namespace

void f32_add_bias_simd(std::size_t m, std::size_t n, const float* bias, float* c, std::size_t ldc) {
  for (std::size_t i = 0; i < m; ++i) {
    float* c_row = c + i * ldc;
    std::size_t j = 0;
    for (; j + kLanes <= n; j += kLanes) simd::store(c_row + j, simd::load(c_row + j) + simd::load(bias + j));
    for (; j < n; ++j) c_row[j] += bias[j];
  }
}

void f32_scale_simd(std::size_t rows, std::size_t cols, float factor, const float* in,
                    std::size_t ld_in, float* out, std::size_t ld_out) {
  for (std::size_t i = 0; i < rows; ++i) scale_row(in + i * ld_in, out + i * ld_out, cols, factor);
}

void f32_scale_mask_softmax_simd(std::size_t rows, std::size_t cols, float scale, const float* in,
                                 std::size_t ld_in, float* out, std::size_t ld_out, SoftmaxMask mask,
                                 const std::uint8_t* allowed, std::size_t ld_allowed) {
  for (std::size_t i = 0; i < rows; ++i) {
    const float* in_row = in + i * ld_in;
    float* out_row = out + i * ld_out;
    // `kept_end`: entries at and beyond it are masked (causal keeps a prefix); for an explicit mask
    // the masked entries inside the prefix are set to -inf.
    // Two reading passes (max, then exp and sum straight from `in`) and one normalising pass.
    std::size_t kept_end = mask == SoftmaxMask::causal ? causal_row_length(i, cols) : cols;
    float row_max = kMinusInf;
    const float* exp_source = in_row;
    float exp_scale = scale;
    if (mask == SoftmaxMask::allowed) {  // masked entries as -inf, which the exp turns into 0
      const std::uint8_t* allowed_row = allowed + i * ld_allowed;
      for (std::size_t j = 0; j < cols; ++j) {
        const float value = allowed_row[j] != 0 ? in_row[j] * scale : kMinusInf;
        out_row[j] = value;
        row_max = value > row_max ? value : row_max;
      }
      exp_source = out_row;
      exp_scale = 1.0f;
    } else {
      row_max = scaled_row_max(in_row, kept_end, scale);
    }
    if (row_max == kMinusInf) {  // every key masked: zero weights by convention, never 0/0 = NaN
      kept_end = 0;
    } else {
      const float sum = simd::scaled_exp_row_and_sum(exp_source, out_row, kept_end, exp_scale, row_max);
      scale_row(out_row, out_row, kept_end, 1.0f / sum);
    }
    if (kept_end < cols) std::memset(out_row + kept_end, 0, (cols - kept_end) * sizeof(float));
  }
}

}  // namespace attnscope::kernels
