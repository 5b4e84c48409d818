// The model hyper-parameters read from a Hugging Face config.json, under one set of names for all
// supported families (each family spells them differently: hidden_size / dim / n_embd ...).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace attnscope::model {

enum class Architecture : std::uint8_t {
  bert, roberta, distilbert, gpt2, llama, mistral, qwen2, qwen3, gemma, phi3,
  bart, mbart, marian, t5,  // encoder–decoder
};

// config.json's model_type of an architecture: "bert", ..., "llama", "qwen3".
const char* architecture_name(Architecture a) noexcept;
// The list for error messages.
inline constexpr const char* kSupportedModelTypes =
    "bert, roberta, xlm-roberta, distilbert, gpt2, llama, mistral, qwen2, qwen3, gemma, phi3, bart, mbart, marian, t5";

enum class Activation : std::uint8_t { gelu_erf, gelu_tanh, relu, silu };

// How rotary position embeddings scale their frequencies (config.json's rope_scaling.rope_type).
enum class RopeScaling : std::uint8_t {
  none,    // "default" or no rope_scaling
  linear,  // every frequency divided by factor (positions interpolated)
  llama3,  // Llama 3.1: low frequencies divided by factor, high ones kept, a smooth ramp between
};

struct RopeConfig {
  std::size_t rotary_dim = 0;       // values of each head that rotate; 0: the family has no RoPE
  double theta = 10000.0;           // rope_theta, the base of the frequencies
  RopeScaling scaling = RopeScaling::none;
  double factor = 1.0;              // linear and llama3
  double low_freq_factor = 1.0;     // llama3
  double high_freq_factor = 4.0;    // llama3
  double original_max_positions = 8192.0;  // llama3: original_max_position_embeddings
};

struct ModelConfig {
  Architecture architecture = Architecture::bert;
  std::size_t num_layers = 0;
  std::size_t num_heads = 0;        // query heads
  std::size_t num_kv_heads = 0;     // key/value heads (grouped-query attention when fewer than num_heads)
  std::size_t d_head = 0;           // width of one head (config's head_dim, else d_model / num_heads)
  std::size_t d_model = 0;
  std::size_t d_ff = 0;             // feed-forward inner width
  std::size_t vocab_size = 0;
  std::size_t max_positions = 0;    // rows of the position embedding table, or RoPE models' maximum
  std::size_t type_vocab_size = 0;  // token type (segment) embeddings; 0 when the family has none
  std::size_t position_offset = 0;  // RoBERTa numbers positions from pad_token_id + 1
  bool position_table = true;       // absolute position embeddings (false with RoPE)
  float layer_norm_eps = 1e-12f;    // of LayerNorm or RMSNorm, whichever the family uses
  Activation activation = Activation::gelu_erf;
  std::string activation_name;      // as written in config.json
  bool pre_layer_norm = false;      // GPT-2, Llama: norm before attention and MLP, plus a final norm
  bool causal = false;              // each token attends only to itself and earlier tokens
  bool rms_norm = false;            // RMSNorm (no mean, no bias) instead of LayerNorm
  bool gated_mlp = false;           // act(x·W_gate) ⊙ (x·W_up), then ·W_down (SwiGLU / GeGLU)
  bool qkv_bias = false;            // Llama family: biases on the Q, K, V projections
  bool output_bias = false;         //   on the attention's output projection
  bool mlp_bias = false;            //   on the MLP's projections
  bool qk_norm = false;             // Qwen3: RMSNorm over each head of Q and K
  bool tie_word_embeddings = false; // the LM head's decoder is the word embedding table
  float embedding_scale = 1.0f;     // Gemma multiplies the embeddings by √d_model
  bool norm_adds_one = false;       // Gemma's RMSNorm scales by (1 + weight)
  RopeConfig rope;
  std::size_t sliding_window = 0;   // Mistral-style: key j visible from query i iff i - window < j <= i
  std::vector<bool> sliding_layers; // which layers use the window (num_layers entries when it is set)
  std::size_t stored_bytes_hint = 0;  // bytes per weight from torch_dtype (4 or 2), 0 when not given

  // ---- encoder–decoder models (bart, mbart, marian, t5): the fields above describe the encoder ----
  bool encoder_decoder = false;
  std::size_t decoder_layers = 0, decoder_heads = 0, decoder_d_ff = 0;
  std::int32_t decoder_start_token_id = 0;  // put before a target text (Hugging Face's shift_tokens_right)
  std::int32_t pad_token_id = 0;
  bool embedding_norm = false;       // BART, mBART: LayerNorm right after the embeddings (layernorm_embedding)
  bool sinusoidal_positions = false; // Marian: fixed sin | cos position table instead of a learned one
  float attention_scale = 0.0f;      // 0: 1/√d_head; T5 does not scale (1)
  std::size_t relative_buckets = 0;  // T5: relative_attention_num_buckets (0: no relative position bias)
  std::size_t relative_max_distance = 0;  // T5: relative_attention_max_distance

  // The longest input the position table allows.
  std::size_t max_tokens() const noexcept {
    return max_positions > position_offset ? max_positions - position_offset : 0;
  }
  bool uses_sliding_window(std::size_t layer) const noexcept {
    return sliding_window != 0 && layer < sliding_layers.size() && sliding_layers[layer];
  }
};

// Parses config.json text. Throws InvalidArgument naming the missing or invalid key, or, for an
// unsupported model_type, listing the supported ones.
ModelConfig parse_config(std::string_view config_json);

}  // namespace attnscope::model
