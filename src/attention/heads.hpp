// Internal: the per-head stage of multi-head attention, the one place it exists. Every caller
// (MultiHeadAttention::forward, and through it every layer of every model) hands it the Q, K and V
// projections of all heads; for each query head h it runs
//   scores = Q_h·K_gᵀ;  scaled = scores·scale (+ B_h);  weights = softmax(mask(scaled));  head_h = weights·V_g
// where g = h / (num_heads / num_kv_heads) is the key/value head that h reads (grouped-query and
// multi-query attention share one K/V head between several query heads).
//
// B_h is an optional additive position bias per head (T5's relative position buckets).
// It also owns two decisions: whether the heads stream (online softmax, no [n, m] matrix: when no
// caller wants a matrix and there is no bias), and whether they run in parallel (each head whole on one thread, when every
// head writes only its own buffers). Arguments are trusted; MultiHeadAttention validates them.
#pragma once
#include <cstddef>
#include <vector>

#include "attention/head.hpp"
#include "attention/mask.hpp"
#include "tensor/weight_matrix.hpp"

namespace attnscope::detail {

struct HeadLayout {
  std::size_t n = 0;             // queries
  std::size_t m = 0;             // keys / values
  std::size_t num_heads = 0;     // query heads
  std::size_t num_kv_heads = 0;  // key/value heads, a divisor of num_heads
  std::size_t d_head = 0;        // query/key width of a head
  std::size_t d_value = 0;       // value width of a head
  float scale = 0.0f;            // applied to Q·Kᵀ before the softmax

  std::size_t kv_head_of(std::size_t head) const { return head / (num_heads / num_kv_heads); }
};

// Strided views of the projections: q [n, num_heads*d_head], k [m, num_kv_heads*d_head],
// v [m, num_kv_heads*d_value]; a head's columns start at head*d_head (head*d_value for v).
struct HeadInputs {
  StridedInput q, k, v;
  const float* bias = nullptr;  // [num_heads, n, m] added to the scaled scores, or nullptr
};

struct HeadOutputs {
  float* heads = nullptr;         // [n, num_heads*d_value] at ld_heads: the heads' outputs (required)
  std::size_t ld_heads = 0;
  float* weights = nullptr;       // [num_heads, n, m] or nullptr
  // The steps of heads [steps_first, steps_first + steps_count), [steps_count, n, m] each or nullptr.
  std::size_t steps_first = 0, steps_count = 0;
  float* scores = nullptr;        // Q·Kᵀ
  float* scaled = nullptr;        // Q·Kᵀ·scale, before the mask
  float* value_norms = nullptr;   // [num_heads, m]: ‖v_j·W_O^h‖ (needs W_O)
  // [num_heads] or nullptr (all 1): head h's weights are multiplied by head_factors[h] before ·V, and
  // returned so (Hugging Face's head_mask; 0 ablates the head).
  const float* head_factors = nullptr;
};

// `w_o` (num_heads·d_value inputs) is read only for the value-weighted norms ‖α_ij·v_j·W_O^h‖
// (Kobayashi et al. 2020), W_O^h being its inputs [h*d_value, (h+1)*d_value). `scratch` is grown as
// needed and reused across calls (no allocation once warm).
void attend_heads(const HeadLayout& layout, const HeadInputs& in, const Mask& mask, const WeightMatrix& w_o,
                  const HeadOutputs& out, std::vector<float>& scratch);

}  // namespace attnscope::detail
