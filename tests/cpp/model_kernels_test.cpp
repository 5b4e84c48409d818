// Layer norm and GELU kernels (both paths) against double-precision formulas, over widths that
// exercise the SIMD tails (not multiples of 4) and strided rows.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/kernels.hpp"

namespace {

using namespace attnscope::kernels;

std::vector<Path> paths() {
  std::vector<Path> p = {Path::scalar};
  if (simd_available()) p.push_back(Path::simd);
  return p;
}

std::vector<float> random_values(std::size_t count, float scale, unsigned seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> v(count);
  for (auto& x : v) x = dist(gen);
  return v;
}

TEST(ModelKernels, LayerNormMatchesDoubleReference) {
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

TEST(ModelKernels, LayerNormOfAConstantRowIsBeta) {
  for (Path path : paths()) {
    ScopedPath scoped(path);
    std::vector<float> row(9, 4.25f), out(9), gamma(9, 2.0f), beta(9);
    for (std::size_t j = 0; j < 9; ++j) beta[j] = static_cast<float>(j);
    layer_norm(1, 9, row.data(), 9, gamma.data(), beta.data(), 1e-12f, out.data(), 9);
    for (std::size_t j = 0; j < 9; ++j) EXPECT_EQ(out[j], beta[j]);
  }
}

TEST(ModelKernels, GeluMatchesDoubleReference) {
  auto erf_ref = [](double x) { return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))); };
  auto tanh_ref = [](double x) {
    return 0.5 * x * (1 + std::tanh(std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x)));
  };
  for (Path path : paths()) {
    ScopedPath scoped(path);
    for (std::size_t count : {1u, 5u, 64u, 103u}) {
      auto x = random_values(count, 3.0f, 4);
      x[0] = count > 1 ? -12.0f : 0.0f;  // far tails: exactly 0 / x
      if (count > 2) x[1] = 12.0f;
      for (Activation kind : {Activation::gelu_erf, Activation::gelu_tanh}) {
        SCOPED_TRACE(testing::Message() << (path == Path::simd ? "simd " : "scalar ")
                                        << (kind == Activation::gelu_erf ? "erf " : "tanh ") << count);
        auto y = x;
        activation(kind, y.data(), count);
        for (std::size_t i = 0; i < count; ++i) {
          const double ref = kind == Activation::gelu_erf ? erf_ref(x[i]) : tanh_ref(x[i]);
          ASSERT_NEAR(y[i], ref, 1e-6 * (1 + std::fabs(ref))) << "x = " << x[i];
        }
      }
    }
  }
}

}  // namespace
