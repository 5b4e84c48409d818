// The path switch and the dispatching entry points of kernels.hpp (large calls split over threads).
#include "kernels/kernels.hpp"

#include <algorithm>
#include <atomic>

#include "kernels/kernels_impl.hpp"
#include "util/error.hpp"
#include "util/parallel.hpp"

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

// ---- Splitting large calls over the thread pool (util/parallel.hpp) ----
// A call is split only when its work pays for a parallel region (tens of microseconds): below the
// thresholds, or with one thread, it runs as one call. The pieces are independent calls of the same
// kernel on sub-blocks, each output element computed exactly as in one call, so the results do not
// depend on the number of threads. More pieces than threads let a thread that gets its core back
// take over work from one that did not (the machine may be shared).
namespace {

constexpr double kMinParallelGemmFlops = 1.0e6;  // ~50 µs of one wasm thread (Q·Kᵀ at n = 128)
constexpr std::size_t kMinParallelElements = std::size_t{1} << 14;  // row-wise kernels: 128 × 128
// GEMM pieces: each one repacks the operand it shares with the others (B for row blocks, A for
// column panels), so pieces stay large: ~2 per thread, enough to even out a busy core.
constexpr std::size_t kGemmRowsPerPiece = 128;
constexpr std::size_t kGemmColumnsPerPiece = 256;
constexpr std::size_t kRowsPerPiece =
    16;  // row-wise kernels: nothing shared, many pieces are cheap
constexpr std::size_t kGemmPiecesPerThread = 2;
constexpr std::size_t kRowPiecesPerThread = 4;

std::size_t round_up(std::size_t value, std::size_t multiple) {
  return (value + multiple - 1) / multiple * multiple;
}

// Splits [0, total) into pieces of `size` (a multiple of `granule`): about `total / preferred`
// pieces, at least one and at most `per_thread` per thread, and a multiple of the thread count, so
// that equal pieces divide evenly (3 pieces on 2 threads leave one thread a third of the call
// alone: W_O at d_model 768 did). Returns the piece size.
std::size_t piece_size(std::size_t total, std::size_t preferred, std::size_t granule,
                       std::size_t threads, std::size_t per_thread) {
  std::size_t pieces = total / preferred;
  pieces = std::max(pieces, threads);
  pieces = std::min(round_up(pieces, threads), threads * per_thread);
  return round_up((total + pieces - 1) / pieces, granule);
}

// Calls piece(begin, end) for consecutive ranges of `size` covering [0, total), in parallel.
template <typename Piece>
void for_each_piece(std::size_t total, std::size_t size, Piece&& piece) {
  const std::size_t pieces = (total + size - 1) / size;
  parallel::parallel_for(pieces, [&](std::size_t i) {
    const std::size_t begin = i * size;
    piece(begin, std::min(total, begin + size));
  });
}

enum class GemmSplit { none, rows, columns };

// Row blocks repack B ([k, n]) per piece, column panels repack A ([m, k]): split the side that
// makes the repacked operand the smaller one, when it has enough 4-row tiles or 8-column panels.
GemmSplit choose_gemm_split(std::size_t m, std::size_t n, std::size_t k, std::size_t threads) {
  if (threads < 2) return GemmSplit::none;
  if (2.0 * static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k) <
      kMinParallelGemmFlops) {
    return GemmSplit::none;
  }
  const bool rows = m >= 8 * threads, columns = n >= 16 * threads;
  if (columns && (n > m || !rows)) return GemmSplit::columns;
  if (rows) return GemmSplit::rows;
  return GemmSplit::none;
}

// Runs gemm(m, n, k, ...) whole or split over the pool by choose_gemm_split. Column j0 of C starts
// at b + j0 * b_column_step in B (1 for B[k, n], ldb for B[n, k] read transposed).
template <typename Gemm>
void split_gemm(std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
                const float* b, std::size_t ldb, float* c, std::size_t ldc, bool accumulate,
                std::size_t b_column_step, Gemm gemm) {
  const std::size_t threads = parallel::num_threads();
  switch (choose_gemm_split(m, n, k, threads)) {
    case GemmSplit::none:
      gemm(m, n, k, a, lda, b, ldb, c, ldc, accumulate);
      return;
    case GemmSplit::rows:
      for_each_piece(m, piece_size(m, kGemmRowsPerPiece, 4, threads, kGemmPiecesPerThread),
                     [&](std::size_t i0, std::size_t i1) {
                       gemm(i1 - i0, n, k, a + i0 * lda, lda, b, ldb, c + i0 * ldc, ldc, accumulate);
                     });
      return;
    case GemmSplit::columns:
      for_each_piece(n, piece_size(n, kGemmColumnsPerPiece, 8, threads, kGemmPiecesPerThread),
                     [&](std::size_t j0, std::size_t j1) {
                       gemm(m, j1 - j0, k, a, lda, b + j0 * b_column_step, ldb, c + j0, ldc,
                            accumulate);
                     });
      return;
  }
}

bool split_rows(std::size_t rows, std::size_t cols) {
  return parallel::num_threads() > 1 && rows >= 2 && rows * cols >= kMinParallelElements;
}

}  // namespace

void gemm_nn(std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
             const float* b, std::size_t ldb, float* c, std::size_t ldc, bool accumulate) {
  // B[k, n]: a column panel starts j0 elements into each row.
  split_gemm(m, n, k, a, lda, b, ldb, c, ldc, accumulate, 1,
             [](std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
                const float* b, std::size_t ldb, float* c, std::size_t ldc, bool accumulate) {
               ATTNSCOPE_DISPATCH(f32_gemm_nn, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
             });
}

void gemm_nt(std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
             const float* b, std::size_t ldb, float* c, std::size_t ldc, bool accumulate) {
  // B[n, k] stored by rows: a column panel of C is a block of B's rows.
  split_gemm(m, n, k, a, lda, b, ldb, c, ldc, accumulate, ldb,
             [](std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
                const float* b, std::size_t ldb, float* c, std::size_t ldc, bool accumulate) {
               ATTNSCOPE_DISPATCH(f32_gemm_nt, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
             });
}

void add_bias(std::size_t m, std::size_t n, const float* bias, float* c, std::size_t ldc) {
  if (!split_rows(m, n)) {
    ATTNSCOPE_DISPATCH(f32_add_bias, m, n, bias, c, ldc);
    return;
  }
  const std::size_t size =
      piece_size(m, kRowsPerPiece, 1, parallel::num_threads(), kRowPiecesPerThread);
  for_each_piece(m, size, [&](std::size_t i0, std::size_t i1) {
    ATTNSCOPE_DISPATCH(f32_add_bias, i1 - i0, n, bias, c + i0 * ldc, ldc);
  });
}

void scale_mask_softmax(std::size_t rows, std::size_t cols, float scale, const float* in,
                        std::size_t ld_in, float* out, std::size_t ld_out, SoftmaxMask mask,
                        const std::uint8_t* allowed, std::size_t ld_allowed) {
  if (!split_rows(rows, cols)) {
    ATTNSCOPE_DISPATCH(f32_scale_mask_softmax, rows, cols, scale, in, ld_in, out, ld_out, mask,
                       allowed, ld_allowed);
    return;
  }
  const std::size_t size =
      piece_size(rows, kRowsPerPiece, 1, parallel::num_threads(), kRowPiecesPerThread);
  for_each_piece(rows, size, [&](std::size_t i0, std::size_t i1) {
    if (mask != SoftmaxMask::causal) {
      const std::uint8_t* allowed_rows = allowed != nullptr ? allowed + i0 * ld_allowed : nullptr;
      ATTNSCOPE_DISPATCH(f32_scale_mask_softmax, i1 - i0, cols, scale, in + i0 * ld_in, ld_in,
                         out + i0 * ld_out, ld_out, mask, allowed_rows, ld_allowed);
      return;
    }
    // The kernel counts causal rows from 0: a causal row i is an unmasked softmax over its first
    // causal_row_length(i) entries with zeros after them, which is what the kernel computes for it.
    for (std::size_t i = i0; i < i1; ++i) {
      const std::size_t kept = causal_row_length(i, cols);
      float* out_row = out + i * ld_out;
      ATTNSCOPE_DISPATCH(f32_scale_mask_softmax, 1, kept, scale, in + i * ld_in, ld_in, out_row,
                         ld_out, SoftmaxMask::none, nullptr, 0);
      std::fill(out_row + kept, out_row + cols, 0.0f);
    }
  });
}

void scale(std::size_t rows, std::size_t cols, float factor, const float* in, std::size_t ld_in,
           float* out, std::size_t ld_out) {
  if (!split_rows(rows, cols)) {
    ATTNSCOPE_DISPATCH(f32_scale, rows, cols, factor, in, ld_in, out, ld_out);
    return;
  }
  const std::size_t size =
      piece_size(rows, kRowsPerPiece, 1, parallel::num_threads(), kRowPiecesPerThread);
  for_each_piece(rows, size, [&](std::size_t i0, std::size_t i1) {
    ATTNSCOPE_DISPATCH(f32_scale, i1 - i0, cols, factor, in + i0 * ld_in, ld_in, out + i0 * ld_out,
                       ld_out);
  });
}

#undef ATTNSCOPE_DISPATCH

}  // namespace attnscope::kernels
