// The SIMD softmax's own exp (simd::vexp / vexp2 in src/kernels/simd_primitives.hpp) against
// std::exp in double: accuracy over the whole range a softmax feeds it (x - row_max <= 0), exact
// zeros for masked (-inf) and underflowing arguments, NaN kept; and masked entries of partially
// masked softmax rows exactly 0 on every path. Only SIMD builds have vexp.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "golden_helpers.hpp"
#include "kernels/kernels.hpp"

#if ATTNSCOPE_SIMD
#include "kernels/simd_primitives.hpp"
#endif

namespace attnscope {
namespace {

#if ATTNSCOPE_SIMD
constexpr float kInf = std::numeric_limits<float>::infinity();

// vexp on four copies of x (lane 0 returned; the other lanes are checked to agree).
float vexp_lane(float x) {
  alignas(16) float lanes[4];
  kernels::simd::store(lanes, kernels::simd::vexp(kernels::simd::splat(x)));
  EXPECT_TRUE((lanes[1] == lanes[0] && lanes[2] == lanes[0] && lanes[3] == lanes[0]) ||
              std::isnan(lanes[0]));
  return lanes[0];
}

TEST(SimdExp, RelativeErrorBelowTwoFloatUlpsOverTheSoftmaxRange) {
  // Dense sweep of [-87, 0] (exp stays a normal float), plus the points of most rounding stress.
  // Allowed: 2 ulps of float (2^-23 each) plus the rounding of x·log2 e (and of log2 e itself),
  // whose relative effect on the result grows with |x|.
  double worst = 0.0;  // largest error / allowed error
  float worst_x = 0.0f;
  for (int i = 0; i <= 870000; ++i) {
    const float x = -0.0001f * float(i);
    const double expected = std::exp(double(x));
    const double rel = std::fabs(double(vexp_lane(x)) - expected) / expected;
    const double ratio = rel / (2.0 * 1.2e-7 + std::fabs(x) * 9e-8);
    if (ratio > worst) worst = ratio, worst_x = x;
  }
  EXPECT_LT(worst, 1.0) << "at x = " << worst_x;
  EXPECT_EQ(vexp_lane(0.0f), 1.0f);
  EXPECT_NEAR(vexp_lane(-1.0f), std::exp(-1.0), 2e-7 * std::exp(-1.0));
}

TEST(SimdExp, MaskedAndUnderflowingArgumentsGiveExactlyZero) {
  EXPECT_EQ(vexp_lane(-kInf), 0.0f);
  EXPECT_EQ(vexp_lane(-88.5f), 0.0f);  // exp(-88.5) is a denormal: flushed, < 1.2e-38 away
  EXPECT_EQ(vexp_lane(-1e30f), 0.0f);
  EXPECT_EQ(vexp_lane(-std::numeric_limits<float>::max()), 0.0f);
  // Just above the cut the result is a normal float close to the truth.
  EXPECT_NEAR(vexp_lane(-87.0f), std::exp(-87.0), 1e-5 * std::exp(-87.0));
  for (float x = -90.0f; x < -80.0f; x += 0.01f) {
    const float e = vexp_lane(x);
    EXPECT_GE(e, 0.0f) << x;
    EXPECT_LE(std::fabs(double(e) - std::exp(double(x))), 1.2e-38 + 1e-5 * std::exp(double(x))) << x;
  }
}

TEST(SimdExp, NanIsNotGarbageAndLargeArgumentsStayFinite) {
  const float from_nan = vexp_lane(std::numeric_limits<float>::quiet_NaN());
  EXPECT_TRUE(std::isnan(from_nan) || from_nan == 0.0f) << from_nan;  // NaN in wasm, 0 with SSE

  EXPECT_NEAR(vexp_lane(10.0f), std::exp(10.0), 3e-7 * std::exp(10.0));
  const float clamped = vexp_lane(1e30f);  // outside the softmax's range: clamped to 2^127, not garbage
  EXPECT_GT(clamped, 1e38f);
  EXPECT_FALSE(std::isnan(clamped));
}
#endif

class SoftmaxMaskedEntries : public ::testing::TestWithParam<kernels::Path> {};

TEST_P(SoftmaxMaskedEntries, AreExactlyZeroBesideKeptOnes) {
  const kernels::ScopedPath path(GetParam());
  // Rows of 13 (three vectors and a tail), every third entry masked, values spread so that some
  // kept entries underflow to 0 too; the kept entries of each row sum to 1.
  const std::size_t rows = 4, cols = 13;
  std::vector<float> in(rows * cols), out(rows * cols, 99.0f);
  std::vector<std::uint8_t> allowed(rows * cols);
  for (std::size_t i = 0; i < in.size(); ++i) {
    in[i] = float(i % 7) * 40.0f - 120.0f;
    allowed[i] = i % 3 != 0;
  }
  kernels::scale_mask_softmax(rows, cols, 1.0f, in.data(), cols, out.data(), cols,
                              kernels::SoftmaxMask::allowed, allowed.data(), cols);
  for (std::size_t i = 0; i < rows; ++i) {
    double sum = 0.0;
    for (std::size_t j = 0; j < cols; ++j) {
      const float w = out[i * cols + j];
      if (allowed[i * cols + j] == 0) {
        EXPECT_EQ(w, 0.0f) << "row " << i << " col " << j;
      }
      EXPECT_GE(w, 0.0f);
      sum += w;
    }
    EXPECT_NEAR(sum, 1.0, 1e-6) << "row " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Paths, SoftmaxMaskedEntries, ::testing::ValuesIn(testing::available_paths()),
                         [](const auto& info) { return std::string(testing::path_name(info.param)); });

}  // namespace
}  // namespace attnscope
