// layer_norm and rms_norm (both paths) against double-precision formulas, over widths that exercise
// the SIMD tails (not multiples of 4), strided rows and in-place calls (split calls: kernels_threads_test.cpp).
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "golden_helpers.hpp"
#include "kernels/kernels.hpp"

namespace {

using namespace attnscope::kernels;

std::vector<Path> paths() { return attnscope::testing::available_paths(); }

std::vector<float> random_values(std::size_t count, float scale, unsigned seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> v(count);
  for (auto& x : v) x = dist(gen);
  return v;
}

TEST(Norms, LayerNormMatchesDoubleReference) {
  for (Path path : paths()) {
    ScopedPath scoped(path);
    for (std::size_t cols : {1u, 3u, 4u, 7u, 32u, 37u, 768u}) {
      SCOPED_TRACE(testing::Message() << (path == Path::simd ? "simd" : "scalar") << " cols " << cols);
      const std::size_t rows = 5, ld = cols + 3;  // strided rows
      auto in = random_values(rows * ld, 3.0f, 1);
      for (auto& x : in) x += 10.0f;  // an offset mean, as real activations have
      const auto gamma = random_values(cols, 1.0f, 2), beta = random_values(cols, 1.0f, 3);
      std::vector<float> out(rows * ld, -7.0f);
      const float eps = 1e-5f;
      layer_norm(rows, cols, in.data(), ld, gamma.data(), beta.data(), eps, out.data(), ld);
      for (std::size_t i = 0; i < rows; ++i) {
        double mean = 0, var = 0;
        for (std::size_t j = 0; j < cols; ++j) mean += in[i * ld + j];
        mean /= cols;
        for (std::size_t j = 0; j < cols; ++j) var += (in[i * ld + j] - mean) * (in[i * ld + j] - mean);
        var /= cols;
        for (std::size_t j = 0; j < cols; ++j) {
          const double ref = (in[i * ld + j] - mean) / std::sqrt(var + eps) * gamma[j] + beta[j];
          ASSERT_NEAR(out[i * ld + j], ref, 2e-5 * (1 + std::fabs(ref))) << "row " << i << " col " << j;
        }
        for (std::size_t j = cols; j < ld; ++j) ASSERT_EQ(out[i * ld + j], -7.0f) << "wrote past the row";
      }
      // In place gives the same result.
      std::vector<float> inplace = in;
      layer_norm(rows, cols, inplace.data(), ld, gamma.data(), beta.data(), eps, inplace.data(), ld);
      for (std::size_t i = 0; i < rows; ++i)
        for (std::size_t j = 0; j < cols; ++j) ASSERT_EQ(inplace[i * ld + j], out[i * ld + j]);
    }
  }
}

TEST(Norms, LayerNormOfAConstantRowIsBeta) {
  for (Path path : paths()) {
    ScopedPath scoped(path);
    std::vector<float> row(9, 4.25f), out(9), gamma(9, 2.0f), beta(9);
    for (std::size_t j = 0; j < 9; ++j) beta[j] = static_cast<float>(j);
    layer_norm(1, 9, row.data(), 9, gamma.data(), beta.data(), 1e-12f, out.data(), 9);
    for (std::size_t j = 0; j < 9; ++j) EXPECT_EQ(out[j], beta[j]);
  }
}

TEST(Norms, RmsNormMatchesDoubleReference) {
  for (Path path : paths()) {
    ScopedPath scoped(path);
    for (std::size_t cols : {1u, 3u, 4u, 7u, 37u, 128u, 4096u}) {
      SCOPED_TRACE(testing::Message() << (path == Path::simd ? "simd" : "scalar") << " cols " << cols);
      const std::size_t rows = 6, ld = cols + 5;
      auto in = random_values(rows * ld, 2.0f, 5);
      for (std::size_t j = 0; j < cols; ++j) in[2 * ld + j] *= 1e-3f;  // a row of small values
      const auto gamma = random_values(cols, 1.0f, 6);
      std::vector<float> out(rows * ld, -7.0f);
      const float eps = 1e-6f;
      rms_norm(rows, cols, in.data(), ld, gamma.data(), eps, out.data(), ld);
      for (std::size_t i = 0; i < rows; ++i) {
        double squares = 0;
        for (std::size_t j = 0; j < cols; ++j) squares += double(in[i * ld + j]) * in[i * ld + j];
        const double inv_rms = 1.0 / std::sqrt(squares / cols + eps);
        for (std::size_t j = 0; j < cols; ++j) {
          const double ref = in[i * ld + j] * inv_rms * gamma[j];
          ASSERT_NEAR(out[i * ld + j], ref, 2e-5 * (1 + std::fabs(ref))) << "row " << i << " col " << j;
        }
        for (std::size_t j = cols; j < ld; ++j) ASSERT_EQ(out[i * ld + j], -7.0f) << "wrote past the row";
      }
      std::vector<float> inplace = in;
      rms_norm(rows, cols, inplace.data(), ld, gamma.data(), eps, inplace.data(), ld);
      for (std::size_t i = 0; i < rows; ++i)
        for (std::size_t j = 0; j < cols; ++j) ASSERT_EQ(inplace[i * ld + j], out[i * ld + j]);
    }
  }
}

TEST(Norms, RmsNormOfZerosIsZeroAndEpsKeepsItFinite) {
  for (Path path : paths()) {
    ScopedPath scoped(path);
    std::vector<float> row(11, 0.0f), out(11, 1.0f), gamma(11, 3.0f);
    rms_norm(1, 11, row.data(), 11, gamma.data(), 1e-6f, out.data(), 11);
    for (float v : out) EXPECT_EQ(v, 0.0f);
  }
}

}  // namespace
