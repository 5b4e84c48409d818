// The streaming (FlashAttention-style) attention kernel: one block of query rows against every key,
// with an online softmax, so the [n, m] weights matrix never exists.
//
// For each query row the kernel keeps the running maximum M of its scaled scores, the running sum
// L of exp(score - M) and an unnormalised output row O. Keys are visited in blocks of
// kOnlineSoftmaxKeyBlock; for a block of scaled, masked scores S:
//   M' = max(M, max S);  alpha = exp(M - M');  P = exp(S - M')  (0 where masked)
//   L := L·alpha + sum P;  O := O·alpha + P·V_block
// and at the end output = O / L. A row whose keys are all masked has M = -inf and L = 0 throughout
// and gets an all-zero output row (the convention of the regular path), never NaN.
//
// The SIMD twin works on panels of 4 query rows: Q·Kᵀ for 4 rows × 8 keys in registers, written
// transposed (one vector = one key's scores for the 4 rows), so the running max / sum are plain
// lane-wise vector operations, and P is already in the layout the P·V micro-kernel reads; the
// rescale by alpha is folded into the P·V accumulation. The scalar twin is the same recurrence one
// row at a time. Both give the same results up to float rounding (sums are reassociated).
#pragma once
#include <cstddef>
#include <cstdint>

#include "kernels/kernels.hpp"

namespace attnscope::kernels {

// Keys per block of the online softmax (the scores of 4 rows × this many keys stay in L1).
inline constexpr std::size_t kOnlineSoftmaxKeyBlock = 256;

// One block of query rows. Rows are `ld_*` elements apart; all pointers are to the block's first
// query row (q, output, allowed) or to key 0 (k, v). Arguments are trusted (the attention layer
// validates them). Blocks are independent: different blocks may run on different threads.
struct OnlineSoftmaxAttentionBlock {
  std::size_t rows = 0;    // query rows in this block
  std::size_t row0 = 0;    // absolute index of the block's first query (for the causal mask)
  std::size_t keys = 0;    // m, all keys
  std::size_t d_k = 0, d_v = 0;
  float scale = 1.0f;      // applied to Q·Kᵀ before the softmax (1/√d_k)
  const float* q = nullptr;
  std::size_t ld_q = 0;
  const float* k = nullptr;
  std::size_t ld_k = 0;
  const float* v = nullptr;
  std::size_t ld_v = 0;
  SoftmaxMask mask = SoftmaxMask::none;
  const std::uint8_t* allowed = nullptr;  // kind allowed: [rows, keys] at ld_allowed, nonzero = kept
  std::size_t ld_allowed = 0;
  float* output = nullptr;                // [rows, d_v] at ld_output, overwritten
  std::size_t ld_output = 0;
};

void f32_online_softmax_attention_scalar(const OnlineSoftmaxAttentionBlock& block);
#if ATTNSCOPE_SIMD
void f32_online_softmax_attention_simd(const OnlineSoftmaxAttentionBlock& block);
#endif

inline void online_softmax_attention(const OnlineSoftmaxAttentionBlock& block) {
#if ATTNSCOPE_SIMD
  if (active_path() == Path::simd) {
    f32_online_softmax_attention_simd(block);
    return;
  }
#endif
  f32_online_softmax_attention_scalar(block);
}

// Keys [0, result) that query `row` may see under a causal mask: min(row + 1, keys).
inline std::size_t causal_key_end(std::size_t row, std::size_t keys) noexcept {
  return row + 1 < keys ? row + 1 : keys;
}

}  // namespace attnscope::kernels
