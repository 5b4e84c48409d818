// Reading the committed golden checkpoints (tests/golden/models/<name>/) in the model tests.
#pragma once
#include <cstdint>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "model/safetensors.hpp"
#include "model/transformer.hpp"

namespace attnscope::testing {

inline std::string model_dir(const std::string& name) {
  return std::string(ATTNSCOPE_TEST_DATA_DIR) + "/models/" + name;
}

inline std::vector<std::uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline std::string read_text(const std::string& path) {
  const auto bytes = read_bytes(path);
  return {bytes.begin(), bytes.end()};
}

#define EXPECT_CONTAINS(text, part) \
  EXPECT_NE(std::string(text).find(part), std::string::npos) << "message: " << (text)

// A copy of safetensors `bytes` whose header is rewritten by `edit` (which may change names, shapes,
// dtypes or drop entries by clearing their name); the data section is kept as it is.
inline std::vector<std::uint8_t> rewrite(const std::vector<std::uint8_t>& bytes,
                                         const std::function<void(std::vector<model::TensorInfo>&)>& edit) {
  const model::SafetensorsFile file(bytes);
  std::vector<model::TensorInfo> tensors = file.tensors();
  edit(tensors);
  std::string header = "{";
  for (const auto& t : tensors) {
    if (t.name.empty()) continue;
    if (header.size() > 1) header += ",";
    header += "\"" + t.name + "\":{\"dtype\":\"" + t.dtype_name + "\",\"shape\":" + model::shape_text(t.shape) +
              ",\"data_offsets\":[" + std::to_string(t.begin) + "," + std::to_string(t.end) + "]}";
  }
  header += "}";
  const std::size_t old_header = model::SafetensorsFile::header_length(bytes, bytes.size(), "x");
  std::vector<std::uint8_t> out;
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(std::uint64_t{header.size()} >> (8 * i)));
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), bytes.begin() + static_cast<std::ptrdiff_t>(8 + old_header), bytes.end());
  return out;
}

inline bool file_exists(const std::string& path) { return static_cast<bool>(std::ifstream(path)); }

// A golden checkpoint folder: model.safetensors, or model.safetensors.index.json and its shards.
inline model::TransformerModel load_model_dir(const std::string& name, const model::LoadOptions& options = {}) {
  const std::string dir = model_dir(name);
  const std::string config = read_text(dir + "/config.json");
  if (file_exists(dir + "/model.safetensors")) {
    return model::load_transformer(config, read_bytes(dir + "/model.safetensors"), options);
  }
  const std::string index = read_text(dir + "/" + model::kShardIndexFile);
  std::vector<std::vector<std::uint8_t>> bytes;
  std::vector<model::ShardBytes> shards;
  for (const auto& shard : model::parse_shard_index(index).shards) bytes.push_back(read_bytes(dir + "/" + shard));
  const auto names = model::parse_shard_index(index).shards;
  for (std::size_t i = 0; i < names.size(); ++i) shards.push_back({names[i], bytes[i]});
  return model::load_transformer(config, index, shards, options);
}

// The reference outputs torch computed (scripts/generate/make_model_golden.py).
struct ModelReference {
  std::vector<std::int32_t> ids;
  std::vector<std::vector<float>> attentions;  // per layer [heads*n*n]
  std::vector<float> hidden;                   // [n*d]
  std::vector<std::vector<float>> hidden_states;  // layers + 1 of [n*d]
  // Per layer, every head's steps by name (x, q, k, v, scores, scaled, weights, head_output, output).
  std::vector<std::map<std::string, std::vector<float>>> steps;
  std::vector<std::vector<float>> value_norms;  // per layer [heads*n]
  std::vector<std::vector<float>> rollout;      // per layer [n*n]
  // The same ids with some tokens marked as padding.
  std::vector<std::int32_t> padded_mask;
  std::vector<std::vector<float>> padded_attentions;
  std::vector<float> padded_hidden;
  std::vector<float> logits;  // [n*vocab], Llama-family references with an LM head
};

inline std::vector<std::int32_t> read_i32(const model::SafetensorsFile& file, const std::string& name) {
  const auto* t = file.find(name);
  if (!t || t->dtype_name != "I32") throw std::runtime_error("reference has no I32 " + name);
  const auto raw = file.raw(*t);
  std::vector<std::int32_t> values(t->element_count);
  std::memcpy(values.data(), raw.data(), raw.size());
  return values;
}

// Every tensor `<prefix><i>` for i = 0, 1, ... until one is missing.
inline std::vector<std::vector<float>> read_numbered(const model::SafetensorsFile& file,
                                                     const std::string& prefix) {
  std::vector<std::vector<float>> out;
  for (int i = 0;; ++i) {
    const auto* t = file.find(prefix + std::to_string(i));
    if (!t) return out;
    out.push_back(file.read_f32(*t));
  }
}

inline ModelReference read_reference(const std::string& name) {
  const auto bytes = read_bytes(model_dir(name) + "/reference.safetensors");
  const model::SafetensorsFile file(bytes, "reference.safetensors");
  ModelReference ref;
  ref.ids = read_i32(file, "input_ids");
  ref.attentions = read_numbered(file, "attentions.");
  ref.hidden = file.read_f32(*file.find("hidden"));
  ref.hidden_states = read_numbered(file, "hidden_states.");
  ref.value_norms = read_numbered(file, "value_norms.");
  ref.rollout = read_numbered(file, "rollout.");
  for (std::size_t l = 0; l < ref.attentions.size(); ++l) {
    auto& layer = ref.steps.emplace_back();
    for (const char* step : {"x", "q", "k", "v", "scores", "scaled", "weights", "head_output", "output"}) {
      const auto* t = file.find("steps." + std::to_string(l) + "." + step);
      if (!t) throw std::runtime_error(name + ": reference has no steps." + std::to_string(l) + "." + step);
      layer[step] = file.read_f32(*t);
    }
  }
  ref.padded_mask = read_i32(file, "padded.attention_mask");
  ref.padded_attentions = read_numbered(file, "padded.attentions.");
  ref.padded_hidden = file.read_f32(*file.find("padded.hidden"));
  if (const auto* logits = file.find("logits")) ref.logits = file.read_f32(*logits);
  return ref;
}

}  // namespace attnscope::testing
