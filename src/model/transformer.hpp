// The forward pass of a loaded checkpoint, returning every layer's attention weights and the final
// hidden state:
//   embeddings   x = word[id] + position[i + offset] (+ token_type[0]); BERT family: LayerNorm
//   BERT family  post-LN blocks: x = LN(x + Attn(x)); x = LN(x + FFN(x))
//   GPT-2        pre-LN blocks:  x = x + Attn(LN(x)); x = x + FFN(LN(x)); finally LN_f(x); causal mask
//   Attn         fused Q|K|V projection, per head softmax(Q_h·K_hᵀ/√d_head)·V_h, output projection
//   FFN          act(x·W1 + b1)·W2 + b2 with GELU (erf or tanh form, as config.json says) or ReLU
// All arithmetic goes through the kernels (gemm, softmax, layer norm, GELU), so the SIMD/scalar
// switch applies to the whole model.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "model/config.hpp"
#include "model/weights.hpp"

namespace attnscope::model {

struct ForwardRequest {
  bool attentions = true;
  bool hidden = true;
};

struct ForwardResult {
  std::vector<std::vector<float>> attentions;  // per layer [num_heads * n * n], empty unless requested
  std::vector<float> hidden;                   // [n * d_model], empty unless requested
};

struct LoadOptions {
  // Refuse to load when the converted weights would need more than this (checked before allocating).
  std::uint64_t max_weight_bytes = std::uint64_t{3} << 29;  // 1.5 GiB
};

class TransformerModel {
 public:
  TransformerModel(ModelConfig config, ModelWeights weights);

  const ModelConfig& config() const noexcept { return config_; }

  // ids: 1..config().max_tokens() token ids, each in [0, vocab_size). Throws InvalidArgument.
  ForwardResult forward(std::span<const std::int32_t> ids, const ForwardRequest& request = {}) const;

 private:
  ModelConfig config_;
  ModelWeights weights_;
};

// Parses config.json, checks the memory budget, validates the safetensors file and reads the
// weights. Every failure is an InvalidArgument naming the file and what is wrong.
TransformerModel load_transformer(std::string_view config_json,
                                  std::span<const std::uint8_t> safetensors,
                                  const LoadOptions& options = {});

}  // namespace attnscope::model
