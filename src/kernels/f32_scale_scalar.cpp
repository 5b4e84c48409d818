// Scalar variant of scale: out[i, j] = in[i, j] * factor.
#include "kernels/variants.hpp"

namespace attnscope::kernels {

void f32_scale_scalar(std::size_t rows, std::size_t cols, float factor, const float* in,
                      std::size_t ld_in, float* out, std::size_t ld_out) {
  for (std::size_t i = 0; i < rows; ++i) {
    for (std::size_t j = 0; j < cols; ++j) out[i * ld_out + j] = in[i * ld_in + j] * factor;
  }
}

}  // namespace attnscope::kernels
