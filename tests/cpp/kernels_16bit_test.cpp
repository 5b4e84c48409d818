// 16-bit weights: widen_rows and gemm_nn / gemm_nt with an f16 or bf16 B, on both paths.
//   - Every one of the 65,536 bit patterns of each format widens to the value its definition gives
//     (sign, exponent, mantissa evaluated in double; subnormals, ±0, ±inf; NaN payloads kept).
//   - The GEMMs equal, bit for bit, widening B first and calling the float GEMM (the contract), and
//     a float64 product within float rounding; ragged tiles, K blocks (K > 768), wide B (N > 512),
//     strided operands, accumulate, and B holding subnormals, infinities and NaN.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "golden_helpers.hpp"
#include "kernels/kernels.hpp"
#include "util/error.hpp"

namespace attnscope {
namespace {

using kernels::ElementType;
using kernels::MatrixRef;
using kernels::Path;

std::uint32_t bits_of(float f) {
  std::uint32_t b;
  std::memcpy(&b, &f, sizeof b);
  return b;
}

// The value of a binary floating-point pattern with 1 sign bit, `exponent_bits` and `mantissa_bits`,
// from IEEE 754's definition. NaN is returned as a quiet NaN; the caller checks payloads itself.
double decode(std::uint32_t pattern, int exponent_bits, int mantissa_bits) {
  const std::uint32_t mantissa = pattern & ((1u << mantissa_bits) - 1);
  const std::uint32_t exponent = (pattern >> mantissa_bits) & ((1u << exponent_bits) - 1);
  const bool negative = (pattern >> (mantissa_bits + exponent_bits)) & 1u;
  const int bias = (1 << (exponent_bits - 1)) - 1;
  double value;
  if (exponent == (1u << exponent_bits) - 1) {
    value = mantissa == 0 ? std::numeric_limits<double>::infinity() : std::numeric_limits<double>::quiet_NaN();
  } else if (exponent == 0) {
    value = std::ldexp(double(mantissa), 1 - bias - mantissa_bits);
  } else {
    value = std::ldexp(double(mantissa + (1u << mantissa_bits)), int(exponent) - bias - mantissa_bits);
  }
  return negative ? -value : value;
}

struct Format {
  ElementType type;
  int exponent_bits, mantissa_bits;
  const char* name;
};
constexpr Format kF16{ElementType::f16, 5, 10, "f16"};
constexpr Format kBF16{ElementType::bf16, 8, 7, "bf16"};

TEST(Widen16Bit, EveryBitPatternWidensToItsDefinedValue) {
  std::vector<std::uint16_t> all(65536);
  for (std::uint32_t i = 0; i < all.size(); ++i) all[i] = static_cast<std::uint16_t>(i);
  for (Path path : testing::available_paths()) {
    kernels::ScopedPath scoped(path);
    for (const Format& format : {kF16, kBF16}) {
      SCOPED_TRACE(std::string(testing::path_name(path)) + " " + format.name);
      // One row of 65,533 (a ragged SIMD tail), then the last 3 as a second call at an offset.
      std::vector<float> out(all.size(), 123.0f);
      kernels::widen_rows(1, all.size() - 3, {all.data(), all.size(), format.type}, out.data(), all.size());
      kernels::widen_rows(1, 3, MatrixRef{all.data(), all.size(), format.type}.at(0, all.size() - 3),
                          out.data() + all.size() - 3, 3);
      for (std::uint32_t p = 0; p < all.size(); ++p) {
        const double expected = decode(p, format.exponent_bits, format.mantissa_bits);
        if (std::isnan(expected)) {
          // The payload moves to the float's upper mantissa bits, quiet bit included, as IEEE
          // 754's conversions to a wider format keep it.
          const std::uint32_t sign = (p >> 15) << 31;
          const std::uint32_t payload = (p & ((1u << format.mantissa_bits) - 1)) << (23 - format.mantissa_bits);
          ASSERT_EQ(bits_of(out[p]), sign | 0x7F800000u | payload) << "pattern " << p;
          continue;
        }
        ASSERT_EQ(double(out[p]), expected) << "pattern " << p;
        ASSERT_EQ(std::signbit(out[p]), bool(p >> 15)) << "pattern " << p;  // -0 stays -0
      }
    }
  }
}

TEST(Widen16Bit, RowsAtAStrideAndF32Rows) {
  const std::size_t rows = 3, cols = 21, ld = 25;
  std::vector<std::uint16_t> table(rows * ld);
  for (std::size_t i = 0; i < table.size(); ++i) table[i] = static_cast<std::uint16_t>(0x3C00 + 37 * i);  // f16 1.0 upward
  const std::vector<float> f32_table = testing::uniform_random_vector(rows * ld, 31);
  for (Path path : testing::available_paths()) {
    kernels::ScopedPath scoped(path);
    std::vector<float> out(rows * (cols + 1), -5.0f), f32_out(rows * (cols + 1), -5.0f);
    kernels::widen_rows(rows, cols, {table.data(), ld, ElementType::f16}, out.data(), cols + 1);
    kernels::widen_rows(rows, cols, {f32_table.data(), ld, ElementType::f32}, f32_out.data(), cols + 1);
    for (std::size_t r = 0; r < rows; ++r) {
      for (std::size_t j = 0; j < cols; ++j) {
        ASSERT_EQ(double(out[r * (cols + 1) + j]), decode(table[r * ld + j], 5, 10));
        ASSERT_EQ(f32_out[r * (cols + 1) + j], f32_table[r * ld + j]);
      }
      ASSERT_EQ(out[r * (cols + 1) + cols], -5.0f) << "wrote past the row";
      ASSERT_EQ(f32_out[r * (cols + 1) + cols], -5.0f) << "wrote past the row";
    }
    // An embedding lookup: row 2 alone.
    std::vector<float> row(cols);
    kernels::widen_rows(1, cols, MatrixRef{table.data(), ld, ElementType::f16}.at(2, 0), row.data(), cols);
    for (std::size_t j = 0; j < cols; ++j) ASSERT_EQ(row[j], out[2 * (cols + 1) + j]);
  }
}

// Random 16-bit weights: f16 from every finite exponent (subnormals included, |x| up to 65504, so
// products stay far from float overflow); bf16 truncated from floats in [-2, 2] with a few subnormal
// and tiny values.
std::vector<std::uint16_t> random_weights(const Format& format, std::size_t count, unsigned seed) {
  std::mt19937 gen(seed);
  std::vector<std::uint16_t> w(count);
  for (auto& x : w) {
    if (format.type == ElementType::f16) {
      do x = static_cast<std::uint16_t>(gen()); while (((x >> 10) & 0x1F) == 0x1F);
    } else {
      const float f = std::uniform_real_distribution<float>(-2.0f, 2.0f)(gen) * (gen() % 16 == 0 ? 1e-39f : 1.0f);
      x = static_cast<std::uint16_t>(bits_of(f) >> 16);
    }
  }
  return w;
}

struct Gemm16Case {
  std::size_t m, n, k;
  std::size_t pad = 0;
  bool transposed_b = false;
  bool accumulate = false;
};

std::string describe(const Gemm16Case& g, const Format& f, Path path) {
  return std::string(testing::path_name(path)) + " " + f.name + " " + std::to_string(g.m) + "x" +
         std::to_string(g.n) + "x" + std::to_string(g.k) + (g.transposed_b ? " nt" : " nn") +
         (g.accumulate ? " accumulate" : "") + (g.pad ? " padded" : "");
}

// C from the 16-bit GEMM and from widening B first, on the active path.
void run_both(const Gemm16Case& g, const std::vector<float>& a, std::size_t lda, const std::vector<std::uint16_t>& b,
              std::size_t ldb, ElementType type, std::vector<float>& c16, std::vector<float>& c32, std::size_t ldc) {
  const std::size_t b_rows = g.transposed_b ? g.n : g.k, b_cols = g.transposed_b ? g.k : g.n;
  std::vector<float> widened(b_rows * ldb, 0.0f);
  kernels::widen_rows(b_rows, b_cols, {b.data(), ldb, type}, widened.data(), ldb);
  const MatrixRef b16{b.data(), ldb, type};
  if (g.transposed_b) {
    kernels::gemm_nt(g.m, g.n, g.k, a.data(), lda, b16, c16.data(), ldc, g.accumulate);
    kernels::gemm_nt(g.m, g.n, g.k, a.data(), lda, widened.data(), ldb, c32.data(), ldc, g.accumulate);
  } else {
    kernels::gemm_nn(g.m, g.n, g.k, a.data(), lda, b16, c16.data(), ldc, g.accumulate);
    kernels::gemm_nn(g.m, g.n, g.k, a.data(), lda, widened.data(), ldb, c32.data(), ldc, g.accumulate);
  }
}

bool same_float(float x, float y) { return bits_of(x) == bits_of(y) || (std::isnan(x) && std::isnan(y)); }

void check_gemm16(const Gemm16Case& g, const Format& format) {
  const std::size_t lda = g.k + g.pad;
  const std::size_t b_rows = g.transposed_b ? g.n : g.k, b_cols = g.transposed_b ? g.k : g.n;
  const std::size_t ldb = b_cols + g.pad, ldc = g.n + g.pad;
  const std::vector<float> a = testing::uniform_random_vector(g.m * lda, 41);
  const std::vector<std::uint16_t> b = random_weights(format, b_rows * ldb, 42);
  const std::vector<float> c_before = testing::uniform_random_vector(g.m * ldc, 43);
  for (Path path : testing::available_paths()) {
    kernels::ScopedPath scoped(path);
    SCOPED_TRACE(describe(g, format, path));
    std::vector<float> c16 = c_before, c32 = c_before;
    run_both(g, a, lda, b, ldb, format.type, c16, c32, ldc);
    for (std::size_t i = 0; i < g.m; ++i) {
      for (std::size_t j = 0; j < ldc; ++j) {
        const std::size_t at = i * ldc + j;
        if (j >= g.n) {
          ASSERT_EQ(c16[at], c_before[at]) << "padding column " << j << " of row " << i << " written";
          continue;
        }
        ASSERT_TRUE(same_float(c16[at], c32[at])) << "row " << i << " col " << j << ": " << c16[at] << " vs " << c32[at];
        double expected = g.accumulate ? c_before[at] : 0.0, magnitude = std::fabs(expected);
        for (std::size_t p = 0; p < g.k; ++p) {
          const std::uint16_t w = g.transposed_b ? b[j * ldb + p] : b[p * ldb + j];
          const double term = double(a[i * lda + p]) * decode(w, format.exponent_bits, format.mantissa_bits);
          expected += term;
          magnitude += std::fabs(term);
        }
        ASSERT_NEAR(c16[at], expected, 2e-7 * double(g.k + 1) * magnitude + 1e-30) << "row " << i << " col " << j;
      }
    }
  }
}

TEST(Gemm16Bit, EqualsWideningFirstAndFloat64) {
  const Gemm16Case cases[] = {
      {1, 1, 1},           {5, 13, 7},        {7, 9, 17, 0, true},   {33, 70, 130, 3},
      {33, 70, 130, 3, true, true},           {4, 8, 16, 0, false, true},
      {9, 40, 1030},       {6, 21, 1030, 1, true},                   // K in two blocks of 515
      {3, 1100, 40, 2},    {3, 1100, 40, 2, true},                   // three column blocks of B
      {20, 515, 800, 0, false, true},                                // scalar: 127-row K blocks
  };
  for (const Format& format : {kF16, kBF16}) {
    for (const Gemm16Case& g : cases) check_gemm16(g, format);
  }
}

TEST(Gemm16Bit, SubnormalInfinityAndNaNWeightsAsWhenWidenedFirst) {
  // f16 B holding ±0, the smallest and largest subnormals, 65504, ±inf and quiet and signalling NaNs
  // among ordinary values; A has zero columns (0·inf = NaN terms where A's zero tail is not skipped).
  const std::uint16_t specials[] = {0x0000, 0x8000, 0x0001, 0x83FF, 0x03FF, 0x7BFF, 0x7C00, 0xFC00, 0x7E00, 0x7C01, 0x3C00};
  for (const bool transposed : {false, true}) {
    const Gemm16Case g{6, 19, 23, 0, transposed, false};
    const std::size_t b_rows = transposed ? g.n : g.k, b_cols = transposed ? g.k : g.n;
    std::vector<std::uint16_t> b = random_weights(kF16, b_rows * b_cols, 44);
    for (std::size_t i = 0; i < b.size(); i += 5) b[i] = specials[(i / 5) % std::size(specials)];
    std::vector<float> a = testing::uniform_random_vector(g.m * g.k, 45);
    for (std::size_t i = 0; i < g.m; ++i) a[i * g.k + g.k - 1] = 0.0f;
    for (Path path : testing::available_paths()) {
      kernels::ScopedPath scoped(path);
      SCOPED_TRACE(describe(g, kF16, path));
      std::vector<float> c16(g.m * g.n), c32(g.m * g.n);
      run_both(g, a, g.k, b, b_cols, ElementType::f16, c16, c32, g.n);
      std::size_t nan_count = 0;
      for (std::size_t i = 0; i < c16.size(); ++i) {
        ASSERT_TRUE(same_float(c16[i], c32[i])) << "index " << i << ": " << c16[i] << " vs " << c32[i];
        nan_count += std::isnan(c16[i]);
      }
      EXPECT_GT(nan_count, 0u) << "the NaN weights reached no output";
    }
  }
}

TEST(Gemm16Bit, UnknownElementTypeIsRejected) {
  std::vector<float> a(4, 1.0f), c(4, 2.0f);
  std::vector<std::uint16_t> b(4);
  const MatrixRef bad{b.data(), 2, static_cast<ElementType>(7)};
  EXPECT_THROW(kernels::gemm_nn(2, 2, 2, a.data(), 2, bad, c.data(), 2), InvalidArgument);
  EXPECT_THROW(kernels::gemm_nt(2, 2, 2, a.data(), 2, bad, c.data(), 2), InvalidArgument);
  EXPECT_THROW(kernels::widen_rows(1, 2, bad, c.data(), 2), InvalidArgument);
  EXPECT_EQ(c, std::vector<float>(4, 2.0f));
}

}  // namespace
}  // namespace attnscope
