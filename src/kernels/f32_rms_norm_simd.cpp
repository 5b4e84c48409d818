// SIMD variant of rms_norm: the mean of squares in float, in 4 lanes then summed (like layer_norm's
// SIMD variant; within float rounding of the scalar one for model widths), then x · (1/rms) · gamma.
#include <cmath>

#include "kernels/simd_primitives.hpp"
#include "kernels/variants.hpp"

namespace attnscope::kernels {

void f32_rms_norm_simd(std::size_t rows, std::size_t cols, const float* in, std::size_t ld_in,
                       const float* gamma, float eps, float* out, std::size_t ld_out) {
  using simd::f32x4;
  using simd::kLanes;
  const std::size_t tail = cols % kLanes, body = cols - tail;
  for (std::size_t i = 0; i < rows; ++i) {
    const float* x = in + i * ld_in;
    float* y = out + i * ld_out;
    f32x4 squares = simd::splat(0.0f);
    for (std::size_t j = 0; j < body; j += kLanes) {
      const f32x4 v = simd::load(x + j);
      squares = simd::fmadd(v, v, squares);
    }
    if (tail) {
      const f32x4 v = simd::load_partial(x + body, tail, 0.0f);
      squares = simd::fmadd(v, v, squares);
    }
    const float inv_rms = 1.0f / std::sqrt(simd::sum_lanes(squares) / static_cast<float>(cols) + eps);
    const f32x4 s = simd::splat(inv_rms);
    for (std::size_t j = 0; j < body; j += kLanes) {
      simd::store(y + j, simd::load(x + j) * s * simd::load(gamma + j));
    }
    for (std::size_t j = body; j < cols; ++j) y[j] = x[j] * inv_rms * gamma[j];
  }
}

}  // namespace attnscope::kernels
