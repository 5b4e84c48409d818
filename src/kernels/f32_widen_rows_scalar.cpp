// Scalar variant of widen_rows: rows of an f32, f16 or bf16 matrix into float32, one element at a time.
#include <cstring>

#include "kernels/common.hpp"
#include "kernels/variants.hpp"

namespace attnscope::kernels {

void f32_widen_rows_scalar(std::size_t rows, std::size_t cols, MatrixRef src, float* out,
                           std::size_t ld_out) {
  with_element_type(src.type, [&](auto type) {
    constexpr ElementType kType = decltype(type)::value;
    for (std::size_t r = 0; r < rows; ++r) {
      const Stored<kType>* row = element<kType>(src, r, 0);
      float* out_row = out + r * ld_out;
      for (std::size_t j = 0; j < cols; ++j) out_row[j] = widen<kType>(row[j]);
    }
  });
}

}  // namespace attnscope::kernels
