// Kernels split over threads (kernels.cpp dispatch): shapes large enough to be split by rows or by
// column panels, on both paths, against a double-precision reference and against the same call on
// one thread (which they must equal exactly: each output element is computed the same way); the
// 16-bit GEMMs against widening B first. Then multi-head attention with 2 threads against PyTorch
// (the golden case whose projections are split).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "attention/multi_head.hpp"
#include "golden_helpers.hpp"
#include "kernels/kernels.hpp"
#include "util/parallel.hpp"

namespace attnscope {
namespace {

using kernels::Path;
using kernels::SoftmaxMask;

// Runs `compute` on 1 thread and on 2 (3) threads; the results must be identical.
template <typename Compute>
std::vector<float> same_on_every_thread_count(Compute compute) {
  parallel::set_num_threads(1);
  const std::vector<float> one = compute();
  if (!parallel::threads_available()) return one;
  for (const std::size_t threads : {2u, 3u}) {
    parallel::set_num_threads(threads);
    const std::vector<float> many = compute();
    parallel::set_num_threads(1);
    EXPECT_EQ(many.size(), one.size());
    for (std::size_t i = 0; i < one.size() && i < many.size(); ++i) {
      if (many[i] != one[i]) {
        ADD_FAILURE() << threads << " threads differ from one at index " << i << ": " << many[i]
                      << " vs " << one[i];
        break;
      }
    }
  }
  return one;
}

struct GemmShape {
  std::size_t m, n, k;
  bool transposed_b;
};

class ThreadedKernels : public ::testing::TestWithParam<Path> {};

TEST_P(ThreadedKernels, GemmSplitByRowsOrColumnsMatchesReference) {
  kernels::ScopedPath path(GetParam());
  // 4 M+ FLOPs each: rows (m >= 16), column panels (m < 16), ragged edges, C with padding.
  for (const GemmShape& s : {GemmShape{250, 70, 130, false}, GemmShape{250, 70, 130, true},
                             GemmShape{9, 2304, 768, false}, GemmShape{5, 1001, 520, true},
                             GemmShape{129, 512, 64, true}}) {
    SCOPED_TRACE(std::to_string(s.m) + "x" + std::to_string(s.n) + "x" + std::to_string(s.k) +
                 (s.transposed_b ? " nt" : " nn"));
    const std::size_t ldc = s.n + 3;
    const std::vector<float> a = testing::uniform_random_vector(s.m * s.k, 1), b = testing::uniform_random_vector(s.k * s.n, 2);
    const std::vector<float> c0 = testing::uniform_random_vector(s.m * ldc, 3);
    for (const bool accumulate : {false, true}) {
      const std::vector<float> c = same_on_every_thread_count([&] {
        std::vector<float> out = c0;
        if (s.transposed_b) {
          kernels::gemm_nt(s.m, s.n, s.k, a.data(), s.k, b.data(), s.k, out.data(), ldc, accumulate);
        } else {
          kernels::gemm_nn(s.m, s.n, s.k, a.data(), s.k, b.data(), s.n, out.data(), ldc, accumulate);
        }
        return out;
      });
      for (std::size_t i = 0; i < s.m; i += 7) {
        for (std::size_t j = 0; j < ldc; j += 3) {
          double expected = c0[i * ldc + j];
          if (j < s.n) {
            double sum = 0.0;
            for (std::size_t p = 0; p < s.k; ++p) {
              sum += double(a[i * s.k + p]) * (s.transposed_b ? b[j * s.k + p] : b[p * s.n + j]);
            }
            expected = accumulate ? expected + sum : sum;
          }
          ASSERT_NEAR(c[i * ldc + j], expected, 1e-4 * std::sqrt(double(s.k))) << i << "," << j;
        }
      }
    }
  }
}

TEST_P(ThreadedKernels, SoftmaxSplitByRowsMatchesReferenceForEveryMask) {
  kernels::ScopedPath path(GetParam());
  const std::size_t rows = 301, cols = 257;  // 77k entries: split
  const float scale = 0.125f;
  const std::vector<float> scores = testing::uniform_random_vector(rows * cols, 4, 8.0f);
  std::vector<std::uint8_t> allowed(rows * cols);
  std::mt19937 rng(5);
  for (std::uint8_t& a : allowed) a = rng() % 3 != 0;
  for (std::size_t j = 0; j < cols; ++j) allowed[17 * cols + j] = 0;  // one fully masked row
  for (const SoftmaxMask mask : {SoftmaxMask::none, SoftmaxMask::causal, SoftmaxMask::allowed}) {
    for (const bool in_place : {false, true}) {
      SCOPED_TRACE("mask " + std::to_string(int(mask)) + (in_place ? " in place" : ""));
      const std::vector<float> weights = same_on_every_thread_count([&] {
        std::vector<float> in = scores, out(rows * cols, -7.0f);
        std::vector<float>& target = in_place ? in : out;
        kernels::scale_mask_softmax(rows, cols, scale, in.data(), cols, target.data(), cols, mask,
                                    allowed.data(), cols);
        return target;
      });
      for (std::size_t i = 0; i < rows; ++i) {
        const auto kept = [&](std::size_t j) {
          return mask == SoftmaxMask::none || (mask == SoftmaxMask::causal ? j <= i : allowed[i * cols + j] != 0);
        };
        double max = -INFINITY, sum = 0.0;
        for (std::size_t j = 0; j < cols; ++j) {
          if (kept(j)) max = std::max(max, double(scores[i * cols + j]) * scale);
        }
        for (std::size_t j = 0; j < cols; ++j) {
          if (kept(j)) sum += std::exp(double(scores[i * cols + j]) * scale - max);
        }
        for (std::size_t j = 0; j < cols; ++j) {
          const double expected =
              kept(j) && sum > 0 ? std::exp(double(scores[i * cols + j]) * scale - max) / sum : 0.0;
          ASSERT_NEAR(weights[i * cols + j], expected, 1e-6) << "row " << i << ", column " << j;
        }
      }
    }
  }
}

TEST_P(ThreadedKernels, BiasAndScaleSplitByRowsMatchNaiveLoops) {
  kernels::ScopedPath path(GetParam());
  const std::size_t rows = 300, cols = 2304, ld = cols + 5;
  const std::vector<float> c0 = testing::uniform_random_vector(rows * ld, 6), bias = testing::uniform_random_vector(cols, 7);
  const std::vector<float> biased = same_on_every_thread_count([&] {
    std::vector<float> c = c0;
    kernels::add_bias(rows, cols, bias.data(), c.data(), ld);
    return c;
  });
  const std::vector<float> scaled = same_on_every_thread_count([&] {
    std::vector<float> out(rows * ld, 9.0f);
    kernels::scale(rows, cols, 0.25f, c0.data(), ld, out.data(), ld);
    return out;
  });
  for (std::size_t i = 0; i < rows; ++i) {
    for (std::size_t j = 0; j < ld; ++j) {
      const float x = c0[i * ld + j];
      ASSERT_EQ(biased[i * ld + j], j < cols ? x + bias[j] : x) << i << "," << j;
      ASSERT_EQ(scaled[i * ld + j], j < cols ? x * 0.25f : 9.0f) << i << "," << j;
    }
  }
}

// The model kernels: every row (or value) computed as in one call. Their own correctness is tested
// in kernels_norm_test, kernels_activation_test and kernels_rotary_test.
TEST_P(ThreadedKernels, ModelKernelsSplitByRowsEqualOneThread) {
  kernels::ScopedPath path(GetParam());
  const std::size_t rows = 300, cols = 256, count = rows * cols + 3;
  const std::vector<float> x = testing::uniform_random_vector(count, 8, 3.0f), up = testing::uniform_random_vector(count, 9);
  const std::vector<float> gamma = testing::uniform_random_vector(cols, 10), beta = testing::uniform_random_vector(cols, 11);
  same_on_every_thread_count([&] {
    std::vector<float> out(2 * rows * cols);
    kernels::layer_norm(rows, cols, x.data(), cols, gamma.data(), beta.data(), 1e-5f, out.data(), cols);
    kernels::rms_norm(rows, cols, x.data(), cols, gamma.data(), 1e-5f, out.data() + rows * cols, cols);
    return out;
  });
  for (const kernels::Activation kind : {kernels::Activation::gelu_erf, kernels::Activation::gelu_tanh,
                                         kernels::Activation::silu, kernels::Activation::relu}) {
    same_on_every_thread_count([&] {
      std::vector<float> out = x, gated(rows * cols);
      kernels::activation(kind, out.data(), count);  // a ragged last piece
      kernels::gated_activation(kind, rows, cols, x.data(), cols, up.data(), cols, gated.data(), cols);
      out.insert(out.end(), gated.begin(), gated.end());
      return out;
    });
  }
  const std::size_t heads = 4, d_head = 64;  // rotary on the Q slices of a fused [rows, 3·256] buffer
  const std::vector<float> angles = testing::uniform_random_vector(rows * d_head / 2, 12, 3.0f);
  std::vector<float> cos(angles.size()), sin(angles.size());
  for (std::size_t i = 0; i < angles.size(); ++i) cos[i] = std::cos(angles[i]), sin[i] = std::sin(angles[i]);
  same_on_every_thread_count([&] {
    std::vector<float> qkv = testing::uniform_random_vector(rows * 3 * cols, 13);
    kernels::rotary(rows, heads, d_head, d_head, qkv.data(), 3 * cols, cos.data(), sin.data());
    return qkv;
  });
}

// 16-bit B: split by row blocks and by column panels (B's panels start at a 16-bit element offset),
// bit for bit the float GEMM on B widened first.
TEST_P(ThreadedKernels, Gemm16BitSplitEqualsWideningFirst) {
  kernels::ScopedPath path(GetParam());
  for (const GemmShape& s : {GemmShape{250, 70, 130, false}, GemmShape{250, 70, 130, true},
                             GemmShape{9, 2304, 768, false}, GemmShape{5, 1001, 520, true}}) {
    for (const kernels::ElementType type : {kernels::ElementType::f16, kernels::ElementType::bf16}) {
      SCOPED_TRACE(std::to_string(s.m) + "x" + std::to_string(s.n) + "x" + std::to_string(s.k) +
                   (s.transposed_b ? " nt " : " nn ") + (type == kernels::ElementType::f16 ? "f16" : "bf16"));
      const std::size_t b_cols = s.transposed_b ? s.k : s.n, b_size = s.k * s.n;
      const std::vector<float> a = testing::uniform_random_vector(s.m * s.k, 14), b_values = testing::uniform_random_vector(b_size, 15);
      std::vector<std::uint16_t> b(b_size);  // f16 in ±[0.5, 2); bf16: the upper halves of the floats
      for (std::size_t i = 0; i < b_size; ++i) {
        std::uint32_t bits;
        std::memcpy(&bits, &b_values[i], sizeof bits);
        b[i] = type == kernels::ElementType::f16 ? static_cast<std::uint16_t>(0x3800 + (i * 7) % 0x800 + (bits & 0x8000'0000u ? 0x8000 : 0))
                                                 : static_cast<std::uint16_t>(bits >> 16);
      }
      std::vector<float> widened(b_size), expected(s.m * s.n);
      kernels::widen_rows(b_size / b_cols, b_cols, {b.data(), b_cols, type}, widened.data(), b_cols);
      if (s.transposed_b) kernels::gemm_nt(s.m, s.n, s.k, a.data(), s.k, widened.data(), b_cols, expected.data(), s.n);
      else kernels::gemm_nn(s.m, s.n, s.k, a.data(), s.k, widened.data(), b_cols, expected.data(), s.n);
      const std::vector<float> c = same_on_every_thread_count([&] {
        std::vector<float> out(s.m * s.n);
        const kernels::MatrixRef b16{b.data(), b_cols, type};
        if (s.transposed_b) kernels::gemm_nt(s.m, s.n, s.k, a.data(), s.k, b16, out.data(), s.n);
        else kernels::gemm_nn(s.m, s.n, s.k, a.data(), s.k, b16, out.data(), s.n);
        return out;
      });
      ASSERT_EQ(c, expected);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Paths, ThreadedKernels, ::testing::ValuesIn(testing::available_paths()),
                         [](const ::testing::TestParamInfo<Path>& info) {
                           return std::string(testing::path_name(info.param));
                         });

TEST(ThreadedAttention, LargestGoldenCaseMatchesPyTorchOnTwoThreads) {
  if (!parallel::threads_available()) GTEST_SKIP() << "build without threads";
  // n = 9, d_model = 768: the Q/K/V and output projections are split into column panels.
  const testing::GoldenCase c = testing::read_golden(std::string(ATTNSCOPE_TEST_DATA_DIR) +
                                                     "/attention/mha_n9_d768_h12_causal_bias.safetensors");
  MultiHeadAttentionParams p{c.meta_size("d_model"), c.meta_size("heads"), c.f32("wq"), c.f32("wk"),
                             c.f32("wv"), c.f32("wo"), c.f32("bq"), c.f32("bk"), c.f32("bv"),
                             c.f32("bo")};
  MultiHeadAttention attention(p);
  parallel::set_num_threads(2);
  const MultiHeadResult r =
      attention.forward(c.f32("x"), c.meta_size("n"), {}, 0, Mask::causal(), {true, true, false});
  parallel::set_num_threads(1);
  EXPECT_LE(testing::max_abs_error(r.weights, c.f32("weights")).max_abs, 1e-5);
  EXPECT_LE(testing::max_abs_error(r.output, c.f32("output")).max_abs, 1e-4);
  EXPECT_LE(testing::max_abs_error(r.heads, c.f32("heads")).max_abs, 1e-4);
}

TEST(ThreadedAttention, SelfAttentionIsIdenticalOnOneAndTwoThreads) {
  const std::size_t n = 160, d = 256, heads = 4;
  MultiHeadAttention attention({d, heads, testing::uniform_random_vector(d * d, 10, 0.1f), testing::uniform_random_vector(d * d, 11, 0.1f),
                                testing::uniform_random_vector(d * d, 12, 0.1f), testing::uniform_random_vector(d * d, 13, 0.1f),
                                testing::uniform_random_vector(d, 14), testing::uniform_random_vector(d, 15), testing::uniform_random_vector(d, 16),
                                testing::uniform_random_vector(d, 17)});
  const std::vector<float> x = testing::uniform_random_vector(n * d, 18);
  for (const Mask& mask : {Mask::none(), Mask::causal()}) {
    same_on_every_thread_count([&] {
      MultiHeadResult r = attention.forward(x, n, {}, 0, mask, {true, true, true});
      std::vector<float> all = r.output;
      for (const std::vector<float>* part : {&r.weights, &r.heads, &r.q, &r.scores, &r.scaled}) {
        all.insert(all.end(), part->begin(), part->end());
      }
      return all;
    });
  }
}

}  // namespace
}  // namespace attnscope
