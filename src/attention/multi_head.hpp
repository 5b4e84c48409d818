// Multi-head attention with learned projections:
//   Q = X·W_Q + b_Q,  K = C·W_K + b_K,  V = C·W_V + b_V     (C = X for self-attention)
//   head_i = attention(Q_i, K_i, V_i) over columns [i*d_head, (i+1)*d_head), d_head = d_model / h
//   output = concat(head_1..head_h)·W_O + b_O
// W are row-major [d_model, d_model] so that y = x·W (PyTorch's nn.Linear weight transposed).
#pragma once
#include <cstddef>
#include <span>
#include <vector>

#include "attention/mask.hpp"

namespace attnscope {

struct MultiHeadAttentionParams {
  std::size_t d_model = 0;
  std::size_t num_heads = 0;
  std::vector<float> wq, wk, wv, wo;  // [d_model*d_model] each
  std::vector<float> bq, bk, bv, bo;  // [d_model] each, or empty for no bias
};

// Caller-owned destinations. output [n*d_model] is required; every other span is filled only when
// non-empty, so a caller asks for exactly the intermediates it shows:
//   weights [h*n*m]     softmax weights of every head
//   heads   [n*d_model] per-head outputs concatenated, before W_O
//   q       [n*d_model], k, v [m*d_model]   the projections (biases added)
//   scores, scaled [h*n*m]                  Q·Kᵀ and Q·Kᵀ/√d_head per head, before the mask
// When weights, scores and scaled are all empty, every head streams (streaming.hpp: online softmax,
// no [n, m] matrix), so memory stays O((n + m)·d_model) and n·m may exceed the 2^28 buffer limit.
struct MultiHeadOutputs {
  std::span<float> output{};
  std::span<float> weights{};
  std::span<float> heads{};
  std::span<float> q{}, k{}, v{};
  std::span<float> scores{}, scaled{};
};

struct MultiHeadRequest {
  bool weights = true;
  bool heads = true;
  bool steps = false;  // q, k, v, scores, scaled
};

struct MultiHeadResult {
  std::vector<float> output;   // [n*d_model]
  std::vector<float> weights;  // [h*n*m], empty unless requested
  std::vector<float> heads;    // [n*d_model], empty unless requested
  std::vector<float> q, k, v;  // empty unless steps requested
  std::vector<float> scores, scaled;
};

class MultiHeadAttention {
 public:
  // Validates shapes and values (InvalidArgument on any problem) and keeps the weights.
  explicit MultiHeadAttention(MultiHeadAttentionParams params);

  std::size_t d_model() const noexcept;
  std::size_t num_heads() const noexcept;

  // x [n*d_model]; context [m*d_model], or empty for self-attention (then m must equal n or be 0).
  void forward(std::span<const float> x, std::size_t n, std::span<const float> context,
               std::size_t m, const Mask& mask, const MultiHeadOutputs& out);

  MultiHeadResult forward(std::span<const float> x, std::size_t n, std::span<const float> context,
                          std::size_t m, const Mask& mask, const MultiHeadRequest& request = {});

 private:
  MultiHeadAttentionParams params_;  // wo, bo kept; wq/wk/wv/bq/bk/bv moved into the fused copies
  std::vector<float> w_qkv_;         // [d_model, 3*d_model] = [W_Q | W_K | W_V]: one GEMM for all three
  std::vector<float> b_qkv_;         // [3*d_model], zeros for absent biases; empty when none given
  std::vector<float> workspace_;     // reused across calls: no allocation on the hot path once warm
};

}  // namespace attnscope
