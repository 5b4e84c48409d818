// Behaviour beyond the golden cases: fully masked rows, workspace reuse across calls of different
// sizes, partial requests, and the equivalences between mask kinds.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "attention/multi_head.hpp"
#include "attention/scaled_dot_product.hpp"
#include "golden_helpers.hpp"

namespace attnscope {
namespace {

std::vector<float> random_vector(std::size_t size, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> out(size);
  for (float& v : out) v = dist(rng);
  return out;
}

MultiHeadAttentionParams random_params(std::size_t d, std::size_t h, unsigned seed) {
  MultiHeadAttentionParams p;
  p.d_model = d;
  p.num_heads = h;
  const float scale = 1.0f / std::sqrt(float(d));
  unsigned s = seed;
  for (auto* w : {&p.wq, &p.wk, &p.wv, &p.wo}) {
    *w = random_vector(d * d, s++);
    for (float& v : *w) v *= scale;
  }
  for (auto* b : {&p.bq, &p.bk, &p.bv, &p.bo}) *b = random_vector(d, s++);
  return p;
}

class AttentionBehaviour : public ::testing::TestWithParam<kernels::Path> {
 protected:
  void SetUp() override { scoped_ = std::make_unique<kernels::ScopedPath>(GetParam()); }
  std::unique_ptr<kernels::ScopedPath> scoped_;
};

TEST_P(AttentionBehaviour, FullyMaskedRowGivesZeroWeightsAndOutput) {
  const AttentionShape shape{3, 4, 5, 6};
  const auto q = random_vector(15, 1), k = random_vector(20, 2), v = random_vector(24, 3);
  std::vector<std::uint8_t> allowed(12, 1);
  std::fill_n(allowed.begin() + 4, 4, 0);  // query 1 may attend nothing
  const AttentionResult r = scaled_dot_product_attention(q, k, v, shape, Mask::from_allowed(allowed), true);
  for (std::size_t j = 0; j < 4; ++j) EXPECT_EQ(r.weights[4 + j], 0.0f);
  for (std::size_t j = 0; j < 6; ++j) EXPECT_EQ(r.output[6 + j], 0.0f);
  for (float w : r.weights) EXPECT_TRUE(std::isfinite(w));
  // Steps are still reported for the masked row (masking happens after them).
  EXPECT_NE(r.scores[4], 0.0f);
  EXPECT_FLOAT_EQ(r.scaled[4], r.scores[4] / std::sqrt(5.0f));

  // Multi-head: the dead query's output row is exactly b_O.
  const auto params = random_params(8, 2, 10);
  MultiHeadAttention attention(params);
  const auto x = random_vector(3 * 8, 4);
  std::vector<std::uint8_t> self_allowed(9, 1);
  std::fill_n(self_allowed.begin() + 6, 3, 0);  // query 2
  const MultiHeadResult m = attention.forward(x, 3, {}, 0, Mask::from_allowed(self_allowed));
  for (std::size_t c = 0; c < 8; ++c) {
    EXPECT_EQ(m.heads[2 * 8 + c], 0.0f);
    EXPECT_EQ(m.output[2 * 8 + c], params.bo[c]);
  }
}

TEST_P(AttentionBehaviour, MaskKindsAgreeWithTheirExplicitMatrices) {
  const std::size_t n = 5, m = 7;
  const AttentionShape shape{n, m, 4, 3};
  const auto q = random_vector(n * 4, 5), k = random_vector(m * 4, 6), v = random_vector(m * 3, 7);
  std::vector<std::uint8_t> all(n * m, 1), lower(n * m, 0);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j <= i && j < m; ++j) lower[i * m + j] = 1;
  }
  EXPECT_EQ(scaled_dot_product_attention(q, k, v, shape, Mask::none()).weights,
            scaled_dot_product_attention(q, k, v, shape, Mask::from_allowed(all)).weights);
  const auto causal = scaled_dot_product_attention(q, k, v, shape, Mask::causal());
  const auto explicit_lower = scaled_dot_product_attention(q, k, v, shape, Mask::from_allowed(lower));
  for (std::size_t i = 0; i < n * m; ++i) EXPECT_NEAR(causal.weights[i], explicit_lower.weights[i], 1e-7);
}

TEST_P(AttentionBehaviour, WorkspaceReuseAcrossSizesMatchesFreshObjects) {
  const auto params = random_params(24, 4, 20);
  MultiHeadAttention reused(params);
  struct Call {
    std::size_t n, m;
    bool cross;
    MaskKind mask;
  };
  const Call calls[] = {{5, 5, false, MaskKind::causal}, {17, 17, false, MaskKind::none},
                        {3, 9, true, MaskKind::none},    {33, 2, true, MaskKind::causal},
                        {1, 1, false, MaskKind::none},   {5, 5, false, MaskKind::causal}};
  unsigned seed = 100;
  for (const Call& call : calls) {
    SCOPED_TRACE("n=" + std::to_string(call.n) + " m=" + std::to_string(call.m));
    const auto x = random_vector(call.n * 24, seed++);
    const auto context = call.cross ? random_vector(call.m * 24, seed++) : std::vector<float>{};
    const Mask mask = call.mask == MaskKind::causal ? Mask::causal() : Mask::none();
    const MultiHeadRequest all{true, true, true};
    const MultiHeadResult got = reused.forward(x, call.n, context, call.cross ? call.m : 0, mask, all);
    MultiHeadAttention fresh(params);
    const MultiHeadResult want = fresh.forward(x, call.n, context, call.cross ? call.m : 0, mask, all);
    EXPECT_EQ(got.output, want.output);
    EXPECT_EQ(got.weights, want.weights);
    EXPECT_EQ(got.scores, want.scores);
    EXPECT_EQ(got.q, want.q);
    EXPECT_EQ(got.v, want.v);
  }
}

// Without weights (and score steps) the heads stream through the online softmax, which sums in a
// different order: the outputs agree to float rounding, not bit for bit.
void expect_near_all(const std::vector<float>& actual, const std::vector<float>& expected, double tolerance) {
  ASSERT_EQ(actual.size(), expected.size());
  for (std::size_t i = 0; i < actual.size(); ++i) EXPECT_NEAR(actual[i], expected[i], tolerance) << "index " << i;
}

TEST_P(AttentionBehaviour, PartialRequestsGiveTheSameOutput) {
  MultiHeadAttention attention(random_params(12, 3, 30));
  const auto x = random_vector(7 * 12, 31);
  const MultiHeadResult full = attention.forward(x, 7, {}, 0, Mask::causal(), {true, true, true});
  const MultiHeadResult bare = attention.forward(x, 7, {}, 0, Mask::causal(), {false, false, false});
  expect_near_all(bare.output, full.output, 1e-5);
  const MultiHeadResult heads_only = attention.forward(x, 7, {}, 0, Mask::causal(), {false, true, false});
  expect_near_all(heads_only.heads, full.heads, 1e-5);
  expect_near_all(heads_only.output, full.output, 1e-5);
  EXPECT_TRUE(bare.weights.empty());
  EXPECT_TRUE(bare.heads.empty());
  EXPECT_TRUE(bare.q.empty());
  EXPECT_EQ(full.weights.size(), 3u * 7 * 7);
  EXPECT_EQ(full.scaled.size(), 3u * 7 * 7);
  // Span overload with only some destinations.
  std::vector<float> output(7 * 12), scaled(3 * 7 * 7);
  MultiHeadOutputs outs{output};
  outs.scaled = scaled;
  attention.forward(x, 7, {}, 0, Mask::causal(), outs);
  expect_near_all(output, full.output, 1e-5);
  EXPECT_EQ(scaled, full.scaled);
}

TEST_P(AttentionBehaviour, StreamingForwardMatchesTheWeightsPathForEveryMaskAndCrossAttention) {
  // Lengths past the streaming kernel's 64-query and 256-key blocks, a fully masked query (its
  // output row is b_O on both paths) and cross-attention with m != n.
  const std::size_t d = 32, h = 4;
  MultiHeadAttention attention(random_params(d, h, 40));
  struct Call {
    std::size_t n, m;
    MaskKind mask;
  };
  for (const Call& call : {Call{70, 300, MaskKind::none}, Call{300, 70, MaskKind::causal},
                           Call{131, 131, MaskKind::causal}, Call{90, 270, MaskKind::allowed}}) {
    SCOPED_TRACE("n=" + std::to_string(call.n) + " m=" + std::to_string(call.m));
    const auto x = random_vector(call.n * d, 41);
    const auto context = random_vector(call.m * d, 42);
    std::vector<std::uint8_t> allowed(call.n * call.m, 1);
    for (std::size_t j = 0; j < call.m; ++j) allowed[5 * call.m + j] = 0;  // query 5 sees nothing
    for (std::size_t i = 0; i < call.n; ++i) allowed[i * call.m + (i * 7) % call.m] = 0;
    const Mask mask = call.mask == MaskKind::causal    ? Mask::causal()
                      : call.mask == MaskKind::allowed ? Mask::from_allowed(allowed)
                                                       : Mask::none();
    const MultiHeadResult with_weights = attention.forward(x, call.n, context, call.m, mask, {true, true, false});
    const MultiHeadResult streamed = attention.forward(x, call.n, context, call.m, mask, {false, true, false});
    EXPECT_TRUE(streamed.weights.empty());
    expect_near_all(streamed.heads, with_weights.heads, 1e-5);
    expect_near_all(streamed.output, with_weights.output, 1e-5);
  }
}

INSTANTIATE_TEST_SUITE_P(Paths, AttentionBehaviour, ::testing::ValuesIn(testing::available_paths()),
                         [](const auto& info) { return std::string(testing::path_name(info.param)); });

}  // namespace
}  // namespace attnscope
