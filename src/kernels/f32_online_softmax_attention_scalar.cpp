// Scalar variant of online_softmax_attention: the online softmax recurrence (kernels.hpp) one query
// row at a time, keys in blocks of kOnlineSoftmaxKeyBlock.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "kernels/common.hpp"
#include "kernels/variants.hpp"

namespace attnscope::kernels {

void f32_online_softmax_attention_scalar(const OnlineSoftmaxAttentionBlock& b) {
  constexpr float kMinusInf = -std::numeric_limits<float>::infinity();
  thread_local std::vector<float> scores_buffer, acc_buffer;
  float* scores = grow(scores_buffer, kOnlineSoftmaxKeyBlock);  // one key block of scores
  float* acc = grow(acc_buffer, b.d_v);                          // one output row, unnormalised

  for (std::size_t i = 0; i < b.rows; ++i) {
    const float* q = b.q + i * b.ld_q;
    const std::uint8_t* allowed = b.mask == SoftmaxMask::allowed ? b.allowed + i * b.ld_allowed : nullptr;
    const std::size_t key_end = b.mask == SoftmaxMask::causal ? causal_length(b.row0 + i, b.keys) : b.keys;
    float row_max = kMinusInf, row_sum = 0.0f;
    std::fill_n(acc, b.d_v, 0.0f);
    for (std::size_t j0 = 0; j0 < key_end; j0 += kOnlineSoftmaxKeyBlock) {
      const std::size_t cols = std::min(kOnlineSoftmaxKeyBlock, key_end - j0);
      float block_max = kMinusInf;
      for (std::size_t j = 0; j < cols; ++j) {
        if (allowed != nullptr && allowed[j0 + j] == 0) {
          scores[j] = kMinusInf;
          continue;
        }
        const float* k = b.k + (j0 + j) * b.ld_k;
        float dot = 0.0f;
        for (std::size_t c = 0; c < b.d_k; ++c) dot += q[c] * k[c];
        scores[j] = dot * b.scale;
        block_max = std::fmax(block_max, scores[j]);
      }
      if (block_max == kMinusInf) continue;  // every key of the block masked: nothing changes
      const float new_max = std::fmax(row_max, block_max);
      const float alpha = std::exp(row_max - new_max);  // 0 while nothing was seen (row_max -inf)
      float sum = 0.0f;
      for (std::size_t c = 0; c < b.d_v; ++c) acc[c] *= alpha;
      for (std::size_t j = 0; j < cols; ++j) {
        if (scores[j] == kMinusInf) continue;
        const float p = std::exp(scores[j] - new_max);
        sum += p;
        const float* v = b.v + (j0 + j) * b.ld_v;
        for (std::size_t c = 0; c < b.d_v; ++c) acc[c] += p * v[c];
      }
      row_sum = row_sum * alpha + sum;
      row_max = new_max;
    }
    float* out = b.output + i * b.ld_output;
    const float inverse = row_sum > 0.0f ? 1.0f / row_sum : 0.0f;  // all masked: a zero row
    for (std::size_t c = 0; c < b.d_v; ++c) out[c] = acc[c] * inverse;
  }
}

}  // namespace attnscope::kernels
