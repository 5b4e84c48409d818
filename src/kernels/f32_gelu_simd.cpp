// SIMD GELU with xsimd's vectorised erf and tanh (accurate to a few float ulps).
#include "kernels/model_kernels.hpp"
#include "kernels/simd_primitives.hpp"

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

template <f32x4 (*Op)(f32x4)>
void apply(float* x, std::size_t count) {
  std::size_t i = 0;
  for (; i + simd::kLanes <= count; i += simd::kLanes) simd::store(x + i, Op(simd::load(x + i)));
  if (i < count) simd::store_partial(x + i, count - i, Op(simd::load_partial(x + i, count - i, 0.0f)));
}

}  // namespace

void f32_gelu_simd(Gelu kind, float* x, std::size_t count) {
  if (kind == Gelu::erf) apply<gelu_erf>(x, count);
  else apply<gelu_tanh>(x, count);
}

}  // namespace attnscope::kernels
