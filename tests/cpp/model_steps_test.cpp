// What a model forward returns beyond the last layer's output, against torch's reference
// (scripts/generate/make_model_golden.py, float64 from the stored weights): every layer's textbook
// steps for every head and for single heads, all hidden states, value-weighted norms, a choice of
// layers, the streamed forward without attentions, and a padding mask — on both kernel paths.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "attention/rollout.hpp"
#include "kernels/kernels.hpp"
#include "model/transformer.hpp"
#include "golden_helpers.hpp"
#include "model_test_files.hpp"
#include "util/error.hpp"

namespace {

using namespace attnscope;
using attnscope::testing::model_dir;

// Largest |a - b| / max(1, |b|): absolute for values up to 1, relative above (scores grow large).
double worst_error(std::span<const float> got, std::span<const float> want) {
  if (got.size() != want.size()) return INFINITY;
  double worst = 0.0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    const double err = std::fabs(double(got[i]) - want[i]) / std::max(1.0, std::fabs(double(want[i])));
    worst = std::isnan(err) ? INFINITY : std::max(worst, err);
  }
  return worst;
}

// Largest |a - b| relative to the largest |b|: scores are sums of products that cancel, so their
// error scales with the matrix, not with each (possibly near-zero) entry.
double normwise_error(std::span<const float> got, std::span<const float> want) {
  if (got.size() != want.size()) return INFINITY;
  double worst = 0.0, scale = 1e-30;
  for (std::size_t i = 0; i < got.size(); ++i) {
    const double err = std::fabs(double(got[i]) - want[i]);
    worst = std::isnan(err) ? INFINITY : std::max(worst, err);
    scale = std::max(scale, std::fabs(double(want[i])));
  }
  return worst / scale;
}

// Elements [first*size, (first+count)*size) of a head-major reference array.
std::span<const float> heads_of(const std::vector<float>& all, std::size_t first, std::size_t count,
                                std::size_t heads) {
  const std::size_t size = all.size() / heads;
  return std::span<const float>(all).subspan(first * size, count * size);
}

class ModelSteps : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    ref_ = attnscope::testing::read_reference(GetParam());
    model_.emplace(attnscope::testing::load_model_dir(GetParam()));
  }
  attnscope::testing::ModelReference ref_;
  std::optional<model::TransformerModel> model_;
};

TEST_P(ModelSteps, EveryLayerAndHeadMatchesTorch) {
  const model::ModelConfig& c = model_->config();
  for (auto path : attnscope::testing::available_paths()) {
    SCOPED_TRACE(attnscope::testing::path_name(path));
    kernels::ScopedPath scoped(path);
    for (std::size_t layer = 0; layer < c.num_layers; ++layer) {
      const auto& want = ref_.steps[layer];
      // Every head of the layer, then each head alone.
      std::vector<std::optional<std::size_t>> requests = {std::nullopt};
      for (std::size_t h = 0; h < c.num_heads; ++h) requests.emplace_back(h);
      for (const auto& head : requests) {
        SCOPED_TRACE("layer " + std::to_string(layer) + (head ? " head " + std::to_string(*head) : " all heads"));
        model::ForwardRequest request;
        request.attentions = false;
        request.hidden = model::HiddenStates::none;
        request.steps = model::StepsRequest{layer, head};
        const auto out = model_->forward(ref_.ids, request);
        ASSERT_TRUE(out.steps.has_value());
        const model::LayerSteps& s = *out.steps;
        const std::size_t first = head.value_or(0), count = head ? 1 : c.num_heads;
        EXPECT_EQ(s.layer, layer);
        EXPECT_EQ(s.first_head, first);
        EXPECT_EQ(s.num_heads, count);
        EXPECT_EQ(s.d_head, c.d_head);
        EXPECT_FLOAT_EQ(s.scale, 1.0f / std::sqrt(float(s.d_head)));
        EXPECT_TRUE(out.attentions.empty());
        EXPECT_LE(worst_error(s.x, want.at("x")), 1e-5);
        EXPECT_LE(worst_error(s.output, want.at("output")), 1e-5);
        const std::pair<const char*, const std::vector<float>*> per_head[] = {
            {"q", &s.q}, {"k", &s.k}, {"v", &s.v}, {"scores", &s.scores}, {"scaled", &s.scaled},
            {"weights", &s.weights}, {"head_output", &s.head_output}};
        for (const auto& [name, got] : per_head) {
          const auto expected = heads_of(want.at(name), first, count, c.num_heads);
          const bool sums = std::string(name) == "scores" || std::string(name) == "scaled";
          EXPECT_LE(sums ? normwise_error(*got, expected) : worst_error(*got, expected), 1e-5) << name;
        }
      }
    }
  }
}

TEST_P(ModelSteps, HiddenStatesValueNormsAndChosenLayersMatchTorch) {
  const model::ModelConfig& c = model_->config();
  for (auto path : attnscope::testing::available_paths()) {
    SCOPED_TRACE(attnscope::testing::path_name(path));
    kernels::ScopedPath scoped(path);
    model::ForwardRequest request;
    request.hidden = model::HiddenStates::all;
    request.value_norms = true;
    const auto out = model_->forward(ref_.ids, request);
    ASSERT_EQ(out.hidden_states.size(), c.num_layers + 1);
    for (std::size_t i = 0; i < out.hidden_states.size(); ++i) {
      EXPECT_LE(worst_error(out.hidden_states[i], ref_.hidden_states[i]), 1e-4) << "hidden state " << i;
    }
    EXPECT_LE(worst_error(out.hidden, ref_.hidden), 1e-4);
    ASSERT_EQ(out.value_norms.size(), c.num_layers);
    for (std::size_t l = 0; l < c.num_layers; ++l) {
      EXPECT_EQ(out.attention_layers[l], l);
      EXPECT_LE(worst_error(out.value_norms[l], ref_.value_norms[l]), 1e-5) << "value norms, layer " << l;
    }

    // A choice of layers, in the order asked.
    model::ForwardRequest chosen;
    chosen.attention_layers = {c.num_layers - 1, 0};
    const auto some = model_->forward(ref_.ids, chosen);
    ASSERT_EQ(some.attention_layers, chosen.attention_layers);
    ASSERT_EQ(some.attentions.size(), 2u);
    EXPECT_LE(worst_error(some.attentions[0], ref_.attentions[c.num_layers - 1]), 1e-5);
    EXPECT_LE(worst_error(some.attentions[1], ref_.attentions[0]), 1e-5);

    // Without attentions every layer streams; the result is the same to float rounding.
    model::ForwardRequest streamed;
    streamed.attentions = false;
    const auto bare = model_->forward(ref_.ids, streamed);
    EXPECT_TRUE(bare.attentions.empty());
    EXPECT_LE(worst_error(bare.hidden, out.hidden), 1e-5);
    EXPECT_LE(worst_error(bare.hidden, ref_.hidden), 1e-4);
  }
}

TEST_P(ModelSteps, AttentionRolloutMatchesTorch) {
  std::vector<std::span<const float>> layers(ref_.attentions.begin(), ref_.attentions.end());
  const std::size_t n = ref_.ids.size();
  for (auto path : attnscope::testing::available_paths()) {
    SCOPED_TRACE(attnscope::testing::path_name(path));
    kernels::ScopedPath scoped(path);
    const auto rollout = attention_rollout(layers, model_->config().num_heads, n);
    ASSERT_EQ(rollout.size(), ref_.rollout.size());
    for (std::size_t l = 0; l < rollout.size(); ++l) {
      EXPECT_LE(worst_error(rollout[l], ref_.rollout[l]), 1e-5) << "layer " << l;
    }
  }
  EXPECT_THROW(attention_rollout(layers, model_->config().num_heads, n + 1), InvalidArgument);
}

TEST_P(ModelSteps, PaddingMaskMatchesTorch) {
  std::vector<std::uint8_t> mask(ref_.padded_mask.begin(), ref_.padded_mask.end());
  ASSERT_NE(std::count(mask.begin(), mask.end(), 0), 0);
  for (auto path : attnscope::testing::available_paths()) {
    SCOPED_TRACE(attnscope::testing::path_name(path));
    kernels::ScopedPath scoped(path);
    for (bool attentions : {true, false}) {
      model::ForwardRequest request;
      request.attentions = attentions;
      request.attention_mask = mask;
      const auto out = model_->forward(ref_.ids, request);
      for (std::size_t l = 0; l < out.attentions.size(); ++l) {
        EXPECT_LE(worst_error(out.attentions[l], ref_.padded_attentions[l]), 1e-5) << "layer " << l;
      }
      EXPECT_LE(worst_error(out.hidden, ref_.padded_hidden), 1e-4) << (attentions ? "weights" : "streamed");
    }
  }
}

TEST_P(ModelSteps, OutOfRangeRequestsAreNamedAndTheModelStaysUsable) {
  const model::ModelConfig& c = model_->config();
  auto expect_error = [&](const model::ForwardRequest& request, const std::string& fragment) {
    try {
      (void)model_->forward(ref_.ids, request);
      ADD_FAILURE() << "no error for " << fragment;
    } catch (const InvalidArgument& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  };
  const std::string layers = "[0, " + std::to_string(c.num_layers) + ")";
  model::ForwardRequest r;
  r.steps = model::StepsRequest{c.num_layers, std::nullopt};
  expect_error(r, "steps layer " + std::to_string(c.num_layers) + " is outside " + layers);
  r.steps = model::StepsRequest{0, c.num_heads};
  expect_error(r, "steps head " + std::to_string(c.num_heads) + " is outside [0, " + std::to_string(c.num_heads) + ")");
  r.steps.reset();
  r.attention_layers = {0, c.num_layers + 3};
  expect_error(r, "attention layer " + std::to_string(c.num_layers + 3) + " is outside " + layers);
  r.attention_layers.clear();
  const std::vector<std::uint8_t> short_mask(ref_.ids.size() - 1, 1);
  r.attention_mask = short_mask;
  expect_error(r, "attention_mask has " + std::to_string(short_mask.size()) + " entries");

  const auto after = model_->forward(ref_.ids);
  EXPECT_LE(worst_error(after.hidden, ref_.hidden), 1e-4);
}

INSTANTIATE_TEST_SUITE_P(Checkpoints, ModelSteps,
                         ::testing::Values("bert-f32", "bert-gamma-beta-f16", "bert-bf16", "roberta-f32",
                                           "distilbert-f16", "distilbert-bare-f32", "gpt2-f32",
                                           "gpt2-lmhead-f16", "llama-gqa-f32", "llama-mqa-linear-f16",
                                           "llama-llama3-bare-bf16", "llama-sharded-bf16", "mistral-window-f32",
                                           "qwen2-bias-bf16", "qwen3-qknorm-f16", "gemma-f32",
                                           "phi3-partial-f16"),
                         [](const auto& info) {
                           std::string name = info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

}  // namespace
