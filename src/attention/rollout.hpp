// Attention rollout (Abnar & Zuidema 2020, "Quantifying Attention Flow in Transformers"): how much
// each position's representation after layer l draws on each input token, following the attention
// through the layers with the residual connection mixed in as they define it:
//   Ã_l = ½·mean_h(A_l) + ½·I, each row renormalised to sum 1;   R_1 = Ã_1,   R_l = Ã_l·R_{l−1}.
#pragma once
#include <cstddef>
#include <span>
#include <vector>

namespace attnscope {

// layers: the attention weights of consecutive layers, each [num_heads, n, n] (n*n*num_heads
// values). Returns R_1 .. R_L, each [n, n]. Throws InvalidArgument on sizes that do not match or
// non-finite weights.
std::vector<std::vector<float>> attention_rollout(std::span<const std::span<const float>> layers,
                                                  std::size_t num_heads, std::size_t n);

}  // namespace attnscope
