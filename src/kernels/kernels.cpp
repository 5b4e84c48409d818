// The path switch and the dispatching entry points of kernels.hpp.
#include "kernels/kernels.hpp"

#include <atomic>

#include "kernels/kernels_impl.hpp"
#include "util/error.hpp"

namespace attnscope::kernels {
namespace {

std::atomic<Path> g_active_path{ATTNSCOPE_SIMD ? Path::simd : Path::scalar};

#if ATTNSCOPE_SIMD
bool use_simd() noexcept { return g_active_path.load(std::memory_order_relaxed) == Path::simd; }
#endif

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

// ATTNSCOPE_DISPATCH(name, args...) calls name##_simd when the SIMD path is active, else name##_scalar.
#if ATTNSCOPE_SIMD
#define ATTNSCOPE_DISPATCH(name, ...) \
  (use_simd() ? name##_simd(__VA_ARGS__) : name##_scalar(__VA_ARGS__))
#else
#define ATTNSCOPE_DISPATCH(name, ...) name##_scalar(__VA_ARGS__)
#endif

void gemm_nn(std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
             const float* b, std::size_t ldb, float* c, std::size_t ldc, bool accumulate) {
  ATTNSCOPE_DISPATCH(f32_gemm_nn, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
}

void gemm_nt(std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
             const float* b, std::size_t ldb, float* c, std::size_t ldc, bool accumulate) {
  ATTNSCOPE_DISPATCH(f32_gemm_nt, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
}

void add_bias(std::size_t m, std::size_t n, const float* bias, float* c, std::size_t ldc) {
  ATTNSCOPE_DISPATCH(f32_add_bias, m, n, bias, c, ldc);
}

void scale_mask_softmax(std::size_t rows, std::size_t cols, float scale, const float* in,
                        std::size_t ld_in, float* out, std::size_t ld_out, SoftmaxMask mask,
                        const std::uint8_t* allowed, std::size_t ld_allowed) {
  ATTNSCOPE_DISPATCH(f32_scale_mask_softmax, rows, cols, scale, in, ld_in, out, ld_out, mask, allowed,
                     ld_allowed);
}

void scale(std::size_t rows, std::size_t cols, float factor, const float* in, std::size_t ld_in,
           float* out, std::size_t ld_out) {
  ATTNSCOPE_DISPATCH(f32_scale, rows, cols, factor, in, ld_in, out, ld_out);
}

#undef ATTNSCOPE_DISPATCH

}  // namespace attnscope::kernels
