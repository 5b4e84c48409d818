#include "model/shard_index.hpp"

#include <algorithm>

#include "util/error.hpp"
#include "util/json.hpp"

namespace attnscope::model {
namespace {

constexpr std::size_t kMaxFileName = 255;

// A file next to the index: no directory part, nothing hidden or special, a .safetensors name.
bool plain_shard_name(const std::string& name) {
  static constexpr std::string_view kSuffix = ".safetensors";
  if (name.size() <= kSuffix.size() || name.size() > kMaxFileName) return false;
  if (name.compare(name.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0) return false;
  if (name.front() == '.') return false;
  return std::none_of(name.begin(), name.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c < 0x20 || c == 0x7F || ch == '/' || ch == '\\' || ch == ':';
  });
}

}  // namespace

ShardIndex parse_shard_index(std::string_view json_text, std::string_view file_name) {
  ShardIndex index;
  index.file_name = std::string(file_name);
  const std::string& where = index.file_name;
  json::Value root;
  try {
    root = json::parse(json_text);
  } catch (const json::ParseError& e) {
    throw InvalidArgument(where + ": not valid JSON (" + e.what() + ")");
  }
  if (!root.is_object()) throw InvalidArgument(where + ": expected a JSON object");
  const json::Value* map = root.find("weight_map");
  if (!map || !map->is_object()) throw InvalidArgument(where + ": missing object 'weight_map' {tensor: shard file}");
  if (map->as_object().empty()) throw InvalidArgument(where + ": 'weight_map' is empty");
  for (const json::Member& m : map->as_object()) {
    if (!m.value.is_string()) {
      throw InvalidArgument(where + ": 'weight_map' entry '" + m.key + "' must be a shard file name (a string)");
    }
    const std::string& shard = m.value.as_string();
    if (!plain_shard_name(shard)) {
      throw InvalidArgument(where + ": tensor '" + m.key + "' is in shard '" + shard +
                            "', expected a .safetensors file name in the same folder (no path)");
    }
    index.weight_map.emplace(m.key, shard);
    index.shards.push_back(shard);
  }
  std::sort(index.shards.begin(), index.shards.end());
  index.shards.erase(std::unique(index.shards.begin(), index.shards.end()), index.shards.end());
  if (index.shards.size() > kMaxShards) {
    throw InvalidArgument(where + ": names " + std::to_string(index.shards.size()) + " shards, more than " +
                          std::to_string(kMaxShards));
  }
  return index;
}

}  // namespace attnscope::model
