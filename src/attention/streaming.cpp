#include "attention/streaming.hpp"

#include "util/checks.hpp"

namespace attnscope {
namespace {

constexpr std::string_view kWhere = "streaming_attention";

}  // namespace

void streaming_attention(std::span<const float> q, std::span<const float> k, std::span<const float> v,
                         const AttentionShape& shape, const Mask& mask, std::span<float> output) {
  checks::require_size(kWhere, "shape.n", shape.n);
  checks::require_size(kWhere, "shape.m", shape.m);
  checks::require_size(kWhere, "shape.d_k", shape.d_k);
  checks::require_size(kWhere, "shape.d_v", shape.d_v);
  checks::require_length(kWhere, "q", q.size(), checks::checked_product(kWhere, "q", shape.n, shape.d_k), "[n, d_k]");
  checks::require_length(kWhere, "k", k.size(), checks::checked_product(kWhere, "k", shape.m, shape.d_k), "[m, d_k]");
  checks::require_length(kWhere, "v", v.size(), checks::checked_product(kWhere, "v", shape.m, shape.d_v), "[m, d_v]");
  checks::require_length(kWhere, "output", output.size(),
                         checks::checked_product(kWhere, "output", shape.n, shape.d_v), "[n, d_v]");
  detail::validate_mask(kWhere, mask, shape.n, shape.m);
  checks::require_finite(kWhere, "q", q);
  checks::require_finite(kWhere, "k", k);
  checks::require_finite(kWhere, "v", v);
  detail::stream_one_head({q.data(), shape.d_k}, {k.data(), shape.d_k}, {v.data(), shape.d_v}, shape,
                          detail::default_scale(shape.d_k), mask, output.data(), shape.d_v);
}

std::vector<float> streaming_attention(std::span<const float> q, std::span<const float> k,
                                       std::span<const float> v, const AttentionShape& shape,
                                       const Mask& mask) {
  checks::require_size(kWhere, "shape.n", shape.n);
  checks::require_size(kWhere, "shape.d_v", shape.d_v);
  std::vector<float> output(checks::checked_product(kWhere, "output", shape.n, shape.d_v));
  streaming_attention(q, k, v, shape, mask, output);
  return output;
}

}  // namespace attnscope
