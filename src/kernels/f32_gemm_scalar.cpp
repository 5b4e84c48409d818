// Scalar twins of the GEMM kernels: plain loops in an order that streams rows of B (nn) or
// takes row-by-row dot products (nt). The reference path for browsers without SIMD.
#include <cstring>

#include "kernels/kernels_impl.hpp"

namespace attnscope::kernels {

void f32_gemm_nn_scalar(std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
                        const float* b, std::size_t ldb, float* c, std::size_t ldc, bool accumulate) {
  for (std::size_t i = 0; i < m; ++i) {
    float* c_row = c + i * ldc;
    if (!accumulate) std::memset(c_row, 0, n * sizeof(float));
    const float* a_row = a + i * lda;
    for (std::size_t p = 0; p < k; ++p) {
      const float a_ip = a_row[p];
      const float* b_row = b + p * ldb;
      for (std::size_t j = 0; j < n; ++j) c_row[j] += a_ip * b_row[j];
    }
  }
}

void f32_gemm_nt_scalar(std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
                        const float* b, std::size_t ldb, float* c, std::size_t ldc, bool accumulate) {
  for (std::size_t i = 0; i < m; ++i) {
    const float* a_row = a + i * lda;
    float* c_row = c + i * ldc;
    for (std::size_t j = 0; j < n; ++j) {
      const float* b_row = b + j * ldb;
      float sum = 0.0f;
      for (std::size_t p = 0; p < k; ++p) sum += a_row[p] * b_row[p];
      c_row[j] = accumulate ? c_row[j] + sum : sum;
    }
  }
}

}  // namespace attnscope::kernels
