// Sharded checkpoints that lie: the golden three-shard Llama with its index or its shards rewritten.
// Each problem is an InvalidArgument naming the index or the shard and the tensor.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "model/shard_index.hpp"
#include "model/transformer.hpp"
#include "model_test_files.hpp"
#include "util/error.hpp"

namespace {

using namespace attnscope;
using attnscope::testing::model_dir;
using attnscope::testing::read_bytes;
using attnscope::testing::read_text;
using attnscope::testing::rewrite;

const std::string kDir = "llama-sharded-bf16";
const std::string kShard1 = "model-00001-of-00003.safetensors";
const std::string kShard2 = "model-00002-of-00003.safetensors";

struct Checkpoint {
  std::string config = read_text(model_dir(kDir) + "/config.json");
  std::string index = read_text(model_dir(kDir) + "/model.safetensors.index.json");
  std::map<std::string, std::vector<std::uint8_t>> shards;

  Checkpoint() {
    for (const auto& name : model::parse_shard_index(index).shards) shards[name] = read_bytes(model_dir(kDir) + "/" + name);
  }

  std::string load_error() const {
    std::vector<model::ShardBytes> list;
    for (const auto& [name, bytes] : shards) list.push_back({name, bytes});
    try {
      model::load_transformer(config, index, list);
    } catch (const InvalidArgument& e) {
      return e.what();
    }
    ADD_FAILURE() << "loaded";
    return {};
  }

  void replace_in_index(const std::string& from, const std::string& to) {
    const auto at = index.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    index.replace(at, from.size(), to);
  }
};

TEST(ShardedCheckpoints, TheIntactCheckpointLoads) {
  Checkpoint c;
  std::vector<model::ShardBytes> list;
  for (const auto& [name, bytes] : c.shards) list.push_back({name, bytes});
  EXPECT_NO_THROW(model::load_transformer(c.config, c.index, list));
  // The rewriting helper keeps a shard intact, or the tests below would prove nothing.
  c.shards[kShard1] = rewrite(c.shards[kShard1], [](auto&) {});
  list.clear();
  for (const auto& [name, bytes] : c.shards) list.push_back({name, bytes});
  EXPECT_NO_THROW(model::load_transformer(c.config, c.index, list));
}

TEST(ShardedCheckpoints, ShardsOutsideTheFolderAreRefused) {
  for (const std::string bad : {"../model-00001-of-00003.safetensors", "sub/model.safetensors", "/etc/x.safetensors",
                                "C:\\\\x.safetensors", ".hidden.safetensors", "config.json", ".safetensors"}) {
    Checkpoint c;
    c.replace_in_index("\"lm_head.weight\": \"" + kShard1 + "\"", "\"lm_head.weight\": \"" + bad + "\"");
    EXPECT_CONTAINS(c.load_error(), "model.safetensors.index.json: tensor 'lm_head.weight' is in shard");
    EXPECT_CONTAINS(c.load_error(), "expected a .safetensors file name in the same folder (no path)");
  }
}

TEST(ShardedCheckpoints, MalformedIndexesAreNamed) {
  auto error = [](const std::string& index) {
    try {
      model::parse_shard_index(index);
    } catch (const InvalidArgument& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_CONTAINS(error("{"), "model.safetensors.index.json: not valid JSON");
  EXPECT_CONTAINS(error("[]"), "expected a JSON object");
  EXPECT_CONTAINS(error("{}"), "missing object 'weight_map'");
  EXPECT_CONTAINS(error(R"({"weight_map": {}})"), "'weight_map' is empty");
  EXPECT_CONTAINS(error(R"({"weight_map": {"a": 3}})"), "'weight_map' entry 'a' must be a shard file name");
  // A tensor named twice: JSON with a duplicate key.
  EXPECT_CONTAINS(error(R"({"weight_map": {"a": "x.safetensors", "a": "y.safetensors"}})"), "duplicate key");
}

TEST(ShardedCheckpoints, AMissingShardIsNamed) {
  Checkpoint c;
  c.shards.erase(kShard2);
  EXPECT_CONTAINS(c.load_error(), "shard '" + kShard2 + "' is missing");
}

TEST(ShardedCheckpoints, ShardsThatDisagreeWithTheIndexAreNamed) {
  {  // The index puts a tensor in another shard than the one holding it.
    Checkpoint c;
    c.replace_in_index("\"lm_head.weight\": \"" + kShard1 + "\"", "\"lm_head.weight\": \"" + kShard2 + "\"");
    EXPECT_CONTAINS(c.load_error(), kShard1 + ": tensor 'lm_head.weight' is here, but model.safetensors.index.json puts it in " + kShard2);
  }
  {  // The index names a tensor its shard does not hold.
    Checkpoint c;
    c.replace_in_index("\"weight_map\": {", "\"weight_map\": {\"model.extra.weight\": \"" + kShard2 + "\",");
    EXPECT_CONTAINS(c.load_error(), "model.safetensors.index.json: tensor 'model.extra.weight' should be in " + kShard2 +
                                        ", which does not hold it");
  }
  {  // A shard holds a tensor the index does not name.
    Checkpoint c;
    c.shards[kShard1] = rewrite(c.shards[kShard1], [](auto& ts) { ts[0].name = "model.stray.weight"; });
    EXPECT_CONTAINS(c.load_error(), kShard1 + ": tensor 'model.stray.weight' is not in model.safetensors.index.json");
  }
  {  // The same tensor in two shards.
    Checkpoint c;
    const model::SafetensorsFile first(c.shards[kShard1]);
    const std::string duplicate = first.tensors()[0].name;
    c.shards[kShard2] = rewrite(c.shards[kShard2], [&](auto& ts) { ts[0].name = duplicate; });
    EXPECT_CONTAINS(c.load_error(), "tensor '" + duplicate + "' is also in another shard");
  }
  {  // A tensor the model needs is in no shard.
    Checkpoint c;
    c.replace_in_index("\"model.norm.weight\"", "\"model.norm_renamed.weight\"");
    EXPECT_CONTAINS(c.load_error(), "model.safetensors.index.json: missing tensor 'model.norm.weight'");
  }
  {  // A shard whose tensor has the wrong shape for config.json.
    Checkpoint c;
    c.shards[kShard1] = rewrite(c.shards[kShard1], [](auto& ts) {
      for (auto& t : ts) if (t.name == "lm_head.weight") t.shape = {32, 96};
    });
    EXPECT_CONTAINS(c.load_error(), kShard1 + ": tensor 'lm_head.weight' has shape [32, 96], expected [96, 32] from config.json");
  }
}

}  // namespace
