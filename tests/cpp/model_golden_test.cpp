// The forward pass of every golden checkpoint against torch's reference: attentions within 1e-5,
// final hidden state within 1e-4, through both the scalar and the SIMD kernels.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "kernels/kernels.hpp"
#include "model/transformer.hpp"
#include "model_test_files.hpp"

namespace {

using namespace attnscope;
using attnscope::testing::model_dir;

float max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  float worst = 0.0f;
  for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::fabs(a[i] - b[i]));
  return worst;
}

struct GoldenCase {
  const char* name;
  model::Architecture architecture;
};

class ModelGolden : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(ModelGolden, MatchesTorchReference) {
  const GoldenCase& c = GetParam();
  const auto ref = attnscope::testing::read_reference(c.name);
  const model::TransformerModel m = attnscope::testing::load_model_dir(c.name);
  EXPECT_EQ(m.config().architecture, c.architecture);
  ASSERT_EQ(m.config().num_layers, ref.attentions.size());

  std::vector<kernels::Path> paths = {kernels::Path::scalar};
  if (kernels::simd_available()) paths.push_back(kernels::Path::simd);
  for (auto path : paths) {
    SCOPED_TRACE(path == kernels::Path::simd ? "simd" : "scalar");
    kernels::ScopedPath scoped(path);
    const auto out = m.forward(ref.ids);
    ASSERT_EQ(out.attentions.size(), ref.attentions.size());
    float peak = 0.0f;
    for (std::size_t l = 0; l < ref.attentions.size(); ++l) {
      ASSERT_EQ(out.attentions[l].size(), ref.attentions[l].size()) << "layer " << l;
      EXPECT_LE(max_abs_diff(out.attentions[l], ref.attentions[l]), 1e-5f) << "layer " << l;
      peak = std::max(peak, *std::max_element(ref.attentions[l].begin(), ref.attentions[l].end()));
    }
    // The random weights are scaled so the reference attention is far from uniform: a test that
    // passed on nearly-equal weights would prove little.
    EXPECT_GT(peak, 0.5f);
    ASSERT_EQ(out.hidden.size(), ref.hidden.size());
    EXPECT_LE(max_abs_diff(out.hidden, ref.hidden), 1e-4f);
  }
}

// An xlm-roberta config loads as RoBERTa (the same architecture and tensor names in Hugging Face):
// the RoBERTa checkpoint relabelled gives the RoBERTa reference's numbers.
TEST(ModelGoldenXlmRoberta, LoadsAsRoberta) {
  const auto ref = attnscope::testing::read_reference("roberta-f32");
  const std::string dir = model_dir("roberta-f32");
  std::string config = attnscope::testing::read_text(dir + "/config.json");
  const std::string from = "\"model_type\": \"roberta\"";
  const auto at = config.find(from);
  ASSERT_NE(at, std::string::npos) << config;
  config.replace(at, from.size(), "\"model_type\": \"xlm-roberta\"");
  const auto weights = attnscope::testing::read_bytes(dir + "/model.safetensors");
  const model::TransformerModel m = model::load_transformer(config, weights);
  EXPECT_EQ(m.config().architecture, model::Architecture::roberta);
  const auto out = m.forward(ref.ids);
  ASSERT_EQ(out.attentions.size(), ref.attentions.size());
  for (std::size_t l = 0; l < ref.attentions.size(); ++l) {
    EXPECT_LE(max_abs_diff(out.attentions[l], ref.attentions[l]), 1e-5f) << "layer " << l;
  }
  EXPECT_LE(max_abs_diff(out.hidden, ref.hidden), 1e-4f);
}

INSTANTIATE_TEST_SUITE_P(
    Checkpoints, ModelGolden,
    ::testing::Values(GoldenCase{"bert-f32", model::Architecture::bert},
                      GoldenCase{"bert-gamma-beta-f16", model::Architecture::bert},
                      GoldenCase{"bert-bf16", model::Architecture::bert},
                      GoldenCase{"roberta-f32", model::Architecture::roberta},
                      GoldenCase{"distilbert-f16", model::Architecture::distilbert},
                      GoldenCase{"distilbert-bare-f32", model::Architecture::distilbert},
                      GoldenCase{"gpt2-f32", model::Architecture::gpt2},
                      GoldenCase{"gpt2-lmhead-f16", model::Architecture::gpt2},
                      GoldenCase{"llama-gqa-f32", model::Architecture::llama},
                      GoldenCase{"llama-mqa-linear-f16", model::Architecture::llama},
                      GoldenCase{"llama-llama3-bare-bf16", model::Architecture::llama},
                      GoldenCase{"llama-sharded-bf16", model::Architecture::llama},
                      GoldenCase{"mistral-window-f32", model::Architecture::mistral},
                      GoldenCase{"qwen2-bias-bf16", model::Architecture::qwen2},
                      GoldenCase{"qwen3-qknorm-f16", model::Architecture::qwen3},
                      GoldenCase{"gemma-f32", model::Architecture::gemma},
                      GoldenCase{"phi3-partial-f16", model::Architecture::phi3}),
    [](const auto& info) {
      std::string name = info.param.name;
      std::replace(name.begin(), name.end(), '-', '_');
      return name;
    });

}  // namespace
