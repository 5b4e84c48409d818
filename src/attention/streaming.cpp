#include "attention/streaming.hpp"

#include <algorithm>
#include <cmath>

#include "kernels/kernels.hpp"
#include "util/checks.hpp"
#include "util/parallel.hpp"

namespace attnscope {
namespace {

constexpr std::string_view kWhere = "streaming_attention";

kernels::SoftmaxMask softmax_mask(MaskKind kind) {
  switch (kind) {
    case MaskKind::causal: return kernels::SoftmaxMask::causal;
    case MaskKind::allowed: return kernels::SoftmaxMask::allowed;
    case MaskKind::none: break;
  }
  return kernels::SoftmaxMask::none;
}

}  // namespace

namespace detail {

void stream_one_head(StridedInput q, StridedInput k, StridedInput v, const AttentionShape& shape,
                     const Mask& mask, float* output, std::size_t ld_output) {
  kernels::OnlineSoftmaxAttentionBlock block;
  block.keys = shape.m;
  block.d_k = shape.d_k;
  block.d_v = shape.d_v;
  block.scale = 1.0f / std::sqrt(static_cast<float>(shape.d_k));
  block.k = k.data;
  block.ld_k = k.ld;
  block.v = v.data;
  block.ld_v = v.ld;
  block.mask = softmax_mask(mask.kind);
  block.ld_q = q.ld;
  block.ld_output = ld_output;
  block.ld_allowed = shape.m;
  // Query blocks are independent (each writes its own rows of the output; the kernel's work buffers
  // are thread-local), so they are the unit of parallel work.
  const std::size_t blocks = (shape.n + kStreamQueryBlock - 1) / kStreamQueryBlock;
  parallel::parallel_for(blocks, [&](std::size_t index) {
    const std::size_t i0 = index * kStreamQueryBlock;
    kernels::OnlineSoftmaxAttentionBlock rows = block;
    rows.rows = std::min(kStreamQueryBlock, shape.n - i0);
    rows.row0 = i0;
    rows.q = q.data + i0 * q.ld;
    rows.output = output + i0 * ld_output;
    if (block.mask == kernels::SoftmaxMask::allowed) rows.allowed = mask.allowed.data() + i0 * shape.m;
    kernels::online_softmax_attention(rows);
  });
}

}  // namespace detail

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
                          mask, output.data(), shape.d_v);
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
