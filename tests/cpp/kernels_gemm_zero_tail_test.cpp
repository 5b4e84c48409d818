// The SIMD GEMM skips each packed A panel's all-zero tail (the upper triangle a causal mask leaves
// in P, for P·V). On both paths against a naive double loop: lower-triangular A across several
// K blocks (panels whose whole block is zero, with and without accumulate), ragged edges, zeros
// inside a row that must not cut it short, an all-zero A, and gemm_nt with a zero tail.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "golden_helpers.hpp"
#include "kernels/kernels.hpp"

namespace attnscope {
namespace {

using kernels::Path;

// C (= or +=) A·B (or A·Bᵀ) with dense row-major operands, checked against double.
void check(Path path, std::size_t m, std::size_t n, std::size_t k, const std::vector<float>& a,
           bool transposed_b, bool accumulate) {
  const kernels::ScopedPath scoped(path);
  const std::vector<float> b = testing::uniform_random_vector(n * k, 21);
  std::vector<float> c = testing::uniform_random_vector(m * n, 22);
  const std::vector<float> c_before = c;
  if (transposed_b) kernels::gemm_nt(m, n, k, a.data(), k, b.data(), k, c.data(), n, accumulate);
  else kernels::gemm_nn(m, n, k, a.data(), k, b.data(), n, c.data(), n, accumulate);
  for (std::size_t i = 0; i < m; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      double expected = accumulate ? c_before[i * n + j] : 0.0, magnitude = 0.0;
      for (std::size_t p = 0; p < k; ++p) {
        const double term = double(a[i * k + p]) * (transposed_b ? b[j * k + p] : b[p * n + j]);
        expected += term;
        magnitude += std::fabs(term);
      }
      ASSERT_NEAR(c[i * n + j], expected, 2e-7 * double(k + 1) * (magnitude + 1.0))
          << "C[" << i << ", " << j << "] m " << m << " n " << n << " k " << k;
    }
  }
}

// Row i keeps columns [0, i + 1 + offset) and is zero after: a causal P when offset is 0.
std::vector<float> lower_triangular(std::size_t m, std::size_t k, std::size_t offset, unsigned seed) {
  std::vector<float> a = testing::uniform_random_vector(m * k, seed);
  for (std::size_t i = 0; i < m; ++i) {
    for (std::size_t p = i + 1 + offset; p < k; ++p) a[i * k + p] = 0.0f;
  }
  return a;
}

class GemmZeroTail : public ::testing::TestWithParam<Path> {};

TEST_P(GemmZeroTail, CausalLeftOperandAcrossDepthBlocksAndEdges) {
  // k = 1100 is two K blocks of 550: rows past the first block's end have a whole block of zeros,
  // so their tiles run with depth 0 (store zeros, or leave C when accumulating).
  for (bool accumulate : {false, true}) {
    check(GetParam(), 1100, 24, 1100, lower_triangular(1100, 1100, 0, 1), false, accumulate);
    check(GetParam(), 300, 72, 900, lower_triangular(300, 900, 0, 6), false, accumulate);  // wider
    check(GetParam(), 37, 29, 43, lower_triangular(37, 43, 0, 2), false, accumulate);   // ragged
    check(GetParam(), 70, 13, 600, lower_triangular(70, 600, 5, 3), false, accumulate); // tail mid-vector
  }
}

TEST_P(GemmZeroTail, ZerosInsideARowDoNotCutItShort) {
  const std::size_t m = 12, n = 16, k = 40;
  std::vector<float> a = testing::uniform_random_vector(m * k, 4);
  for (std::size_t i = 0; i < m; ++i) {
    for (std::size_t p = 0; p + 1 < k; ++p) a[i * k + p] = p % 9 == 0 ? a[i * k + p] : 0.0f;
  }
  check(GetParam(), m, n, k, a, false, false);
  check(GetParam(), m, n, k, a, true, true);
}

TEST_P(GemmZeroTail, AllZeroLeftOperandGivesZeroOrLeavesC) {
  const std::vector<float> zeros(20 * 30, 0.0f);
  check(GetParam(), 20, 17, 30, zeros, false, false);
  check(GetParam(), 20, 17, 30, zeros, false, true);
  check(GetParam(), 20, 17, 30, zeros, true, true);
}

TEST_P(GemmZeroTail, TransposedRightOperandWithZeroTail) {
  for (bool accumulate : {false, true}) {
    check(GetParam(), 64, 40, 520, lower_triangular(64, 520, 100, 5), true, accumulate);
  }
}

INSTANTIATE_TEST_SUITE_P(Paths, GemmZeroTail, ::testing::ValuesIn(testing::available_paths()),
                         [](const auto& info) { return std::string(testing::path_name(info.param)); });

}  // namespace
}  // namespace attnscope
