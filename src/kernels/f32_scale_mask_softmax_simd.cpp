// SIMD variant of scale_mask_softmax: the fused scale + mask + max-subtracted softmax with a
// vectorised exp (simd::vexp, see simd_primitives.hpp).
#include <algorithm>
#include <cstring>
#include <limits>

#include "kernels/common.hpp"
#include "kernels/f32_row_steps_simd.hpp"
#include "kernels/simd_primitives.hpp"
#include "kernels/variants.hpp"

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

}  // namespace

void f32_scale_mask_softmax_simd(std::size_t rows, std::size_t cols, float scale, const float* in,
                                 std::size_t ld_in, float* out, std::size_t ld_out, SoftmaxMask mask,
                                 const std::uint8_t* allowed, std::size_t ld_allowed) {
  for (std::size_t i = 0; i < rows; ++i) {
    const float* in_row = in + i * ld_in;
    float* out_row = out + i * ld_out;
    // `kept_end`: entries at and beyond it are masked (causal keeps a prefix); for an explicit mask
    // the masked entries inside the prefix are set to -inf.
    // Two reading passes (max, then exp and sum straight from `in`) and one normalising pass.
    std::size_t kept_end = mask == SoftmaxMask::causal ? causal_length(i, cols) : cols;
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
      simd::scale_row(out_row, out_row, kept_end, 1.0f / sum);
    }
    if (kept_end < cols) std::memset(out_row + kept_end, 0, (cols - kept_end) * sizeof(float));
  }
}

}  // namespace attnscope::kernels
