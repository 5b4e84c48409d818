// The head atlas against its NumPy definitions (scripts/generate/atlas_reference.py via
// make_atlas_golden.py): pattern scores of fixed attention tensors, and a GPT-2-layout checkpoint whose
// heads were built by hand (a previous-token, a sink, an induction, a self head, two uniform heads):
// each found where it was built, with the reference's scores, the probe drawn as documented, and the
// copying (ablation) scores of a float64 forward.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "attention/atlas.hpp"
#include "golden_helpers.hpp"
#include "model/head_atlas.hpp"
#include "model_test_files.hpp"
#include "util/error.hpp"

namespace {

using namespace attnscope;
using attnscope::testing::GoldenCase;

std::string atlas_dir() { return std::string(ATTNSCOPE_TEST_DATA_DIR) + "/atlas"; }

// Equal within tol, NaN only where the reference is NaN.
void expect_scores(const std::vector<float>& got, const std::vector<float>& want, float tol, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (std::isnan(want[i])) {
      EXPECT_TRUE(std::isnan(got[i])) << what << "[" << i << "] should be NaN (a mean over no query)";
    } else {
      EXPECT_NEAR(got[i], want[i], tol) << what << "[" << i << "]";
    }
  }
}

std::vector<std::span<const float>> layer_spans(const std::vector<float>& all, std::size_t layers) {
  const std::size_t per_layer = all.size() / layers;
  std::vector<std::span<const float>> out;
  for (std::size_t l = 0; l < layers; ++l) out.emplace_back(all.data() + l * per_layer, per_layer);
  return out;
}

TEST(HeadAtlasPatterns, MatchTheNumPyDefinitions) {
  const auto files = attnscope::testing::golden_files("atlas");
  ASSERT_GE(files.size(), 4u);
  for (const auto& path : files) {
    const GoldenCase c = attnscope::testing::read_golden(path);
    SCOPED_TRACE(c.name);
    const std::size_t layers = c.meta_size("layers"), heads = c.meta_size("heads"), n = c.meta_size("n");
    const auto spans = layer_spans(c.f32("attentions"), layers);
    const auto scores =
        atlas::score_patterns(spans, heads, {n, c.meta_size("causal") != 0, c.u8("special_keys")});
    EXPECT_EQ(scores.num_layers, layers);
    expect_scores(scores.previous_token, c.f32("previous_token"), 1e-6f, "previous_token");
    expect_scores(scores.next_token, c.f32("next_token"), 1e-6f, "next_token");
    expect_scores(scores.self, c.f32("self"), 1e-6f, "self");
    expect_scores(scores.first_token, c.f32("first_token"), 1e-6f, "first_token");
    expect_scores(scores.special, c.f32("special"), 1e-6f, "special");
    expect_scores(scores.entropy, c.f32("entropy"), 1e-5f, "entropy");
    expect_scores(scores.broad, c.f32("broad"), 1e-5f, "broad");
    if (c.has("induction")) {
      const auto induction = atlas::score_induction(spans, heads, {n, c.meta_size("start"), c.meta_size("period")});
      expect_scores(induction, c.f32("induction"), 1e-6f, "induction");
    }
  }
}

TEST(HeadAtlasPatterns, RejectBadInput) {
  const std::vector<float> one(4, 0.25f);  // 1 head of 2 x 2
  const std::vector<std::span<const float>> layer{one};
  auto message = [](auto&& call) {
    try {
      call();
    } catch (const InvalidArgument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message([&] { atlas::score_patterns({}, 1, {.n = 2}); }).find("no layers"), std::string::npos);
  EXPECT_NE(message([&] { atlas::score_patterns(layer, 1, {.n = 0}); }).find(": n is 0"), std::string::npos);
  EXPECT_NE(message([&] { atlas::score_patterns(layer, 2, {.n = 2}); }).find("attentions[0]"), std::string::npos);
  std::vector<float> nan = one;
  nan[3] = std::nanf("");
  const std::vector<std::span<const float>> bad{nan};
  EXPECT_NE(message([&] { atlas::score_patterns(bad, 1, {.n = 2}); }).find("attentions[0][3]"), std::string::npos);
  const std::vector<std::uint8_t> special(3, 0);
  EXPECT_NE(message([&] { atlas::score_patterns(layer, 1, {.n = 2, .special = special}); }).find("special"), std::string::npos);
  EXPECT_NE(message([&] { atlas::score_induction(layer, 1, {.n = 2, .period = 0}); }).find("period"), std::string::npos);
  EXPECT_NE(message([&] { atlas::score_induction(layer, 1, {.n = 2, .start = 1, .period = 1}); }).find("do not fit"), std::string::npos);
}

model::TransformerModel load_constructed() {
  const std::string dir = atlas_dir() + "/constructed-gpt2";
  const auto weights = attnscope::testing::read_bytes(dir + "/model.safetensors");
  return model::load_transformer(attnscope::testing::read_text(dir + "/config.json"), weights, {.keep_lm_head = true});
}

std::size_t argmax(const std::vector<float>& v) {
  return static_cast<std::size_t>(std::max_element(v.begin(), v.end()) - v.begin());
}

TEST(HeadAtlasModel, FindsTheHandBuiltHeads) {
  const model::TransformerModel m = load_constructed();
  const auto bytes = attnscope::testing::read_bytes(atlas_dir() + "/constructed-gpt2/reference.safetensors");
  const model::SafetensorsFile ref(bytes, "reference.safetensors");
  const auto f32 = [&](const char* name) { return ref.read_f32(*ref.find(name)); };
  const auto ids = attnscope::testing::read_i32(ref, "input_ids");
  const auto special_i32 = attnscope::testing::read_i32(ref, "special_keys");
  const std::vector<std::uint8_t> special(special_i32.begin(), special_i32.end());
  constexpr std::int32_t kBos = 16;

  model::ProbeRequest probe;
  probe.period = 8;
  probe.seed = 5;
  probe.prefix = {kBos};
  probe.excluded.assign(m.config().vocab_size, 0);
  probe.excluded[kBos] = 1;
  probe.copying = true;
  const model::HeadAtlas a = model::head_atlas(m, {.ids = ids, .special = special, .probe = probe});

  ASSERT_TRUE(a.patterns.has_value());
  // float32 forward against float64: the scores within 1e-4.
  expect_scores(a.patterns->previous_token, f32("previous_token"), 1e-4f, "previous_token");
  expect_scores(a.patterns->first_token, f32("first_token"), 1e-4f, "first_token");
  expect_scores(a.patterns->self, f32("self"), 1e-4f, "self");
  expect_scores(a.patterns->special, f32("special"), 1e-4f, "special");
  expect_scores(a.patterns->entropy, f32("entropy"), 1e-3f, "entropy");
  expect_scores(a.patterns->broad, f32("broad"), 1e-4f, "broad");
  EXPECT_EQ(a.probe_ids, attnscope::testing::read_i32(ref, "probe_ids"));  // drawn as documented
  EXPECT_EQ(a.probe_start, 1u);
  EXPECT_EQ(a.probe_targets, attnscope::testing::read_i32(ref, "probe_targets"));
  expect_scores(a.induction, f32("probe_induction"), 1e-4f, "induction");
  expect_scores(a.copying, f32("probe_copying"), 2e-3f, "copying");
  EXPECT_NEAR(a.probe_loss, f32("probe_loss")[0], 1e-3f);

  // Each pattern's strongest head is the one built for it (slot = layer * 3 + head).
  EXPECT_EQ(argmax(a.patterns->previous_token), 0u);
  EXPECT_EQ(argmax(a.patterns->first_token), 1u);
  EXPECT_EQ(argmax(a.patterns->self), 4u);
  EXPECT_EQ(argmax(a.induction), 3u);
  EXPECT_EQ(argmax(a.copying), 0u) << "ablating the previous-token head breaks the induction circuit most";
  EXPECT_GT(a.patterns->previous_token[0], 0.99f);
  EXPECT_GT(a.patterns->first_token[1], 0.99f);
  EXPECT_GT(a.induction[3], 0.99f);
  EXPECT_NEAR(a.patterns->broad[2], 1.0f, 1e-5f);
  EXPECT_NEAR(a.patterns->broad[5], 1.0f, 1e-5f);
  EXPECT_GT(a.copying[3], 2.5f);
  EXPECT_NEAR(a.copying[1], 0.0f, 1e-5f);  // a head that writes nothing changes nothing
}

TEST(HeadAtlasModel, RejectsBadRequests) {
  const model::TransformerModel m = load_constructed();
  auto message = [&](const model::HeadAtlasRequest& r) {
    try {
      model::head_atlas(m, r);
    } catch (const InvalidArgument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message({}).find("the input is empty"), std::string::npos);
  const std::vector<std::int32_t> ids{1, 2, 3};
  const std::vector<std::uint8_t> special(2, 0);
  EXPECT_NE(message({.ids = ids, .special = special}).find("special has 2 entries"), std::string::npos);
  model::ProbeRequest probe;
  probe.period = 1;
  EXPECT_NE(message({.ids = ids, .probe = probe}).find("at least 2"), std::string::npos);
  probe.period = 13;  // 26 tokens > 24 positions
  EXPECT_NE(message({.ids = ids, .probe = probe}).find("does not fit"), std::string::npos);
  probe.period = 4;
  probe.prefix = {99};
  EXPECT_NE(message({.ids = ids, .probe = probe}).find("prefix holds 99"), std::string::npos);
  probe.prefix = {};
  probe.excluded.assign(17, 1);
  EXPECT_NE(message({.ids = ids, .probe = probe}).find("only 0 ids"), std::string::npos);
  // The model is usable after every error.
  EXPECT_NO_THROW(model::head_atlas(m, {.ids = ids}));
}

TEST(HeadAtlasModel, CopyingNeedsAHeadAndForEncodersAMaskToken) {
  // A bare BertModel: no language-model head.
  const std::string dir = attnscope::testing::model_dir("bert-gamma-beta-f16");
  const auto weights = attnscope::testing::read_bytes(dir + "/model.safetensors");
  const model::TransformerModel bare = model::load_transformer(attnscope::testing::read_text(dir + "/config.json"), weights);
  EXPECT_FALSE(bare.lm_head().usable);
  model::ProbeRequest probe;
  probe.period = 4;
  probe.copying = true;
  try {
    model::head_atlas(bare, {.probe = probe});
    FAIL() << "no error";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("has no language-model head"), std::string::npos) << e.what();
  }
  probe.copying = false;  // induction alone needs no head
  EXPECT_EQ(model::head_atlas(bare, {.probe = probe}).induction.size(), 2u * 4u);

  const std::string mlm = std::string(ATTNSCOPE_TEST_DATA_DIR) + "/lm_heads/bert-mlm-f32";
  const auto mlm_weights = attnscope::testing::read_bytes(mlm + "/model.safetensors");
  const model::TransformerModel encoder = model::load_transformer(attnscope::testing::read_text(mlm + "/config.json"), mlm_weights, {.keep_lm_head = true});
  probe.copying = true;
  try {
    model::head_atlas(encoder, {.probe = probe});
    FAIL() << "no error";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("mask token"), std::string::npos) << e.what();
  }
  probe.mask_id = 4;  // [MASK] in the golden vocabulary
  const model::HeadAtlas a = model::head_atlas(encoder, {.probe = probe});
  ASSERT_EQ(a.copying.size(), 8u);
  // Encoders: the second copy's odd positions are masked and predicted in place.
  EXPECT_EQ(a.probe_targets[4 + 1], a.probe_ids[1]);
  EXPECT_EQ(a.probe_targets[4 + 3], a.probe_ids[3]);
  EXPECT_EQ(std::count_if(a.probe_targets.begin(), a.probe_targets.end(), [](std::int32_t t) { return t >= 0; }), 2);
}

// The Llama family (grouped K/V heads, RoPE): the patterns of the reference's float64 attentions (their
// scores by the definitions checked above), the probe's induction and the copying ablations per query head.
TEST(HeadAtlasModel, LlamaFamilyHeadsAreScoredPerQueryHead) {
  for (const char* name : {"llama-gqa-f32", "qwen2-bias-bf16"}) {
    SCOPED_TRACE(name);
    const auto m = attnscope::testing::load_model_dir(name, {.keep_lm_head = true});
    const auto ref = attnscope::testing::read_reference(name);
    const std::size_t heads = m.config().num_heads, n = ref.ids.size();
    ASSERT_LT(m.config().num_kv_heads, heads);
    model::ProbeRequest probe;
    probe.period = 6;
    probe.seed = 3;
    probe.prefix = {1};  // BOS
    probe.copying = true;
    const model::HeadAtlas a = model::head_atlas(m, {.ids = ref.ids, .probe = probe});
    const std::vector<std::span<const float>> layers(ref.attentions.begin(), ref.attentions.end());
    const atlas::PatternScores want = atlas::score_patterns(layers, heads, {.n = n, .causal = true});
    ASSERT_TRUE(a.patterns.has_value());
    const auto got = a.patterns->in_order(), expected = want.in_order();
    for (std::size_t p = 0; p < got.size(); ++p) {
      ASSERT_EQ(got[p]->size(), m.config().num_layers * heads);
      for (std::size_t i = 0; i < got[p]->size(); ++i) {
        EXPECT_NEAR((*got[p])[i], (*expected[p])[i], 1e-5f) << atlas::kPatternNames[p] << " " << i;
      }
    }
    EXPECT_EQ(a.probe_ids.size(), 13u);
    EXPECT_EQ(a.induction.size(), m.config().num_layers * heads);
    ASSERT_EQ(a.copying.size(), m.config().num_layers * heads);
    EXPECT_TRUE(std::all_of(a.copying.begin(), a.copying.end(), [](float v) { return std::isfinite(v); }));
    EXPECT_TRUE(std::isfinite(a.probe_loss));
  }
}

TEST(HeadAtlasModel, MarkerTokensAreNeverDrawn) {
  for (const char* marker : {"[CLS]", "[unused12]", "<s>", "</s>", "<|endoftext|>", "<mask>", ""}) {
    EXPECT_TRUE(model::is_marker_token(marker)) << marker;
  }
  for (const char* word : {"the", "##ing", "\xc4\xa0world", "[", "<", "[a", "a]", "<>"}) {
    EXPECT_FALSE(model::is_marker_token(word)) << word;
  }
}

}  // namespace
