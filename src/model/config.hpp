// The model hyper-parameters read from a Hugging Face config.json, under one set of names for all
// supported families (each family spells them differently: hidden_size / dim / n_embd ...).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace attnscope::model {

enum class Architecture : std::uint8_t { bert, roberta, distilbert, gpt2 };

// "bert", "roberta", "distilbert", "gpt2".
const char* architecture_name(Architecture a) noexcept;
// The list for error messages: "bert, roberta, distilbert, gpt2".
inline constexpr const char* kSupportedModelTypes = "bert, roberta, distilbert, gpt2";

enum class Activation : std::uint8_t { gelu_erf, gelu_tanh, relu };

struct ModelConfig {
  Architecture architecture = Architecture::bert;
  std::size_t num_layers = 0;
  std::size_t num_heads = 0;
  std::size_t d_model = 0;
  std::size_t d_ff = 0;             // feed-forward inner width
  std::size_t vocab_size = 0;
  std::size_t max_positions = 0;    // rows of the position embedding table
  std::size_t type_vocab_size = 0;  // token type (segment) embeddings; 0 when the family has none
  std::size_t position_offset = 0;  // RoBERTa numbers positions from pad_token_id + 1
  float layer_norm_eps = 1e-12f;
  Activation activation = Activation::gelu_erf;
  std::string activation_name;      // as written in config.json
  bool pre_layer_norm = false;      // GPT-2: LN before attention and MLP, plus a final LN
  bool causal = false;              // GPT-2: each token attends only to itself and earlier tokens

  // The longest input the position table allows.
  std::size_t max_tokens() const noexcept {
    return max_positions > position_offset ? max_positions - position_offset : 0;
  }
};

// Parses config.json text. Throws InvalidArgument naming the missing or invalid key, or, for an
// unsupported model_type, listing the supported ones.
ModelConfig parse_config(std::string_view config_json);

}  // namespace attnscope::model
