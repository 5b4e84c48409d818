// config.json of the Llama-style decoders: pre-norm RMSNorm blocks, rotary position embeddings,
// grouped-query attention and a gated MLP, with each family's variations:
//   llama    attention_bias, mlp_bias, head_dim, rope_scaling (SmolLM, TinyLlama, Llama 3.x)
//   mistral  sliding_window on every layer
//   qwen2    biases on Q, K and V; sliding window from use_sliding_window / max_window_layers
//   qwen3    per-head RMSNorm of Q and K (q_norm, k_norm), head_dim
//   gemma    embeddings × √d_model, RMSNorm weights (1 + w), GeGLU, head_dim, tied LM head
//   phi3     fused qkv_proj and gate_up_proj, partial_rotary_factor, sliding_window
// Keys absent from a config take the defaults of the family's Hugging Face configuration class.
#include <cmath>
#include <string>

#include "model/config_keys.hpp"
#include "util/error.hpp"

namespace attnscope::model::detail {
namespace {

constexpr double kMaxRopeTheta = 1e12;
constexpr double kMaxRopeFactor = 1e6;

// rope_theta and rope_scaling, or (newer configs) one rope_parameters object holding both.
void parse_rope(const json::Value& config, ModelConfig& c) {
  const json::Value* parameters = config.find("rope_parameters");
  if (parameters && parameters->is_null()) parameters = nullptr;
  if (parameters && !parameters->is_object()) throw InvalidArgument("config.json: 'rope_parameters' must be an object");
  const json::Value& theta_holder = parameters ? *parameters : config;
  const std::string theta_where = parameters ? "rope_parameters." : "";
  if (const json::Value* theta = theta_holder.find("rope_theta"); theta && !theta->is_null()) {
    if (!theta->is_number() || !(theta->as_number() > 1.0) || theta->as_number() > kMaxRopeTheta) {
      throw InvalidArgument("config.json: '" + theta_where + "rope_theta' must be a number in (1, 1e12]");
    }
    c.rope.theta = theta->as_number();
  }

  const json::Value* scaling = parameters ? parameters : config.find("rope_scaling");
  const std::string where = parameters ? "rope_parameters." : "rope_scaling.";
  if (scaling && !scaling->is_null()) {
    if (!scaling->is_object()) throw InvalidArgument("config.json: 'rope_scaling' must be an object or null");
    const json::Value* type = find_any(*scaling, {"rope_type", "type"});
    if (type && !type->is_string()) throw InvalidArgument("config.json: '" + where + "rope_type' must be a string");
    const std::string name = type ? type->as_string() : "default";
    auto required = [&](const char* key, double min, double max) {
      const auto v = number_key(*scaling, key, where, min, max);
      if (!v) throw InvalidArgument("config.json: rope type '" + name + "' needs '" + where + key + "'");
      return *v;
    };
    if (name == "default") {
      c.rope.scaling = RopeScaling::none;
    } else if (name == "linear") {
      c.rope.scaling = RopeScaling::linear;
      c.rope.factor = required("factor", 1e-6, kMaxRopeFactor);
    } else if (name == "llama3") {
      c.rope.scaling = RopeScaling::llama3;
      c.rope.factor = required("factor", 1e-6, kMaxRopeFactor);
      c.rope.low_freq_factor = required("low_freq_factor", 1e-6, kMaxRopeFactor);
      c.rope.high_freq_factor = required("high_freq_factor", 1e-6, kMaxRopeFactor);
      c.rope.original_max_positions = required("original_max_position_embeddings", 1, kMaxDimension);
      if (!(c.rope.high_freq_factor > c.rope.low_freq_factor)) {
        throw InvalidArgument("config.json: '" + where + "high_freq_factor' must be greater than '" + where +
                              "low_freq_factor'");
      }
    } else {
      throw InvalidArgument("config.json: rope type '" + name + "' (" + where +
                            "rope_type) is not supported (supported: default, linear, llama3)");
    }
  }

  // Hugging Face rotates the first int(head_dim · partial_rotary_factor) values of each head.
  double partial = 1.0;
  if (const auto v = number_key(parameters ? *parameters : config, "partial_rotary_factor",
                                parameters ? "rope_parameters." : "", 1e-6, 1.0)) {
    partial = *v;
  } else if (const auto top = number_key(config, "partial_rotary_factor", "", 1e-6, 1.0)) {
    partial = *top;
  }
  c.rope.rotary_dim = static_cast<std::size_t>(static_cast<double>(c.d_head) * partial);
  if (c.rope.rotary_dim < 2 || c.rope.rotary_dim % 2 != 0) {
    throw InvalidArgument("config.json: head_dim " + std::to_string(c.d_head) + " x partial_rotary_factor " +
                          std::to_string(partial) + " gives " + std::to_string(c.rope.rotary_dim) +
                          " rotary dimensions, expected an even number of at least 2");
  }
}

// Which layers use a sliding window: Mistral and Phi-3 all of them (when sliding_window is set);
// Qwen2/3 those from max_window_layers on when use_sliding_window is true, or as layer_types lists.
void parse_sliding_window(const json::Value& config, const std::string& model_type, ModelConfig& c) {
  const bool qwen = model_type == "qwen2" || model_type == "qwen3";
  if (model_type != "mistral" && model_type != "phi3" && !qwen) return;
  // Qwen's sliding_window is always written but only used with use_sliding_window (as Hugging Face does).
  if (qwen && !bool_key(config, "use_sliding_window", false)) return;
  if (!find_any(config, {"sliding_window"})) return;
  c.sliding_window = size_key(config, {"sliding_window"});
  c.sliding_layers.assign(c.num_layers, true);
  if (!qwen) return;
  if (const json::Value* types = config.find("layer_types"); types && !types->is_null()) {
    if (!types->is_array() || types->as_array().size() != c.num_layers) {
      throw InvalidArgument("config.json: 'layer_types' must be an array of num_hidden_layers (" +
                            std::to_string(c.num_layers) + ") strings");
    }
    for (std::size_t l = 0; l < c.num_layers; ++l) {
      const json::Value& t = types->as_array()[l];
      const bool sliding = t.is_string() && t.as_string() == "sliding_attention";
      if (!sliding && !(t.is_string() && t.as_string() == "full_attention")) {
        throw InvalidArgument("config.json: 'layer_types[" + std::to_string(l) +
                              "]' must be \"full_attention\" or \"sliding_attention\"");
      }
      c.sliding_layers[l] = sliding;
    }
    return;
  }
  const std::size_t first = size_key_or(config, "max_window_layers", 28, 0);
  for (std::size_t l = 0; l < c.num_layers; ++l) c.sliding_layers[l] = l >= first;
}

}  // namespace

void parse_decoder_config(const json::Value& config, const std::string& model_type, ModelConfig& c) {
  if (model_type == "llama") c.architecture = Architecture::llama;
  else if (model_type == "mistral") c.architecture = Architecture::mistral;
  else if (model_type == "qwen2") c.architecture = Architecture::qwen2;
  else if (model_type == "qwen3") c.architecture = Architecture::qwen3;
  else if (model_type == "gemma") c.architecture = Architecture::gemma;
  else c.architecture = Architecture::phi3;
  const bool gemma = c.architecture == Architecture::gemma;

  c.d_model = size_key(config, {"hidden_size"});
  c.num_layers = size_key(config, {"num_hidden_layers"});
  c.num_heads = size_key(config, {"num_attention_heads"});
  c.d_ff = size_key(config, {"intermediate_size"});
  c.max_positions = size_key(config, {"max_position_embeddings"});
  c.position_table = false;
  c.num_kv_heads = size_key_or(config, "num_key_value_heads", c.num_heads);
  if (c.num_kv_heads > c.num_heads || c.num_heads % c.num_kv_heads != 0) {
    throw InvalidArgument("config.json: 'num_key_value_heads' (" + std::to_string(c.num_kv_heads) +
                          ") must divide 'num_attention_heads' (" + std::to_string(c.num_heads) + ")");
  }
  const std::size_t default_head = c.architecture == Architecture::qwen3 ? 128 : gemma ? 256 : 0;
  c.d_head = size_key_or(config, "head_dim", default_head, 2);
  if (c.d_head == 0 && c.d_model % c.num_heads != 0) {
    throw InvalidArgument("config.json: hidden size " + std::to_string(c.d_model) +
                          " must be divisible by the number of heads " + std::to_string(c.num_heads) +
                          " (or config.json must give head_dim)");
  }
  if (c.d_head == 0) c.d_head = c.d_model / c.num_heads;
  if (c.d_head * c.num_heads > std::size_t{kMaxDimension}) {
    throw InvalidArgument("config.json: 'head_dim' " + std::to_string(c.d_head) + " x " +
                          std::to_string(c.num_heads) + " heads exceeds " + std::to_string(kMaxDimension));
  }

  c.layer_norm_eps = eps_key(config, "rms_norm_eps", 1e-6f);
  c.rms_norm = true;
  c.pre_layer_norm = true;
  c.causal = true;
  c.gated_mlp = true;
  // Gemma reads hidden_activation and, without it, uses the tanh GELU whatever hidden_act says (as
  // Hugging Face's GemmaMLP and Google's reference code do).
  c.activation_name = gemma ? string_key(config, "hidden_activation", "gelu_pytorch_tanh")
                            : string_key(config, "hidden_act", "silu");
  c.activation = activation_from(c.activation_name, gemma ? "hidden_activation" : "hidden_act", true);

  const bool attention_bias = bool_key(config, "attention_bias", false);
  switch (c.architecture) {
    case Architecture::qwen2: c.qkv_bias = true; break;
    case Architecture::llama:
    case Architecture::qwen3:
    case Architecture::gemma:
      c.qkv_bias = c.output_bias = attention_bias;
      break;
    default: break;
  }
  if (c.architecture == Architecture::llama) c.mlp_bias = bool_key(config, "mlp_bias", false);
  c.qk_norm = c.architecture == Architecture::qwen3;
  c.tie_word_embeddings = gemma || bool_key(config, "tie_word_embeddings", false);
  if (gemma) {
    c.embedding_scale = static_cast<float>(std::sqrt(static_cast<double>(c.d_model)));
    c.norm_adds_one = true;
  }
  parse_rope(config, c);
  parse_sliding_window(config, model_type, c);
}

}  // namespace attnscope::model::detail
