// Every variant of every operation of kernels.hpp, declared in one place, and the one dispatch point
// that picks them.
//
// Names follow f32_<operation>_<variant>: the scalar variant (plain C++, every build) is defined in
// f32_<operation>_scalar.cpp, the SIMD variant (xsimd; only when ATTNSCOPE_SIMD) in
// f32_<operation>_simd.cpp. Relaxed SIMD is not a third variant but a compile flavour of the SIMD one
// (the same files built with ATTNSCOPE_RELAXED_SIMD, see simd_primitives.hpp). A variant runs its call
// whole on the calling thread; splitting over threads is the dispatch's job (kernels.cpp).
#pragma once
#include <cstddef>
#include <cstdint>

#include "kernels/kernels.hpp"

namespace attnscope::kernels {

// ---- The signature of each operation's variants ----

// b.type is one of the enum's values (the dispatch checks).
using GemmFn = void(std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
                    MatrixRef b, float* c, std::size_t ldc, bool accumulate);
using WidenRowsFn = void(std::size_t rows, std::size_t cols, MatrixRef src, float* out,
                         std::size_t ld_out);
using AddBiasFn = void(std::size_t m, std::size_t n, const float* bias, float* c, std::size_t ldc);
using ScaleFn = void(std::size_t rows, std::size_t cols, float factor, const float* in,
                     std::size_t ld_in, float* out, std::size_t ld_out);
using ScaleMaskSoftmaxFn = void(std::size_t rows, std::size_t cols, float scale, const float* in,
                                std::size_t ld_in, float* out, std::size_t ld_out, SoftmaxMask mask,
                                const std::uint8_t* allowed, std::size_t ld_allowed);
using LayerNormFn = void(std::size_t rows, std::size_t cols, const float* in, std::size_t ld_in,
                         const float* gamma, const float* beta, float eps, float* out,
                         std::size_t ld_out);
using RmsNormFn = void(std::size_t rows, std::size_t cols, const float* in, std::size_t ld_in,
                       const float* gamma, float eps, float* out, std::size_t ld_out);
using ActivationFn = void(Activation kind, float* x, std::size_t count);
using GatedActivationFn = void(Activation kind, std::size_t rows, std::size_t cols, const float* gate,
                               std::size_t ld_gate, const float* up, std::size_t ld_up, float* out,
                               std::size_t ld_out);
using RotaryFn = void(std::size_t rows, std::size_t heads, std::size_t d_head, std::size_t rotary_dim,
                      float* x, std::size_t ld, const float* cos, const float* sin);
using OnlineSoftmaxAttentionFn = void(const OnlineSoftmaxAttentionBlock& block);

// ---- The variants ----

GemmFn f32_gemm_nn_scalar, f32_gemm_nt_scalar;
WidenRowsFn f32_widen_rows_scalar;
AddBiasFn f32_add_bias_scalar;
ScaleFn f32_scale_scalar;
ScaleMaskSoftmaxFn f32_scale_mask_softmax_scalar;
LayerNormFn f32_layer_norm_scalar;
RmsNormFn f32_rms_norm_scalar;
ActivationFn f32_activation_scalar;
GatedActivationFn f32_gated_activation_scalar;
RotaryFn f32_rotary_scalar;
OnlineSoftmaxAttentionFn f32_online_softmax_attention_scalar;

#if ATTNSCOPE_SIMD
GemmFn f32_gemm_nn_simd, f32_gemm_nt_simd;
WidenRowsFn f32_widen_rows_simd;
AddBiasFn f32_add_bias_simd;
ScaleFn f32_scale_simd;
ScaleMaskSoftmaxFn f32_scale_mask_softmax_simd;
LayerNormFn f32_layer_norm_simd;
RmsNormFn f32_rms_norm_simd;
ActivationFn f32_activation_simd;
GatedActivationFn f32_gated_activation_simd;
RotaryFn f32_rotary_simd;
OnlineSoftmaxAttentionFn f32_online_softmax_attention_simd;
#endif

// One implementation of every operation: the scalar variants or the SIMD ones.
struct Variants {
  GemmFn* gemm_nn;
  GemmFn* gemm_nt;
  WidenRowsFn* widen_rows;
  AddBiasFn* add_bias;
  ScaleFn* scale;
  ScaleMaskSoftmaxFn* scale_mask_softmax;
  LayerNormFn* layer_norm;
  RmsNormFn* rms_norm;
  ActivationFn* activation;
  GatedActivationFn* gated_activation;
  RotaryFn* rotary;
  OnlineSoftmaxAttentionFn* online_softmax_attention;
};

// The dispatch point: the variants of active_path(). Every operation of kernels.hpp reads it once per
// call, on the calling thread, and hands the same variants to every piece of a split call.
const Variants& active_variants() noexcept;

}  // namespace attnscope::kernels
