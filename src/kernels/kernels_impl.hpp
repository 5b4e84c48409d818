// The two implementations behind each kernel of kernels.hpp, named for what they are:
// f32_<op>_scalar (plain C++, every build) and f32_<op>_simd (xsimd, only when ATTNSCOPE_SIMD).
// kernels.cpp picks one per call from active_path(); tests may also call them directly.
#pragma once
#include <cstddef>
#include <cstdint>

#include "kernels/kernels.hpp"

namespace attnscope::kernels {

void f32_gemm_nn_scalar(std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
                        const float* b, std::size_t ldb, float* c, std::size_t ldc, bool accumulate);
void f32_gemm_nt_scalar(std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
                        const float* b, std::size_t ldb, float* c, std::size_t ldc, bool accumulate);
void f32_add_bias_scalar(std::size_t m, std::size_t n, const float* bias, float* c, std::size_t ldc);
void f32_scale_scalar(std::size_t rows, std::size_t cols, float factor, const float* in,
                      std::size_t ld_in, float* out, std::size_t ld_out);
void f32_scale_mask_softmax_scalar(std::size_t rows, std::size_t cols, float scale, const float* in,
                                   std::size_t ld_in, float* out, std::size_t ld_out, SoftmaxMask mask,
                                   const std::uint8_t* allowed, std::size_t ld_allowed);

#if ATTNSCOPE_SIMD
void f32_gemm_nn_simd(std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
                      const float* b, std::size_t ldb, float* c, std::size_t ldc, bool accumulate);
void f32_gemm_nt_simd(std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
                      const float* b, std::size_t ldb, float* c, std::size_t ldc, bool accumulate);
void f32_add_bias_simd(std::size_t m, std::size_t n, const float* bias, float* c, std::size_t ldc);
void f32_scale_simd(std::size_t rows, std::size_t cols, float factor, const float* in,
                    std::size_t ld_in, float* out, std::size_t ld_out);
void f32_scale_mask_softmax_simd(std::size_t rows, std::size_t cols, float scale, const float* in,
                                 std::size_t ld_in, float* out, std::size_t ld_out, SoftmaxMask mask,
                                 const std::uint8_t* allowed, std::size_t ld_allowed);
#endif

// Number of leading columns of row `row` that a causal mask keeps: min(row + 1, cols).
inline std::size_t causal_row_length(std::size_t row, std::size_t cols) noexcept {
  return row + 1 < cols ? row + 1 : cols;
}

}  // namespace attnscope::kernels
