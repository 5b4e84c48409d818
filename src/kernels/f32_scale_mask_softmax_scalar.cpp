// Scalar variant of scale_mask_softmax: scale, mask and a max-subtracted softmax, three passes per row.
#include <cmath>
#include <limits>

#include "kernels/common.hpp"
#include "kernels/variants.hpp"

namespace attnscope::kernels {

void f32_scale_mask_softmax_scalar(std::size_t rows, std::size_t cols, float scale, const float* in,
                                   std::size_t ld_in, float* out, std::size_t ld_out, SoftmaxMask mask,
                                   const std::uint8_t* allowed, std::size_t ld_allowed) {
  constexpr float minus_inf = -std::numeric_limits<float>::infinity();
  for (std::size_t i = 0; i < rows; ++i) {
    const float* in_row = in + i * ld_in;
    float* out_row = out + i * ld_out;
    const std::uint8_t* allowed_row = mask == SoftmaxMask::allowed ? allowed + i * ld_allowed : nullptr;
    const std::size_t causal_end = causal_length(i, cols);
    auto is_kept = [&](std::size_t j) {
      switch (mask) {
        case SoftmaxMask::causal: return j < causal_end;
        case SoftmaxMask::allowed: return allowed_row[j] != 0;
        default: return true;
      }
    };

    // Pass 1: scaled values (masked ones as -inf) and their maximum.
    float row_max = minus_inf;
    for (std::size_t j = 0; j < cols; ++j) {
      if (is_kept(j)) {
        const float value = in_row[j] * scale;
        out_row[j] = value;
        row_max = std::fmax(row_max, value);
      } else {
        out_row[j] = minus_inf;
      }
    }
    if (row_max == minus_inf) {  // every key masked: zero weights by convention, never 0/0 = NaN
      for (std::size_t j = 0; j < cols; ++j) out_row[j] = 0.0f;
      continue;
    }
    // Pass 2: exponentials of max-subtracted values (masked entries contribute exactly 0).
    float sum = 0.0f;
    for (std::size_t j = 0; j < cols; ++j) {
      const float e = out_row[j] == minus_inf ? 0.0f : std::exp(out_row[j] - row_max);
      out_row[j] = e;
      sum += e;
    }
    // Pass 3: normalise.
    const float inv_sum = 1.0f / sum;
    for (std::size_t j = 0; j < cols; ++j) out_row[j] *= inv_sum;
  }
}

}  // namespace attnscope::kernels
