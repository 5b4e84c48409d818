// The path switch and the one dispatch point (variants.hpp): a table of every operation's variants
// per path, and the table of the active path.
#include <atomic>

#include "kernels/variants.hpp"
#include "util/error.hpp"

namespace attnscope::kernels {
namespace {

constexpr Variants kScalarVariants{
    .gemm_nn = f32_gemm_nn_scalar,
    .gemm_nt = f32_gemm_nt_scalar,
    .widen_rows = f32_widen_rows_scalar,
    .add_bias = f32_add_bias_scalar,
    .scale = f32_scale_scalar,
    .scale_mask_softmax = f32_scale_mask_softmax_scalar,
    .layer_norm = f32_layer_norm_scalar,
    .rms_norm = f32_rms_norm_scalar,
    .activation = f32_activation_scalar,
    .gated_activation = f32_gated_activation_scalar,
    .rotary = f32_rotary_scalar,
    .online_softmax_attention = f32_online_softmax_attention_scalar,
};

#if ATTNSCOPE_SIMD
constexpr Variants kSimdVariants{
    .gemm_nn = f32_gemm_nn_simd,
    .gemm_nt = f32_gemm_nt_simd,
    .widen_rows = f32_widen_rows_simd,
    .add_bias = f32_add_bias_simd,
    .scale = f32_scale_simd,
    .scale_mask_softmax = f32_scale_mask_softmax_simd,
    .layer_norm = f32_layer_norm_simd,
    .rms_norm = f32_rms_norm_simd,
    .activation = f32_activation_simd,
    .gated_activation = f32_gated_activation_simd,
    .rotary = f32_rotary_simd,
    .online_softmax_attention = f32_online_softmax_attention_simd,
};
#endif

std::atomic<Path> g_active_path{ATTNSCOPE_SIMD ? Path::simd : Path::scalar};

}  // namespace

bool simd_available() noexcept { return ATTNSCOPE_SIMD != 0; }

Path active_path() noexcept { return g_active_path.load(std::memory_order_relaxed); }

void set_active_path(Path path) {
  if (path != Path::scalar && path != Path::simd) {
    throw InvalidArgument("set_active_path: path must be Path::scalar or Path::simd");
  }
  if (path == Path::simd && !simd_available()) {
    throw InvalidArgument(
        "set_active_path: path is Path::simd but this build has no SIMD kernels (expected Path::scalar)");
  }
  g_active_path.store(path, std::memory_order_relaxed);
}

const Variants& active_variants() noexcept {
#if ATTNSCOPE_SIMD
  if (active_path() == Path::simd) return kSimdVariants;
#endif
  return kScalarVariants;
}

}  // namespace attnscope::kernels
