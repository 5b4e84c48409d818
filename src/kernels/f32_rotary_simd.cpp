// SIMD variant of rotary: four pairs per step. Products and sums are rounded separately (no fused
// multiply-add, also in the relaxed-SIMD flavour), as Hugging Face's q·cos + rotate_half(q)·sin is.
#include "kernels/simd_primitives.hpp"
#include "kernels/variants.hpp"

namespace attnscope::kernels {

void f32_rotary_simd(std::size_t rows, std::size_t heads, std::size_t d_head, std::size_t rotary_dim,
                     float* x, std::size_t ld, const float* cos, const float* sin) {
  using simd::f32x4;
  const std::size_t half = rotary_dim / 2;
  for (std::size_t r = 0; r < rows; ++r) {
    const float* c = cos + r * half;
    const float* s = sin + r * half;
    for (std::size_t h = 0; h < heads; ++h) {
      float* lo = x + r * ld + h * d_head;
      float* hi = lo + half;
      std::size_t i = 0;
      for (; i + simd::kLanes <= half; i += simd::kLanes) {
        const f32x4 x1 = simd::load(lo + i), x2 = simd::load(hi + i);
        const f32x4 ci = simd::load(c + i), si = simd::load(s + i);
        simd::store(lo + i, x1 * ci - x2 * si);
        simd::store(hi + i, x2 * ci + x1 * si);
      }
      for (; i < half; ++i) {
        const float x1 = lo[i], x2 = hi[i];
        lo[i] = x1 * c[i] - x2 * s[i];
        hi[i] = x2 * c[i] + x1 * s[i];
      }
    }
  }
}

}  // namespace attnscope::kernels
