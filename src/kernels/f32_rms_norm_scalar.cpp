// Scalar variant of rms_norm: the mean of squares accumulated in double (as layer_norm's scalar
// variant does), then x · (1/√(mean + eps)) · gamma in Llama's order.
#include <cmath>

#include "kernels/variants.hpp"

namespace attnscope::kernels {

void f32_rms_norm_scalar(std::size_t rows, std::size_t cols, const float* in, std::size_t ld_in,
                         const float* gamma, float eps, float* out, std::size_t ld_out) {
  for (std::size_t i = 0; i < rows; ++i) {
    const float* x = in + i * ld_in;
    float* y = out + i * ld_out;
    double squares = 0.0;
    for (std::size_t j = 0; j < cols; ++j) squares += static_cast<double>(x[j]) * x[j];
    const float inv_rms = static_cast<float>(1.0 / std::sqrt(squares / static_cast<double>(cols) + eps));
    for (std::size_t j = 0; j < cols; ++j) y[j] = x[j] * inv_rms * gamma[j];
  }
}

}  // namespace attnscope::kernels
