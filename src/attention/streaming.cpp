#include "attention/streaming.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/f32_online_softmax_kernel.hpp"
#include "kernels/kernels.hpp"
#include "util/checks.hpp"

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
  const std::size_t br = std::min(kStreamQueryBlock, shape.n);
  const std::size_t bc = std::min(kStreamKeyBlock, shape.m);
  // Per call, O(block) memory: the score tile and the running max / sum of its rows.
  std::vector<float> tile(br * bc), row_max(br), row_sum(br);
  const float scale = 1.0f / std::sqrt(static_cast<float>(shape.d_k));
  const kernels::SoftmaxMask kind = softmax_mask(mask.kind);

  for (std::size_t i0 = 0; i0 < shape.n; i0 += br) {
    const std::size_t rows = std::min(br, shape.n - i0);
    float* out_block = output + i0 * ld_output;
    for (std::size_t i = 0; i < rows; ++i) std::fill_n(out_block + i * ld_output, shape.d_v, 0.0f);
    std::fill_n(row_max.begin(), rows, -std::numeric_limits<float>::infinity());
    std::fill_n(row_sum.begin(), rows, 0.0f);
    // Causal: keys after the block's last query are masked for every row, so stop there.
    const std::size_t key_end =
        kind == kernels::SoftmaxMask::causal ? std::min(shape.m, i0 + rows) : shape.m;
    for (std::size_t j0 = 0; j0 < key_end; j0 += bc) {
      const std::size_t cols = std::min(bc, key_end - j0);
      kernels::gemm_nt(rows, cols, shape.d_k, q.data + i0 * q.ld, q.ld, k.data + j0 * k.ld, k.ld,
                       tile.data(), bc);
      kernels::OnlineSoftmaxBlock block;
      block.rows = rows;
      block.cols = cols;
      block.scale = scale;
      block.scores = tile.data();
      block.ld_scores = bc;
      block.row_max = row_max.data();
      block.row_sum = row_sum.data();
      block.acc = out_block;
      block.ld_acc = ld_output;
      block.acc_cols = shape.d_v;
      block.mask = kind;
      block.row0 = i0;
      block.col0 = j0;
      if (kind == kernels::SoftmaxMask::allowed) {
        block.allowed = mask.allowed.data() + i0 * shape.m + j0;
        block.ld_allowed = shape.m;
      }
      kernels::online_softmax_block(block);
      kernels::gemm_nn(rows, shape.d_v, cols, tile.data(), bc, v.data + j0 * v.ld, v.ld, out_block,
                       ld_output, /*accumulate=*/true);
    }
    for (std::size_t i = 0; i < rows; ++i) {  // normalise; an all-masked row (sum 0) stays zero
      if (row_sum[i] == 0.0f) continue;
      const float inv = 1.0f / row_sum[i];
      float* o = out_block + i * ld_output;
      for (std::size_t c = 0; c < shape.d_v; ++c) o[c] *= inv;
    }
  }
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
