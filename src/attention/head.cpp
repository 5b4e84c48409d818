#include "attention/head.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "attention/streaming.hpp"
#include "util/checks.hpp"
#include "util/error.hpp"
#include "util/parallel.hpp"

namespace attnscope::detail {
namespace {

// Rows per Q·Kᵀ block under a causal mask: smaller blocks skip more of the upper triangle, larger ones
// repack K less often.
constexpr std::size_t kCausalScoreRows = 64;

}  // namespace

float default_scale(std::size_t d_k) { return 1.0f / std::sqrt(static_cast<float>(d_k)); }

kernels::SoftmaxMask softmax_mask_of(MaskKind kind) {
  switch (kind) {
    case MaskKind::causal: return kernels::SoftmaxMask::causal;
    case MaskKind::allowed: return kernels::SoftmaxMask::allowed;
    case MaskKind::none: break;
  }
  return kernels::SoftmaxMask::none;
}

void attend_one_head(StridedInput q, StridedInput k, StridedInput v, const AttentionShape& shape,
                     float scale, const Mask& mask, const HeadDestinations& out, const float* bias) {
  const std::size_t n = shape.n, m = shape.m;
  // Scores land in the caller's `scores` when it keeps them, else directly in `weights`, which the
  // softmax then overwrites in place.
  float* scores = out.scores != nullptr ? out.scores : out.weights;
  if (mask.kind == MaskKind::causal && scores == out.weights && out.scaled == nullptr && bias == nullptr) {
    // Nobody sees these scores but the causal softmax, which reads only the first i + 1 of row i
    // (and zeroes the rest): Q·Kᵀ in row blocks, each up to its last row's kept column, is about
    // half the products at large n.
    for (std::size_t i0 = 0; i0 < n; i0 += kCausalScoreRows) {
      const std::size_t rows = std::min(kCausalScoreRows, n - i0);
      kernels::gemm_nt(rows, std::min(i0 + rows, m), shape.d_k, q.data + i0 * q.ld, q.ld, k.data, k.ld,
                       scores + i0 * m, m);
    }
  } else {
    kernels::gemm_nt(n, m, shape.d_k, q.data, q.ld, k.data, k.ld, scores, m);
  }
  if (bias != nullptr) {
    // scaled = scores·scale + bias, then the softmax of it unscaled. The [n, m] rows are contiguous,
    // so the bias is one "row" of n·m values for add_bias.
    float* scaled = out.scaled != nullptr ? out.scaled : out.weights;
    kernels::scale(n, m, scale, scores, m, scaled, m);
    kernels::add_bias(1, n * m, bias, scaled, n * m);
    kernels::scale_mask_softmax(n, m, 1.0f, scaled, m, out.weights, m, softmax_mask_of(mask.kind),
                                mask.allowed.data(), m);
  } else {
    if (out.scaled != nullptr) kernels::scale(n, m, scale, scores, m, out.scaled, m);
    kernels::scale_mask_softmax(n, m, scale, scores, m, out.weights, m, softmax_mask_of(mask.kind),
                                mask.allowed.data(), m);
  }
  kernels::gemm_nn(n, shape.d_v, m, out.weights, m, v.data, v.ld, out.output, out.ld_output);
}

void stream_one_head(StridedInput q, StridedInput k, StridedInput v, const AttentionShape& shape,
                     float scale, const Mask& mask, float* output, std::size_t ld_output) {
  kernels::OnlineSoftmaxAttentionBlock block;
  block.keys = shape.m;
  block.d_k = shape.d_k;
  block.d_v = shape.d_v;
  block.scale = scale;
  block.k = k.data;
  block.ld_k = k.ld;
  block.v = v.data;
  block.ld_v = v.ld;
  block.mask = softmax_mask_of(mask.kind);
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

void validate_mask(std::string_view where, const Mask& mask, std::size_t n, std::size_t m) {
  switch (mask.kind) {
    case MaskKind::none:
    case MaskKind::causal:
      return;
    case MaskKind::allowed:
      checks::require_length(where, "mask.allowed", mask.allowed.size(),
                             checks::checked_product(where, "mask.allowed", n, m), "[n, m]");
      return;
  }
  throw InvalidArgument(std::string(where) + ": mask.kind is " +
                        std::to_string(static_cast<int>(mask.kind)) +
                        ", expected none (0), causal (1) or allowed (2)");
}

}  // namespace attnscope::detail
