// Scaled dot-product attention for one head, the textbook steps:
//   scores = Q·Kᵀ;  scaled = scores / √d_k;  masked;  weights = softmax(scaled);  output = weights·V
//
// Conventions (documented in the README):
// - A query row whose keys are all masked gets all-zero weights and an all-zero output (never NaN).
// - Non-finite inputs (NaN, ±Inf) are rejected with InvalidArgument naming the argument and index.
// - Every shape problem throws InvalidArgument naming the argument and the expected value.
#pragma once
#include <cstddef>
#include <span>
#include <vector>

#include "attention/mask.hpp"

namespace attnscope {

struct AttentionShape {
  std::size_t n = 0;    // queries
  std::size_t m = 0;    // keys / values
  std::size_t d_k = 0;  // query/key width
  std::size_t d_v = 0;  // value width
};

// Caller-owned destinations. output [n*d_v] and weights [n*m] are required; scores and scaled
// ([n*m] each) are filled only when non-empty (the "steps" request).
struct AttentionOutputs {
  std::span<float> output{};
  std::span<float> weights{};
  std::span<float> scores{};
  std::span<float> scaled{};
};

struct AttentionResult {
  std::vector<float> output;   // [n*d_v]
  std::vector<float> weights;  // [n*m]
  std::vector<float> scores;   // [n*m], empty unless keep_steps
  std::vector<float> scaled;   // [n*m], empty unless keep_steps
};

// q [n*d_k], k [m*d_k], v [m*d_v], all row-major.
void scaled_dot_product_attention(std::span<const float> q, std::span<const float> k,
                                  std::span<const float> v, const AttentionShape& shape,
                                  const Mask& mask, const AttentionOutputs& out);

AttentionResult scaled_dot_product_attention(std::span<const float> q, std::span<const float> k,
                                             std::span<const float> v, const AttentionShape& shape,
                                             const Mask& mask, bool keep_steps = false);

}  // namespace attnscope
