// model.safetensors.index.json on arbitrary bytes, then the loader it would drive: the index parsed,
// the tensors a small Llama needs planned against its weight_map, and each shard it names streamed as
// a tiny safetensors file whose header lists the tensors the index puts there (with placeholder
// shapes), so the shard-versus-index checks run on whatever the fuzzer makes of the map.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_common.hpp"
#include "model/checkpoint.hpp"
#include "model/config.hpp"
#include "model/shard_index.hpp"
#include "model/transformer.hpp"

namespace {

constexpr std::string_view kConfig = R"({"model_type": "llama", "hidden_size": 8, "intermediate_size": 8,
  "num_hidden_layers": 1, "num_attention_heads": 2, "num_key_value_heads": 1, "max_position_embeddings": 16,
  "vocab_size": 4, "tie_word_embeddings": true})";

std::vector<std::uint8_t> shard_with(const std::vector<std::string>& names) {
  std::string header = "{";
  std::size_t offset = 0;
  for (const auto& name : names) {
    if (header.size() > 1) header += ",";
    std::string escaped;
    for (char c : name) {
      if (c == '"' || c == '\\') escaped += '\\';
      if (static_cast<unsigned char>(c) < 0x20) continue;
      escaped += c;
    }
    header += "\"" + escaped + "\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[" + std::to_string(offset) +
              "," + std::to_string(offset + 4) + "]}";
    offset += 4;
  }
  header += "}";
  std::vector<std::uint8_t> bytes;
  for (int i = 0; i < 8; ++i) bytes.push_back(static_cast<std::uint8_t>(std::uint64_t{header.size()} >> (8 * i)));
  bytes.insert(bytes.end(), header.begin(), header.end());
  bytes.resize(bytes.size() + offset, 0);
  return bytes;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  attnscope::fuzz::guard([&] {
    attnscope::model::ShardIndex index = attnscope::model::parse_shard_index(text);
    attnscope::model::CheckpointLoader loader(attnscope::model::parse_config(kConfig), index,
                                              {.max_weight_bytes = 1u << 20});
    for (const auto& file : loader.files()) {
      std::vector<std::string> names;
      for (const auto& [tensor, shard] : index.weight_map) {
        if (shard == file) names.push_back(tensor);
      }
      const auto bytes = shard_with(names);
      loader.begin_file(file, bytes.size());
      loader.feed(bytes);
      loader.end_file();
    }
    (void)loader.finish();
  });
  return 0;
}
