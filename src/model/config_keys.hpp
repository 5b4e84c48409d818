// Internal to config*.cpp: reading one key of config.json, with the error naming it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>

#include "model/config.hpp"
#include "util/json.hpp"

namespace attnscope::model::detail {

inline constexpr std::int64_t kMaxDimension = 1 << 24;  // far above any real model; keeps products sane

// The first of `names` present and not null in `object` (families and versions spell keys differently).
const json::Value* find_any(const json::Value& object, std::initializer_list<const char*> names);

// An integer in [min, kMaxDimension] under the first of `names`; missing is an error naming the first.
std::size_t size_key(const json::Value& config, std::initializer_list<const char*> names, std::int64_t min = 1);
// The same, `fallback` when absent or null.
std::size_t size_key_or(const json::Value& config, const char* name, std::size_t fallback, std::int64_t min = 1);
float eps_key(const json::Value& config, const char* name, float fallback);
bool bool_key(const json::Value& config, const char* name, bool fallback);
std::string string_key(const json::Value& config, const char* key, const char* fallback);
// A finite number in [min, max] under `key` of `object` (named `where` in errors), or nullopt if absent.
std::optional<double> number_key(const json::Value& object, const char* key, const std::string& where,
                                 double min, double max);

// `gated`: the decoder families' gated MLPs, which also take silu (swish).
Activation activation_from(const std::string& name, const char* key, bool gated = false);

// The Llama-style decoder families (llama, mistral, qwen2, qwen3, gemma, phi3): every field of `c`.
void parse_decoder_config(const json::Value& config, const std::string& model_type, ModelConfig& c);

// The encoder–decoder families (bart, mbart, marian, t5): every field of `c`.
void parse_seq2seq_config(const json::Value& config, const std::string& model_type, ModelConfig& c);

}  // namespace attnscope::model::detail
