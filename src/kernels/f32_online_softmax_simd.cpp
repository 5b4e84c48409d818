// SIMD twin of the online-softmax block step (see f32_online_softmax_kernel.hpp): the same
// arithmetic on 4-lane vectors with the vectorised exp, identical semantics to the scalar twin.
#include <cmath>
#include <cstring>
#include <limits>

#include "kernels/f32_online_softmax_kernel.hpp"
#include "kernels/f32_exp_row_simd.hpp"
#include "kernels/simd_primitives.hpp"

namespace attnscope::kernels {
namespace {

using simd::f32x4;
using simd::kLanes;
constexpr float kMinusInf = -std::numeric_limits<float>::infinity();

// 0 where allowed, -inf where masked, for `count` (<= kLanes) mask bytes; padding lanes -inf.
f32x4 mask_bias(const std::uint8_t* allowed, std::size_t count) {
  alignas(16) float lanes[kLanes] = {kMinusInf, kMinusInf, kMinusInf, kMinusInf};
  for (std::size_t l = 0; l < count; ++l) lanes[l] = allowed[l] != 0 ? 0.0f : kMinusInf;
  return f32x4::load_aligned(lanes);
}

// s[j] = s[j]·scale (+ the mask's -inf) for j < count; returns the maximum.
float scale_mask_and_max(float* s, std::size_t count, float scale, const std::uint8_t* allowed) {
  const f32x4 factor = simd::splat(scale);
  f32x4 running = simd::splat(kMinusInf);
  std::size_t j = 0;
  for (; j + kLanes <= count; j += kLanes) {
    f32x4 value = simd::load(s + j) * factor;
    if (allowed != nullptr) value += mask_bias(allowed + j, kLanes);
    simd::store(s + j, value);
    running = simd::vmax(running, value);
  }
  if (j < count) {
    f32x4 value = simd::load_partial(s + j, count - j, kMinusInf) * factor;
    if (allowed != nullptr) value += mask_bias(allowed + j, count - j);
    simd::store_partial(s + j, count - j, value);
    running = simd::vmax(running, value);
  }
  return simd::max_lanes(running);
}

void scale_row(float* o, std::size_t count, float factor) {
  const f32x4 f = simd::splat(factor);
  std::size_t j = 0;
  for (; j + kLanes <= count; j += kLanes) simd::store(o + j, simd::load(o + j) * f);
  for (; j < count; ++j) o[j] *= factor;
}

}  // namespace

void f32_online_softmax_block_simd(const OnlineSoftmaxBlock& b) {
  for (std::size_t i = 0; i < b.rows; ++i) {
    float* s = b.scores + i * b.ld_scores;
    const std::uint8_t* allowed = b.mask == SoftmaxMask::allowed ? b.allowed + i * b.ld_allowed : nullptr;
    const std::size_t kept_end =
        b.mask == SoftmaxMask::causal ? causal_block_length(b.row0 + i, b.col0, b.cols) : b.cols;
    const float block_max = scale_mask_and_max(s, kept_end, b.scale, allowed);
    const float old_max = b.row_max[i];
    const float new_max = old_max > block_max ? old_max : block_max;
    if (new_max == kMinusInf) {  // nothing seen yet for this row: contributes nothing
      std::memset(s, 0, b.cols * sizeof(float));
      continue;
    }
    const float sum = simd::exp_row_and_sum(s, kept_end, new_max);
    if (kept_end < b.cols) std::memset(s + kept_end, 0, (b.cols - kept_end) * sizeof(float));
    const float alpha = std::exp(old_max - new_max);  // once per row and block: scalar is fine
    if (alpha != 1.0f) scale_row(b.acc + i * b.ld_acc, b.acc_cols, alpha);
    b.row_sum[i] = b.row_sum[i] * alpha + sum;
    b.row_max[i] = new_max;
  }
}

}  // namespace attnscope::kernels
