// gemm_nn / gemm_nt on both paths against a naive triple loop in double, on awkward sizes (micro-tile
// edges, packing-block edges), strided operands, accumulate, and k = 0.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "golden_helpers.hpp"
#include "kernels/kernels.hpp"

namespace attnscope {
namespace {

using kernels::Path;

struct GemmCase {
  std::size_t m, n, k;
  std::size_t pad = 0;  // extra elements per row of A, B and C (leading dimension = width + pad)
  bool transposed_b = false;
  bool accumulate = false;
};

constexpr float kSentinel = 12345.0f;  // fills C's padding columns, which must stay untouched

void run_and_check(const GemmCase& g, Path path) {
  kernels::ScopedPath scoped(path);
  const std::size_t lda = g.k + g.pad;
  const std::size_t b_rows = g.transposed_b ? g.n : g.k, b_cols = g.transposed_b ? g.k : g.n;
  const std::size_t ldb = b_cols + g.pad, ldc = g.n + g.pad;
  const std::vector<float> a = testing::uniform_random_vector(g.m * lda, 1);
  const std::vector<float> b = testing::uniform_random_vector(b_rows * ldb, 2);
  std::vector<float> c = testing::uniform_random_vector(g.m * ldc, 3);
  for (std::size_t i = 0; i < g.m; ++i) {
    for (std::size_t j = g.n; j < ldc; ++j) c[i * ldc + j] = kSentinel;
  }
  const std::vector<float> c_before = c;

  if (g.transposed_b) {
    kernels::gemm_nt(g.m, g.n, g.k, a.data(), lda, b.data(), ldb, c.data(), ldc, g.accumulate);
  } else {
    kernels::gemm_nn(g.m, g.n, g.k, a.data(), lda, b.data(), ldb, c.data(), ldc, g.accumulate);
  }

  for (std::size_t i = 0; i < g.m; ++i) {
    for (std::size_t j = 0; j < ldc; ++j) {
      if (j >= g.n) {
        ASSERT_EQ(c[i * ldc + j], kSentinel) << "padding column " << j << " of row " << i << " written";
        continue;
      }
      double expected = g.accumulate ? c_before[i * ldc + j] : 0.0, magnitude = 0.0;
      for (std::size_t p = 0; p < g.k; ++p) {
        const double b_pj = g.transposed_b ? b[j * ldb + p] : b[p * ldb + j];
        expected += double(a[i * lda + p]) * b_pj;
        magnitude += std::fabs(double(a[i * lda + p]) * b_pj);
      }
      // float32 summation error grows with k and the sum of magnitudes.
      const double tolerance = 2e-7 * double(g.k + 1) * (magnitude + 1.0);
      ASSERT_NEAR(c[i * ldc + j], expected, tolerance) << "C[" << i << ", " << j << "]";
    }
  }
}

class GemmAgainstNaive : public ::testing::TestWithParam<Path> {};

TEST_P(GemmAgainstNaive, AwkwardSizesBothLayouts) {
  const std::size_t sizes[] = {1, 3, 5, 17, 33, 65};
  for (std::size_t m : sizes) {
    for (std::size_t n : sizes) {
      for (std::size_t k : sizes) {
        for (bool transposed : {false, true}) {
          SCOPED_TRACE("m=" + std::to_string(m) + " n=" + std::to_string(n) + " k=" +
                       std::to_string(k) + (transposed ? " nt" : " nn"));
          run_and_check({m, n, k, 0, transposed, false}, GetParam());
          if (::testing::Test::HasFatalFailure()) return;
        }
      }
    }
  }
}

TEST_P(GemmAgainstNaive, StridedOperandsAndAccumulate) {
  for (bool transposed : {false, true}) {
    for (bool accumulate : {false, true}) {
      SCOPED_TRACE(std::string(transposed ? "nt" : "nn") + (accumulate ? " accumulate" : ""));
      run_and_check({7, 13, 9, 3, transposed, accumulate}, GetParam());
      run_and_check({33, 17, 65, 5, transposed, accumulate}, GetParam());
      run_and_check({4, 8, 1, 1, transposed, accumulate}, GetParam());
    }
  }
}

// Crosses every packing block boundary of the SIMD GEMM (rows 32, columns 512, depth split into
// equal blocks of at most 768: 769 -> 385 + 384, 1540 -> 3 x 514 with a shorter last block).
TEST_P(GemmAgainstNaive, LargerThanPackingBlocks) {
  run_and_check({70, 521, 300, 2, false, false}, GetParam());
  run_and_check({67, 515, 259, 0, true, true}, GetParam());
  run_and_check({9, 19, 769, 1, false, false}, GetParam());
  run_and_check({9, 19, 769, 3, true, true}, GetParam());
  run_and_check({5, 10, 1540, 0, true, false}, GetParam());
  run_and_check({6, 9, 1540, 2, false, true}, GetParam());
  run_and_check({70, 64, 800, 1, false, true}, GetParam());
  run_and_check({37, 65, 800, 0, true, false}, GetParam());
}

// Full 4-row and 8-column panels are packed with 4x4 vector transposes over depth steps of 4, the
// rest element by element: depths around multiples of 4, with and without padding (unaligned rows).
TEST_P(GemmAgainstNaive, PanelPackingFastPathAndRemainders) {
  for (std::size_t k : {4, 6, 7, 8, 64, 66}) {
    for (bool transposed : {false, true}) {
      SCOPED_TRACE("k=" + std::to_string(k) + (transposed ? " nt" : " nn"));
      run_and_check({8, 16, k, 0, transposed, false}, GetParam());
      run_and_check({12, 24, k, 1, transposed, true}, GetParam());
      run_and_check({4, 8, k, 3, transposed, false}, GetParam());
    }
  }
}

TEST_P(GemmAgainstNaive, EmptyDepthGivesZeroOrLeavesC) {
  kernels::ScopedPath scoped(GetParam());
  std::vector<float> c(6, 3.0f);
  const float unused = 0.0f;
  kernels::gemm_nn(2, 3, 0, &unused, 1, &unused, 3, c.data(), 3, /*accumulate=*/true);
  EXPECT_EQ(c, std::vector<float>(6, 3.0f));
  kernels::gemm_nt(2, 3, 0, &unused, 1, &unused, 1, c.data(), 3, /*accumulate=*/false);
  EXPECT_EQ(c, std::vector<float>(6, 0.0f));
}

INSTANTIATE_TEST_SUITE_P(Paths, GemmAgainstNaive, ::testing::ValuesIn(testing::available_paths()),
                         [](const auto& info) { return std::string(testing::path_name(info.param)); });

// The two paths sum in different orders, so they agree to rounding, not bit for bit.
TEST(GemmPaths, SimdAndScalarAgree) {
  if (!kernels::simd_available()) GTEST_SKIP() << "scalar-only build";
  for (std::size_t size : {1, 3, 5, 17, 33, 65, 130}) {
    const std::size_t m = size, n = size + 2, k = 2 * size + 1;
    const std::vector<float> a = testing::uniform_random_vector(m * k, 4), b = testing::uniform_random_vector(k * n, 5);
    std::vector<float> by_path[2];
    for (Path path : {Path::scalar, Path::simd}) {
      kernels::ScopedPath scoped(path);
      std::vector<float>& c = by_path[path == Path::simd];
      c.assign(m * n, 0.0f);
      kernels::gemm_nn(m, n, k, a.data(), k, b.data(), n, c.data(), n);
      kernels::gemm_nt(m, n, k, a.data(), k, b.data(), k, c.data(), n, /*accumulate=*/true);
    }
    for (std::size_t i = 0; i < m * n; ++i) {
      ASSERT_NEAR(by_path[0][i], by_path[1][i], 1e-5 * double(k)) << "size " << size << " index " << i;
    }
  }
}

TEST(KernelPath, SwitchIsScopedAndSimdRequiresSupport) {
  const Path original = kernels::active_path();
  EXPECT_EQ(original, kernels::simd_available() ? Path::simd : Path::scalar);
  {
    kernels::ScopedPath scoped(Path::scalar);
    EXPECT_EQ(kernels::active_path(), Path::scalar);
  }
  EXPECT_EQ(kernels::active_path(), original);
  if (kernels::simd_available()) {
    EXPECT_NO_THROW(kernels::set_active_path(Path::simd));
  } else {
    EXPECT_THROW(kernels::set_active_path(Path::simd), std::invalid_argument);
    EXPECT_EQ(kernels::active_path(), Path::scalar);
  }
  EXPECT_THROW(kernels::set_active_path(static_cast<Path>(9)), std::invalid_argument);
  kernels::set_active_path(original);
}

}  // namespace
}  // namespace attnscope
