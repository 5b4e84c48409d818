// SIMD variant of layer_norm: the same two passes as the scalar variant, 4 lanes at a time, float
// accumulators in 4 independent lanes (then summed), which for model widths (<= a few thousand)
// stays within float rounding of the scalar result.
#include <cmath>

#include "kernels/simd_primitives.hpp"
#include "kernels/variants.hpp"

namespace attnscope::kernels {

void f32_layer_norm_simd(std::size_t rows, std::size_t cols, const float* in, std::size_t ld_in,
                         const float* gamma, const float* beta, float eps, float* out,
                         std::size_t ld_out) {
  using simd::f32x4;
  using simd::kLanes;
  const std::size_t tail = cols % kLanes, body = cols - tail;
  for (std::size_t i = 0; i < rows; ++i) {
    const float* x = in + i * ld_in;
    float* y = out + i * ld_out;

    f32x4 sum = simd::splat(0.0f);
    for (std::size_t j = 0; j < body; j += kLanes) sum += simd::load(x + j);
    if (tail) sum += simd::load_partial(x + body, tail, 0.0f);
    const float mean = simd::sum_lanes(sum) / static_cast<float>(cols);

    const f32x4 m = simd::splat(mean);
    f32x4 squares = simd::splat(0.0f);
    for (std::size_t j = 0; j < body; j += kLanes) {
      const f32x4 c = simd::load(x + j) - m;
      squares = simd::fmadd(c, c, squares);
    }
    if (tail) {
      const f32x4 c = simd::load_partial(x + body, tail, mean) - m;  // padding lanes centre to 0
      squares = simd::fmadd(c, c, squares);
    }
    const float inv_std =
        1.0f / std::sqrt(simd::sum_lanes(squares) / static_cast<float>(cols) + eps);

    const f32x4 s = simd::splat(inv_std);
    for (std::size_t j = 0; j < body; j += kLanes) {
      const f32x4 v = (simd::load(x + j) - m) * s;
      simd::store(y + j, simd::fmadd(v, simd::load(gamma + j), simd::load(beta + j)));
    }
    for (std::size_t j = body; j < cols; ++j) y[j] = (x[j] - mean) * inv_std * gamma[j] + beta[j];
  }
}

}  // namespace attnscope::kernels
