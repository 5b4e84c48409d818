// model.safetensors.index.json, the index of a sharded checkpoint (Hugging Face's
// save_pretrained with max_shard_size): {"metadata": {...}, "weight_map": {tensor: shard file}}.
// Every shard must be a plain file name in the same folder ending in .safetensors (no path, so an
// index cannot reach outside its folder); the tensors each shard really holds are checked against
// the map when the shard's header is read (checkpoint.hpp).
#pragma once
#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace attnscope::model {

inline constexpr const char* kShardIndexFile = "model.safetensors.index.json";
inline constexpr std::size_t kMaxShards = 10000;

struct ShardIndex {
  std::string file_name = kShardIndexFile;
  std::vector<std::string> shards;                // every shard the map names, sorted
  std::map<std::string, std::string> weight_map;  // tensor name -> shard file
};

// Throws InvalidArgument naming the file and the key or shard that is wrong.
ShardIndex parse_shard_index(std::string_view json_text, std::string_view file_name = kShardIndexFile);

}  // namespace attnscope::model
