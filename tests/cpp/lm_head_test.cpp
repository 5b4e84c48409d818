// The language-model heads against float64 references written from Hugging Face's formulas
// (scripts/generate/make_lm_head_golden.py): BERT's cls.predictions, RoBERTa's lm_head, DistilBERT's
// vocab_* (decoders tied to the word embeddings), GPT-2 tied to wte and untied; the head mask (a
// factor per head on its weights); checkpoints without a usable head; bad requests.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "golden_helpers.hpp"
#include "kernels/kernels.hpp"
#include "model/transformer.hpp"
#include "model_test_files.hpp"
#include "util/error.hpp"

namespace {

using namespace attnscope;

std::string lm_dir(const std::string& name) { return std::string(ATTNSCOPE_TEST_DATA_DIR) + "/lm_heads/" + name; }

model::TransformerModel load(const std::string& dir) {
  const auto weights = attnscope::testing::read_bytes(dir + "/model.safetensors");
  return model::load_transformer(attnscope::testing::read_text(dir + "/config.json"), weights, {.keep_lm_head = true});
}

struct LmReference {
  std::vector<std::uint8_t> bytes;
  std::vector<std::int32_t> ids, topk_ids;
  std::vector<float> log_probs;  // [n, vocab]
};

LmReference read_lm_reference(const std::string& name) {
  LmReference r;
  r.bytes = attnscope::testing::read_bytes(lm_dir(name) + "/lm_reference.safetensors");
  const model::SafetensorsFile f(r.bytes, "lm_reference.safetensors");
  r.ids = attnscope::testing::read_i32(f, "input_ids");
  r.topk_ids = attnscope::testing::read_i32(f, "topk_ids");
  r.log_probs = f.read_f32(*f.find("log_probs"));
  return r;
}

// Our top-k against the reference distribution: each rank's probability within tol of the reference's
// at that rank, our id's reference probability equal to it (so a near-tie may swap two ids, nothing
// else), and the ids themselves the reference's wherever the reference's neighbours are not near-ties.
void expect_top_k(const model::VocabularyResult& got, const std::vector<float>& ref_log_probs,
                  const std::vector<std::int32_t>& ref_top, std::size_t n, std::size_t vocab, std::size_t ref_k) {
  const std::size_t k = got.k;
  for (std::size_t i = 0; i < n; ++i) {
    std::vector<float> sorted(ref_log_probs.begin() + i * vocab, ref_log_probs.begin() + (i + 1) * vocab);
    std::sort(sorted.begin(), sorted.end(), std::greater<>());
    for (std::size_t r = 0; r < k; ++r) {
      const std::int32_t id = got.top_ids[i * k + r];
      const float want = std::exp(sorted[r]);
      EXPECT_NEAR(got.top_probs[i * k + r], want, 2e-5f) << "position " << i << " rank " << r;
      EXPECT_NEAR(std::exp(ref_log_probs[i * vocab + id]), want, 2e-5f) << "position " << i << " rank " << r;
      const bool clear = (r == 0 || sorted[r - 1] - sorted[r] > 1e-3f) && (r + 1 >= vocab || sorted[r] - sorted[r + 1] > 1e-3f);
      if (r < ref_k && clear) {
        EXPECT_EQ(id, ref_top[i * ref_k + r]) << "position " << i << " rank " << r;
      }
    }
  }
}

std::string error_of(const model::TransformerModel& m, const model::ForwardRequest& r, std::vector<std::int32_t> ids = {1, 2, 3}) {
  try {
    m.forward(ids, r);
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  return "no error";
}

// On both kernel paths, for k = 1, 5 and the vocabulary: top-k (expect_top_k against the reference's top 5)
// and log p(targets[i]) against the reference's log-probabilities [n, vocab]; NaN where the target is -1.
void expect_predictions(const model::TransformerModel& m, const std::vector<std::int32_t>& ids,
                        const std::vector<std::int32_t>& targets, const std::vector<float>& log_probs,
                        const std::vector<std::int32_t>& ref_top) {
  const std::size_t n = ids.size(), vocab = m.config().vocab_size;
  for (auto path : attnscope::testing::available_paths()) {
    SCOPED_TRACE(attnscope::testing::path_name(path));
    kernels::ScopedPath scoped(path);
    for (std::size_t k : {std::size_t{1}, std::size_t{5}, vocab}) {
      SCOPED_TRACE("k = " + std::to_string(k));
      model::ForwardRequest r;
      r.attentions = false;
      r.top_k = k;
      r.targets = targets;
      const auto out = m.forward(ids, r);
      ASSERT_TRUE(out.vocabulary.has_value());
      ASSERT_EQ(out.vocabulary->top_ids.size(), n * k);
      expect_top_k(*out.vocabulary, log_probs, ref_top, n, vocab, 5);
      for (std::size_t i = 0; i < n; ++i) {
        if (targets[i] < 0) EXPECT_TRUE(std::isnan(out.vocabulary->target_log_probs[i])) << i;
        else EXPECT_NEAR(out.vocabulary->target_log_probs[i], log_probs[i * vocab + targets[i]], 1e-4f) << i;
      }
    }
  }
}

class LmHeadGolden : public ::testing::TestWithParam<const char*> {};

TEST_P(LmHeadGolden, TopKAndLogProbabilitiesMatchTheReference) {
  const std::string name = GetParam();
  const model::TransformerModel m = load(lm_dir(name));
  ASSERT_TRUE(m.lm_head().usable) << m.lm_head().problem;
  const LmReference ref = read_lm_reference(name);
  const std::size_t n = ref.ids.size(), vocab = m.config().vocab_size;
  ASSERT_EQ(ref.log_probs.size(), n * vocab);
  // Targets: a different id at each position, -1 at the last.
  std::vector<std::int32_t> targets(n);
  for (std::size_t i = 0; i < n; ++i) targets[i] = i + 1 == n ? -1 : static_cast<std::int32_t>((i * 7 + 3) % vocab);
  expect_predictions(m, ref.ids, targets, ref.log_probs, ref.topk_ids);
}

INSTANTIATE_TEST_SUITE_P(Families, LmHeadGolden,
                         ::testing::Values("bert-mlm-f32", "roberta-mlm-f16", "distilbert-mlm-bf16", "gpt2-tied-f32",
                                           "gpt2-untied-f16"),
                         [](const auto& info) {
                           std::string s = info.param;
                           std::replace(s.begin(), s.end(), '-', '_');
                           return s;
                         });

// log p of each row of logits [n, vocab], in double.
std::vector<float> log_softmax_rows(const std::vector<float>& logits, std::size_t n, std::size_t vocab) {
  std::vector<float> log_probs(n * vocab);
  for (std::size_t i = 0; i < n; ++i) {
    const float* row = logits.data() + i * vocab;
    const double max = *std::max_element(row, row + vocab);
    double sum = 0;
    for (std::size_t j = 0; j < vocab; ++j) sum += std::exp(double(row[j]) - max);
    for (std::size_t j = 0; j < vocab; ++j) log_probs[i * vocab + j] = float(double(row[j]) - max - std::log(sum));
  }
  return log_probs;
}

// The Llama family's heads (untied lm_head.weight or tied embed_tokens, F32/F16/BF16) against the logits of
// scripts/generate/make_llama_golden.py's float64 forward: their log-softmax, taken here in double.
TEST(LlamaLmHead, TopKMatchesTheReferenceLogits) {
  std::size_t checked = 0;
  for (const char* name : {"llama-gqa-f32", "llama-mqa-linear-f16", "llama-sharded-bf16", "mistral-window-f32",
                           "qwen2-bias-bf16", "qwen3-qknorm-f16", "gemma-f32", "phi3-partial-f16"}) {
    SCOPED_TRACE(name);
    const auto ref = attnscope::testing::read_reference(name);
    ASSERT_FALSE(ref.logits.empty());
    const auto m = attnscope::testing::load_model_dir(name, {.keep_lm_head = true});
    ASSERT_TRUE(m.lm_head().usable) << m.lm_head().problem;
    const std::size_t n = ref.ids.size(), vocab = m.config().vocab_size;
    ASSERT_EQ(ref.logits.size(), n * vocab);
    const std::vector<float> log_probs = log_softmax_rows(ref.logits, n, vocab);
    std::vector<std::int32_t> targets(ref.ids.begin() + 1, ref.ids.end());
    targets.push_back(-1);  // next-token targets, none after the last
    // Ids compared where the reference has no near-tie: its own top 5.
    std::vector<std::int32_t> ref_top(n * 5);
    for (std::size_t i = 0; i < n; ++i) {
      std::vector<std::int32_t> order(vocab);
      for (std::size_t j = 0; j < vocab; ++j) order[j] = static_cast<std::int32_t>(j);
      std::partial_sort(order.begin(), order.begin() + 5, order.end(), [&](std::int32_t a, std::int32_t b) {
        return log_probs[i * vocab + a] > log_probs[i * vocab + b];
      });
      std::copy_n(order.begin(), 5, ref_top.begin() + i * 5);
    }
    expect_predictions(m, ref.ids, targets, log_probs, ref_top);
    ++checked;
  }
  EXPECT_EQ(checked, 8u);
}

// The head mask on grouped K/V heads (a query head ablated while another reads the same K/V head) against
// make_llama_golden.py's masked run: attentions and next-token log-probabilities.
TEST(LlamaLmHead, HeadMaskMatchesTheReference) {
  for (const char* name : {"llama-gqa-f32", "llama-mqa-linear-f16", "qwen2-bias-bf16", "phi3-partial-f16"}) {
    SCOPED_TRACE(name);
    const auto m = attnscope::testing::load_model_dir(name, {.keep_lm_head = true});
    const auto bytes = attnscope::testing::read_bytes(attnscope::testing::model_dir(name) + "/reference.safetensors");
    const model::SafetensorsFile f(bytes, "reference.safetensors");
    const auto ids = attnscope::testing::read_i32(f, "input_ids");
    const auto mask = f.read_f32(*f.find("masked.head_mask"));
    const std::size_t n = ids.size(), vocab = m.config().vocab_size;
    const auto log_probs = log_softmax_rows(f.read_f32(*f.find("masked.logits")), n, vocab);
    model::ForwardRequest r;
    r.head_mask = mask;
    std::vector<std::int32_t> targets(ids.begin() + 1, ids.end());
    targets.push_back(-1);
    r.targets = targets;
    const auto out = m.forward(ids, r);
    ASSERT_EQ(out.attentions.size(), m.config().num_layers);
    for (std::size_t l = 0; l < out.attentions.size(); ++l) {
      const auto want = f.read_f32(*f.find("masked.attentions." + std::to_string(l)));
      ASSERT_EQ(out.attentions[l].size(), want.size());
      for (std::size_t i = 0; i < want.size(); ++i) ASSERT_NEAR(out.attentions[l][i], want[i], 1e-5f) << l << ":" << i;
    }
    for (std::size_t i = 0; i + 1 < n; ++i) {
      EXPECT_NEAR(out.vocabulary->target_log_probs[i], log_probs[i * vocab + targets[i]], 1e-4f) << i;
    }
  }
}

TEST(LlamaLmHead, AnUntiedHeadIsKeptOnlyOnRequest) {
  const auto plain = attnscope::testing::load_model_dir("llama-gqa-f32");
  ASSERT_FALSE(plain.config().tie_word_embeddings);
  EXPECT_FALSE(plain.lm_head().usable);
  EXPECT_NE(plain.lm_head().problem.find("'lm_head.weight') was not kept"), std::string::npos) << plain.lm_head().problem;
  model::ForwardRequest r;
  r.top_k = 2;
  EXPECT_NE(error_of(plain, r).find("cannot predict tokens"), std::string::npos);
  // A bare LlamaModel has no head at all.
  const auto bare = attnscope::testing::load_model_dir("llama-llama3-bare-bf16");
  EXPECT_NE(error_of(bare, r).find("has no language-model head (missing tensor 'lm_head.weight'"), std::string::npos)
      << error_of(bare, r);
}

TEST(HeadMask, MultipliesEachHeadsWeightsBeforeTheValues) {
  const model::TransformerModel m = load(lm_dir("gpt2-tied-f32"));
  const auto bytes = attnscope::testing::read_bytes(lm_dir("gpt2-tied-f32") + "/lm_reference.safetensors");
  const model::SafetensorsFile f(bytes, "lm_reference.safetensors");
  const auto ids = attnscope::testing::read_i32(f, "input_ids");
  const auto mask = f.read_f32(*f.find("masked.head_mask"));
  const auto log_probs = f.read_f32(*f.find("masked.log_probs"));
  model::ForwardRequest r;
  r.head_mask = mask;
  std::vector<std::int32_t> targets(ids.begin() + 1, ids.end());
  targets.push_back(-1);  // next-token targets
  r.targets = targets;
  const auto out = m.forward(ids, r);
  const std::size_t vocab = m.config().vocab_size;
  for (std::size_t l = 0; l < out.attentions.size(); ++l) {
    const auto want = f.read_f32(*f.find("masked.attentions." + std::to_string(l)));
    ASSERT_EQ(out.attentions[l].size(), want.size());
    for (std::size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(out.attentions[l][i], want[i], 1e-5f) << l << ":" << i;
  }
  for (std::size_t i = 0; i + 1 < ids.size(); ++i) {
    EXPECT_NEAR(out.vocabulary->target_log_probs[i], log_probs[i * vocab + targets[i]], 1e-4f) << i;
  }
}


TEST(LmHead, CheckpointsWithoutAUsableHeadSaySo) {
  model::ForwardRequest r;
  r.top_k = 3;
  // A bare BertModel.
  const model::TransformerModel bare = load(attnscope::testing::model_dir("bert-gamma-beta-f16"));
  EXPECT_NE(error_of(bare, r).find("this bert checkpoint (model.safetensors) has no language-model head (missing tensor "
                                   "'cls.predictions.transform.dense.weight'; BertForMaskedLM"),
            std::string::npos)
      << error_of(bare, r);
  // A head tensor of the wrong shape (the golden file's stand-in head).
  const model::TransformerModel odd = load(attnscope::testing::model_dir("bert-f32"));
  EXPECT_NE(error_of(odd, r).find("has an incomplete language-model head (missing tensor "
                                  "'cls.predictions.transform.dense.bias'"),
            std::string::npos)
      << error_of(odd, r);
  // The base model is unaffected: attentions and hidden states still come.
  r.top_k = 0;
  EXPECT_EQ(bare.forward(std::vector<std::int32_t>{1, 2, 3}, r).attentions.size(), bare.config().num_layers);
}

TEST(LmHead, RejectsBadRequests) {
  const model::TransformerModel m = load(lm_dir("gpt2-tied-f32"));
  model::ForwardRequest r;
  const std::size_t vocab = m.config().vocab_size;
  r.top_k = vocab + 1;
  EXPECT_NE(error_of(m, r).find("top_k " + std::to_string(vocab + 1) + " is outside [1, " + std::to_string(vocab) + "]"),
            std::string::npos)
      << error_of(m, r);
  r.top_k = 1;
  const std::vector<std::int32_t> short_targets{1};
  r.targets = short_targets;
  EXPECT_NE(error_of(m, r).find("targets has 1 entries"), std::string::npos);
  const std::vector<std::int32_t> bad_targets{1, -2, 3};
  r.targets = bad_targets;
  EXPECT_NE(error_of(m, r).find("targets[1] = -2"), std::string::npos);
  r.targets = {};
  const std::vector<float> short_mask{1.0f};
  r.head_mask = short_mask;
  EXPECT_NE(error_of(m, r).find("head_mask has 1 factors, expected one per layer and head (2 x 4 = 8)"), std::string::npos);
  std::vector<float> nan_mask(8, 1.0f);
  nan_mask[5] = std::nanf("");
  r.head_mask = nan_mask;
  EXPECT_NE(error_of(m, r).find("head_mask[5] is not a finite number"), std::string::npos);
  r.head_mask = {};
  EXPECT_EQ(m.forward(std::vector<std::int32_t>{1, 2, 3}, r).vocabulary->k, 1u);  // usable after the errors
}

}  // namespace
