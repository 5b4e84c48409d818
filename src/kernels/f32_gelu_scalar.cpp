// Scalar GELU, both forms torch and Hugging Face use.
#include <cmath>

#include "kernels/model_kernels.hpp"

namespace attnscope::kernels {

void f32_gelu_scalar(Gelu kind, float* x, std::size_t count) {
  constexpr float kInvSqrt2 = 0.70710678118654752f;
  constexpr float kSqrt2OverPi = 0.79788456080286536f;
  if (kind == Gelu::erf) {
    for (std::size_t i = 0; i < count; ++i) x[i] = 0.5f * x[i] * (1.0f + std::erf(x[i] * kInvSqrt2));
  } else {
    for (std::size_t i = 0; i < count; ++i) {
      const float v = x[i];
      x[i] = 0.5f * v * (1.0f + std::tanh(kSqrt2OverPi * (v + 0.044715f * v * v * v)));
    }
  }
}

}  // namespace attnscope::kernels
