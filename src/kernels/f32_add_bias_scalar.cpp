// Scalar variant of add_bias: C[i, j] += bias[j].
#include "kernels/variants.hpp"

namespace attnscope::kernels {

void f32_add_bias_scalar(std::size_t m, std::size_t n, const float* bias, float* c, std::size_t ldc) {
  for (std::size_t i = 0; i < m; ++i) {
    float* c_row = c + i * ldc;
    for (std::size_t j = 0; j < n; ++j) c_row[j] += bias[j];
  }
}

}  // namespace attnscope::kernels
