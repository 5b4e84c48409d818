// Encoder–decoder checkpoints (BART, mBART, Marian, T5) against the float64 PyTorch reference of
// scripts/generate/make_seq2seq_golden.py: the three attention kinds within 1e-5, the encoder's and
// the decoder's hidden states within 1e-4, with and without source padding, each kind's steps, T5's
// buckets; then hostile configs and weights.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <tuple>

#include "kernels/kernels.hpp"
#include "model/config.hpp"
#include "model/relative_position.hpp"
#include "model/transformer.hpp"
#include "model_test_files.hpp"
#include "util/error.hpp"

namespace {

using namespace attnscope;
// The encoder-decoder goldens live in tests/golden/seq2seq/, beside the one-stack models/.
std::string model_dir(const std::string& name) { return attnscope::testing::model_dir("../seq2seq/" + name); }
model::TransformerModel load_seq2seq(const std::string& name) {
  return attnscope::testing::load_model_dir("../seq2seq/" + name);
}
using attnscope::testing::read_bytes;
using attnscope::testing::read_i32;
using attnscope::testing::read_numbered;
using attnscope::testing::read_text;

double max_diff(const std::vector<float>& got, const std::vector<float>& want) {
  EXPECT_EQ(got.size(), want.size());
  double worst = 0;
  for (std::size_t i = 0; i < std::min(got.size(), want.size()); ++i) {
    worst = std::max(worst, std::abs(static_cast<double>(got[i]) - want[i]));
  }
  return worst;
}

class Seq2SeqGolden : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    bytes_ = read_bytes(model_dir(GetParam()) + "/reference.safetensors");
    ref_ = std::make_unique<model::SafetensorsFile>(bytes_, "reference.safetensors");
  }
  std::vector<float> f32(const std::string& name) const {
    const auto* t = ref_->find(name);
    if (!t) throw std::runtime_error("reference has no " + name);
    return ref_->read_f32(*t);
  }
  std::vector<std::uint8_t> bytes_;
  std::unique_ptr<model::SafetensorsFile> ref_;
};

void expect_kind(const std::vector<std::vector<float>>& got, const std::vector<std::vector<float>>& want,
                 const std::string& what, double& worst) {
  ASSERT_EQ(got.size(), want.size()) << what;
  ASSERT_FALSE(want.empty()) << what;
  for (std::size_t l = 0; l < want.size(); ++l) {
    const double diff = max_diff(got[l], want[l]);
    worst = std::max(worst, diff);
    EXPECT_LT(diff, 1e-5) << what << " layer " << l;
  }
}

TEST_P(Seq2SeqGolden, AttentionsAndHiddenStatesMatchTheReference) {
  const model::TransformerModel m = load_seq2seq(GetParam());
  ASSERT_TRUE(m.config().encoder_decoder);
  const auto source = read_i32(*ref_, "source_ids");
  const auto target = read_i32(*ref_, "target_ids");
  for (const kernels::Path path : {kernels::Path::simd, kernels::Path::scalar})
  for (const bool padded : {false, true}) {
    if (path == kernels::Path::simd && !kernels::simd_available()) continue;
    const kernels::ScopedPath kernels_path(path);
    const std::string p = padded ? "padded." : "";
    std::vector<std::uint8_t> mask;
    if (padded) for (std::int32_t v : read_i32(*ref_, "padded.source_mask")) mask.push_back(static_cast<std::uint8_t>(v));
    model::Seq2SeqRequest request;
    request.source_mask = mask;
    const model::Seq2SeqResult r = m.forward_seq2seq(source, target, request);
    double attention = 0;
    expect_kind(r.encoder_attentions, read_numbered(*ref_, p + "encoder_attentions."), p + "encoder", attention);
    expect_kind(r.decoder_attentions, read_numbered(*ref_, p + "decoder_attentions."), p + "decoder", attention);
    expect_kind(r.cross_attentions, read_numbered(*ref_, p + "cross_attentions."), p + "cross", attention);
    const double enc = max_diff(r.encoder_hidden, f32(p + "encoder_hidden"));
    const double dec = max_diff(r.hidden, f32(p + "hidden"));
    EXPECT_LT(enc, 1e-4);
    EXPECT_LT(dec, 1e-4);
    std::printf("[ measured ] %s %s %s: attentions %.2e, encoder hidden %.2e, decoder hidden %.2e\n", GetParam(),
                path == kernels::Path::simd ? "simd" : "scalar", padded ? "padded" : "unpadded", attention, enc, dec);
  }
}

TEST_P(Seq2SeqGolden, StepsOfEachKindMatchTheReference) {
  const model::TransformerModel m = load_seq2seq(GetParam());
  const auto source = read_i32(*ref_, "source_ids");
  const auto target = read_i32(*ref_, "target_ids");
  const std::pair<model::AttentionKind, const char*> kinds[] = {
      {model::AttentionKind::encoder, "encoder"}, {model::AttentionKind::decoder, "decoder"},
      {model::AttentionKind::cross, "cross"}};
  for (const auto& [kind, name] : kinds) {
    const std::string base = std::string("steps.") + name + ".";
    model::Seq2SeqRequest request;
    request.attentions = false;
    request.steps = model::StepsRequest{static_cast<std::size_t>(read_i32(*ref_, base + "layer")[0]), std::nullopt};
    request.steps_kind = kind;
    const model::Seq2SeqResult r = m.forward_seq2seq(source, target, request);
    ASSERT_TRUE(r.steps) << name;
    const model::LayerSteps& s = *r.steps;
    EXPECT_EQ(s.queries, kind == model::AttentionKind::encoder ? source.size() : target.size());
    EXPECT_EQ(s.keys, kind == model::AttentionKind::decoder ? target.size() : source.size());
    for (const auto& [step, got, tolerance] : {std::tuple{"x", &s.x, 1e-4}, {"q", &s.q, 1e-4}, {"k", &s.k, 1e-4},
                                               {"v", &s.v, 1e-4}, {"scores", &s.scores, 1e-3},
                                               {"scaled", &s.scaled, 1e-4}, {"weights", &s.weights, 1e-5},
                                               {"head_output", &s.head_output, 1e-4}, {"output", &s.output, 1e-4}}) {
      // Relative to the step's largest magnitude (scores of float32 dot products grow with d_head).
      const std::vector<float> want = f32(base + step);
      double scale = 1.0;
      for (float w : want) scale = std::max(scale, static_cast<double>(std::abs(w)));
      EXPECT_LT(max_diff(*got, want), tolerance * scale) << name << " " << step;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Checkpoints, Seq2SeqGolden,
                         ::testing::Values("bart-f32", "mbart-bare-f16", "marian-bf16", "t5-gated-f32", "t5-relu-bf16"));

TEST(T5Buckets, MatchHuggingFacesBucketFunction) {
  for (const char* name : {"t5-gated-f32", "t5-relu-bf16"}) {
    const auto bytes = read_bytes(model_dir(name) + "/reference.safetensors");
    const model::SafetensorsFile ref(bytes, "reference.safetensors");
    const model::ModelConfig c = model::parse_config(read_text(model_dir(name) + "/config.json"));
    const auto relative = read_i32(ref, "buckets.relative");
    const auto bidirectional = read_i32(ref, "buckets.bidirectional");
    const auto causal = read_i32(ref, "buckets.causal");
    for (std::size_t i = 0; i < relative.size(); ++i) {
      EXPECT_EQ(model::relative_position_bucket(relative[i], true, c.relative_buckets, c.relative_max_distance),
                static_cast<std::size_t>(bidirectional[i])) << name << " relative " << relative[i];
      EXPECT_EQ(model::relative_position_bucket(relative[i], false, c.relative_buckets, c.relative_max_distance),
                static_cast<std::size_t>(causal[i])) << name << " relative " << relative[i];
    }
  }
}

// ---------------------------------------------------------------- bad input

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  ADD_FAILURE() << "no InvalidArgument";
  return {};
}

TEST(Seq2SeqErrors, BadIdsAndRequestsAreNamedAndTheModelStaysUsable) {
  const model::TransformerModel m = load_seq2seq("bart-f32");
  const std::vector<std::int32_t> ok{5, 6, 7}, empty{}, outside{5, 80};
  EXPECT_CONTAINS(error_of([&] { m.forward_seq2seq(empty, ok); }), "source has 0 tokens");
  EXPECT_CONTAINS(error_of([&] { m.forward_seq2seq(ok, empty); }), "target has 0 tokens");
  EXPECT_CONTAINS(error_of([&] { m.forward_seq2seq(ok, outside); }), "target[1] = 80 is outside the vocabulary");
  EXPECT_CONTAINS(error_of([&] { m.forward_seq2seq(outside, ok); }), "source[1] = 80");
  const std::vector<std::int32_t> long_source(41, 5);
  EXPECT_CONTAINS(error_of([&] { m.forward_seq2seq(long_source, ok); }), "expected 1..40");
  model::Seq2SeqRequest request;
  const std::vector<std::uint8_t> mask{1, 1};
  request.source_mask = mask;
  EXPECT_CONTAINS(error_of([&] { m.forward_seq2seq(ok, ok, request); }), "source_mask has 2 entries");
  request = {};
  request.steps = model::StepsRequest{2, std::nullopt};
  request.steps_kind = model::AttentionKind::cross;
  EXPECT_CONTAINS(error_of([&] { m.forward_seq2seq(ok, ok, request); }), "steps layer 2 is outside the cross layers");
  request.steps = model::StepsRequest{0, 2};  // the decoder has 2 heads
  EXPECT_CONTAINS(error_of([&] { m.forward_seq2seq(ok, ok, request); }), "steps head 2");
  EXPECT_CONTAINS(error_of([&] { m.forward(ok); }), "encoder-decoder model");
  EXPECT_EQ(m.forward_seq2seq(ok, ok).cross_attentions.size(), 2u);  // still usable

  const model::TransformerModel bert = attnscope::testing::load_model_dir("bert-f32");
  EXPECT_CONTAINS(error_of([&] { bert.forward_seq2seq(ok, ok); }), "not an encoder-decoder model");
}

std::string t5_config(const std::string& replace_from, const std::string& replace_to) {
  std::string c = read_text(model_dir("t5-gated-f32") + "/config.json");
  const auto at = c.find(replace_from);
  EXPECT_NE(at, std::string::npos) << replace_from;
  return c.replace(at, replace_from.size(), replace_to);
}

TEST(Seq2SeqErrors, HostileConfigsAreNamed) {
  auto parse_error = [](const std::string& json) { return error_of([&] { model::parse_config(json); }); };
  EXPECT_CONTAINS(parse_error(t5_config("\"relative_attention_num_buckets\": 8", "\"relative_attention_num_buckets\": 2")),
                  "'relative_attention_num_buckets' is 2, expected 4..4096");
  EXPECT_CONTAINS(parse_error(t5_config("\"relative_attention_num_buckets\": 8", "\"relative_attention_num_buckets\": 1e9")),
                  "relative_attention_num_buckets");
  EXPECT_CONTAINS(parse_error(t5_config("\"relative_attention_num_buckets\": 8", "\"relative_attention_num_buckets\": -8")),
                  "relative_attention_num_buckets");
  EXPECT_CONTAINS(parse_error(t5_config("\"relative_attention_max_distance\": 12", "\"relative_attention_max_distance\": 4")),
                  "'relative_attention_max_distance' (4) must exceed half");
  EXPECT_CONTAINS(parse_error(t5_config("\"gated-gelu\"", "\"gated-gelu-x\"")), "'feed_forward_proj'");
  EXPECT_CONTAINS(parse_error(t5_config("\"gated-gelu\"", "\"tanh\"")), "'feed_forward_proj' is 'tanh'");
  EXPECT_CONTAINS(parse_error(t5_config("\"d_kv\": 12", "\"d_kv\": 0")), "'d_kv'");
  EXPECT_CONTAINS(parse_error(t5_config("\"decoder_start_token_id\": 0", "\"decoder_start_token_id\": 72")),
                  "'decoder_start_token_id' (72) is outside the vocabulary");
  std::string bart = read_text(model_dir("bart-f32") + "/config.json");
  bart.replace(bart.find("\"decoder_attention_heads\": 2"), 28, "\"decoder_attention_heads\": 5");
  EXPECT_CONTAINS(parse_error(bart), "divisible by decoder_attention_heads 5");
}

TEST(Seq2SeqErrors, MissingAndMisshapenTensorsAreNamed) {
  const auto bytes = read_bytes(model_dir("t5-gated-f32") + "/model.safetensors");
  const std::string config = read_text(model_dir("t5-gated-f32") + "/config.json");
  auto load_error = [&](const std::function<void(std::vector<model::TensorInfo>&)>& edit) {
    const auto edited = attnscope::testing::rewrite(bytes, edit);
    return error_of([&] { model::load_transformer(config, edited); });
  };
  const std::string rel = "decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight";
  EXPECT_CONTAINS(load_error([&](auto& ts) { for (auto& t : ts) if (t.name == rel) t.name.clear(); }), rel);
  EXPECT_CONTAINS(load_error([&](auto& ts) {
                    for (auto& t : ts) if (t.name == rel) t.shape = {4, 8};  // transposed [heads, buckets]
                  }),
                  rel);
  const std::string cross = "decoder.block.2.layer.1.EncDecAttention.k.weight";
  EXPECT_CONTAINS(load_error([&](auto& ts) { for (auto& t : ts) if (t.name == cross) t.name.clear(); }), cross);
  EXPECT_CONTAINS(load_error([&](auto& ts) { for (auto& t : ts) if (t.name == "shared.weight") t.name.clear(); }),
                  "shared.weight");
  // A config for more decoder layers than the checkpoint holds.
  const std::string deeper = t5_config("\"num_decoder_layers\": 3", "\"num_decoder_layers\": 4");
  EXPECT_CONTAINS(error_of([&] { model::load_transformer(deeper, bytes); }), "decoder.block.3.");

  const auto bart_bytes = read_bytes(model_dir("bart-f32") + "/model.safetensors");
  const std::string bart_config = read_text(model_dir("bart-f32") + "/config.json");
  const auto no_positions = attnscope::testing::rewrite(bart_bytes, [](auto& ts) {
    for (auto& t : ts) if (t.name == "model.decoder.embed_positions.weight") t.shape = {41, 32};
  });
  EXPECT_CONTAINS(error_of([&] { model::load_transformer(bart_config, no_positions); }),
                  "model.decoder.embed_positions.weight");
}

TEST(Seq2SeqErrors, AConfigOfAnotherFamilyIsNamed) {
  // BART's weights under T5's config, and T5's under BART's: the first missing tensor and the hint.
  const auto bart = read_bytes(model_dir("bart-f32") + "/model.safetensors");
  const auto t5 = read_bytes(model_dir("t5-gated-f32") + "/model.safetensors");
  const std::string bart_config = read_text(model_dir("bart-f32") + "/config.json");
  const std::string t5_config_text = read_text(model_dir("t5-gated-f32") + "/config.json");
  const std::string e1 = error_of([&] { model::load_transformer(t5_config_text, bart); });
  EXPECT_CONTAINS(e1, "encoder.block.0.layer.0.layer_norm.weight");
  EXPECT_CONTAINS(e1, "is config.json's model_type right?");
  EXPECT_CONTAINS(error_of([&] { model::load_transformer(bart_config, t5); }), "encoder.layers.0.fc1.weight");
}

TEST(Seq2SeqBias, AttentionBiasIsValidated) {
  // The bias goes through MultiHeadAttention's checks like any other argument.
  const model::TransformerModel m = load_seq2seq("t5-relu-bf16");
  EXPECT_EQ(m.config().relative_buckets, 16u);
  const std::vector<std::int32_t> ids{4, 5, 6, 7, 8};
  const auto r = m.forward_seq2seq(ids, ids);
  for (const auto& a : r.decoder_attentions) {  // causal: nothing above the diagonal
    for (std::size_t h = 0; h < 4; ++h)
      for (std::size_t i = 0; i < 5; ++i)
        for (std::size_t j = i + 1; j < 5; ++j) EXPECT_EQ(a[(h * 5 + i) * 5 + j], 0.0f);
  }
}

}  // namespace
