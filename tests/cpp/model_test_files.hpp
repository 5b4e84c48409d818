// Reading the committed golden checkpoints (tests/golden/models/<name>/) in the model tests.
#pragma once
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "model/safetensors.hpp"

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

// The reference outputs torch computed (scripts/generate/make_model_golden.py).
struct ModelReference {
  std::vector<std::int32_t> ids;
  std::vector<std::vector<float>> attentions;  // per layer [heads*n*n]
  std::vector<float> hidden;                   // [n*d]
};

inline ModelReference read_reference(const std::string& name) {
  const auto bytes = read_bytes(model_dir(name) + "/reference.safetensors");
  const model::SafetensorsFile file(bytes, "reference.safetensors");
  ModelReference ref;
  const auto* ids = file.find("input_ids");
  if (!ids || ids->dtype_name != "I32") throw std::runtime_error(name + ": reference has no I32 input_ids");
  const auto raw = file.raw(*ids);
  ref.ids.resize(ids->element_count);
  std::memcpy(ref.ids.data(), raw.data(), raw.size());
  for (int l = 0;; ++l) {
    const auto* a = file.find("attentions." + std::to_string(l));
    if (!a) break;
    ref.attentions.push_back(file.read_f32(*a));
  }
  ref.hidden = file.read_f32(*file.find("hidden"));
  return ref;
}

}  // namespace attnscope::testing
