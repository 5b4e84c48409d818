// Scalar variant of rotary: each head slice's pairs (i, i + rotary_dim/2) rotated by row r's angle i.
#include "kernels/variants.hpp"

namespace attnscope::kernels {

void f32_rotary_scalar(std::size_t rows, std::size_t heads, std::size_t d_head, std::size_t rotary_dim,
                       float* x, std::size_t ld, const float* cos, const float* sin) {
  const std::size_t half = rotary_dim / 2;
  for (std::size_t r = 0; r < rows; ++r) {
    const float* c = cos + r * half;
    const float* s = sin + r * half;
    for (std::size_t h = 0; h < heads; ++h) {
      float* lo = x + r * ld + h * d_head;
      float* hi = lo + half;
      for (std::size_t i = 0; i < half; ++i) {
        const float x1 = lo[i], x2 = hi[i];
        lo[i] = x1 * c[i] - x2 * s[i];
        hi[i] = x2 * c[i] + x1 * s[i];
      }
    }
  }
}

}  // namespace attnscope::kernels
