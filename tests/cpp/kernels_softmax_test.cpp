// scale_mask_softmax, scale and add_bias on both paths against naive double-precision references:
// every mask kind, fully masked rows, large scores, strided and in-place use, vector tails.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "golden_helpers.hpp"
#include "kernels/kernels.hpp"

namespace attnscope {
namespace {

using kernels::Path;
using kernels::SoftmaxMask;

// Reference: softmax of in*scale over the kept entries of each row, in double; no kept entry -> 0.
std::vector<double> reference_softmax(std::size_t rows, std::size_t cols, float scale,
                                      const std::vector<float>& in, std::size_t ld_in, SoftmaxMask mask,
                                      const std::vector<std::uint8_t>& allowed) {
  std::vector<double> out(rows * cols, 0.0);
  for (std::size_t i = 0; i < rows; ++i) {
    auto kept = [&](std::size_t j) {
      if (mask == SoftmaxMask::causal) return j <= i;
      if (mask == SoftmaxMask::allowed) return allowed[i * cols + j] != 0;
      return true;
    };
    double row_max = -std::numeric_limits<double>::infinity(), sum = 0.0;
    for (std::size_t j = 0; j < cols; ++j) {
      if (kept(j)) row_max = std::max(row_max, double(in[i * ld_in + j] * scale));
    }
    if (std::isinf(row_max)) continue;
    for (std::size_t j = 0; j < cols; ++j) {
      if (kept(j)) sum += std::exp(double(in[i * ld_in + j] * scale) - row_max);
    }
    for (std::size_t j = 0; j < cols; ++j) {
      if (kept(j)) out[i * cols + j] = std::exp(double(in[i * ld_in + j] * scale) - row_max) / sum;
    }
  }
  return out;
}

class SoftmaxKernel : public ::testing::TestWithParam<Path> {
 protected:
  void SetUp() override { scoped_ = std::make_unique<kernels::ScopedPath>(GetParam()); }
  std::unique_ptr<kernels::ScopedPath> scoped_;
};

void check_softmax(std::size_t rows, std::size_t cols, SoftmaxMask mask, float spread, bool in_place,
                   unsigned seed) {
  SCOPED_TRACE("rows=" + std::to_string(rows) + " cols=" + std::to_string(cols) + " mask=" +
               std::to_string(int(mask)) + (in_place ? " in place" : ""));
  const std::size_t ld = cols + 3;
  std::vector<float> in = testing::uniform_random_vector(rows * ld, seed, spread);
  std::vector<std::uint8_t> allowed(rows * cols);
  std::mt19937 rng(seed + 1);
  for (auto& a : allowed) a = std::uint8_t(rng() % 3 != 0);
  if (rows > 1) std::fill_n(allowed.begin() + cols, cols, 0);  // row 1 fully masked
  const float scale = 0.37f;
  const std::vector<double> expected = reference_softmax(rows, cols, scale, in, ld, mask, allowed);

  std::vector<float> out_storage = in_place ? in : std::vector<float>(rows * ld, -7.0f);
  kernels::scale_mask_softmax(rows, cols, scale, in_place ? out_storage.data() : in.data(), ld,
                              out_storage.data(), ld, mask, allowed.data(), cols);
  for (std::size_t i = 0; i < rows; ++i) {
    double row_sum = 0.0;
    for (std::size_t j = 0; j < cols; ++j) {
      const float got = out_storage[i * ld + j];
      ASSERT_TRUE(std::isfinite(got)) << "[" << i << ", " << j << "]";
      ASSERT_NEAR(got, expected[i * cols + j], 1e-6) << "[" << i << ", " << j << "]";
      row_sum += got;
    }
    const bool dead = expected[i * cols] == 0.0 && row_sum == 0.0;
    if (!dead) ASSERT_NEAR(row_sum, 1.0, 1e-5) << "row " << i;
    if (!in_place) {  // padding between rows untouched
      for (std::size_t j = cols; j < ld; ++j) ASSERT_EQ(out_storage[i * ld + j], -7.0f);
    }
  }
}

TEST_P(SoftmaxKernel, MatchesReferenceForEveryMaskAndSize) {
  for (std::size_t rows : {1, 2, 3, 5, 17}) {
    for (std::size_t cols : {1, 2, 3, 4, 5, 8, 17, 33, 65}) {
      for (SoftmaxMask mask : {SoftmaxMask::none, SoftmaxMask::causal, SoftmaxMask::allowed}) {
        for (bool in_place : {false, true}) {
          check_softmax(rows, cols, mask, 4.0f, in_place, unsigned(rows * 100 + cols));
          if (HasFatalFailure()) return;
        }
      }
    }
  }
}

TEST_P(SoftmaxKernel, LargeScoresDoNotOverflow) {
  // exp(3e4) overflows float; only max subtraction keeps these finite.
  check_softmax(5, 33, SoftmaxMask::none, 8e4f, false, 7);
  check_softmax(5, 33, SoftmaxMask::allowed, 8e4f, false, 8);
  check_softmax(9, 9, SoftmaxMask::causal, 8e4f, true, 9);
}

TEST_P(SoftmaxKernel, FullyMaskedRowsAreExactlyZero) {
  const std::size_t rows = 3, cols = 6;
  std::vector<float> in = testing::uniform_random_vector(rows * cols, 3, 2.0f);
  std::vector<std::uint8_t> none_allowed(rows * cols, 0);
  std::vector<float> out(rows * cols, 99.0f);
  kernels::scale_mask_softmax(rows, cols, 1.0f, in.data(), cols, out.data(), cols,
                              SoftmaxMask::allowed, none_allowed.data(), cols);
  EXPECT_EQ(out, std::vector<float>(rows * cols, 0.0f));
}

TEST_P(SoftmaxKernel, CausalWithMoreRowsThanColumnsKeepsWholeRows) {
  const std::size_t rows = 7, cols = 3;
  std::vector<float> in(rows * cols, 1.0f), out(rows * cols);
  kernels::scale_mask_softmax(rows, cols, 1.0f, in.data(), cols, out.data(), cols, SoftmaxMask::causal);
  EXPECT_FLOAT_EQ(out[0], 1.0f);
  EXPECT_EQ(out[1], 0.0f);
  EXPECT_FLOAT_EQ(out[1 * cols + 1], 0.5f);
  for (std::size_t i = 2; i < rows; ++i) {
    for (std::size_t j = 0; j < cols; ++j) EXPECT_FLOAT_EQ(out[i * cols + j], 1.0f / 3.0f);
  }
}

TEST_P(SoftmaxKernel, ScaleAndBiasMatchNaiveLoops) {
  for (std::size_t cols : {1, 3, 4, 7, 17}) {
    const std::size_t rows = 3, ld = cols + 2;
    const std::vector<float> in = testing::uniform_random_vector(rows * ld, 11, 5.0f);
    const std::vector<float> bias = testing::uniform_random_vector(cols, 12, 1.0f);
    std::vector<float> scaled(rows * ld, -1.0f), biased = in;
    kernels::scale(rows, cols, 0.125f, in.data(), ld, scaled.data(), ld);
    kernels::add_bias(rows, cols, bias.data(), biased.data(), ld);
    for (std::size_t i = 0; i < rows; ++i) {
      for (std::size_t j = 0; j < ld; ++j) {
        const float x = in[i * ld + j];
        EXPECT_EQ(scaled[i * ld + j], j < cols ? x * 0.125f : -1.0f);
        EXPECT_EQ(biased[i * ld + j], j < cols ? x + bias[j] : x);
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Paths, SoftmaxKernel, ::testing::ValuesIn(testing::available_paths()),
                         [](const auto& info) { return std::string(testing::path_name(info.param)); });

}  // namespace
}  // namespace attnscope
