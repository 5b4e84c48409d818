// Multi-head attention with learned projections:
//   Q = X·W_Q + b_Q,  K = C·W_K + b_K,  V = C·W_V + b_V     (C = X for self-attention)
//   head_i = attention(Q_i, K_g(i), V_g(i)) on the head's columns (attention/heads.hpp)
//   output = concat(head_1..head_h)·W_O + b_O
// W are row-major [in, out] so that y = x·W (PyTorch's nn.Linear weight transposed). By default
// d_head = d_model / h and every query head has its own K/V head; models with grouped-query attention
// (num_kv_heads < num_heads) or a wider head (num_heads·d_head ≠ d_model) say so.
#pragma once
#include <cstddef>
#include <span>
#include <vector>

#include "attention/mask.hpp"
#include "tensor/weight_matrix.hpp"

namespace attnscope {

struct MultiHeadAttentionParams {
  std::size_t d_model = 0;
  std::size_t num_heads = 0;
  // Shapes with q_width = num_heads·d_head and kv_width = num_kv_heads·d_head:
  //   wq [d_model, q_width], wk and wv [d_model, kv_width], wo [q_width, d_model];
  //   bq [q_width], bk and bv [kv_width], bo [d_model]; an empty bias means none.
  std::vector<float> wq, wk, wv, wo;
  std::vector<float> bq, bk, bv, bo;
  std::size_t num_kv_heads = 0;  // 0: num_heads
  std::size_t d_head = 0;        // 0: d_model / num_heads
  float scale = 0.0f;            // 0: 1/√d_head
};

// Caller-owned destinations. output [n*d_model] is required; every other span is filled only when
// non-empty, so a caller asks for exactly the intermediates it shows:
//   weights [h*n*m]       softmax weights of every head
//   heads   [n*q_width]   per-head outputs concatenated, before W_O
//   q [n*q_width], k, v [m*kv_width]      the projections (biases added)
//   scores, scaled [count*n*m]            Q·Kᵀ and Q·Kᵀ·scale, before the mask, of the heads
//                                         [steps_first, steps_first + count) (count 0: every head)
//   value_norms [h*m]                     ‖v_j·W_O^h‖ per head and key (value-weighted attention)
// head_factors [h] (an input, empty: all 1) multiplies each head's weights before ·V, as Hugging Face's
// head_mask does (0 ablates a head); the weights returned are the multiplied ones.
// When weights, scores and scaled are all empty, every head streams (streaming.hpp: online softmax,
// no [n, m] matrix), so memory stays O((n + m)·d_model) and n·m may exceed the 2^28 buffer limit.
struct MultiHeadOutputs {
  std::span<float> output{};
  std::span<float> weights{};
  std::span<float> heads{};
  std::span<float> q{}, k{}, v{};
  std::span<float> scores{}, scaled{};
  std::size_t steps_first = 0, steps_count = 0;
  std::span<float> value_norms{};
  std::span<const float> head_factors{};
};

struct MultiHeadRequest {
  bool weights = true;
  bool heads = true;
  bool steps = false;  // q, k, v, scores, scaled (every head)
  bool value_norms = false;
};

struct MultiHeadResult {
  std::vector<float> output;   // [n*d_model]
  std::vector<float> weights;  // [h*n*m], empty unless requested
  std::vector<float> heads;    // [n*q_width], empty unless requested
  std::vector<float> q, k, v;  // empty unless steps requested
  std::vector<float> scores, scaled;
  std::vector<float> value_norms;  // [h*m], empty unless requested
};

// Internal (models): a layer's attention weights as the checkpoint stores them (tensor/weight_matrix.hpp),
// plus the per-head transforms some families apply to Q and K before the scores.
struct StoredAttentionWeights {
  std::size_t d_model = 0;
  std::size_t num_heads = 0;
  std::size_t num_kv_heads = 0;  // 0: num_heads
  std::size_t d_head = 0;        // 0: d_model / num_heads
  float scale = 0.0f;            // 0: 1/√d_head
  WeightMatrix qkv;              // fused Q | K | V outputs (GPT-2's c_attn, Phi-3's qkv_proj), or empty
  WeightMatrix q, k, v;          // used when qkv is empty
  WeightMatrix o;                // num_heads·d_head inputs, d_model outputs
  std::vector<float> bq, bk, bv, bo;  // empty: no bias
  // RMSNorm over each head's d_head values of Q and of K, before the rotation (Qwen3's q_norm and
  // k_norm): [d_head] weights each, or empty.
  std::vector<float> q_norm, k_norm;
  float norm_eps = 1e-6f;
};

// Rotary position embeddings (RoPE) for a self-attention forward: query and key i are rotated by the
// angles of position i. cos, sin: [rows, rotary_dim / 2], row i for token i (models compute them once
// per forward for every layer). Empty (rotary_dim 0): no rotation.
struct RotaryTables {
  const float* cos = nullptr;
  const float* sin = nullptr;
  std::size_t rows = 0;
  std::size_t rotary_dim = 0;  // the first rotary_dim values of each head rotate (partial rotary)
};

// The buffers a forward needs beyond its outputs (projections, head outputs, one head's weights),
// grown as needed and reused by whoever owns them: a MultiHeadAttention keeps its own, so repeated
// calls do not allocate; a model passes one to all its layers for the length of one forward.
struct AttentionWorkspace {
  std::vector<float> buffer;
  std::vector<float> scratch;
};

class MultiHeadAttention {
 public:
  // Validates shapes and values (InvalidArgument on any problem) and keeps the weights.
  explicit MultiHeadAttention(MultiHeadAttentionParams params);
  // From stored weights (models); shapes are checked, values are the loader's responsibility.
  explicit MultiHeadAttention(StoredAttentionWeights weights);

  std::size_t d_model() const noexcept;
  std::size_t num_heads() const noexcept;
  std::size_t num_kv_heads() const noexcept;
  std::size_t d_head() const noexcept;
  float scale() const noexcept;

  // x [n*d_model]; context [m*d_model], or empty for self-attention (then m must equal n or be 0).
  void forward(std::span<const float> x, std::size_t n, std::span<const float> context,
               std::size_t m, const Mask& mask, const MultiHeadOutputs& out);
  // `rotary` rotates Q and K (self-attention only). Steps show Q and K after every transform.
  // `bias` [h*n*m], or empty: an additive position bias per head on the scaled scores, before the
  // mask (T5's relative position buckets); the `scaled` step includes it. A bias means no streaming.
  void forward(std::span<const float> x, std::size_t n, std::span<const float> context,
               std::size_t m, const Mask& mask, const MultiHeadOutputs& out,
               AttentionWorkspace& workspace, const RotaryTables& rotary = {},
               std::span<const float> bias = {}) const;

  MultiHeadResult forward(std::span<const float> x, std::size_t n, std::span<const float> context,
                          std::size_t m, const Mask& mask, const MultiHeadRequest& request = {});

 private:
  std::size_t q_width() const noexcept { return num_heads_ * d_head_; }
  std::size_t kv_width() const noexcept { return num_kv_heads_ * d_head_; }

  // Shape checks shared by both constructors (num_kv_heads_ and d_head_ from their 0 defaults).
  void set_shape(std::size_t num_kv_heads, std::size_t d_head, float scale);
  void set_biases(std::vector<float> bq, std::vector<float> bk, std::vector<float> bv, std::vector<float> bo);
  // Qwen3's per-head norms and the rotation, on the projections in place.
  void transform_queries_keys(float* q, std::size_t ld_q, std::size_t n, float* k, std::size_t ld_k,
                              std::size_t m, const RotaryTables& rotary) const;

  std::size_t d_model_, num_heads_, num_kv_heads_ = 0, d_head_ = 0;
  float scale_ = 0.0f;
  WeightMatrix qkv_;              // d_model × (q_width + 2*kv_width) = [W_Q | W_K | W_V]: one GEMM, or empty
  WeightMatrix q_, k_, v_;        // the three projections (slices of qkv_ when it is given)
  WeightMatrix o_;                // q_width × d_model
  std::vector<float> b_qkv_;      // [q_width + 2*kv_width], zeros for absent biases; empty when none given
  std::vector<float> b_o_;        // [d_model] or empty
  std::vector<float> q_norm_, k_norm_;
  float norm_eps_ = 0.0f;
  AttentionWorkspace workspace_;  // reused across calls: no allocation on the hot path once warm
};

}  // namespace attnscope
