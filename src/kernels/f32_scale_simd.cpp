// SIMD variant of scale: out[i, j] = in[i, j] * factor, four columns per step.
#include "kernels/f32_row_steps_simd.hpp"
#include "kernels/variants.hpp"

namespace attnscope::kernels {

void f32_scale_simd(std::size_t rows, std::size_t cols, float factor, const float* in,
                    std::size_t ld_in, float* out, std::size_t ld_out) {
  for (std::size_t i = 0; i < rows; ++i) simd::scale_row(in + i * ld_in, out + i * ld_out, cols, factor);
}

}  // namespace attnscope::kernels
