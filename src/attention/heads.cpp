#include "attention/heads.hpp"

#include <cmath>

#include "kernels/kernels.hpp"
#include "util/parallel.hpp"

namespace attnscope::detail {
namespace {

// out[j] = ‖row j of v_head·W_O^h‖ for the m rows of a head's values.
void value_norms_of_head(const HeadLayout& layout, StridedInput v_head, const WeightMatrix& w_o_head,
                         float* out) {
  thread_local std::vector<float> transformed;  // per thread: heads may run in parallel
  const std::size_t m = layout.m, d_out = w_o_head.outputs();
  if (transformed.size() < m * d_out) transformed.resize(m * d_out);
  w_o_head.apply(m, v_head.data, v_head.ld, transformed.data(), d_out);
  for (std::size_t j = 0; j < m; ++j) {
    const float* row = transformed.data() + j * d_out;
    double sum = 0.0;
    for (std::size_t c = 0; c < d_out; ++c) sum += static_cast<double>(row[c]) * row[c];
    out[j] = static_cast<float>(std::sqrt(sum));
  }
}

}  // namespace

void attend_heads(const HeadLayout& layout, const HeadInputs& in, const Mask& mask, const WeightMatrix& w_o,
                  const HeadOutputs& out, std::vector<float>& scratch) {
  const std::size_t n = layout.n, m = layout.m, nm = n * m;
  const AttentionShape shape{n, m, layout.d_head, layout.d_value};
  // Without any [n, m] result the heads stream: no matrix at all, memory O((n + m)·d). A bias is
  // itself [n, m] per head, so there is nothing to save and the heads take the matrix path.
  const bool streaming =
      out.weights == nullptr && out.scores == nullptr && out.scaled == nullptr && in.bias == nullptr;
  if (!streaming && out.weights == nullptr && scratch.size() < nm) scratch.resize(nm);

  auto one_head = [&](std::size_t h) {
    const std::size_t g = layout.kv_head_of(h);
    const StridedInput q{in.q.data + h * layout.d_head, in.q.ld};
    const StridedInput k{in.k.data + g * layout.d_head, in.k.ld};
    const StridedInput v{in.v.data + g * layout.d_value, in.v.ld};
    float* head_out = out.heads + h * layout.d_value;
    if (streaming) {
      stream_one_head(q, k, v, shape, layout.scale, mask, head_out, out.ld_heads);
    } else {
      const bool stepped = h >= out.steps_first && h - out.steps_first < out.steps_count;
      const std::size_t step = h - out.steps_first;
      float* weights = out.weights != nullptr ? out.weights + h * nm : scratch.data();
      attend_one_head(q, k, v, shape, layout.scale, mask,
                      {weights, head_out, out.ld_heads,
                       stepped && out.scores != nullptr ? out.scores + step * nm : nullptr,
                       stepped && out.scaled != nullptr ? out.scaled + step * nm : nullptr},
                      in.bias != nullptr ? in.bias + h * nm : nullptr);
    }
    if (out.head_factors != nullptr && out.head_factors[h] != 1.0f) {
      // weights·V is linear in the weights, so scaling the head's output equals scaling its weights first.
      const float factor = out.head_factors[h];
      kernels::scale(n, layout.d_value, factor, head_out, out.ld_heads, head_out, out.ld_heads);
      if (out.weights != nullptr) kernels::scale(n, m, factor, out.weights + h * nm, m, out.weights + h * nm, m);
    }
    if (out.value_norms != nullptr) {
      value_norms_of_head(layout, v, w_o.input_slice(h * layout.d_value, layout.d_value), out.value_norms + h * m);
    }
  };
  // With the weights returned every head writes only its own slices, so the heads run in parallel,
  // each whole on one thread (kernels inside a task do not split further; results are the same as
  // split kernels give): one region per call instead of one per kernel, and whole heads balance
  // better. Otherwise (one shared weights scratch, or streaming, whose kernel splits its query
  // blocks itself) the heads run in turn.
  if (out.weights != nullptr) {
    parallel::parallel_for(layout.num_heads, one_head);
  } else {
    for (std::size_t h = 0; h < layout.num_heads; ++h) one_head(h);
  }
}

}  // namespace attnscope::detail
