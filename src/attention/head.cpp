#include "attention/head.hpp"

#include <cmath>
#include <string>

#include "kernels/kernels.hpp"
#include "util/checks.hpp"
#include "util/error.hpp"

namespace attnscope::detail {

void attend_one_head(StridedInput q, StridedInput k, StridedInput v, const AttentionShape& shape,
                     const Mask& mask, const HeadDestinations& out) {
  const std::size_t n = shape.n, m = shape.m;
  // Scores land in the caller's `scores` when it keeps them, else directly in `weights`, which the
  // softmax then overwrites in place.
  float* scores = out.scores != nullptr ? out.scores : out.weights;
  kernels::gemm_nt(n, m, shape.d_k, q.data, q.ld, k.data, k.ld, scores, m);

  const float scale = 1.0f / std::sqrt(static_cast<float>(shape.d_k));
  if (out.scaled != nullptr) kernels::scale(n, m, scale, scores, m, out.scaled, m);

  kernels::SoftmaxMask softmax_mask = kernels::SoftmaxMask::none;
  if (mask.kind == MaskKind::causal) softmax_mask = kernels::SoftmaxMask::causal;
  if (mask.kind == MaskKind::allowed) softmax_mask = kernels::SoftmaxMask::allowed;
  kernels::scale_mask_softmax(n, m, scale, scores, m, out.weights, m, softmax_mask,
                              mask.allowed.data(), m);

  kernels::gemm_nn(n, shape.d_v, m, out.weights, m, v.data, v.ld, out.output, out.ld_output);
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
