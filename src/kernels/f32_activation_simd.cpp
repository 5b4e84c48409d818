// SIMD variants of activation and gated_activation: GELU with xsimd's vectorised erf and tanh
// (accurate to a few float ulps), SiLU with the softmax's exp (simd::vexp, ~1 ulp), ReLU.
#include "kernels/common.hpp"
#include "kernels/simd_primitives.hpp"
#include "kernels/variants.hpp"

namespace attnscope::kernels {
namespace {

using simd::f32x4;

f32x4 gelu_erf(f32x4 v) {
  const f32x4 half = simd::splat(0.5f), one = simd::splat(1.0f);
  return half * v * (one + xsimd::erf(v * simd::splat(0.70710678118654752f)));
}

f32x4 gelu_tanh(f32x4 v) {
  const f32x4 half = simd::splat(0.5f), one = simd::splat(1.0f);
  const f32x4 inner = simd::splat(0.79788456080286536f) * simd::fmadd(simd::splat(0.044715f) * v, v * v, v);
  return half * v * (one + xsimd::tanh(inner));
}

// v / (1 + e^-v). vexp saturates at 2^±127, so v below about -88 gives v / 2^127 (the exact value
// underflows to a denormal or zero there) and v above 88 gives v.
f32x4 silu(f32x4 v) { return v / (simd::splat(1.0f) + simd::vexp(-v)); }

f32x4 relu(f32x4 v) {
  const f32x4 zero = simd::splat(0.0f);
  return xsimd::select(v > zero, v, zero);  // as the scalar variant: NaN and -0 give +0
}

template <f32x4 (*Act)(f32x4)>
void apply(float* x, std::size_t count) {
  std::size_t i = 0;
  for (; i + simd::kLanes <= count; i += simd::kLanes) simd::store(x + i, Act(simd::load(x + i)));
  if (i < count) simd::store_partial(x + i, count - i, Act(simd::load_partial(x + i, count - i, 0.0f)));
}

template <f32x4 (*Act)(f32x4)>
void apply_gated(std::size_t rows, std::size_t cols, const float* gate, std::size_t ld_gate,
                 const float* up, std::size_t ld_up, float* out, std::size_t ld_out) {
  for (std::size_t i = 0; i < rows; ++i) {
    const float* g = gate + i * ld_gate;
    const float* u = up + i * ld_up;
    float* o = out + i * ld_out;
    std::size_t j = 0;
    for (; j + simd::kLanes <= cols; j += simd::kLanes) {
      simd::store(o + j, Act(simd::load(g + j)) * simd::load(u + j));
    }
    if (j < cols) {
      const std::size_t tail = cols - j;
      const f32x4 product = Act(simd::load_partial(g + j, tail, 0.0f)) * simd::load_partial(u + j, tail, 0.0f);
      simd::store_partial(o + j, tail, product);
    }
  }
}

template <Activation Kind>
f32x4 act(f32x4 v) {
  if constexpr (Kind == Activation::gelu_erf) return gelu_erf(v);
  else if constexpr (Kind == Activation::gelu_tanh) return gelu_tanh(v);
  else if constexpr (Kind == Activation::silu) return silu(v);
  else return relu(v);
}

}  // namespace

void f32_activation_simd(Activation kind, float* x, std::size_t count) {
  with_activation(kind, [&](auto k) { apply<act<decltype(k)::value>>(x, count); });
}

void f32_gated_activation_simd(Activation kind, std::size_t rows, std::size_t cols, const float* gate,
                               std::size_t ld_gate, const float* up, std::size_t ld_up, float* out,
                               std::size_t ld_out) {
  with_activation(kind, [&](auto k) {
    apply_gated<act<decltype(k)::value>>(rows, cols, gate, ld_gate, up, ld_up, out, ld_out);
  });
}

}  // namespace attnscope::kernels
