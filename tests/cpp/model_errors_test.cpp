// Loading hostile or mismatched checkpoints: every problem is an InvalidArgument that names the
// file, the tensor or the key, and what was expected. Built from the golden checkpoints by
// rewriting their safetensors header (dropping, renaming or reshaping one tensor).
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "model/transformer.hpp"
#include "model_test_files.hpp"
#include "util/error.hpp"

namespace {

using namespace attnscope;
using attnscope::testing::model_dir;
using attnscope::testing::read_bytes;
using attnscope::testing::read_text;
using attnscope::testing::rewrite;

std::string load_error(const std::string& config, const std::vector<std::uint8_t>& weights,
                       const model::LoadOptions& options = {}) {
  try {
    model::load_transformer(config, weights, options);
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  ADD_FAILURE() << "loaded";
  return {};
}

class ModelErrors : public ::testing::Test {
 protected:
  std::string bert_config = read_text(model_dir("bert-f32") + "/config.json");
  std::vector<std::uint8_t> bert = read_bytes(model_dir("bert-f32") + "/model.safetensors");
  std::string gpt2_config = read_text(model_dir("gpt2-f32") + "/config.json");
  std::vector<std::uint8_t> gpt2 = read_bytes(model_dir("gpt2-f32") + "/model.safetensors");
};

TEST_F(ModelErrors, RewrittenButIntactFileStillLoads) {
  // The rewriting helper itself must not break files, or the tests below would prove nothing.
  EXPECT_NO_THROW(model::load_transformer(bert_config, rewrite(bert, [](auto&) {})));
}

TEST_F(ModelErrors, MissingTensorIsNamed) {
  const auto file = rewrite(bert, [](auto& ts) {
    for (auto& t : ts) if (t.name == "bert.encoder.layer.1.attention.self.key.bias") t.name.clear();
  });
  EXPECT_CONTAINS(load_error(bert_config, file), "missing tensor 'bert.encoder.layer.1.attention.self.key.bias'");
  const auto no_ln = rewrite(bert, [](auto& ts) {
    for (auto& t : ts) if (t.name == "bert.encoder.layer.0.output.LayerNorm.weight") t.name.clear();
  });
  EXPECT_CONTAINS(load_error(bert_config, no_ln),
                  "'bert.encoder.layer.0.output.LayerNorm.weight' or 'bert.encoder.layer.0.output.LayerNorm.gamma'");
}

TEST_F(ModelErrors, WrongFamilySaysWhatTheFileHolds) {
  // A GPT-2 file under a BERT config.
  const std::string e = load_error(bert_config, gpt2);
  EXPECT_CONTAINS(e, "missing tensor 'bert.embeddings.word_embeddings.weight' or 'embeddings.word_embeddings.weight'");
  EXPECT_CONTAINS(e, "model_type");
}

TEST_F(ModelErrors, MisShapedTensorIsNamedWithBothShapes) {
  const auto file = rewrite(bert, [](auto& ts) {
    for (auto& t : ts)
      if (t.name == "bert.encoder.layer.0.attention.self.query.weight") t.shape = {16, 64};  // same bytes
  });
  EXPECT_CONTAINS(load_error(bert_config, file),
                  "tensor 'bert.encoder.layer.0.attention.self.query.weight' has shape [16, 64], expected [32, 32]");
  // GPT-2's Conv1D [in, out] transposed by mistake: [3d, d] instead of [d, 3d].
  const auto transposed = rewrite(gpt2, [](auto& ts) {
    for (auto& t : ts) if (t.name == "h.0.attn.c_attn.weight") t.shape = {108, 36};
  });
  EXPECT_CONTAINS(load_error(gpt2_config, transposed), "'h.0.attn.c_attn.weight' has shape [108, 36], expected [36, 108]");
}

TEST_F(ModelErrors, WrongDtypeIsNamed) {
  const auto file = rewrite(bert, [](auto& ts) {
    for (auto& t : ts) if (t.name == "bert.embeddings.LayerNorm.bias") t.dtype_name = "I32";
  });
  EXPECT_CONTAINS(load_error(bert_config, file), "'bert.embeddings.LayerNorm.bias' has dtype I32");
  const auto f16 = rewrite(bert, [](auto& ts) {  // F16 with F32's byte count: a size mismatch
    for (auto& t : ts) if (t.name == "bert.embeddings.LayerNorm.bias") t.dtype_name = "F16";
  });
  EXPECT_CONTAINS(load_error(bert_config, f16), "needs 32 x 2");
}

TEST_F(ModelErrors, TruncatedCheckpointsFailCleanly) {
  for (std::size_t cut = 0; cut < bert.size(); cut += 997) {
    std::vector<std::uint8_t> truncated(bert.begin(), bert.begin() + static_cast<std::ptrdiff_t>(cut));
    EXPECT_THROW(model::load_transformer(bert_config, truncated), InvalidArgument) << "cut at " << cut;
  }
}

TEST_F(ModelErrors, CorruptedHeaderBytesNeverCrash) {
  // Random byte changes inside the JSON header: each load either succeeds (a digit changed to another
  // valid value can still describe a consistent file) or throws InvalidArgument; under ASan/UBSan
  // this also proves no out-of-bounds read or overflow on any path.
  const std::size_t header = model::SafetensorsFile::header_length(gpt2, gpt2.size(), "x");
  std::uint32_t state = 12345;
  auto next = [&] { state = state * 1664525u + 1013904223u; return state >> 8; };
  const char replacements[] = "0123456789,:[]{}\"\\ eE-.x";
  int rejected = 0;
  for (int round = 0; round < 300; ++round) {
    auto file = gpt2;
    for (int k = 0; k < 1 + round % 3; ++k) {
      file[8 + next() % header] = static_cast<std::uint8_t>(replacements[next() % (sizeof replacements - 1)]);
    }
    try {
      model::load_transformer(gpt2_config, file);
    } catch (const InvalidArgument&) {
      ++rejected;
    }
  }
  EXPECT_GT(rejected, 150);  // most corruptions must be caught
}

TEST_F(ModelErrors, UnsupportedModelTypeListsTheSupportedOnes) {
  const std::string e = load_error(R"({"model_type": "pegasus", "d_model": 512})", bert);
  EXPECT_CONTAINS(e, "model_type 'pegasus' is not supported (supported: bert, roberta, xlm-roberta, distilbert, gpt2, llama, mistral, "
                     "qwen2, qwen3, gemma, phi3, bart, mbart, marian, t5)");
  EXPECT_CONTAINS(load_error(R"({"hidden_size": 32})", bert), "missing string 'model_type'");
  EXPECT_CONTAINS(load_error("{", bert), "config.json: not valid JSON");
}

TEST_F(ModelErrors, BadConfigValuesAreNamed) {
  auto with = [&](const std::string& from, const std::string& to) {
    std::string c = bert_config;
    c.replace(c.find(from), from.size(), to);
    return load_error(c, bert);
  };
  EXPECT_CONTAINS(with("\"num_attention_heads\": 4", "\"num_attention_heads\": 5"), "divisible by the number of heads 5");
  EXPECT_CONTAINS(with("\"hidden_size\": 32", "\"hidden_size\": -32"), "'hidden_size' must be an integer");
  EXPECT_CONTAINS(with("\"hidden_size\": 32", "\"hidden_sizes\": 32"), "missing key 'hidden_size'");
  EXPECT_CONTAINS(with("\"hidden_act\": \"gelu\"", "\"hidden_act\": \"swish\""), "'hidden_act' is 'swish'");
  // The config says 64 positions, the file holds 64 rows: a config asking for more is a shape error.
  EXPECT_CONTAINS(with("\"max_position_embeddings\": 64", "\"max_position_embeddings\": 128"),
                  "has shape [64, 32], expected [128, 32]");
}

TEST_F(ModelErrors, ModelsTooLargeForMemoryFailBeforeAllocating) {
  std::string huge = bert_config;
  const std::string from = "\"vocab_size\": ";
  huge.replace(huge.find(from), from.size(), "\"vocab_size\": 16000000, \"_was\": ");
  std::string c = huge;
  c.replace(c.find("\"hidden_size\": 32"), 17, "\"hidden_size\": 16384");
  c.replace(c.find("\"intermediate_size\": 64"), 23, "\"intermediate_size\": 65536");
  c.replace(c.find("\"num_hidden_layers\": 2"), 22, "\"num_hidden_layers\": 96");
  const std::string e = load_error(c, bert);  // ~2.4 TB of weights: must not be attempted
  EXPECT_CONTAINS(e, "MiB as float32, more than the 1536 MiB");
  model::LoadOptions tight;
  tight.max_weight_bytes = 1000;
  EXPECT_CONTAINS(load_error(bert_config, bert, tight), "more than the 0 MiB");
}

TEST_F(ModelErrors, BadTokenIdsAreNamed) {
  const auto m = model::load_transformer(bert_config, bert);
  const std::vector<std::int32_t> out_of_range = {2, 5, 999999};
  try {
    m.forward(out_of_range);
    FAIL() << "accepted";
  } catch (const InvalidArgument& e) {
    EXPECT_CONTAINS(e.what(), "ids[2] = 999999 is outside the vocabulary");
  }
  const std::vector<std::int32_t> negative = {-1};
  EXPECT_THROW(m.forward(negative), InvalidArgument);
  EXPECT_THROW(m.forward(std::vector<std::int32_t>{}), InvalidArgument);
  const std::vector<std::int32_t> too_long(65, 2);
  try {
    m.forward(too_long);
    FAIL() << "accepted";
  } catch (const InvalidArgument& e) {
    EXPECT_CONTAINS(e.what(), "65 tokens, expected 1..64");
  }
  // The model stays usable after errors.
  EXPECT_NO_THROW(m.forward(std::vector<std::int32_t>{2, 7, 3}));
}

}  // namespace
