// Every golden case from PyTorch (tests/golden/attention, see scripts/generate/make_attention_golden.py)
// through both kernel paths. Tolerances: weights 1e-5 and outputs 1e-4 absolute (the issue's); the
// step intermediates (projections, scores) scale with their magnitude, so they get 1e-4 relative.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <string>
#include <tuple>
#include <vector>

#include "attention/multi_head.hpp"
#include "attention/scaled_dot_product.hpp"
#include "attention/streaming.hpp"
#include "golden_helpers.hpp"

namespace attnscope {
namespace {

using kernels::Path;
using testing::GoldenCase;

constexpr double kWeightsTolerance = 1e-5;
constexpr double kOutputTolerance = 1e-4;
constexpr double kStepRelativeTolerance = 1e-4;

std::vector<std::string> attention_files() {
  try {
    return testing::golden_files("attention");
  } catch (const std::exception&) {
    return {};  // GoldenData.AllCasesPresent reports the problem
  }
}

Mask mask_of(const GoldenCase& c) {
  const std::string kind = c.meta("mask");
  if (kind == "causal") return Mask::causal();
  if (kind == "allowed") return Mask::from_allowed(c.u8("mask"));
  EXPECT_EQ(kind, "none") << c.name;
  return Mask::none();
}

// Absolute check for weights/outputs; returns the largest error for the summary line.
double expect_close(const std::string& what, const std::vector<float>& actual,
                    const std::vector<float>& expected, double tolerance) {
  const testing::ErrorReport report = testing::max_abs_error(actual, expected);
  EXPECT_LE(report.max_abs, tolerance)
      << what << ": largest error at index " << report.index << " (expected "
      << (report.index < expected.size() ? expected[report.index] : NAN) << ")";
  return report.max_abs;
}

// Relative-to-magnitude check for intermediates: |a - e| <= tol * max(1, |e|).
void expect_close_relative(const std::string& what, const std::vector<float>& actual,
                           const std::vector<float>& expected) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  for (std::size_t i = 0; i < actual.size(); ++i) {
    const double bound = kStepRelativeTolerance * std::max(1.0, std::fabs(double(expected[i])));
    ASSERT_LE(std::fabs(double(actual[i]) - double(expected[i])), bound)
        << what << "[" << i << "]: " << actual[i] << " vs " << expected[i];
  }
}

class AttentionGolden : public ::testing::TestWithParam<std::tuple<std::string, Path>> {};

void check_sdpa(const GoldenCase& c) {
  const AttentionShape shape{c.meta_size("n"), c.meta_size("m"), c.meta_size("d_k"), c.meta_size("d_v")};
  const AttentionResult r = scaled_dot_product_attention(c.f32("q"), c.f32("k"), c.f32("v"), shape,
                                                         mask_of(c), /*keep_steps=*/true);
  const double w = expect_close("weights", r.weights, c.f32("weights"), kWeightsTolerance);
  const double o = expect_close("output", r.output, c.f32("output"), kOutputTolerance);
  expect_close_relative("scores", r.scores, c.f32("scores"));
  expect_close_relative("scaled", r.scaled, c.f32("scaled"));
  // The streaming path (no weights matrix) against the same PyTorch output.
  const std::vector<float> streamed = streaming_attention(c.f32("q"), c.f32("k"), c.f32("v"), shape, mask_of(c));
  const double s = expect_close("streamed output", streamed, c.f32("output"), kOutputTolerance);
  std::cout << "  " << c.name << ": max |error| weights " << w << ", output " << o << ", streamed output "
            << s << "\n";
}

MultiHeadAttentionParams params_of(const GoldenCase& c) {
  MultiHeadAttentionParams p;
  p.d_model = c.meta_size("d_model");
  p.num_heads = c.meta_size("heads");
  p.wq = c.f32("wq");
  p.wk = c.f32("wk");
  p.wv = c.f32("wv");
  p.wo = c.f32("wo");
  if (c.meta("bias") == "true") {
    p.bq = c.f32("bq");
    p.bk = c.f32("bk");
    p.bv = c.f32("bv");
    p.bo = c.f32("bo");
  }
  return p;
}

void check_mha_result(const GoldenCase& c, const MultiHeadResult& r, const char* variant) {
  SCOPED_TRACE(variant);
  const double w = expect_close("weights", r.weights, c.f32("weights"), kWeightsTolerance);
  const double o = expect_close("output", r.output, c.f32("output"), kOutputTolerance);
  const double h = expect_close("heads", r.heads, c.f32("heads"), kOutputTolerance);
  expect_close_relative("q", r.q, c.f32("q"));
  expect_close_relative("k", r.k, c.f32("k"));
  expect_close_relative("v", r.v, c.f32("v"));
  expect_close_relative("scores", r.scores, c.f32("scores"));
  expect_close_relative("scaled", r.scaled, c.f32("scaled"));
  std::cout << "  " << c.name << " (" << variant << "): max |error| weights " << w << ", output "
            << o << ", heads " << h << "\n";
}

// Without weights the heads stream (online softmax, no [n, m] matrix): output and heads still
// against PyTorch.
void check_mha_streamed(const GoldenCase& c, const MultiHeadResult& r, const char* variant) {
  SCOPED_TRACE(variant);
  EXPECT_TRUE(r.weights.empty());
  const double o = expect_close("output", r.output, c.f32("output"), kOutputTolerance);
  const double h = expect_close("heads", r.heads, c.f32("heads"), kOutputTolerance);
  std::cout << "  " << c.name << " (" << variant << "): max |error| output " << o << ", heads " << h << "\n";
}

void check_mha(const GoldenCase& c) {
  MultiHeadAttention attention(params_of(c));
  const std::size_t n = c.meta_size("n"), m = c.meta_size("m");
  const std::vector<float>& x = c.f32("x");
  const MultiHeadRequest everything{true, true, true};
  const MultiHeadRequest no_weights{false, true, false};
  if (c.meta("cross") == "true") {
    check_mha_result(c, attention.forward(x, n, c.f32("context"), m, mask_of(c), everything), "cross");
    check_mha_streamed(c, attention.forward(x, n, c.f32("context"), m, mask_of(c), no_weights),
                       "cross, streamed");
    return;
  }
  check_mha_streamed(c, attention.forward(x, n, {}, 0, mask_of(c), no_weights), "self, streamed");
  // Self-attention three ways: empty context (fused Q/K/V GEMM), context aliasing x (also fused),
  // and a separate copy of x as context (the cross-attention path), all against the same answer.
  check_mha_result(c, attention.forward(x, n, {}, 0, mask_of(c), everything), "self, empty context");
  check_mha_result(c, attention.forward(x, n, x, n, mask_of(c), everything), "self, context = x");
  const std::vector<float> copy = x;
  check_mha_result(c, attention.forward(x, n, copy, n, mask_of(c), everything), "self via cross path");
}

TEST_P(AttentionGolden, MatchesPyTorch) {
  const auto& [file, path] = GetParam();
  kernels::ScopedPath scoped(path);
  const GoldenCase c = testing::read_golden(file);
  if (c.meta("op") == "sdpa") {
    check_sdpa(c);
  } else {
    ASSERT_EQ(c.meta("op"), "mha");
    check_mha(c);
  }
}

INSTANTIATE_TEST_SUITE_P(
    AllCases, AttentionGolden,
    ::testing::Combine(::testing::ValuesIn(attention_files()),
                       ::testing::ValuesIn(testing::available_paths())),
    [](const ::testing::TestParamInfo<AttentionGolden::ParamType>& info) {
      std::string name = testing::read_golden(std::get<0>(info.param)).name;
      return name + "_" + testing::path_name(std::get<1>(info.param));
    });

// Guards against a silently empty suite and against losing coverage when the data is regenerated.
TEST(GoldenData, AllCasesPresent) {
  std::vector<std::string> files;
  ASSERT_NO_THROW(files = testing::golden_files("attention")) << ATTNSCOPE_TEST_DATA_DIR;
  ASSERT_GE(files.size(), 19u);
  std::vector<std::string> seen;
  for (const std::string& file : files) {
    const GoldenCase c = testing::read_golden(file);
    seen.push_back(c.meta("op") + "/" + c.meta("mask"));
    if (c.meta("op") == "mha") {
      seen.push_back(std::string("bias/") + c.meta("bias"));
      seen.push_back(std::string("cross/") + c.meta("cross"));
    }
    if (c.meta_size("fully_masked_rows") > 0) seen.push_back(c.meta("op") + "/fully_masked_row");
  }
  for (const char* needed : {"sdpa/none", "sdpa/causal", "sdpa/allowed", "mha/none", "mha/causal",
                             "mha/allowed", "bias/true", "bias/false", "cross/true", "cross/false",
                             "sdpa/fully_masked_row", "mha/fully_masked_row"}) {
    EXPECT_NE(std::find(seen.begin(), seen.end(), needed), seen.end()) << "no golden case for " << needed;
  }
}

}  // namespace
}  // namespace attnscope
