// Scalar variants of activation and gated_activation: GELU (both forms torch and Hugging Face use),
// SiLU and ReLU, one value at a time.
#include <cmath>

#include "kernels/common.hpp"
#include "kernels/variants.hpp"

namespace attnscope::kernels {
namespace {

float gelu_erf(float v) {
  constexpr float kInvSqrt2 = 0.70710678118654752f;
  return 0.5f * v * (1.0f + std::erf(v * kInvSqrt2));
}

float gelu_tanh(float v) {
  constexpr float kSqrt2OverPi = 0.79788456080286536f;
  return 0.5f * v * (1.0f + std::tanh(kSqrt2OverPi * (v + 0.044715f * v * v * v)));
}

float silu(float v) { return v / (1.0f + std::exp(-v)); }  // torch's form

float relu(float v) { return v > 0.0f ? v : 0.0f; }

template <float (*Act)(float)>
void apply(float* x, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) x[i] = Act(x[i]);
}

template <float (*Act)(float)>
void apply_gated(std::size_t rows, std::size_t cols, const float* gate, std::size_t ld_gate,
                 const float* up, std::size_t ld_up, float* out, std::size_t ld_out) {
  for (std::size_t i = 0; i < rows; ++i) {
    const float* g = gate + i * ld_gate;
    const float* u = up + i * ld_up;
    float* o = out + i * ld_out;
    for (std::size_t j = 0; j < cols; ++j) o[j] = Act(g[j]) * u[j];
  }
}

template <Activation Kind>
float act(float v) {
  if constexpr (Kind == Activation::gelu_erf) return gelu_erf(v);
  else if constexpr (Kind == Activation::gelu_tanh) return gelu_tanh(v);
  else if constexpr (Kind == Activation::silu) return silu(v);
  else return relu(v);
}

}  // namespace

void f32_activation_scalar(Activation kind, float* x, std::size_t count) {
  with_activation(kind, [&](auto k) { apply<act<decltype(k)::value>>(x, count); });
}

void f32_gated_activation_scalar(Activation kind, std::size_t rows, std::size_t cols, const float* gate,
                                 std::size_t ld_gate, const float* up, std::size_t ld_up, float* out,
                                 std::size_t ld_out) {
  with_activation(kind, [&](auto k) {
    apply_gated<act<decltype(k)::value>>(rows, cols, gate, ld_gate, up, ld_up, out, ld_out);
  });
}

}  // namespace attnscope::kernels
