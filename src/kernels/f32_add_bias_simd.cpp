// SIMD variant of add_bias: C[i, j] += bias[j], four columns per step.
#include "kernels/simd_primitives.hpp"
#include "kernels/variants.hpp"

namespace attnscope::kernels {

void f32_add_bias_simd(std::size_t m, std::size_t n, const float* bias, float* c, std::size_t ldc) {
  using simd::kLanes;
  for (std::size_t i = 0; i < m; ++i) {
    float* c_row = c + i * ldc;
    std::size_t j = 0;
    for (; j + kLanes <= n; j += kLanes) simd::store(c_row + j, simd::load(c_row + j) + simd::load(bias + j));
    for (; j < n; ++j) c_row[j] += bias[j];
  }
}

}  // namespace attnscope::kernels
