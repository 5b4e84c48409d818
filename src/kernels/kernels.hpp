// The numeric kernels every higher layer (attention, model forward) goes through.
//
// Each kernel has two implementations with identical semantics: a SIMD one written with xsimd
// (SSE/AVX natively, wasm SIMD128 under Emscripten) and a scalar twin. The SIMD one is compiled only
// when ATTNSCOPE_SIMD is 1 (the scalar wasm build has no xsimd at all). The active path is a
// process-wide switch so that tests run every operation through both.
//
// All matrices are float32, row-major, with an explicit leading dimension (elements between rows),
// so per-head column slices of a [n, d_model] buffer are used in place without copies.
#pragma once
#include <cstddef>
#include <cstdint>

namespace attnscope::kernels {

enum class Path : std::uint8_t { scalar, simd };

// True when the SIMD implementations were compiled into this build.
bool simd_available() noexcept;
// The path used by the dispatching functions below. Defaults to simd when available.
Path active_path() noexcept;
// Throws InvalidArgument when asked for simd in a build without it.
void set_active_path(Path path);

// Restores the previous path on scope exit (tests).
class ScopedPath {
 public:
  explicit ScopedPath(Path path) : previous_(active_path()) { set_active_path(path); }
  ~ScopedPath() { set_active_path(previous_); }
  ScopedPath(const ScopedPath&) = delete;
  ScopedPath& operator=(const ScopedPath&) = delete;

 private:
  Path previous_;
};

// ---- Kernels. Each dispatches on active_path() to its *_simd or *_scalar twin. ----
// Sizes are element counts; leading dimensions (lda, ldb, ldc, ...) are elements between the starts of
// consecutive rows and must be >= the row length. The kernels trust their arguments (they sit on the
// hot path): callers validate shapes (the attention layer does, with InvalidArgument). Output buffers
// must not overlap inputs unless a kernel says otherwise.

// C[m, n] = A[m, k] · B[k, n]          (accumulate: C += A·B instead of C = A·B)
void gemm_nn(std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
             const float* b, std::size_t ldb, float* c, std::size_t ldc, bool accumulate = false);

// C[m, n] = A[m, k] · B[n, k]ᵀ         (Q·Kᵀ without materialising Kᵀ)
void gemm_nt(std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
             const float* b, std::size_t ldb, float* c, std::size_t ldc, bool accumulate = false);

// C[i, j] += bias[j] for every row i of C[m, n].
void add_bias(std::size_t m, std::size_t n, const float* bias, float* c, std::size_t ldc);

// Which entries of a [rows, cols] score matrix survive into the softmax.
enum class SoftmaxMask : std::uint8_t {
  none,     // all
  causal,   // column j of row i only when j <= i
  allowed,  // where allowed[i*ld_allowed + j] != 0
};

// out[i, j] = softmax over j of (in[i, j] * scale), masked entries excluded (their weight is 0).
// Max-subtracted, so large scores do not overflow. A row with no unmasked entry becomes all zeros.
// in and out may be the same buffer (in place) when ld_in == ld_out.
void scale_mask_softmax(std::size_t rows, std::size_t cols, float scale, const float* in,
                        std::size_t ld_in, float* out, std::size_t ld_out, SoftmaxMask mask,
                        const std::uint8_t* allowed = nullptr, std::size_t ld_allowed = 0);

// out[i, j] = in[i, j] * scale (the "scaled scores" step kept for the step view). In place allowed.
void scale(std::size_t rows, std::size_t cols, float factor, const float* in, std::size_t ld_in,
           float* out, std::size_t ld_out);

}  // namespace attnscope::kernels
