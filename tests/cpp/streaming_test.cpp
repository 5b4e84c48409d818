// Streaming (online-softmax) attention against the regular path (scaled_dot_product_attention,
// which materialises the weights) and a float64 textbook reference written here, for every mask
// kind, on both kernel paths, with n and m that are not multiples of the blocks.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "attention/scaled_dot_product.hpp"
#include "attention/streaming.hpp"
#include "kernels/kernels.hpp"
#include "util/error.hpp"

namespace attnscope {
namespace {

using kernels::Path;

std::vector<float> random_values(std::size_t count, std::mt19937& gen, float spread) {
  std::uniform_real_distribution<float> dist(-spread, spread);
  std::vector<float> out(count);
  for (float& x : out) x = dist(gen);
  return out;
}

// softmax(mask(q·kᵀ/√d_k))·v in double, written independently of the library.
std::vector<double> reference(const std::vector<float>& q, const std::vector<float>& k,
                              const std::vector<float>& v, const AttentionShape& s, const Mask& mask) {
  std::vector<double> out(s.n * s.d_v, 0.0), row(s.m);
  for (std::size_t i = 0; i < s.n; ++i) {
    double max = -std::numeric_limits<double>::infinity();
    for (std::size_t j = 0; j < s.m; ++j) {
      const bool kept = mask.kind == MaskKind::none || (mask.kind == MaskKind::causal && j <= i) ||
                        (mask.kind == MaskKind::allowed && mask.allowed[i * s.m + j] != 0);
      double dot = 0.0;
      for (std::size_t c = 0; c < s.d_k; ++c) dot += double(q[i * s.d_k + c]) * k[j * s.d_k + c];
      row[j] = kept ? dot / std::sqrt(double(s.d_k)) : -std::numeric_limits<double>::infinity();
      max = std::max(max, row[j]);
    }
    if (max == -std::numeric_limits<double>::infinity()) continue;  // all masked: zero output
    double sum = 0.0;
    for (double& x : row) { x = std::exp(x - max); sum += x; }
    for (std::size_t j = 0; j < s.m; ++j) {
      for (std::size_t c = 0; c < s.d_v; ++c) out[i * s.d_v + c] += row[j] / sum * v[j * s.d_v + c];
    }
  }
  return out;
}

struct Case {
  std::size_t n, m, d_k, d_v;
  MaskKind kind;
};

std::string name_of(const Case& c, Path path) {
  const char* kinds[] = {"none", "causal", "allowed"};
  return std::to_string(c.n) + "x" + std::to_string(c.m) + " d_k " + std::to_string(c.d_k) + " d_v " +
         std::to_string(c.d_v) + " mask " + kinds[int(c.kind)] + (path == Path::simd ? " simd" : " scalar");
}

void check_case(const Case& c, Path path) {
  SCOPED_TRACE(name_of(c, path));
  kernels::ScopedPath scoped(path);
  std::mt19937 gen(unsigned(c.n * 131 + c.m * 7 + c.d_k));
  const AttentionShape shape{c.n, c.m, c.d_k, c.d_v};
  // Spread 2 makes scores of several units, so the running max really changes between key blocks.
  const auto q = random_values(c.n * c.d_k, gen, 2.0f), k = random_values(c.m * c.d_k, gen, 2.0f);
  const auto v = random_values(c.m * c.d_v, gen, 1.0f);
  std::vector<std::uint8_t> allowed;
  Mask mask = c.kind == MaskKind::causal ? Mask::causal() : Mask::none();
  if (c.kind == MaskKind::allowed) {
    std::bernoulli_distribution keep(0.6);
    allowed.resize(c.n * c.m);
    for (auto& a : allowed) a = keep(gen) ? 1 : 0;
    for (std::size_t j = 0; j < c.m; ++j) allowed[3 * c.m + j] = 0;  // row 3 fully masked
    // padding-like: the last keys masked for every query
    for (std::size_t i = 0; i < c.n; ++i) for (std::size_t j = c.m - c.m / 5; j < c.m; ++j) allowed[i * c.m + j] = 0;
    mask = Mask::from_allowed(allowed);
  }
  const std::vector<float> streamed = streaming_attention(q, k, v, shape, mask);
  const AttentionResult regular = scaled_dot_product_attention(q, k, v, shape, mask);
  const std::vector<double> expected = reference(q, k, v, shape, mask);
  ASSERT_EQ(streamed.size(), expected.size());
  double worst_vs_regular = 0.0, worst_vs_reference = 0.0;
  for (std::size_t i = 0; i < streamed.size(); ++i) {
    ASSERT_TRUE(std::isfinite(streamed[i])) << "index " << i;
    worst_vs_regular = std::max(worst_vs_regular, double(std::fabs(streamed[i] - regular.output[i])));
    worst_vs_reference = std::max(worst_vs_reference, std::fabs(streamed[i] - expected[i]));
  }
  EXPECT_LT(worst_vs_regular, 2e-5);
  EXPECT_LT(worst_vs_reference, 2e-5);

  // The weights without the scores kept, against the path that keeps them (full Q·Kᵀ): under a causal
  // mask Q·Kᵀ is then computed only up to each row block's last kept column. The buffers start as NaN, so an entry the kernels never wrote shows.
  std::vector<float> output(c.n * c.d_v, NAN), weights(c.n * c.m, NAN);
  scaled_dot_product_attention(q, k, v, shape, mask, {output, weights, {}, {}});
  const AttentionResult full = scaled_dot_product_attention(q, k, v, shape, mask, /*keep_steps=*/true);
  double worst_output = 0.0, worst_weights = 0.0;
  for (std::size_t i = 0; i < output.size(); ++i) worst_output = std::max(worst_output, std::fabs(output[i] - expected[i]));
  for (std::size_t i = 0; i < weights.size(); ++i) {
    worst_weights = std::max(worst_weights, double(std::fabs(weights[i] - full.weights[i])));
  }
  EXPECT_LT(worst_output, 2e-5);  // NaN compares false: an unwritten entry fails here
  EXPECT_LT(worst_weights, 1e-6);
  if (c.kind == MaskKind::causal) {
    for (std::size_t i = 0; i < c.n; ++i) {
      for (std::size_t j = i + 1; j < c.m; ++j) ASSERT_EQ(weights[i * c.m + j], 0.0f) << i << ", " << j;
    }
  }
  if (c.kind == MaskKind::allowed) {
    for (std::size_t col = 0; col < c.d_v; ++col) EXPECT_EQ(streamed[3 * c.d_v + col], 0.0f);
  }
}

std::vector<Path> paths() {
  std::vector<Path> out{Path::scalar};
  if (kernels::simd_available()) out.push_back(Path::simd);
  return out;
}

TEST(StreamingAttention, MatchesRegularPathAndReferenceForEveryMaskKind) {
  // Sizes straddle the 64-query and 256-key blocks: partial blocks on both axes, several key blocks.
  const std::vector<Case> cases = {
      {1, 1, 4, 4, MaskKind::none},        {5, 3, 8, 6, MaskKind::none},
      {70, 300, 16, 16, MaskKind::none},   {130, 517, 33, 7, MaskKind::none},
      {70, 70, 16, 16, MaskKind::causal},  {300, 300, 64, 64, MaskKind::causal},
      {130, 517, 8, 12, MaskKind::causal}, {517, 130, 8, 12, MaskKind::causal},
      {67, 300, 16, 16, MaskKind::allowed}, {200, 600, 24, 5, MaskKind::allowed},
  };
  for (Path path : paths()) {
    for (const Case& c : cases) check_case(c, path);
  }
}

TEST(StreamingAttention, LargeScoresDoNotOverflow) {
  // Scores in the hundreds: exp would overflow without the running max.
  const AttentionShape shape{3, 600, 1, 1};
  std::vector<float> q{30.0f, -30.0f, 0.5f}, k(600), v(600);
  for (std::size_t j = 0; j < 600; ++j) { k[j] = float(j) / 20.0f; v[j] = float(j % 7); }
  for (Path path : paths()) {
    kernels::ScopedPath scoped(path);
    const auto streamed = streaming_attention(q, k, v, shape, Mask::none());
    const auto expected = reference(q, k, v, shape, Mask::none());
    for (std::size_t i = 0; i < 3; ++i) EXPECT_NEAR(streamed[i], expected[i], 1e-4) << "row " << i;
  }
}

TEST(StreamingAttention, RejectsBadArgumentsNamingThem) {
  const AttentionShape shape{4, 4, 2, 2};
  std::vector<float> q(8, 0.5f), k(8, 0.5f), v(8, 0.5f), out(8);
  auto message_of = [&](auto&& call) {
    try {
      call();
    } catch (const InvalidArgument& e) {
      return std::string(e.what());
    }
    return std::string("no exception");
  };
  EXPECT_NE(message_of([&] { streaming_attention(std::span<const float>(q).first(7), k, v, shape, Mask::none(), out); })
                .find("q has length 7"), std::string::npos);
  EXPECT_NE(message_of([&] { streaming_attention(q, k, v, shape, Mask::none(), std::span<float>(out).first(6)); })
                .find("output"), std::string::npos);
  EXPECT_NE(message_of([&] { streaming_attention(q, k, v, {0, 4, 2, 2}, Mask::none()); }).find("shape.n"),
            std::string::npos);
  std::vector<std::uint8_t> short_mask(15, 1);
  EXPECT_NE(message_of([&] { streaming_attention(q, k, v, shape, Mask::from_allowed(short_mask), out); })
                .find("streaming_attention"), std::string::npos);
  std::vector<float> bad_v = v;
  bad_v[5] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_NE(message_of([&] { streaming_attention(q, k, bad_v, shape, Mask::none(), out); }).find("v"),
            std::string::npos);
  // still usable afterwards
  EXPECT_NO_THROW(streaming_attention(q, k, v, shape, Mask::none(), out));
  for (float x : out) EXPECT_FLOAT_EQ(x, 0.5f);
}

}  // namespace
}  // namespace attnscope
