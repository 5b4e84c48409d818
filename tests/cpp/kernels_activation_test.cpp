// activation (GELU erf / tanh, SiLU, ReLU) and gated_activation (SwiGLU, GeGLU) on both paths against
// their definitions evaluated in double; gated_activation bit for bit activation() times up; lengths
// that exercise the SIMD tails, strided rows, in place, and the far tails of each function
// (split calls: kernels_threads_test.cpp).
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "golden_helpers.hpp"
#include "kernels/kernels.hpp"
#include "util/error.hpp"

namespace attnscope {
namespace {

using kernels::Activation;
using kernels::Path;

double reference(Activation kind, double x) {
  switch (kind) {
    case Activation::gelu_erf: return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0)));
    case Activation::gelu_tanh:
      return 0.5 * x * (1 + std::tanh(std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x)));
    case Activation::silu: return x / (1 + std::exp(-x));
    case Activation::relu: return x > 0 ? x : 0;
  }
  return NAN;
}

const char* name(Activation kind) {
  switch (kind) {
    case Activation::gelu_erf: return "gelu_erf";
    case Activation::gelu_tanh: return "gelu_tanh";
    case Activation::silu: return "silu";
    case Activation::relu: return "relu";
  }
  return "?";
}

constexpr Activation kAll[] = {Activation::gelu_erf, Activation::gelu_tanh, Activation::silu, Activation::relu};

// Error allowed: a few float ulps of the result, and 1e-6 absolute where GELU's 1 + erf (or tanh)
// cancels (x around -3 and below), which xsimd's erf/tanh resolve only to a few ulps of 1.
double tolerance(double ref) { return 1e-6 * (1.0 + std::fabs(ref)); }

TEST(Activations, MatchDoubleReference) {
  for (Path path : testing::available_paths()) {
    kernels::ScopedPath scoped(path);
    for (Activation kind : kAll) {
      for (std::size_t count : {1u, 3u, 5u, 64u, 103u}) {
        SCOPED_TRACE(std::string(testing::path_name(path)) + " " + name(kind) + " count " + std::to_string(count));
        auto x = testing::uniform_random_vector(count, 4, 6.0f);
        // Far tails: exactly 0 / x (GELU), x·e^x (SiLU, deep negative), x (SiLU, large positive).
        const float tails[] = {-12.0f, 12.0f, -30.0f, 30.0f, -100.0f, 100.0f, 0.0f, -0.5f};
        for (std::size_t i = 0; i < count && i < std::size(tails); ++i) x[i] = tails[i];
        auto y = x;
        kernels::activation(kind, y.data(), count);
        for (std::size_t i = 0; i < count; ++i) {
          const double ref = reference(kind, x[i]);
          ASSERT_NEAR(y[i], ref, tolerance(ref)) << "x = " << x[i];
        }
      }
    }
  }
}

TEST(Activations, SiluOverItsWholeRange) {
  // Dense sweep of [-90, 90]: e^-x from underflow to overflow of the exp's range.
  std::vector<float> x;
  for (int i = -9000; i <= 9000; ++i) x.push_back(0.01f * float(i));
  for (Path path : testing::available_paths()) {
    kernels::ScopedPath scoped(path);
    auto y = x;
    kernels::activation(Activation::silu, y.data(), y.size());
    for (std::size_t i = 0; i < x.size(); ++i) {
      const double ref = reference(Activation::silu, x[i]);
      // Relative error: the exp's ~1 ulp and a division, plus the rounding of -x·log2 e inside the
      // SIMD exp, whose relative effect on e^-x grows with |x| (|x|·2^-24·ln 2·log2 e). Below about
      // -87, e^-x is beyond float range and the result, x·e^x < 1e-36, is 0 within 1e-30.
      const double allowed = x[i] < -85.0f ? 1e-30 : (1e-6 + 1e-7 * std::fabs(x[i])) * std::fabs(ref);
      ASSERT_NEAR(y[i], ref, allowed) << testing::path_name(path) << " x = " << x[i];
    }
  }
}

TEST(Activations, GatedIsActivationTimesUpBitForBit) {
  const std::size_t rows = 7, cols = 45, ld = 50;
  const auto gate = testing::uniform_random_vector(rows * ld, 5, 6.0f), up = testing::uniform_random_vector(rows * ld, 6, 2.0f);
  for (Path path : testing::available_paths()) {
    kernels::ScopedPath scoped(path);
    for (Activation kind : kAll) {
      SCOPED_TRACE(std::string(testing::path_name(path)) + " " + name(kind));
      std::vector<float> out(rows * ld, -9.0f);
      kernels::gated_activation(kind, rows, cols, gate.data(), ld, up.data(), ld, out.data(), ld);
      for (std::size_t i = 0; i < rows; ++i) {
        std::vector<float> act(gate.begin() + i * ld, gate.begin() + i * ld + cols);
        kernels::activation(kind, act.data(), cols);
        for (std::size_t j = 0; j < cols; ++j) {
          ASSERT_EQ(out[i * ld + j], act[j] * up[i * ld + j]) << "row " << i << " col " << j;
          const double ref = reference(kind, gate[i * ld + j]) * up[i * ld + j];
          ASSERT_NEAR(out[i * ld + j], ref, 2 * tolerance(ref));
        }
        for (std::size_t j = cols; j < ld; ++j) ASSERT_EQ(out[i * ld + j], -9.0f) << "wrote past the row";
      }
      // In place into gate and into up, with different leading dimensions for the other operand.
      std::vector<float> into_gate = gate, up_dense(rows * cols);
      for (std::size_t i = 0; i < rows; ++i)
        for (std::size_t j = 0; j < cols; ++j) up_dense[i * cols + j] = up[i * ld + j];
      kernels::gated_activation(kind, rows, cols, into_gate.data(), ld, up_dense.data(), cols, into_gate.data(), ld);
      std::vector<float> into_up = up_dense;
      kernels::gated_activation(kind, rows, cols, gate.data(), ld, into_up.data(), cols, into_up.data(), cols);
      for (std::size_t i = 0; i < rows; ++i) {
        for (std::size_t j = 0; j < cols; ++j) {
          ASSERT_EQ(into_gate[i * ld + j], out[i * ld + j]);
          ASSERT_EQ(into_up[i * cols + j], out[i * ld + j]);
        }
      }
    }
  }
}

TEST(Activations, UnknownKindIsRejected) {
  std::vector<float> x(4, 1.0f);
  const auto bad = static_cast<Activation>(9);
  EXPECT_THROW(kernels::activation(bad, x.data(), x.size()), InvalidArgument);
  EXPECT_THROW(kernels::gated_activation(bad, 1, 4, x.data(), 4, x.data(), 4, x.data(), 4), InvalidArgument);
  try {
    kernels::activation(bad, x.data(), x.size());
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("kind 9"), std::string::npos) << e.what();
  }
  EXPECT_EQ(x, std::vector<float>(4, 1.0f));  // untouched
  kernels::activation(Activation::relu, x.data(), x.size());  // and the kernels still work
  EXPECT_EQ(x, std::vector<float>(4, 1.0f));
}

}  // namespace
}  // namespace attnscope
