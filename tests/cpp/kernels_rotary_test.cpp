// rotary on both paths against Hugging Face's formulation evaluated in double:
//   q_embed = q · cat(cos, cos) + rotate_half(q) · cat(sin, sin),  rotate_half(q) = cat(-q2, q1)
// on the first rotary_dim columns of each head, with cos/sin built from positions and inverse
// frequencies as LlamaRotaryEmbedding does; full and partial rotary, odd half widths (SIMD tails),
// heads inside a wider row (a fused QKV buffer), and bad rotary_dim (split calls:
// kernels_threads_test.cpp).
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "golden_helpers.hpp"
#include "kernels/kernels.hpp"
#include "util/error.hpp"

namespace attnscope {
namespace {

using kernels::Path;

struct RotaryCase {
  std::size_t rows, heads, d_head, rotary_dim, ld;
};

struct Tables {
  std::vector<float> cos, sin;  // [rows, rotary_dim / 2]
};

// Row r has position 3 + 2r (positions need not be 0..rows-1: a cache offset, left padding).
Tables make_tables(std::size_t rows, std::size_t rotary_dim, double base = 10000.0) {
  const std::size_t half = rotary_dim / 2;
  Tables t{std::vector<float>(rows * half), std::vector<float>(rows * half)};
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t i = 0; i < half; ++i) {
      const double inv_freq = 1.0 / std::pow(base, double(2 * i) / double(rotary_dim));
      const double angle = double(3 + 2 * r) * inv_freq;
      t.cos[r * half + i] = float(std::cos(angle));
      t.sin[r * half + i] = float(std::sin(angle));
    }
  }
  return t;
}

// One head slice, rotated as Hugging Face's apply_rotary_pos_emb writes it.
std::vector<double> reference_head(const float* x, std::size_t d_head, std::size_t rotary_dim,
                                   const float* cos, const float* sin) {
  const std::size_t half = rotary_dim / 2;
  std::vector<double> rotated(x, x + d_head), cos_full(rotary_dim), sin_full(rotary_dim), rot_half(rotary_dim);
  for (std::size_t i = 0; i < rotary_dim; ++i) {
    cos_full[i] = cos[i % half];
    sin_full[i] = sin[i % half];
    rot_half[i] = i < half ? -double(x[i + half]) : double(x[i - half]);
  }
  for (std::size_t i = 0; i < rotary_dim; ++i) rotated[i] = x[i] * cos_full[i] + rot_half[i] * sin_full[i];
  return rotated;
}

void check_case(const RotaryCase& c) {
  const Tables tables = make_tables(c.rows, c.rotary_dim);
  const std::vector<float> x = testing::uniform_random_vector(c.rows * c.ld, 21, 2.0f);
  const std::size_t half = c.rotary_dim / 2;
  for (Path path : testing::available_paths()) {
    kernels::ScopedPath scoped(path);
    SCOPED_TRACE(std::string(testing::path_name(path)) + " rows " + std::to_string(c.rows) + " heads " +
                 std::to_string(c.heads) + " d_head " + std::to_string(c.d_head) + " rotary_dim " +
                 std::to_string(c.rotary_dim));
    std::vector<float> y = x;
    kernels::rotary(c.rows, c.heads, c.d_head, c.rotary_dim, y.data(), c.ld, tables.cos.data(), tables.sin.data());
    for (std::size_t r = 0; r < c.rows; ++r) {
      for (std::size_t h = 0; h < c.heads; ++h) {
        const std::size_t start = r * c.ld + h * c.d_head;
        const auto ref = reference_head(x.data() + start, c.d_head, c.rotary_dim, tables.cos.data() + r * half,
                                        tables.sin.data() + r * half);
        for (std::size_t i = 0; i < c.d_head; ++i) {
          if (i >= c.rotary_dim) {
            ASSERT_EQ(y[start + i], x[start + i]) << "column " << i << " past rotary_dim changed";
            continue;
          }
          // Two products and a sum of values below 2 in magnitude: a few float roundings.
          ASSERT_NEAR(y[start + i], ref[i], 1e-6) << "row " << r << " head " << h << " column " << i;
        }
      }
      for (std::size_t j = c.heads * c.d_head; j < c.ld; ++j) {
        ASSERT_EQ(y[r * c.ld + j], x[r * c.ld + j]) << "column " << j << " outside the heads changed";
      }
    }
  }
}

TEST(Rotary, MatchesHuggingFaceFormulation) {
  check_case({5, 4, 64, 64, 4 * 64});        // Llama: every column rotated
  check_case({3, 2, 80, 32, 3 * 2 * 80});    // partial rotary (GPT-NeoX style), Q inside a fused QKV row
  check_case({4, 3, 6, 6, 20});              // half = 3: only the SIMD tail
  check_case({2, 1, 22, 18, 22});            // half = 9: vectors and a tail
  check_case({1, 5, 2, 2, 10});              // the smallest rotation
}

TEST(Rotary, BadRotaryDimIsRejected) {
  std::vector<float> x(16, 1.0f), table(8, 0.5f);
  for (std::size_t bad : {0u, 3u, 18u}) {
    try {
      kernels::rotary(1, 1, 16, bad, x.data(), 16, table.data(), table.data());
      ADD_FAILURE() << "rotary_dim " << bad << " accepted";
    } catch (const InvalidArgument& e) {
      EXPECT_NE(std::string(e.what()).find("rotary_dim (" + std::to_string(bad) + ")"), std::string::npos)
          << e.what();
    }
  }
  EXPECT_EQ(x, std::vector<float>(16, 1.0f));
}

}  // namespace
}  // namespace attnscope
