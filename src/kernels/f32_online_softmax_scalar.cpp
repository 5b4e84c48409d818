// Scalar twin of the online-softmax block step (see f32_online_softmax_kernel.hpp).
#include <cmath>
#include <limits>

#include "kernels/f32_online_softmax_kernel.hpp"

namespace attnscope::kernels {

void f32_online_softmax_block_scalar(const OnlineSoftmaxBlock& b) {
  constexpr float kMinusInf = -std::numeric_limits<float>::infinity();
  for (std::size_t i = 0; i < b.rows; ++i) {
    float* s = b.scores + i * b.ld_scores;
    const std::uint8_t* allowed = b.mask == SoftmaxMask::allowed ? b.allowed + i * b.ld_allowed : nullptr;
    // Entries from `kept_end` on are masked (causal keeps a prefix of the block).
    const std::size_t kept_end =
        b.mask == SoftmaxMask::causal ? causal_block_length(b.row0 + i, b.col0, b.cols) : b.cols;
    float block_max = kMinusInf;
    for (std::size_t j = 0; j < kept_end; ++j) {
      s[j] = (allowed == nullptr || allowed[j] != 0) ? s[j] * b.scale : kMinusInf;
      block_max = std::fmax(block_max, s[j]);
    }
    const float old_max = b.row_max[i];
    const float new_max = std::fmax(old_max, block_max);
    if (new_max == kMinusInf) {  // nothing seen yet for this row: contributes nothing
      for (std::size_t j = 0; j < b.cols; ++j) s[j] = 0.0f;
      continue;
    }
    float sum = 0.0f;
    for (std::size_t j = 0; j < kept_end; ++j) {
      s[j] = s[j] == kMinusInf ? 0.0f : std::exp(s[j] - new_max);
      sum += s[j];
    }
    for (std::size_t j = kept_end; j < b.cols; ++j) s[j] = 0.0f;
    const float alpha = std::exp(old_max - new_max);  // 0 when old_max is -inf
    if (alpha != 1.0f) {
      float* o = b.acc + i * b.ld_acc;
      for (std::size_t c = 0; c < b.acc_cols; ++c) o[c] *= alpha;
    }
    b.row_sum[i] = b.row_sum[i] * alpha + sum;
    b.row_max[i] = new_max;
  }
}

}  // namespace attnscope::kernels
