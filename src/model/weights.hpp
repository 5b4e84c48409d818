// The weights of a transformer, in the one layout the forward pass uses, read from a checkpoint
// whatever its family's names and conventions: every linear map as y = x·W + b with W row-major
// [in, out] (nn.Linear's [out, in] transposed; GPT-2's Conv1D is already [in, out]). The attention
// weights are MultiHeadAttention's parameters, so every layer runs the core's one attention path.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "attention/multi_head.hpp"
#include "model/config.hpp"
#include "model/safetensors.hpp"

namespace attnscope::model {

struct LayerNormWeights {
  std::vector<float> gamma, beta;  // [d] each
};

struct LayerWeights {
  MultiHeadAttentionParams attention;  // wq, wk, wv, wo [d, d]; biases [d]
  LayerNormWeights ln_attention;    // post-LN: after the attention residual; pre-LN: before attention
  std::vector<float> w_ff1, b_ff1;  // [d, d_ff], [d_ff]
  std::vector<float> w_ff2, b_ff2;  // [d_ff, d], [d]
  LayerNormWeights ln_ffn;          // post-LN: after the FFN residual; pre-LN: before the FFN
};

struct ModelWeights {
  std::vector<float> word_embeddings;        // [vocab, d]
  std::vector<float> position_embeddings;    // [max_positions, d]
  std::vector<float> token_type_embeddings;  // [type_vocab, d], empty when the family has none
  LayerNormWeights embedding_ln;             // BERT family; empty for GPT-2
  std::vector<LayerWeights> layers;
  LayerNormWeights final_ln;                 // GPT-2's ln_f; empty for the BERT family
};

// Bytes the converted float32 weights of a model with this config occupy (64-bit: a hostile config
// must not wrap around in wasm's 32-bit size_t).
std::uint64_t weight_bytes(const ModelConfig& config) noexcept;

// Reads and converts every weight the config calls for. Throws InvalidArgument naming a missing
// tensor (and the names tried), a tensor of the wrong shape (and the shape expected), or a dtype
// that is not F32/F16/BF16. Tensors the forward pass does not use (pooler, heads) are ignored.
ModelWeights read_weights(const ModelConfig& config, const SafetensorsFile& file);

}  // namespace attnscope::model
