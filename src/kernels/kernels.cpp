// The operations of kernels.hpp: each takes the active variants once (variants.hpp), checks the few
// arguments a variant could not survive, and runs the call whole or split over the thread pool.
//
// Splitting: a call is split only when its work pays for a parallel region (tens of microseconds):
// below the thresholds, or with one thread, it runs as one call. The pieces are independent calls of
// the same variant on sub-blocks, each output element computed exactly as in one call, so the results
// do not depend on the number of threads. More pieces than threads let a thread that gets its core
// back take over work from one that did not (the machine may be shared).
#include "kernels/kernels.hpp"

#include <algorithm>
#include <string>

#include "kernels/common.hpp"
#include "kernels/profile.hpp"
#include "kernels/variants.hpp"
#include "util/error.hpp"
#include "util/parallel.hpp"

namespace attnscope::kernels {
namespace {

constexpr double kMinParallelGemmFlops = 1.0e6;  // ~50 µs of one wasm thread (Q·Kᵀ at n = 128)
constexpr std::size_t kMinParallelElements = std::size_t{1} << 14;  // row-wise kernels: 128 × 128
// GEMM pieces: each one repacks the operand it shares with the others (B for row blocks, A for
// column panels), so pieces stay large: ~2 per thread, enough to even out a busy core.
constexpr std::size_t kGemmRowsPerPiece = 128;
constexpr std::size_t kGemmColumnsPerPiece = 256;
constexpr std::size_t kRowsPerPiece = 16;  // row-wise kernels: nothing shared, many pieces are cheap
constexpr std::size_t kGemmPiecesPerThread = 2;
constexpr std::size_t kRowPiecesPerThread = 4;

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

// Runs piece(i0, i1) over row ranges covering [0, rows): one call when rows × cols elements do not
// pay for a parallel region, else pieces of kRowsPerPiece-ish rows.
template <typename Piece>
void split_rows(std::size_t rows, std::size_t cols, Piece&& piece) {
  const std::size_t threads = parallel::num_threads();
  if (threads < 2 || rows < 2 || rows * cols < kMinParallelElements) {
    piece(std::size_t{0}, rows);
    return;
  }
  for_each_piece(rows, piece_size(rows, kRowsPerPiece, 1, threads, kRowPiecesPerThread), piece);
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

void require_element_type(const char* where, ElementType type) {
  if (type != ElementType::f32 && type != ElementType::f16 && type != ElementType::bf16) {
    throw InvalidArgument(std::string(where) + ": element type " + std::to_string(static_cast<int>(type)) +
                          " is not ElementType::f32, f16 or bf16");
  }
}

void require_activation(const char* where, Activation kind) {
  if (kind != Activation::gelu_erf && kind != Activation::gelu_tanh && kind != Activation::silu &&
      kind != Activation::relu) {
    throw InvalidArgument(std::string(where) + ": kind " + std::to_string(static_cast<int>(kind)) +
                          " is not Activation::gelu_erf, gelu_tanh, silu or relu");
  }
}

// Runs gemm(m, n, k, ...) whole or split over the pool by choose_gemm_split. Column panel j0 of C
// reads B from element (0, j0) (nn: B[k, n]) or (j0, 0) (nt: B[n, k], a block of its rows).
void split_gemm(GemmFn* gemm, bool transposed_b, std::size_t m, std::size_t n, std::size_t k,
                const float* a, std::size_t lda, MatrixRef b, float* c, std::size_t ldc, bool accumulate) {
  const std::size_t threads = parallel::num_threads();
  switch (choose_gemm_split(m, n, k, threads)) {
    case GemmSplit::none:
      gemm(m, n, k, a, lda, b, c, ldc, accumulate);
      return;
    case GemmSplit::rows:
      for_each_piece(m, piece_size(m, kGemmRowsPerPiece, 4, threads, kGemmPiecesPerThread),
                     [&](std::size_t i0, std::size_t i1) {
                       gemm(i1 - i0, n, k, a + i0 * lda, lda, b, c + i0 * ldc, ldc, accumulate);
                     });
      return;
    case GemmSplit::columns:
      for_each_piece(n, piece_size(n, kGemmColumnsPerPiece, 8, threads, kGemmPiecesPerThread),
                     [&](std::size_t j0, std::size_t j1) {
                       const MatrixRef b_panel = transposed_b ? b.at(j0, 0) : b.at(0, j0);
                       gemm(m, j1 - j0, k, a, lda, b_panel, c + j0, ldc, accumulate);
                     });
      return;
  }
}

}  // namespace

// ---- Matrix products ----

void gemm_nn(std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
             const float* b, std::size_t ldb, float* c, std::size_t ldc, bool accumulate) {
  const profile::Scope scope("gemm_nn", m, n, k);
  split_gemm(active_variants().gemm_nn, false, m, n, k, a, lda, {b, ldb, ElementType::f32}, c, ldc,
             accumulate);
}

void gemm_nn(std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda, MatrixRef b,
             float* c, std::size_t ldc, bool accumulate) {
  const profile::Scope scope("gemm_nn", m, n, k);
  require_element_type("gemm_nn", b.type);
  split_gemm(active_variants().gemm_nn, false, m, n, k, a, lda, b, c, ldc, accumulate);
}

void gemm_nt(std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
             const float* b, std::size_t ldb, float* c, std::size_t ldc, bool accumulate) {
  const profile::Scope scope("gemm_nt", m, n, k);
  split_gemm(active_variants().gemm_nt, true, m, n, k, a, lda, {b, ldb, ElementType::f32}, c, ldc,
             accumulate);
}

void gemm_nt(std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda, MatrixRef b,
             float* c, std::size_t ldc, bool accumulate) {
  const profile::Scope scope("gemm_nt", m, n, k);
  require_element_type("gemm_nt", b.type);
  split_gemm(active_variants().gemm_nt, true, m, n, k, a, lda, b, c, ldc, accumulate);
}

void gemm_weight(std::size_t m, std::size_t n, std::size_t k, const float* x, std::size_t ldx,
                 MatrixRef w, WeightLayout layout, float* y, std::size_t ldy, bool accumulate) {
  switch (layout) {
    case WeightLayout::in_out: gemm_nn(m, n, k, x, ldx, w, y, ldy, accumulate); return;
    case WeightLayout::out_in: gemm_nt(m, n, k, x, ldx, w, y, ldy, accumulate); return;
  }
  throw InvalidArgument("gemm_weight: layout " + std::to_string(static_cast<int>(layout)) +
                        " is not WeightLayout::in_out or out_in");
}

void widen_rows(std::size_t rows, std::size_t cols, MatrixRef src, float* out, std::size_t ld_out) {
  const profile::Scope scope("widen_rows");
  require_element_type("widen_rows", src.type);
  WidenRowsFn* widen = active_variants().widen_rows;
  split_rows(rows, cols, [&](std::size_t i0, std::size_t i1) {
    widen(i1 - i0, cols, src.at(i0, 0), out + i0 * ld_out, ld_out);
  });
}

// ---- Row-wise operations ----

void add_bias(std::size_t m, std::size_t n, const float* bias, float* c, std::size_t ldc) {
  const profile::Scope scope("add_bias");
  AddBiasFn* add = active_variants().add_bias;
  split_rows(m, n, [&](std::size_t i0, std::size_t i1) { add(i1 - i0, n, bias, c + i0 * ldc, ldc); });
}

void scale(std::size_t rows, std::size_t cols, float factor, const float* in, std::size_t ld_in,
           float* out, std::size_t ld_out) {
  const profile::Scope scope("scale");
  ScaleFn* scale_rows = active_variants().scale;
  split_rows(rows, cols, [&](std::size_t i0, std::size_t i1) {
    scale_rows(i1 - i0, cols, factor, in + i0 * ld_in, ld_in, out + i0 * ld_out, ld_out);
  });
}

void scale_mask_softmax(std::size_t rows, std::size_t cols, float scale, const float* in,
                        std::size_t ld_in, float* out, std::size_t ld_out, SoftmaxMask mask,
                        const std::uint8_t* allowed, std::size_t ld_allowed) {
  const profile::Scope scope("scale_mask_softmax");
  ScaleMaskSoftmaxFn* softmax = active_variants().scale_mask_softmax;
  split_rows(rows, cols, [&](std::size_t i0, std::size_t i1) {
    // The variant counts causal rows from 0, so a causal piece that does not start at row 0 goes row
    // by row: causal row i is an unmasked softmax over its first causal_length(i) entries with zeros
    // after them, which is what the variant computes for it (bit for bit).
    if (mask != SoftmaxMask::causal || i0 == 0) {
      const std::uint8_t* allowed_rows = allowed != nullptr ? allowed + i0 * ld_allowed : nullptr;
      softmax(i1 - i0, cols, scale, in + i0 * ld_in, ld_in, out + i0 * ld_out, ld_out, mask,
              allowed_rows, ld_allowed);
      return;
    }
    for (std::size_t i = i0; i < i1; ++i) {
      const std::size_t kept = causal_length(i, cols);
      float* out_row = out + i * ld_out;
      softmax(1, kept, scale, in + i * ld_in, ld_in, out_row, ld_out, SoftmaxMask::none, nullptr, 0);
      std::fill(out_row + kept, out_row + cols, 0.0f);
    }
  });
}

void layer_norm(std::size_t rows, std::size_t cols, const float* in, std::size_t ld_in,
                const float* gamma, const float* beta, float eps, float* out, std::size_t ld_out) {
  const profile::Scope scope("layer_norm");
  LayerNormFn* norm = active_variants().layer_norm;
  split_rows(rows, cols, [&](std::size_t i0, std::size_t i1) {
    norm(i1 - i0, cols, in + i0 * ld_in, ld_in, gamma, beta, eps, out + i0 * ld_out, ld_out);
  });
}

void rms_norm(std::size_t rows, std::size_t cols, const float* in, std::size_t ld_in,
              const float* gamma, float eps, float* out, std::size_t ld_out) {
  const profile::Scope scope("rms_norm");
  RmsNormFn* norm = active_variants().rms_norm;
  split_rows(rows, cols, [&](std::size_t i0, std::size_t i1) {
    norm(i1 - i0, cols, in + i0 * ld_in, ld_in, gamma, eps, out + i0 * ld_out, ld_out);
  });
}

void activation(Activation kind, float* x, std::size_t count) {
  const profile::Scope scope("activation");
  require_activation("activation", kind);
  ActivationFn* act = active_variants().activation;
  // Split as rows of kChunk values (the last row takes the remainder); elements are independent.
  constexpr std::size_t kChunk = 1024;
  const std::size_t chunks = count / kChunk;
  split_rows(chunks, kChunk, [&](std::size_t i0, std::size_t i1) {
    const std::size_t end = i1 == chunks ? count : i1 * kChunk;
    act(kind, x + i0 * kChunk, end - i0 * kChunk);
  });
}

void gated_activation(Activation kind, std::size_t rows, std::size_t cols, const float* gate,
                      std::size_t ld_gate, const float* up, std::size_t ld_up, float* out,
                      std::size_t ld_out) {
  const profile::Scope scope("gated_activation");
  require_activation("gated_activation", kind);
  GatedActivationFn* gated = active_variants().gated_activation;
  split_rows(rows, cols, [&](std::size_t i0, std::size_t i1) {
    gated(kind, i1 - i0, cols, gate + i0 * ld_gate, ld_gate, up + i0 * ld_up, ld_up, out + i0 * ld_out,
          ld_out);
  });
}

void rotary(std::size_t rows, std::size_t heads, std::size_t d_head, std::size_t rotary_dim, float* x,
            std::size_t ld, const float* cos, const float* sin) {
  const profile::Scope scope("rotary");
  if (rotary_dim == 0 || rotary_dim % 2 != 0 || rotary_dim > d_head) {
    throw InvalidArgument("rotary: rotary_dim (" + std::to_string(rotary_dim) +
                          ") must be even and in [2, d_head = " + std::to_string(d_head) + "]");
  }
  RotaryFn* rotate = active_variants().rotary;
  const std::size_t half = rotary_dim / 2;
  split_rows(rows, heads * d_head, [&](std::size_t i0, std::size_t i1) {
    rotate(i1 - i0, heads, d_head, rotary_dim, x + i0 * ld, ld, cos + i0 * half, sin + i0 * half);
  });
}

void online_softmax_attention(const OnlineSoftmaxAttentionBlock& block) {
  const profile::Scope scope("online_softmax_attention");
  active_variants().online_softmax_attention(block);
}

}  // namespace attnscope::kernels
