#include "attention/scaled_dot_product.hpp"

#include "attention/head.hpp"
#include "util/checks.hpp"

namespace attnscope {
namespace {

constexpr std::string_view kWhere = "scaled_dot_product_attention";

// Sizes of every buffer, validated (throws on zero sizes and overflowing products).
struct CheckedSizes {
  std::size_t q, k, v, output, weights;
};

CheckedSizes checked_sizes(const AttentionShape& shape) {
  checks::require_size(kWhere, "shape.n", shape.n);
  checks::require_size(kWhere, "shape.m", shape.m);
  checks::require_size(kWhere, "shape.d_k", shape.d_k);
  checks::require_size(kWhere, "shape.d_v", shape.d_v);
  return {checks::checked_product(kWhere, "q", shape.n, shape.d_k),
          checks::checked_product(kWhere, "k", shape.m, shape.d_k),
          checks::checked_product(kWhere, "v", shape.m, shape.d_v),
          checks::checked_product(kWhere, "output", shape.n, shape.d_v),
          checks::checked_product(kWhere, "weights", shape.n, shape.m)};
}

void check_inputs(std::span<const float> q, std::span<const float> k, std::span<const float> v,
                  const CheckedSizes& sizes, const AttentionShape& shape, const Mask& mask) {
  checks::require_length(kWhere, "q", q.size(), sizes.q, "[n, d_k]");
  checks::require_length(kWhere, "k", k.size(), sizes.k, "[m, d_k]");
  checks::require_length(kWhere, "v", v.size(), sizes.v, "[m, d_v]");
  detail::validate_mask(kWhere, mask, shape.n, shape.m);
  checks::require_finite(kWhere, "q", q);
  checks::require_finite(kWhere, "k", k);
  checks::require_finite(kWhere, "v", v);
}

void optional_length(std::string_view name, std::span<float> buffer, std::size_t expected) {
  if (!buffer.empty()) checks::require_length(kWhere, name, buffer.size(), expected, "[n, m] or empty");
}

}  // namespace

void scaled_dot_product_attention(std::span<const float> q, std::span<const float> k,
                                  std::span<const float> v, const AttentionShape& shape,
                                  const Mask& mask, const AttentionOutputs& out) {
  const CheckedSizes sizes = checked_sizes(shape);
  check_inputs(q, k, v, sizes, shape, mask);
  checks::require_length(kWhere, "out.output", out.output.size(), sizes.output, "[n, d_v]");
  checks::require_length(kWhere, "out.weights", out.weights.size(), sizes.weights, "[n, m]");
  optional_length("out.scores", out.scores, sizes.weights);
  optional_length("out.scaled", out.scaled, sizes.weights);

  detail::attend_one_head({q.data(), shape.d_k}, {k.data(), shape.d_k}, {v.data(), shape.d_v}, shape,
                          detail::default_scale(shape.d_k), mask,
                          {out.weights.data(), out.output.data(), shape.d_v,
                           out.scores.empty() ? nullptr : out.scores.data(),
                           out.scaled.empty() ? nullptr : out.scaled.data()});
}

AttentionResult scaled_dot_product_attention(std::span<const float> q, std::span<const float> k,
                                             std::span<const float> v, const AttentionShape& shape,
                                             const Mask& mask, bool keep_steps) {
  const CheckedSizes sizes = checked_sizes(shape);
  check_inputs(q, k, v, sizes, shape, mask);  // before allocating, so bad sizes never allocate
  AttentionResult result;
  result.output.resize(sizes.output);
  result.weights.resize(sizes.weights);
  if (keep_steps) {
    result.scores.resize(sizes.weights);
    result.scaled.resize(sizes.weights);
  }
  scaled_dot_product_attention(q, k, v, shape, mask,
                               {result.output, result.weights, result.scores, result.scaled});
  return result;
}

}  // namespace attnscope
