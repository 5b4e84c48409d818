// SIMD variant of widen_rows: eight elements per step (one 16-byte load of 16-bit elements, widened
// in registers as the GEMM widens its B panels), the row's last few one at a time.
#include "kernels/common.hpp"
#include "kernels/simd_primitives.hpp"
#include "kernels/variants.hpp"

namespace attnscope::kernels {

void f32_widen_rows_simd(std::size_t rows, std::size_t cols, MatrixRef src, float* out,
                         std::size_t ld_out) {
  with_element_type(src.type, [&](auto type) {
    constexpr ElementType kType = decltype(type)::value;
    for (std::size_t r = 0; r < rows; ++r) {
      const Stored<kType>* row = element<kType>(src, r, 0);
      float* out_row = out + r * ld_out;
      std::size_t j = 0;
      for (; j + 8 <= cols; j += 8) {
        simd::f32x4 lo, hi;
        simd::load_widened_8<kType>(row + j, lo, hi);
        simd::store(out_row + j, lo);
        simd::store(out_row + j + 4, hi);
      }
      for (; j < cols; ++j) out_row[j] = widen<kType>(row[j]);
    }
  });
}

}  // namespace attnscope::kernels
