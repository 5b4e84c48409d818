// Kernels the transformer forward pass needs beyond attention: layer norm and GELU.
// Like kernels.hpp, each dispatches on active_path() to a SIMD twin (f32_*_simd.cpp, only when
// ATTNSCOPE_SIMD) or a scalar twin (f32_*_scalar.cpp). They trust their arguments; the model layer
// validates shapes when it loads a checkpoint.
#pragma once
#include <cstddef>
#include <cstdint>

#include "kernels/kernels.hpp"

namespace attnscope::kernels {

// out[i, :] = (in[i, :] - mean_i) / sqrt(var_i + eps) * gamma + beta, per row of [rows, cols]
// (biased variance, as torch.nn.LayerNorm). in and out may be the same buffer when ld_in == ld_out.
void layer_norm(std::size_t rows, std::size_t cols, const float* in, std::size_t ld_in,
                const float* gamma, const float* beta, float eps, float* out, std::size_t ld_out);

enum class Gelu : std::uint8_t {
  erf,   // x/2 · (1 + erf(x/√2)), BERT's "gelu" (torch.nn.functional.gelu)
  tanh,  // x/2 · (1 + tanh(√(2/π)·(x + 0.044715·x³))), GPT-2's "gelu_new"
};

// x[i] = gelu(x[i]) in place, for count contiguous values.
void gelu(Gelu kind, float* x, std::size_t count);

void f32_layer_norm_scalar(std::size_t rows, std::size_t cols, const float* in, std::size_t ld_in,
                           const float* gamma, const float* beta, float eps, float* out,
                           std::size_t ld_out);
void f32_gelu_scalar(Gelu kind, float* x, std::size_t count);
#if ATTNSCOPE_SIMD
void f32_layer_norm_simd(std::size_t rows, std::size_t cols, const float* in, std::size_t ld_in,
                         const float* gamma, const float* beta, float eps, float* out,
                         std::size_t ld_out);
void f32_gelu_simd(Gelu kind, float* x, std::size_t count);
#endif

inline void layer_norm(std::size_t rows, std::size_t cols, const float* in, std::size_t ld_in,
                       const float* gamma, const float* beta, float eps, float* out,
                       std::size_t ld_out) {
#if ATTNSCOPE_SIMD
  if (active_path() == Path::simd) {
    f32_layer_norm_simd(rows, cols, in, ld_in, gamma, beta, eps, out, ld_out);
    return;
  }
#endif
  f32_layer_norm_scalar(rows, cols, in, ld_in, gamma, beta, eps, out, ld_out);
}

inline void gelu(Gelu kind, float* x, std::size_t count) {
#if ATTNSCOPE_SIMD
  if (active_path() == Path::simd) {
    f32_gelu_simd(kind, x, count);
    return;
  }
#endif
  f32_gelu_scalar(kind, x, count);
}

}  // namespace attnscope::kernels
