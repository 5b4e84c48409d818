#include "attention/multi_head.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "attention/head.hpp"
#include "attention/streaming.hpp"
#include "kernels/kernels.hpp"
#include "util/checks.hpp"
#include "util/error.hpp"
#include "util/parallel.hpp"

namespace attnscope {
namespace {

constexpr std::string_view kCtor = "MultiHeadAttention";
constexpr std::string_view kForward = "MultiHeadAttention::forward";

void check_weight(std::string_view name, const std::vector<float>& w, std::size_t expected) {
  checks::require_length(kCtor, name, w.size(), expected, "[d_model, d_model]");
  checks::require_finite(kCtor, name, w);
}

void check_bias(std::string_view name, const std::vector<float>& b, std::size_t d_model) {
  if (b.empty()) return;
  checks::require_length(kCtor, name, b.size(), d_model, "[d_model] or empty for no bias");
  checks::require_finite(kCtor, name, b);
}

void optional_length(std::string_view name, std::span<float> buffer, std::size_t expected,
                     std::string_view shape) {
  if (!buffer.empty()) checks::require_length(kForward, name, buffer.size(), expected, shape);
}

// Copies a [rows, cols] strided view into a contiguous destination.
void copy_rows(const float* src, std::size_t ld_src, std::size_t rows, std::size_t cols, float* dst) {
  for (std::size_t r = 0; r < rows; ++r) std::copy_n(src + r * ld_src, cols, dst + r * cols);
}

}  // namespace

MultiHeadAttention::MultiHeadAttention(MultiHeadAttentionParams params) : params_(std::move(params)) {
  const std::size_t d = params_.d_model, h = params_.num_heads;
  checks::require_size(kCtor, "d_model", d);
  checks::require_size(kCtor, "num_heads", h);
  if (d % h != 0) {
    throw InvalidArgument(std::string(kCtor) + ": d_model (" + std::to_string(d) +
                          ") must be divisible by num_heads (" + std::to_string(h) + ")");
  }
  const std::size_t dd = checks::checked_product(kCtor, "d_model x d_model", d, d);
  checks::checked_product(kCtor, "d_model x 3*d_model", d, d, 3);
  check_weight("wq", params_.wq, dd);
  check_weight("wk", params_.wk, dd);
  check_weight("wv", params_.wv, dd);
  check_weight("wo", params_.wo, dd);
  check_bias("bq", params_.bq, d);
  check_bias("bk", params_.bk, d);
  check_bias("bv", params_.bv, d);
  check_bias("bo", params_.bo, d);

  w_qkv_.resize(3 * dd);
  for (std::size_t r = 0; r < d; ++r) {
    float* row = w_qkv_.data() + r * 3 * d;
    std::copy_n(params_.wq.data() + r * d, d, row);
    std::copy_n(params_.wk.data() + r * d, d, row + d);
    std::copy_n(params_.wv.data() + r * d, d, row + 2 * d);
  }
  if (!params_.bq.empty() || !params_.bk.empty() || !params_.bv.empty()) {
    b_qkv_.assign(3 * d, 0.0f);
    std::copy(params_.bq.begin(), params_.bq.end(), b_qkv_.begin());
    std::copy(params_.bk.begin(), params_.bk.end(), b_qkv_.begin() + d);
    std::copy(params_.bv.begin(), params_.bv.end(), b_qkv_.begin() + 2 * d);
  }
  // The separate copies are no longer read; release them.
  for (auto* v : {&params_.wq, &params_.wk, &params_.wv, &params_.bq, &params_.bk, &params_.bv}) {
    std::vector<float>().swap(*v);
  }
}

std::size_t MultiHeadAttention::d_model() const noexcept { return params_.d_model; }
std::size_t MultiHeadAttention::num_heads() const noexcept { return params_.num_heads; }

void MultiHeadAttention::forward(std::span<const float> x, std::size_t n,
                                 std::span<const float> context, std::size_t m, const Mask& mask,
                                 const MultiHeadOutputs& out) {
  const std::size_t d = params_.d_model, h = params_.num_heads, d_head = d / h;

  // ---- validation: everything before the first write ----
  checks::require_size(kForward, "n", n);
  const bool self_attention = context.empty() || (context.data() == x.data() && m == n);
  if (context.empty()) {
    if (m != 0 && m != n) {
      throw InvalidArgument(std::string(kForward) + ": m is " + std::to_string(m) +
                            " with an empty context (self-attention), expected 0 or n (" +
                            std::to_string(n) + ")");
    }
    m = n;
  }
  checks::require_size(kForward, "m", m);
  const std::size_t nd = checks::checked_product(kForward, "x", n, d);
  const std::size_t md = checks::checked_product(kForward, "context", m, d);
  // Without weights or score steps, each head streams (online softmax): no [n, m] buffer at all,
  // so memory stays O((n + m)·d) however long the input, and n·m may exceed one buffer's limit.
  const bool streaming = out.weights.empty() && out.scores.empty() && out.scaled.empty();
  const std::size_t hnm = streaming ? 0 : checks::checked_product(kForward, "weights", h, n, m);
  const std::size_t nm = streaming ? 0 : n * m;
  checks::checked_product(kForward, "projections", std::max(n, m), d, 3);
  checks::require_length(kForward, "x", x.size(), nd, "[n, d_model]");
  if (!context.empty()) checks::require_length(kForward, "context", context.size(), md, "[m, d_model]");
  detail::validate_mask(kForward, mask, n, m);
  checks::require_finite(kForward, "x", x);
  if (!context.empty() && context.data() != x.data()) checks::require_finite(kForward, "context", context);
  checks::require_length(kForward, "out.output", out.output.size(), nd, "[n, d_model]");
  optional_length("out.weights", out.weights, hnm, "[heads, n, m] or empty");
  optional_length("out.heads", out.heads, nd, "[n, d_model] or empty");
  optional_length("out.q", out.q, nd, "[n, d_model] or empty");
  optional_length("out.k", out.k, md, "[m, d_model] or empty");
  optional_length("out.v", out.v, md, "[m, d_model] or empty");
  optional_length("out.scores", out.scores, hnm, "[heads, n, m] or empty");
  optional_length("out.scaled", out.scaled, hnm, "[heads, n, m] or empty");

  // ---- workspace: projections, concatenated heads, one head's weights (each only if needed) ----
  const std::size_t projection_size = self_attention ? n * 3 * d : nd + m * 2 * d;
  const std::size_t heads_size = out.heads.empty() ? nd : 0;
  const std::size_t weights_size = out.weights.empty() ? nm : 0;  // 0 when streaming
  const std::size_t needed = projection_size + heads_size + weights_size;
  if (workspace_.size() < needed) workspace_.resize(needed);  // grows only: warm calls do not allocate
  float* projections = workspace_.data();
  float* heads = out.heads.empty() ? projections + projection_size : out.heads.data();
  float* head_weights_scratch = projections + projection_size + heads_size;

  // ---- Q, K, V projections: one fused GEMM for self-attention, two for cross-attention ----
  detail::StridedInput q_all, k_all, v_all;
  if (self_attention) {
    kernels::gemm_nn(n, 3 * d, d, x.data(), d, w_qkv_.data(), 3 * d, projections, 3 * d);
    if (!b_qkv_.empty()) kernels::add_bias(n, 3 * d, b_qkv_.data(), projections, 3 * d);
    q_all = {projections, 3 * d};
    k_all = {projections + d, 3 * d};
    v_all = {projections + 2 * d, 3 * d};
  } else {
    float* q_proj = projections;
    float* kv_proj = projections + nd;
    kernels::gemm_nn(n, d, d, x.data(), d, w_qkv_.data(), 3 * d, q_proj, d);
    kernels::gemm_nn(m, 2 * d, d, context.data(), d, w_qkv_.data() + d, 3 * d, kv_proj, 2 * d);
    if (!b_qkv_.empty()) {
      kernels::add_bias(n, d, b_qkv_.data(), q_proj, d);
      kernels::add_bias(m, 2 * d, b_qkv_.data() + d, kv_proj, 2 * d);
    }
    q_all = {q_proj, d};
    k_all = {kv_proj, 2 * d};
    v_all = {kv_proj + d, 2 * d};
  }
  if (!out.q.empty()) copy_rows(q_all.data, q_all.ld, n, d, out.q.data());
  if (!out.k.empty()) copy_rows(k_all.data, k_all.ld, m, d, out.k.data());
  if (!out.v.empty()) copy_rows(v_all.data, v_all.ld, m, d, out.v.data());

  // ---- each head on its column slice, written into its columns of `heads` ----
  const AttentionShape head_shape{n, m, d_head, d_head};
  auto one_head = [&](std::size_t i) {
    const std::size_t column = i * d_head;
    if (streaming) {
      detail::stream_one_head({q_all.data + column, q_all.ld}, {k_all.data + column, k_all.ld},
                              {v_all.data + column, v_all.ld}, head_shape, mask, heads + column, d);
      return;
    }
    float* weights = out.weights.empty() ? head_weights_scratch : out.weights.data() + i * nm;
    float* scores = out.scores.empty() ? nullptr : out.scores.data() + i * nm;
    float* scaled = out.scaled.empty() ? nullptr : out.scaled.data() + i * nm;
    detail::attend_one_head({q_all.data + column, q_all.ld}, {k_all.data + column, k_all.ld},
                            {v_all.data + column, v_all.ld}, head_shape, mask,
                            {weights, heads + column, d, scores, scaled});
  };
  // With the weights returned every head writes only its own slices, so the heads run in parallel,
  // each whole on one thread (kernels inside a task do not split further; results are the same as
  // split kernels give). One region per forward instead of one per kernel (36 at 12 heads), and
  // whole heads balance better. Otherwise (a shared weights scratch, or streaming, whose kernel
  // splits its query blocks itself) the heads run in turn.
  if (!streaming && !out.weights.empty()) {
    parallel::parallel_for(h, one_head);
  } else {
    for (std::size_t i = 0; i < h; ++i) one_head(i);
  }

  // ---- concat(heads)·W_O + b_O ----
  kernels::gemm_nn(n, d, d, heads, d, params_.wo.data(), d, out.output.data(), d);
  if (!params_.bo.empty()) kernels::add_bias(n, d, params_.bo.data(), out.output.data(), d);
}

MultiHeadResult MultiHeadAttention::forward(std::span<const float> x, std::size_t n,
                                            std::span<const float> context, std::size_t m,
                                            const Mask& mask, const MultiHeadRequest& request) {
  const std::size_t d = params_.d_model, h = params_.num_heads;
  checks::require_size(kForward, "n", n);
  const std::size_t keys = context.empty() && m == 0 ? n : m;
  checks::require_size(kForward, "m", keys);
  const std::size_t nd = checks::checked_product(kForward, "x", n, d);
  const std::size_t md = checks::checked_product(kForward, "context", keys, d);
  // [heads, n, m] results only when asked for (without them the forward streams, see above).
  const bool square_results = request.weights || request.steps;
  const std::size_t hnm = square_results ? checks::checked_product(kForward, "weights", h, n, keys) : 0;
  // Input lengths before allocating the results (the span overload checks everything else).
  checks::require_length(kForward, "x", x.size(), nd, "[n, d_model]");
  if (!context.empty()) checks::require_length(kForward, "context", context.size(), md, "[m, d_model]");

  MultiHeadResult result;
  result.output.resize(nd);
  if (request.weights) result.weights.resize(hnm);
  if (request.heads) result.heads.resize(nd);
  if (request.steps) {
    result.q.resize(nd);
    result.k.resize(md);
    result.v.resize(md);
    result.scores.resize(hnm);
    result.scaled.resize(hnm);
  }
  forward(x, n, context, m, mask,
          {result.output, result.weights, result.heads, result.q, result.k, result.v, result.scores,
           result.scaled});
  return result;
}

}  // namespace attnscope
