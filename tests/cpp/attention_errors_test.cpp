// Every rejected input throws InvalidArgument whose message names the argument and what was
// expected; the objects stay usable afterwards.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "attention/multi_head.hpp"
#include "attention/scaled_dot_product.hpp"
#include "util/checks.hpp"
#include "util/error.hpp"

namespace attnscope {
namespace {

constexpr std::size_t kHuge = std::numeric_limits<std::size_t>::max() / 2 + 1;

// Runs `call`, expects InvalidArgument, and checks the message contains every fragment.
template <class Call>
void expect_invalid(Call call, std::initializer_list<std::string> fragments) {
  try {
    call();
    ADD_FAILURE() << "no exception; expected one mentioning " << *fragments.begin();
  } catch (const InvalidArgument& e) {
    const std::string message = e.what();
    for (const std::string& fragment : fragments) {
      EXPECT_NE(message.find(fragment), std::string::npos) << "message: " << message << "\nlacks: " << fragment;
    }
  } catch (const std::exception& e) {
    ADD_FAILURE() << "wrong exception type: " << e.what();
  }
}

struct SdpaInputs {
  AttentionShape shape{3, 4, 2, 5};
  std::vector<float> q = std::vector<float>(3 * 2, 0.5f);
  std::vector<float> k = std::vector<float>(4 * 2, 0.25f);
  std::vector<float> v = std::vector<float>(4 * 5, 1.0f);
  AttentionResult run(const Mask& mask = Mask::none()) const {
    return scaled_dot_product_attention(q, k, v, shape, mask);
  }
};

TEST(AttentionErrors, ZeroSizesAreNamed) {
  for (auto [field, label] : {std::pair{&AttentionShape::n, "shape.n"}, {&AttentionShape::m, "shape.m"},
                              {&AttentionShape::d_k, "shape.d_k"}, {&AttentionShape::d_v, "shape.d_v"}}) {
    SdpaInputs in;
    in.shape.*field = 0;
    expect_invalid([&] { in.run(); }, {"scaled_dot_product_attention", label, "is 0", "expected 1.."});
  }
}

TEST(AttentionErrors, WrongBufferLengthsNameTheBufferAndExpectedLength) {
  SdpaInputs in;
  in.q.pop_back();
  expect_invalid([&] { in.run(); }, {"q has length 5", "expected 6", "[n, d_k]"});
  in = {};
  in.k.push_back(0.0f);
  expect_invalid([&] { in.run(); }, {"k has length 9", "expected 8", "[m, d_k]"});
  in = {};
  in.v.clear();
  expect_invalid([&] { in.run(); }, {"v has length 0", "expected 20", "[m, d_v]"});
  in = {};
  const std::vector<std::uint8_t> short_mask(11, 1);
  expect_invalid([&] { in.run(Mask::from_allowed(short_mask)); }, {"mask.allowed has length 11", "expected 12"});
}

TEST(AttentionErrors, CallerBuffersAreChecked) {
  SdpaInputs in;
  std::vector<float> output(15), weights(12), small(11);
  expect_invalid([&] { scaled_dot_product_attention(in.q, in.k, in.v, in.shape, {}, {small, weights}); },
                 {"out.output has length 11", "expected 15"});
  expect_invalid([&] { scaled_dot_product_attention(in.q, in.k, in.v, in.shape, {}, {output, small}); },
                 {"out.weights has length 11", "expected 12"});
  expect_invalid(
      [&] { scaled_dot_product_attention(in.q, in.k, in.v, in.shape, {}, {output, weights, small}); },
      {"out.scores has length 11", "expected 12"});
  expect_invalid(
      [&] { scaled_dot_product_attention(in.q, in.k, in.v, in.shape, {}, {output, weights, {}, small}); },
      {"out.scaled has length 11", "expected 12"});
}

TEST(AttentionErrors, OverflowingAndOversizedShapes) {
  SdpaInputs in;
  in.shape = {kHuge, 4, 4, 4};  // n alone exceeds the limit
  expect_invalid([&] { in.run(); }, {"shape.n is", "expected 1.."});
  in.shape = {std::size_t{1} << 20, 4, std::size_t{1} << 20, 4};  // n*d_k overflows the limit
  expect_invalid([&] { in.run(); }, {"q = 1048576 x 1048576", "too large"});
  in.shape = {std::size_t{1} << 27, std::size_t{1} << 27, 1, 1};  // n*m for the weights
  expect_invalid([&] { in.run(); }, {"weights", "too large"});
  EXPECT_THROW(checks::checked_product("t", "x", kHuge, 4, 4), InvalidArgument);
}

TEST(AttentionErrors, NonFiniteInputsNameArgumentAndIndex) {
  SdpaInputs in;
  in.q[5] = std::numeric_limits<float>::quiet_NaN();
  expect_invalid([&] { in.run(); }, {"q[5] is NaN", "expected a finite number"});
  in = {};
  in.k[0] = std::numeric_limits<float>::infinity();
  expect_invalid([&] { in.run(); }, {"k[0] is +Inf"});
  in = {};
  in.v[19] = -std::numeric_limits<float>::infinity();
  expect_invalid([&] { in.run(); }, {"v[19] is -Inf"});
}

TEST(AttentionErrors, UnknownMaskKind) {
  SdpaInputs in;
  Mask bad;
  bad.kind = static_cast<MaskKind>(7);
  expect_invalid([&] { in.run(bad); }, {"mask.kind is 7", "expected none (0), causal (1) or allowed (2)"});
}

MultiHeadAttentionParams valid_params(std::size_t d = 6, std::size_t h = 2, bool bias = true) {
  MultiHeadAttentionParams p;
  p.d_model = d;
  p.num_heads = h;
  for (auto* w : {&p.wq, &p.wk, &p.wv, &p.wo}) {
    w->resize(d * d);
    for (std::size_t i = 0; i < d * d; ++i) (*w)[i] = std::sin(float(i) + float(w - &p.wq));
  }
  if (bias) {
    for (auto* b : {&p.bq, &p.bk, &p.bv, &p.bo}) b->assign(d, 0.1f);
  }
  return p;
}

TEST(MultiHeadErrors, ConstructorNamesTheBadParameter) {
  expect_invalid([] { MultiHeadAttention(valid_params(10, 3)); },
                 {"d_model (10) must be divisible by num_heads (3)"});
  auto p = valid_params();
  p.d_model = 0;
  expect_invalid([&] { MultiHeadAttention{p}; }, {"MultiHeadAttention", "d_model is 0"});
  p = valid_params();
  p.num_heads = 0;
  expect_invalid([&] { MultiHeadAttention{p}; }, {"num_heads is 0"});
  p = valid_params();
  p.wk.pop_back();
  expect_invalid([&] { MultiHeadAttention{p}; }, {"wk has length 35", "expected 36", "[d_model, d_model]"});
  p = valid_params();
  p.bv.resize(5);
  expect_invalid([&] { MultiHeadAttention{p}; }, {"bv has length 5", "expected 6", "or empty"});
  p = valid_params();
  p.wo[7] = std::numeric_limits<float>::quiet_NaN();
  expect_invalid([&] { MultiHeadAttention{p}; }, {"wo[7] is NaN"});
  p = valid_params();
  p.bo[2] = std::numeric_limits<float>::infinity();
  expect_invalid([&] { MultiHeadAttention{p}; }, {"bo[2] is +Inf"});
  p = valid_params();
  p.d_model = std::size_t{1} << 16;  // d*d*3 exceeds the element limit before any length check
  p.num_heads = 1;
  expect_invalid([&] { MultiHeadAttention{p}; }, {"too large"});
}

TEST(MultiHeadErrors, ForwardNamesTheBadArgumentAndStaysUsable) {
  MultiHeadAttention attention(valid_params());
  const std::vector<float> x(4 * 6, 0.3f), context(5 * 6, -0.2f);
  const MultiHeadResult before = attention.forward(x, 4, context, 5, Mask::none());

  expect_invalid([&] { attention.forward(x, 0, {}, 0, Mask::none()); }, {"forward", "n is 0"});
  expect_invalid([&] { attention.forward(x, 3, {}, 0, Mask::none()); }, {"x has length 24", "expected 18"});
  expect_invalid([&] { attention.forward(x, 4, context, 4, Mask::none()); },
                 {"context has length 30", "expected 24", "[m, d_model]"});
  expect_invalid([&] { attention.forward(x, 4, {}, 5, Mask::none()); },
                 {"m is 5 with an empty context", "expected 0 or n (4)"});
  expect_invalid([&] { attention.forward(x, 4, context, kHuge, Mask::none()); }, {"m is"});
  const std::vector<std::uint8_t> mask(4 * 4, 1);
  expect_invalid([&] { attention.forward(x, 4, context, 5, Mask::from_allowed(mask)); },
                 {"mask.allowed has length 16", "expected 20"});
  std::vector<float> bad_context = context;
  bad_context[29] = -std::numeric_limits<float>::infinity();
  expect_invalid([&] { attention.forward(x, 4, bad_context, 5, Mask::none()); }, {"context[29] is -Inf"});
  std::vector<float> bad_x = x;
  bad_x[3] = std::numeric_limits<float>::quiet_NaN();
  expect_invalid([&] { attention.forward(bad_x, 4, {}, 0, Mask::causal()); }, {"x[3] is NaN"});

  std::vector<float> output(24), wrong(7);
  expect_invalid([&] { attention.forward(x, 4, context, 5, Mask::none(), MultiHeadOutputs{wrong}); },
                 {"out.output has length 7", "expected 24"});
  MultiHeadOutputs outs{output};
  outs.weights = wrong;
  expect_invalid([&] { attention.forward(x, 4, context, 5, Mask::none(), outs); },
                 {"out.weights has length 7", "expected 40", "[heads, n, m]"});
  outs = {output};
  outs.k = wrong;
  expect_invalid([&] { attention.forward(x, 4, context, 5, Mask::none(), outs); },
                 {"out.k has length 7", "expected 30"});
  outs = {output};
  outs.scaled = wrong;
  expect_invalid([&] { attention.forward(x, 4, context, 5, Mask::none(), outs); },
                 {"out.scaled has length 7", "expected 40"});

  const MultiHeadResult after = attention.forward(x, 4, context, 5, Mask::none());
  EXPECT_EQ(after.output, before.output);
  EXPECT_EQ(after.weights, before.weights);
}

}  // namespace
}  // namespace attnscope
