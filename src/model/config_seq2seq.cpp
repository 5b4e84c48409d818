// config.json of the encoder–decoder families. The ModelConfig fields that also exist for one-stack
// models describe the encoder (num_layers, num_heads, d_ff); the decoder's are decoder_*.
//   bart    post-LN blocks, LayerNorm after the embeddings, learned positions numbered from 2,
//           scale_embedding (√d_model), activation_function
//   mbart   the same with pre-LN blocks and a final LayerNorm in the encoder and the decoder
//   marian  post-LN, fixed sinusoidal positions from 0, no embedding LayerNorm, activation "swish"
//   t5      pre-norm blocks with T5's RMS LayerNorm (no mean, no bias), no position table: a relative
//           position bias in buckets (bidirectional in the encoder, causal in the decoder), attention
//           without 1/√d scaling and without biases, ReLU or gated-GELU (T5 v1.1, Flan-T5) FF
// Keys absent from a config take the defaults of the family's Hugging Face configuration class.
#include <cmath>
#include <string>
#include <utility>

#include "model/config_keys.hpp"
#include "util/error.hpp"

namespace attnscope::model::detail {
namespace {

constexpr std::size_t kMaxBuckets = 4096;

std::int32_t token_key(const json::Value& config, const char* name, std::int32_t fallback) {
  return static_cast<std::int32_t>(size_key_or(config, name, static_cast<std::size_t>(fallback), 0));
}

// T5's feed_forward_proj: "relu", "gelu", "gated-gelu" (the tanh GELU, as Hugging Face maps it),
// "gated-silu", ...: [gated-]activation.
void parse_t5_feed_forward(const json::Value& config, ModelConfig& c) {
  const std::string proj = string_key(config, "feed_forward_proj", "relu");
  const bool gated = proj.rfind("gated-", 0) == 0;
  const std::string act = gated ? proj.substr(6) : proj;
  if (act.empty() || act.find('-') != std::string::npos) {
    throw InvalidArgument("config.json: 'feed_forward_proj' is '" + proj +
                          "', expected an activation or 'gated-' and an activation (e.g. relu, gated-gelu)");
  }
  c.gated_mlp = gated;
  c.activation_name = proj == "gated-gelu" ? "gelu_new" : act;
  c.activation = activation_from(c.activation_name, "feed_forward_proj", true);
}

void parse_t5(const json::Value& config, ModelConfig& c) {
  c.architecture = Architecture::t5;
  c.d_model = size_key(config, {"d_model"});
  c.d_head = size_key(config, {"d_kv"});
  c.d_ff = size_key(config, {"d_ff"});
  c.num_layers = size_key(config, {"num_layers"});
  c.num_heads = size_key(config, {"num_heads"});
  c.decoder_layers = size_key_or(config, "num_decoder_layers", c.num_layers);
  c.decoder_heads = c.num_heads;
  c.decoder_d_ff = c.d_ff;
  if (c.d_head * c.num_heads > std::size_t{kMaxDimension}) {
    throw InvalidArgument("config.json: 'd_kv' x 'num_heads' exceeds " + std::to_string(kMaxDimension));
  }
  c.relative_buckets = size_key_or(config, "relative_attention_num_buckets", 32);
  c.relative_max_distance = size_key_or(config, "relative_attention_max_distance", 128);
  // Bidirectional buckets split the count in two halves, each with num_buckets/4 exact distances and
  // logarithmic bins up to max_distance: fewer than 4 buckets or a max_distance within the exact range
  // leave no logarithmic range (Hugging Face would divide by log(1) = 0).
  if (c.relative_buckets < 4 || c.relative_buckets > kMaxBuckets) {
    throw InvalidArgument("config.json: 'relative_attention_num_buckets' is " + std::to_string(c.relative_buckets) +
                          ", expected 4.." + std::to_string(kMaxBuckets));
  }
  if (c.relative_max_distance <= c.relative_buckets / 2) {
    throw InvalidArgument("config.json: 'relative_attention_max_distance' (" + std::to_string(c.relative_max_distance) +
                          ") must exceed half of 'relative_attention_num_buckets' (" +
                          std::to_string(c.relative_buckets) + ")");
  }
  c.layer_norm_eps = eps_key(config, "layer_norm_epsilon", 1e-6f);
  parse_t5_feed_forward(config, c);
  c.rms_norm = true;
  c.pre_layer_norm = true;
  c.position_table = false;
  // Relative positions have no table limit; n_positions is the length the model was trained for.
  c.max_positions = size_key_or(config, "n_positions", 512);
  c.attention_scale = 1.0f;
  c.pad_token_id = token_key(config, "pad_token_id", 0);
  c.decoder_start_token_id = token_key(config, "decoder_start_token_id", c.pad_token_id);
}

void parse_bart_family(const json::Value& config, const std::string& model_type, ModelConfig& c) {
  c.architecture = model_type == "bart" ? Architecture::bart : model_type == "mbart" ? Architecture::mbart
                                                                                     : Architecture::marian;
  const bool marian = c.architecture == Architecture::marian;
  c.d_model = size_key(config, {"d_model"});
  c.num_layers = size_key(config, {"encoder_layers"});
  c.num_heads = size_key(config, {"encoder_attention_heads"});
  c.d_ff = size_key(config, {"encoder_ffn_dim"});
  c.decoder_layers = size_key(config, {"decoder_layers"});
  c.decoder_heads = size_key(config, {"decoder_attention_heads"});
  c.decoder_d_ff = size_key(config, {"decoder_ffn_dim"});
  if (c.d_model % c.decoder_heads != 0) {
    throw InvalidArgument("config.json: d_model " + std::to_string(c.d_model) +
                          " must be divisible by decoder_attention_heads " + std::to_string(c.decoder_heads));
  }
  c.layer_norm_eps = 1e-5f;  // nn.LayerNorm's default, which the BART family's modeling code uses
  c.activation_name = string_key(config, "activation_function", marian ? "swish" : "gelu");
  c.activation = activation_from(c.activation_name, "activation_function", true);
  c.pre_layer_norm = c.architecture == Architecture::mbart;
  c.embedding_norm = !marian;
  if (bool_key(config, "scale_embedding", marian)) {
    c.embedding_scale = static_cast<float>(std::sqrt(static_cast<double>(c.d_model)));
  }
  const std::size_t positions = size_key(config, {"max_position_embeddings"});
  if (marian) {
    c.sinusoidal_positions = true;
    c.max_positions = positions;
    if (!bool_key(config, "share_encoder_decoder_embeddings", true)) {
      throw InvalidArgument("config.json: 'share_encoder_decoder_embeddings' = false is not supported");
    }
  } else {
    // BartLearnedPositionalEmbedding: max_position_embeddings + 2 rows, position i at row i + 2.
    c.max_positions = positions + 2;
    c.position_offset = 2;
  }
  c.pad_token_id = token_key(config, "pad_token_id", 1);
  const std::int32_t eos = token_key(config, "eos_token_id", 2);
  c.decoder_start_token_id = token_key(config, "decoder_start_token_id", marian ? c.pad_token_id : eos);
}

}  // namespace

void parse_seq2seq_config(const json::Value& config, const std::string& model_type, ModelConfig& c) {
  c.encoder_decoder = true;
  if (model_type == "t5") parse_t5(config, c);
  else parse_bart_family(config, model_type, c);
  const std::size_t vocab = size_key(config, {"vocab_size"});
  for (auto [value, key] : {std::pair{c.pad_token_id, "pad_token_id"}, {c.decoder_start_token_id, "decoder_start_token_id"}}) {
    if (static_cast<std::size_t>(value) >= vocab) {
      throw InvalidArgument(std::string("config.json: '") + key + "' (" + std::to_string(value) +
                            ") is outside the vocabulary [0, " + std::to_string(vocab) + ")");
    }
  }
}

}  // namespace attnscope::model::detail
