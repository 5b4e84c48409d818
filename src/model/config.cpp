#include "model/config.hpp"

#include <cmath>
#include <initializer_list>
#include <sstream>

#include "model/config_keys.hpp"
#include "util/error.hpp"
#include "util/json.hpp"

namespace attnscope::model {
namespace detail {

const json::Value* find_any(const json::Value& config, std::initializer_list<const char*> names) {
  for (const char* name : names) {
    if (const json::Value* v = config.find(name); v && !v->is_null()) return v;
  }
  return nullptr;
}

std::size_t size_key(const json::Value& config, std::initializer_list<const char*> names, std::int64_t min) {
  const json::Value* v = find_any(config, names);
  if (!v) {
    throw InvalidArgument("config.json: missing key '" + std::string(*names.begin()) + "'");
  }
  if (!v->is_number() || v->as_number() != std::floor(v->as_number()) || v->as_number() < min ||
      v->as_number() > kMaxDimension) {
    throw InvalidArgument("config.json: '" + std::string(*names.begin()) +
                          "' must be an integer in [" + std::to_string(min) + ", " +
                          std::to_string(kMaxDimension) + "]");
  }
  return static_cast<std::size_t>(v->as_int());
}

std::size_t size_key_or(const json::Value& config, const char* name, std::size_t fallback, std::int64_t min) {
  return find_any(config, {name}) ? size_key(config, {name}, min) : fallback;
}

float eps_key(const json::Value& config, const char* name, float fallback) {
  const json::Value* v = config.find(name);
  if (!v || v->is_null()) return fallback;
  if (!v->is_number() || !(v->as_number() > 0) || v->as_number() > 1) {
    throw InvalidArgument(std::string("config.json: '") + name + "' must be a number in (0, 1]");
  }
  return static_cast<float>(v->as_number());
}

bool bool_key(const json::Value& config, const char* name, bool fallback) {
  const json::Value* v = config.find(name);
  if (!v || v->is_null()) return fallback;
  if (!v->is_bool()) throw InvalidArgument(std::string("config.json: '") + name + "' must be true or false");
  return v->as_bool();
}

std::optional<double> number_key(const json::Value& object, const char* key, const std::string& where,
                                 double min, double max) {
  const json::Value* v = object.find(key);
  if (!v || v->is_null()) return std::nullopt;
  if (!v->is_number() || !(v->as_number() >= min) || !(v->as_number() <= max)) {
    std::ostringstream range;
    range << "[" << min << ", " << max << "]";
    throw InvalidArgument("config.json: '" + where + key + "' must be a number in " + range.str());
  }
  return v->as_number();
}

Activation activation_from(const std::string& name, const char* key, bool gated) {
  if (name == "gelu") return Activation::gelu_erf;
  if (name == "gelu_new" || name == "gelu_pytorch_tanh" || name == "gelu_fast") {
    return Activation::gelu_tanh;
  }
  if (name == "relu") return Activation::relu;
  if (gated && (name == "silu" || name == "swish")) return Activation::silu;
  throw InvalidArgument(std::string("config.json: '") + key + "' is '" + name +
                        "'; supported: gelu, gelu_new, gelu_pytorch_tanh, gelu_fast, relu" +
                        (gated ? ", silu, swish" : ""));
}

std::string string_key(const json::Value& config, const char* key, const char* fallback) {
  const json::Value* v = config.find(key);
  if (!v || v->is_null()) return fallback;
  if (!v->is_string()) throw InvalidArgument(std::string("config.json: '") + key + "' must be a string");
  return v->as_string();
}

}  // namespace detail

using namespace detail;

const char* architecture_name(Architecture a) noexcept {
  switch (a) {
    case Architecture::bert: return "bert";
    case Architecture::roberta: return "roberta";
    case Architecture::distilbert: return "distilbert";
    case Architecture::gpt2: return "gpt2";
    case Architecture::llama: return "llama";
    case Architecture::mistral: return "mistral";
    case Architecture::qwen2: return "qwen2";
    case Architecture::qwen3: return "qwen3";
    case Architecture::gemma: return "gemma";
    case Architecture::phi3: return "phi3";
    case Architecture::bart: return "bart";
    case Architecture::mbart: return "mbart";
    case Architecture::marian: return "marian";
    case Architecture::t5: return "t5";
  }
  return "?";
}

ModelConfig parse_config(std::string_view config_json) {
  json::Value config;
  try {
    config = json::parse(config_json);
  } catch (const json::ParseError& e) {
    throw InvalidArgument(std::string("config.json: not valid JSON (") + e.what() + ")");
  }
  if (!config.is_object()) throw InvalidArgument("config.json: expected a JSON object");
  const json::Value* type = config.find("model_type");
  if (!type || !type->is_string()) {
    throw InvalidArgument(std::string("config.json: missing string 'model_type' (supported: ") +
                          kSupportedModelTypes + ")");
  }
  const std::string& model_type = type->as_string();

  ModelConfig c;
  // XLM-RoBERTa is RoBERTa's architecture with another vocabulary (Hugging Face's XLMRobertaModel is
  // its copy, tensor names included); its SentencePiece Unigram tokenizer comes from tokenizer.json.
  if (model_type == "bert" || model_type == "roberta" || model_type == "xlm-roberta") {
    c.architecture = model_type == "bert" ? Architecture::bert : Architecture::roberta;
    c.d_model = size_key(config, {"hidden_size"});
    c.num_layers = size_key(config, {"num_hidden_layers"});
    c.num_heads = size_key(config, {"num_attention_heads"});
    c.d_ff = size_key(config, {"intermediate_size"});
    c.max_positions = size_key(config, {"max_position_embeddings"});
    c.type_vocab_size = size_key(config, {"type_vocab_size"});
    c.layer_norm_eps = eps_key(config, "layer_norm_eps", 1e-12f);
    c.activation_name = string_key(config, "hidden_act", "gelu");
    c.activation = activation_from(c.activation_name, "hidden_act");
    const std::string pos_type = string_key(config, "position_embedding_type", "absolute");
    if (pos_type != "absolute") {
      throw InvalidArgument("config.json: position_embedding_type '" + pos_type +
                            "' is not supported (expected 'absolute')");
    }
    if (c.architecture == Architecture::roberta) {
      // RoBERTa's position ids start after the padding index: padding_idx + 1.
      c.position_offset = size_key(config, {"pad_token_id"}, 0) + 1;
    }
  } else if (model_type == "distilbert") {
    c.architecture = Architecture::distilbert;
    c.d_model = size_key(config, {"dim"});
    c.num_layers = size_key(config, {"n_layers"});
    c.num_heads = size_key(config, {"n_heads"});
    c.d_ff = size_key(config, {"hidden_dim"});
    c.max_positions = size_key(config, {"max_position_embeddings"});
    c.layer_norm_eps = 1e-12f;  // hard-coded in DistilBERT's modeling code
    c.activation_name = string_key(config, "activation", "gelu");
    c.activation = activation_from(c.activation_name, "activation");
  } else if (model_type == "gpt2") {
    c.architecture = Architecture::gpt2;
    c.d_model = size_key(config, {"n_embd", "hidden_size"});
    c.num_layers = size_key(config, {"n_layer", "num_hidden_layers"});
    c.num_heads = size_key(config, {"n_head", "num_attention_heads"});
    c.d_ff = find_any(config, {"n_inner"}) ? size_key(config, {"n_inner"}) : 4 * c.d_model;
    c.max_positions = size_key(config, {"n_positions", "max_position_embeddings"});
    c.layer_norm_eps = eps_key(config, "layer_norm_epsilon", 1e-5f);
    c.activation_name = string_key(config, "activation_function", "gelu_new");
    c.activation = activation_from(c.activation_name, "activation_function");
    c.pre_layer_norm = true;
    c.causal = true;
    for (const char* flag : {"scale_attn_by_inverse_layer_idx", "reorder_and_upcast_attn"}) {
      if (const json::Value* v = config.find(flag); v && v->is_bool() && v->as_bool()) {
        throw InvalidArgument(std::string("config.json: '") + flag + "' = true is not supported");
      }
    }
    if (const json::Value* v = config.find("scale_attn_weights"); v && v->is_bool() && !v->as_bool()) {
      throw InvalidArgument("config.json: 'scale_attn_weights' = false is not supported");
    }
  } else if (model_type == "llama" || model_type == "mistral" || model_type == "qwen2" || model_type == "qwen3" ||
             model_type == "gemma" || model_type == "phi3") {
    parse_decoder_config(config, model_type, c);
  } else if (model_type == "bart" || model_type == "mbart" || model_type == "marian" || model_type == "t5") {
    parse_seq2seq_config(config, model_type, c);
  } else {
    throw InvalidArgument("config.json: model_type '" + model_type +
                          "' is not supported (supported: " + kSupportedModelTypes + ")");
  }
  c.vocab_size = size_key(config, {"vocab_size"});
  // Hugging Face's default for the BERT family and GPT-2 is a tied head (the decoder families set theirs).
  if (c.architecture == Architecture::bert || c.architecture == Architecture::roberta ||
      c.architecture == Architecture::distilbert || c.architecture == Architecture::gpt2) {
    c.tie_word_embeddings = bool_key(config, "tie_word_embeddings", true);
  }
  if (c.num_kv_heads == 0) c.num_kv_heads = c.num_heads;
  if (c.d_head == 0) {
    if (c.d_model % c.num_heads != 0) {
      throw InvalidArgument("config.json: hidden size " + std::to_string(c.d_model) +
                            " must be divisible by the number of heads " + std::to_string(c.num_heads));
    }
    c.d_head = c.d_model / c.num_heads;
  }
  if (c.max_tokens() == 0) {
    throw InvalidArgument("config.json: max_position_embeddings " + std::to_string(c.max_positions) +
                          " leaves no room after the position offset " +
                          std::to_string(c.position_offset));
  }
  const std::string dtype = string_key(config, "torch_dtype", "");
  c.stored_bytes_hint = dtype == "float32" ? 4 : dtype == "float16" || dtype == "bfloat16" ? 2 : 0;
  return c;
}

}  // namespace attnscope::model
