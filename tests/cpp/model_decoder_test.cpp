// The Llama-family configs and what the loader keeps: real published config.json files parsed into
// the right shapes, each hostile key named, the LM head against the reference's logits, weights kept
// in their stored dtype, results independent of how the file is cut into chunks.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "model/config.hpp"
#include "model/rope.hpp"
#include "model/transformer.hpp"
#include "model_test_files.hpp"
#include "util/error.hpp"

namespace {

using namespace attnscope;
using attnscope::testing::model_dir;
using attnscope::testing::read_bytes;
using attnscope::testing::read_text;

std::string config_error(const std::string& json) {
  try {
    model::parse_config(json);
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  ADD_FAILURE() << "accepted: " << json;
  return {};
}

// The published config.json of Qwen2.5-0.5B (Hugging Face hub, Qwen/Qwen2.5-0.5B).
const char* kQwen25 = R"({"architectures":["Qwen2ForCausalLM"],"attention_dropout":0.0,"bos_token_id":151643,
  "eos_token_id":151643,"hidden_act":"silu","hidden_size":896,"initializer_range":0.02,"intermediate_size":4864,
  "max_position_embeddings":32768,"max_window_layers":24,"model_type":"qwen2","num_attention_heads":14,
  "num_hidden_layers":24,"num_key_value_heads":2,"rms_norm_eps":1e-06,"rope_theta":1000000.0,"sliding_window":32768,
  "tie_word_embeddings":true,"torch_dtype":"bfloat16","transformers_version":"4.40.1","use_cache":true,
  "use_sliding_window":false,"vocab_size":151936})";

// meta-llama/Llama-3.2-1B.
const char* kLlama32 = R"({"architectures":["LlamaForCausalLM"],"attention_bias":false,"attention_dropout":0.0,
  "bos_token_id":128000,"eos_token_id":128001,"head_dim":64,"hidden_act":"silu","hidden_size":2048,
  "initializer_range":0.02,"intermediate_size":8192,"max_position_embeddings":131072,"mlp_bias":false,
  "model_type":"llama","num_attention_heads":32,"num_hidden_layers":16,"num_key_value_heads":8,"pretraining_tp":1,
  "rms_norm_eps":1e-05,"rope_scaling":{"factor":32.0,"high_freq_factor":4.0,"low_freq_factor":1.0,
  "original_max_position_embeddings":8192,"rope_type":"llama3"},"rope_theta":500000.0,"tie_word_embeddings":true,
  "torch_dtype":"bfloat16","transformers_version":"4.45.0.dev0","use_cache":true,"vocab_size":128256})";

// mistralai/Mistral-7B-v0.1.
const char* kMistral = R"({"architectures":["MistralForCausalLM"],"bos_token_id":1,"eos_token_id":2,
  "hidden_act":"silu","hidden_size":4096,"initializer_range":0.02,"intermediate_size":14336,
  "max_position_embeddings":32768,"model_type":"mistral","num_attention_heads":32,"num_hidden_layers":32,
  "num_key_value_heads":8,"rms_norm_eps":1e-05,"rope_theta":10000.0,"sliding_window":4096,
  "tie_word_embeddings":false,"torch_dtype":"bfloat16","transformers_version":"4.34.0.dev0","use_cache":true,
  "vocab_size":32000})";

// Qwen/Qwen3-0.6B.
const char* kQwen3 = R"({"architectures":["Qwen3ForCausalLM"],"attention_bias":false,"attention_dropout":0.0,
  "bos_token_id":151643,"eos_token_id":151645,"head_dim":128,"hidden_act":"silu","hidden_size":1024,
  "initializer_range":0.02,"intermediate_size":3072,"max_position_embeddings":40960,"max_window_layers":28,
  "model_type":"qwen3","num_attention_heads":16,"num_hidden_layers":28,"num_key_value_heads":8,"rms_norm_eps":1e-06,
  "rope_scaling":null,"rope_theta":1000000,"sliding_window":null,"tie_word_embeddings":true,"torch_dtype":"bfloat16",
  "transformers_version":"4.51.0","use_cache":true,"use_sliding_window":false,"vocab_size":151936})";

TEST(DecoderConfig, PublishedConfigsParse) {
  const model::ModelConfig qwen = model::parse_config(kQwen25);
  EXPECT_EQ(qwen.architecture, model::Architecture::qwen2);
  EXPECT_EQ(qwen.num_heads, 14u);
  EXPECT_EQ(qwen.num_kv_heads, 2u);
  EXPECT_EQ(qwen.d_head, 64u);
  EXPECT_EQ(qwen.rope.rotary_dim, 64u);
  EXPECT_EQ(qwen.rope.theta, 1e6);
  EXPECT_TRUE(qwen.qkv_bias);
  EXPECT_FALSE(qwen.output_bias);
  EXPECT_TRUE(qwen.tie_word_embeddings);
  EXPECT_EQ(qwen.sliding_window, 0u) << "use_sliding_window is false";
  EXPECT_EQ(qwen.max_tokens(), 32768u);
  EXPECT_EQ(qwen.stored_bytes_hint, 2u);
  // 494 M weights in BF16 without the tied head: about 0.99 GB.
  EXPECT_NEAR(static_cast<double>(model::parameter_count(qwen)), 494.0e6, 1.0e6);

  const model::ModelConfig llama = model::parse_config(kLlama32);
  EXPECT_EQ(llama.d_head, 64u);
  EXPECT_EQ(llama.num_kv_heads, 8u);
  EXPECT_EQ(llama.rope.scaling, model::RopeScaling::llama3);
  EXPECT_EQ(llama.rope.factor, 32.0);
  EXPECT_EQ(llama.rope.original_max_positions, 8192.0);
  EXPECT_FLOAT_EQ(llama.layer_norm_eps, 1e-5f);

  const model::ModelConfig mistral = model::parse_config(kMistral);
  EXPECT_EQ(mistral.sliding_window, 4096u);
  EXPECT_TRUE(mistral.uses_sliding_window(0));
  EXPECT_TRUE(mistral.uses_sliding_window(31));
  EXPECT_FALSE(mistral.tie_word_embeddings);

  const model::ModelConfig qwen3 = model::parse_config(kQwen3);
  EXPECT_TRUE(qwen3.qk_norm);
  EXPECT_EQ(qwen3.d_head, 128u);
  EXPECT_EQ(qwen3.num_heads * qwen3.d_head, 2048u) << "wider than hidden_size 1024";
  EXPECT_EQ(qwen3.sliding_window, 0u);
}

TEST(DecoderConfig, Llama3FrequenciesFollowTheThreeBands) {
  model::RopeConfig rope;
  rope.rotary_dim = 64;
  rope.theta = 500000.0;
  const auto plain = model::rope_inverse_frequencies(rope);
  rope.scaling = model::RopeScaling::llama3;
  rope.factor = 32.0;
  rope.original_max_positions = 8192.0;
  const auto scaled = model::rope_inverse_frequencies(rope);
  const double pi = std::acos(-1.0);
  int kept = 0, divided = 0, blended = 0;
  for (std::size_t i = 0; i < plain.size(); ++i) {
    const double wavelen = 2 * pi / plain[i];
    if (wavelen < 8192.0 / 4.0) {
      EXPECT_EQ(scaled[i], plain[i]);
      ++kept;
    } else if (wavelen > 8192.0) {
      EXPECT_DOUBLE_EQ(scaled[i], plain[i] / 32.0);
      ++divided;
    } else {
      EXPECT_LT(scaled[i], plain[i]);
      EXPECT_GT(scaled[i], plain[i] / 32.0);
      ++blended;
    }
  }
  EXPECT_GT(kept, 0);
  EXPECT_GT(divided, 0);
  EXPECT_GT(blended, 0);
}

TEST(DecoderConfig, HostileKeysAreNamed) {
  auto with = [](const std::string& from, const std::string& to) {
    std::string c = kLlama32;
    const auto at = c.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return c.replace(at, from.size(), to);
  };
  EXPECT_CONTAINS(config_error(with("\"num_key_value_heads\":8", "\"num_key_value_heads\":5")),
                  "'num_key_value_heads' (5) must divide 'num_attention_heads' (32)");
  EXPECT_CONTAINS(config_error(with("\"num_key_value_heads\":8", "\"num_key_value_heads\":64")),
                  "'num_key_value_heads' (64) must divide");
  EXPECT_CONTAINS(config_error(with("\"head_dim\":64", "\"head_dim\":0")), "'head_dim' must be an integer in [2,");
  EXPECT_CONTAINS(config_error(with("\"head_dim\":64", "\"head_dim\":63")), "head_dim 63 x partial_rotary_factor");
  EXPECT_CONTAINS(config_error(with("\"head_dim\":64", "\"head_dim\":16000000")), "'head_dim' 16000000 x 32 heads exceeds");
  EXPECT_CONTAINS(config_error(with("\"rope_theta\":500000.0", "\"rope_theta\":1e300")), "'rope_theta' must be a number in (1, 1e12]");
  EXPECT_CONTAINS(config_error(with("\"rope_theta\":500000.0", "\"rope_theta\":0")), "'rope_theta' must be a number");
  EXPECT_CONTAINS(config_error(with("\"rope_theta\":500000.0", "\"rope_theta\":\"big\"")), "'rope_theta' must be a number");
  EXPECT_CONTAINS(config_error(with("\"rope_type\":\"llama3\"", "\"rope_type\":\"yarn\"")),
                  "rope type 'yarn' (rope_scaling.rope_type) is not supported (supported: default, linear, llama3)");
  EXPECT_CONTAINS(config_error(with("\"low_freq_factor\":1.0,", "")), "rope type 'llama3' needs 'rope_scaling.low_freq_factor'");
  EXPECT_CONTAINS(config_error(with("\"high_freq_factor\":4.0", "\"high_freq_factor\":0.5")),
                  "'rope_scaling.high_freq_factor' must be greater than 'rope_scaling.low_freq_factor'");
  EXPECT_CONTAINS(config_error(with("\"factor\":32.0", "\"factor\":-2")), "'rope_scaling.factor' must be a number in");
  EXPECT_CONTAINS(config_error(with("\"rope_scaling\":{", "\"rope_scaling\":[1],\"x\":{")), "'rope_scaling' must be an object or null");
  EXPECT_CONTAINS(config_error(with("\"head_dim\":64,", "\"head_dim\":64,\"partial_rotary_factor\":0,")),
                  "'partial_rotary_factor' must be a number in");
  EXPECT_CONTAINS(config_error(with("\"hidden_act\":\"silu\"", "\"hidden_act\":\"mish\"")), "'hidden_act' is 'mish'");
  EXPECT_CONTAINS(config_error(with("\"mlp_bias\":false", "\"mlp_bias\":\"no\"")), "'mlp_bias' must be true or false");

  std::string qwen = kQwen25;
  qwen.replace(qwen.find("\"use_sliding_window\":false"), 26, "\"use_sliding_window\":true,\"layer_types\":[\"full_attention\"]");
  EXPECT_CONTAINS(config_error(qwen), "'layer_types' must be an array of num_hidden_layers (24) strings");
  std::string mistral = kMistral;
  mistral.replace(mistral.find("\"sliding_window\":4096"), 21, "\"sliding_window\":0");
  EXPECT_CONTAINS(config_error(mistral), "'sliding_window' must be an integer in [1,");
  // A config without head_dim whose hidden size does not split into the heads.
  std::string odd = kMistral;
  odd.replace(odd.find("\"hidden_size\":4096"), 18, "\"hidden_size\":4000");
  odd.replace(odd.find("\"num_attention_heads\":32"), 24, "\"num_attention_heads\":48");
  odd.replace(odd.find("\"num_key_value_heads\":8"), 23, "\"num_key_value_heads\":16");
  EXPECT_CONTAINS(config_error(odd), "hidden size 4000 must be divisible by the number of heads 48");
}

// ---- what the loader keeps ----

TEST(DecoderLoad, LmHeadGivesTheReferenceLogits) {
  for (const char* name : {"llama-gqa-f32", "qwen2-bias-bf16", "mistral-window-f32", "gemma-f32"}) {
    SCOPED_TRACE(name);
    const auto ref = attnscope::testing::read_reference(name);
    ASSERT_FALSE(ref.logits.empty());
    const auto plain = attnscope::testing::load_model_dir(name);
    const auto kept = attnscope::testing::load_model_dir(name, {.keep_lm_head = true});
    const model::ModelConfig& c = kept.config();
    // Untied heads are kept only on request; a tied head is the embedding matrix, free.
    EXPECT_EQ(plain.lm_head().empty(), !c.tie_word_embeddings);
    EXPECT_EQ(kept.stored_bytes() - plain.stored_bytes(),
              c.tie_word_embeddings ? 0u : c.vocab_size * c.d_model * kernels::element_bytes(kept.lm_head().type()));
    const auto out = kept.forward(ref.ids);
    const std::size_t n = ref.ids.size();
    std::vector<float> logits(n * c.vocab_size);
    kept.lm_head().apply(n, out.hidden.data(), c.d_model, logits.data(), c.vocab_size);
    double worst = 0.0;
    for (std::size_t i = 0; i < logits.size(); ++i) worst = std::max(worst, std::fabs(double(logits[i]) - ref.logits[i]));
    EXPECT_LE(worst, 1e-4);
  }
}

TEST(DecoderLoad, SixteenBitWeightsStaySixteenBit) {
  const auto m = attnscope::testing::load_model_dir("llama-sharded-bf16", {.keep_lm_head = true});
  EXPECT_EQ(m.lm_head().type(), kernels::ElementType::bf16);
  std::uint64_t file_bytes = 0;
  for (const auto& shard : model::parse_shard_index(read_text(model_dir("llama-sharded-bf16") + "/" +
                                                              model::kShardIndexFile)).shards) {
    const auto bytes = read_bytes(model_dir("llama-sharded-bf16") + "/" + shard);
    const model::SafetensorsFile file(bytes, shard);
    for (const auto& t : file.tensors()) file_bytes += t.end - t.begin;
  }
  EXPECT_EQ(m.stored_bytes(), file_bytes) << "every tensor kept, none widened";
  const auto f32 = attnscope::testing::load_model_dir("llama-gqa-f32");
  EXPECT_EQ(f32.stored_bytes() % 4, 0u);
}

TEST(DecoderLoad, ChunkBoundariesDoNotMatter) {
  const std::string config = read_text(model_dir("phi3-partial-f16") + "/config.json");
  const auto bytes = read_bytes(model_dir("phi3-partial-f16") + "/model.safetensors");
  const auto ref = attnscope::testing::read_reference("phi3-partial-f16");
  const auto whole = model::load_transformer(config, bytes).forward(ref.ids);
  for (std::size_t chunk : {1u, 7u, 4096u}) {
    model::CheckpointLoader loader(model::parse_config(config));
    loader.begin_file("model.safetensors", bytes.size());
    for (std::size_t at = 0; at < bytes.size(); at += chunk) {
      loader.feed(std::span<const std::uint8_t>(bytes).subspan(at, std::min(chunk, bytes.size() - at)));
    }
    loader.end_file();
    const auto out = loader.finish().forward(ref.ids);
    EXPECT_EQ(out.hidden, whole.hidden) << "chunks of " << chunk;
  }
}

TEST(DecoderLoad, NonFiniteWeightsAreNamed) {
  const std::string config = read_text(model_dir("llama-gqa-f32") + "/config.json");
  auto bytes = read_bytes(model_dir("llama-gqa-f32") + "/model.safetensors");
  const model::SafetensorsFile file(bytes);
  const auto* t = file.find("model.layers.1.mlp.up_proj.weight");
  ASSERT_NE(t, nullptr);
  const std::size_t data = 8 + model::SafetensorsFile::header_length(bytes, bytes.size(), "x");
  const float inf = INFINITY;
  std::memcpy(bytes.data() + data + t->begin + 4 * 5, &inf, 4);
  try {
    model::load_transformer(config, bytes);
    FAIL() << "loaded";
  } catch (const InvalidArgument& e) {
    EXPECT_CONTAINS(e.what(), "model.safetensors: tensor 'model.layers.1.mlp.up_proj.weight' holds a NaN or an infinity (element 5)");
  }
}

TEST(DecoderLoad, LoaderMisuseIsAnError) {
  model::CheckpointLoader loader(model::parse_config(read_text(model_dir("llama-gqa-f32") + "/config.json")));
  EXPECT_THROW(loader.feed(std::vector<std::uint8_t>(4)), InvalidArgument);
  EXPECT_THROW(loader.begin_file("other.safetensors", 10), InvalidArgument);
  EXPECT_THROW(loader.finish(), InvalidArgument);
  loader.begin_file("model.safetensors", 100);
  EXPECT_THROW(loader.feed(std::vector<std::uint8_t>(101)), InvalidArgument);
  EXPECT_THROW(loader.end_file(), InvalidArgument);
}

TEST(DecoderLoad, AMemoryBudgetTooSmallIsItsOwnError) {
  const std::string config = read_text(model_dir("llama-gqa-f32") + "/config.json");
  const auto bytes = read_bytes(model_dir("llama-gqa-f32") + "/model.safetensors");
  model::CheckpointLoader loader(model::parse_config(config));
  loader.begin_file("model.safetensors", bytes.size(), 1000);
  try {
    loader.feed(bytes);
    FAIL() << "loaded";
  } catch (const MemoryBudgetExceeded& e) {
    EXPECT_CONTAINS(e.what(), "the weights in model.safetensors need");
  }
}

}  // namespace
