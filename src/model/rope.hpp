// Rotary position embeddings (Su et al. 2021, "RoFormer"), as Hugging Face's Llama-family code
// computes them: inverse frequencies θ^(-2i/d) for i < d/2 (d = rotary_dim), scaled as
// config.json's rope_scaling says (modeling_rope_utils: "linear", "llama3"), and per position p the
// angles p·inv_freq[i], whose cos and sin rotate the pairs (x[i], x[i + d/2]) of each head
// (kernels::rotary). Computed in double, rounded once to float.
#pragma once
#include <cstddef>
#include <vector>

#include "model/config.hpp"

namespace attnscope::model {

// inv_freq[i], i < rotary_dim / 2.
std::vector<double> rope_inverse_frequencies(const RopeConfig& rope);

// cos and sin [positions, rotary_dim / 2] for positions 0 .. positions-1.
struct RopeTables {
  std::vector<float> cos, sin;
};
RopeTables rope_tables(const RopeConfig& rope, std::size_t positions);

}  // namespace attnscope::model
