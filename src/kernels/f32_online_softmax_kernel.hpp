// The online-softmax step of streaming (FlashAttention-style) attention, for one block of scores.
//
// Streaming attention visits the keys block by block and never holds a whole [n, m] row of
// weights. Per query row it keeps the running maximum M and running sum L of exp(scaled - M), and
// an unnormalised output row O. For a new block of raw scores S (Q·Kᵀ for `rows` queries ×
// `cols` keys) this kernel:
//   - scales S by `scale` and applies the mask (masked entries contribute exactly 0),
//   - M' = max(M, max of the block);  alpha = exp(M - M')
//   - S := exp(S·scale - M')  in place (the block's unnormalised probabilities, 0 where masked)
//   - L := L·alpha + sum(S row);  O row := O row · alpha
// after which the caller adds S·V_block to O. When every key a row has seen so far is masked,
// M stays -inf, L stays 0 and the S row is 0, so the final O / L is defined as an all-zero row.
//
// Mask coordinates are absolute: query row0 + i, key col0 + j. `allowed` (kind allowed) points at
// the block's first entry, rows ld_allowed apart. SIMD and scalar twins have identical semantics.
#pragma once
#include <cstddef>
#include <cstdint>

#include "kernels/kernels.hpp"

namespace attnscope::kernels {

struct OnlineSoftmaxBlock {
  std::size_t rows = 0, cols = 0;  // block of queries × keys
  float scale = 1.0f;
  float* scores = nullptr;         // [rows, cols] at ld_scores; overwritten with exp(...)
  std::size_t ld_scores = 0;
  float* row_max = nullptr;        // [rows] running M (start at -inf)
  float* row_sum = nullptr;        // [rows] running L (start at 0)
  float* acc = nullptr;            // [rows, acc_cols] at ld_acc: the unnormalised output rows
  std::size_t ld_acc = 0, acc_cols = 0;
  SoftmaxMask mask = SoftmaxMask::none;
  std::size_t row0 = 0, col0 = 0;  // absolute position of the block (causal mask)
  const std::uint8_t* allowed = nullptr;
  std::size_t ld_allowed = 0;
};

void f32_online_softmax_block_scalar(const OnlineSoftmaxBlock& block);
#if ATTNSCOPE_SIMD
void f32_online_softmax_block_simd(const OnlineSoftmaxBlock& block);
#endif

inline void online_softmax_block(const OnlineSoftmaxBlock& block) {
#if ATTNSCOPE_SIMD
  if (active_path() == Path::simd) {
    f32_online_softmax_block_simd(block);
    return;
  }
#endif
  f32_online_softmax_block_scalar(block);
}

// Keys of query row `row` that a causal mask keeps within a block starting at key `col0`.
inline std::size_t causal_block_length(std::size_t row, std::size_t col0, std::size_t cols) noexcept {
  if (row < col0) return 0;
  const std::size_t kept = row - col0 + 1;
  return kept < cols ? kept : cols;
}

}  // namespace attnscope::kernels
