// Scalar variant of layer_norm: two passes per row (mean, then variance of the centred values),
// accumulated in double so the result does not depend on the row's length the way a float running
// sum would.
#include <cmath>

#include "kernels/variants.hpp"

namespace attnscope::kernels {

void f32_layer_norm_scalar(std::size_t rows, std::size_t cols, const float* in, std::size_t ld_in,
                           const float* gamma, const float* beta, float eps, float* out,
                           std::size_t ld_out) {
  for (std::size_t i = 0; i < rows; ++i) {
    const float* x = in + i * ld_in;
    float* y = out + i * ld_out;
    double sum = 0.0;
    for (std::size_t j = 0; j < cols; ++j) sum += x[j];
    const float mean = static_cast<float>(sum / static_cast<double>(cols));
    double squares = 0.0;
    for (std::size_t j = 0; j < cols; ++j) {
      const double centred = static_cast<double>(x[j] - mean);
      squares += centred * centred;
    }
    const float inv_std =
        static_cast<float>(1.0 / std::sqrt(squares / static_cast<double>(cols) + eps));
    for (std::size_t j = 0; j < cols; ++j) y[j] = (x[j] - mean) * inv_std * gamma[j] + beta[j];
  }
}

}  // namespace attnscope::kernels
