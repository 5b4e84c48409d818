// Scalar variants of the GEMM: plain loops in an order that streams rows of B (nn) or takes
// row-by-row dot products (nt). The reference path for browsers without SIMD.
//
// 16-bit B is widened block by block into a small float buffer that the float loops then read:
// every element of C still sums the same products in the same order (nn: C accumulates over p in
// memory, so K blocks chain exactly; nt: each dot product runs over all of K in one block), so the
// result is bit for bit that of widening the whole of B first.
#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels/common.hpp"
#include "kernels/variants.hpp"

namespace attnscope::kernels {
namespace {

// Floats of widened B per block: 256 KB, so the block stays in L2 while the rows of A pass over it.
constexpr std::size_t kWidenedBlock = 1 << 16;

void gemm_nn_f32(std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
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

void gemm_nt_f32(std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
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

// rows × cols of a 16-bit matrix into out (leading dimension cols).
template <ElementType Type>
void widen_block(std::size_t rows, std::size_t cols, MatrixRef src, float* out) {
  for (std::size_t r = 0; r < rows; ++r) {
    const Stored<Type>* row = element<Type>(src, r, 0);
    for (std::size_t j = 0; j < cols; ++j) out[r * cols + j] = widen<Type>(row[j]);
  }
}

// Widened 16-bit blocks, per thread and shared by both 16-bit paths and types (one GEMM at a time
// per thread): the workspace is the largest block, not one per instantiation.
thread_local std::vector<float> widened_buffer;

// B[k, n] in blocks of whole rows of B (K blocks), each widened and then multiplied.
template <ElementType Type>
void gemm_nn_16bit(std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
                   MatrixRef b, float* c, std::size_t ldc, bool accumulate) {
  if (k == 0 || n == 0) {
    gemm_nn_f32(m, n, 0, a, lda, nullptr, n, c, ldc, accumulate);
    return;
  }
  const std::size_t kc_step = std::max<std::size_t>(1, kWidenedBlock / n);
  float* widened = grow(widened_buffer, std::min(kc_step, k) * n);
  for (std::size_t pc = 0; pc < k; pc += kc_step) {
    const std::size_t kc = std::min(kc_step, k - pc);
    widen_block<Type>(kc, n, b.at(pc, 0), widened);
    gemm_nn_f32(m, n, kc, a + pc, lda, widened, n, c, ldc, accumulate || pc > 0);
  }
}

// B[n, k] in blocks of whole rows of B (column panels of C), each widened and then multiplied.
template <ElementType Type>
void gemm_nt_16bit(std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
                   MatrixRef b, float* c, std::size_t ldc, bool accumulate) {
  if (k == 0) {
    gemm_nt_f32(m, n, 0, a, lda, nullptr, 0, c, ldc, accumulate);
    return;
  }
  const std::size_t nc_step = std::max<std::size_t>(1, kWidenedBlock / k);
  float* widened = grow(widened_buffer, std::min(nc_step, n) * k);
  for (std::size_t jc = 0; jc < n; jc += nc_step) {
    const std::size_t nc = std::min(nc_step, n - jc);
    widen_block<Type>(nc, k, b.at(jc, 0), widened);
    gemm_nt_f32(m, nc, k, a, lda, widened, k, c + jc, ldc, accumulate);
  }
}

}  // namespace

void f32_gemm_nn_scalar(std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
                        MatrixRef b, float* c, std::size_t ldc, bool accumulate) {
  with_element_type(b.type, [&](auto type) {
    constexpr ElementType kType = decltype(type)::value;
    if constexpr (kType == ElementType::f32) {
      gemm_nn_f32(m, n, k, a, lda, element<kType>(b, 0, 0), b.ld, c, ldc, accumulate);
    } else {
      gemm_nn_16bit<kType>(m, n, k, a, lda, b, c, ldc, accumulate);
    }
  });
}

void f32_gemm_nt_scalar(std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
                        MatrixRef b, float* c, std::size_t ldc, bool accumulate) {
  with_element_type(b.type, [&](auto type) {
    constexpr ElementType kType = decltype(type)::value;
    if constexpr (kType == ElementType::f32) {
      gemm_nt_f32(m, n, k, a, lda, element<kType>(b, 0, 0), b.ld, c, ldc, accumulate);
    } else {
      gemm_nt_16bit<kType>(m, n, k, a, lda, b, c, ldc, accumulate);
    }
  });
}

}  // namespace attnscope::kernels
