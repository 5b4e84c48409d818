#include "attention/multi_head.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "attention/head.hpp"
#include "attention/heads.hpp"
#include "kernels/kernels.hpp"
#include "util/checks.hpp"
#include "util/error.hpp"

namespace attnscope {
namespace {

constexpr std::string_view kCtor = "MultiHeadAttention";
constexpr std::string_view kForward = "MultiHeadAttention::forward";

void check_weight(std::string_view name, const std::vector<float>& w, std::size_t expected,
                  std::string_view shape) {
  checks::require_length(kCtor, name, w.size(), expected, shape);
  checks::require_finite(kCtor, name, w);
}

void check_bias(std::string_view name, const std::vector<float>& b, std::size_t expected,
                std::string_view shape) {
  if (b.empty()) return;
  checks::require_length(kCtor, name, b.size(), expected, shape);
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

std::string count_text(std::string_view name, std::size_t value) {
  return std::string(name) + " (" + std::to_string(value) + ")";
}

}  // namespace

MultiHeadAttention::MultiHeadAttention(MultiHeadAttentionParams p)
    : d_model_(p.d_model), num_heads_(p.num_heads) {
  const std::size_t d = d_model_, h = num_heads_;
  checks::require_size(kCtor, "d_model", d);
  checks::require_size(kCtor, "num_heads", h);
  num_kv_heads_ = p.num_kv_heads == 0 ? h : p.num_kv_heads;
  if (p.d_head == 0 && d % h != 0) {
    throw InvalidArgument(std::string(kCtor) + ": d_model (" + std::to_string(d) +
                          ") must be divisible by num_heads (" + std::to_string(h) + ")");
  }
  d_head_ = p.d_head == 0 ? d / h : p.d_head;
  checks::require_size(kCtor, "d_head", d_head_);
  if (h % num_kv_heads_ != 0) {
    throw InvalidArgument(std::string(kCtor) + ": " + count_text("num_kv_heads", num_kv_heads_) +
                          " must divide " + count_text("num_heads", h));
  }
  if (!(p.scale >= 0.0f) || p.scale > 1e6f) {
    throw InvalidArgument(std::string(kCtor) + ": scale must be 0 (1/sqrt(d_head)) or a finite positive number");
  }
  scale_ = p.scale == 0.0f ? detail::default_scale(d_head_) : p.scale;

  // The textbook shape is named as such in messages; grouped or wide heads name their widths.
  const bool square = num_kv_heads_ == h && h * d_head_ == d;
  const std::size_t qw = checks::checked_product(kCtor, "num_heads x d_head", h, d_head_);
  const std::size_t kvw = checks::checked_product(kCtor, "num_kv_heads x d_head", num_kv_heads_, d_head_);
  const std::size_t all = qw + 2 * kvw;
  checks::checked_product(kCtor, "d_model x (q + k + v width)", d, all);
  check_weight("wq", p.wq, checks::checked_product(kCtor, "wq", d, qw),
               square ? "[d_model, d_model]" : "[d_model, num_heads*d_head]");
  check_weight("wk", p.wk, checks::checked_product(kCtor, "wk", d, kvw),
               square ? "[d_model, d_model]" : "[d_model, num_kv_heads*d_head]");
  check_weight("wv", p.wv, d * kvw, square ? "[d_model, d_model]" : "[d_model, num_kv_heads*d_head]");
  check_weight("wo", p.wo, checks::checked_product(kCtor, "wo", qw, d),
               square ? "[d_model, d_model]" : "[num_heads*d_head, d_model]");
  const char* q_bias = square ? "[d_model] or empty for no bias" : "[num_heads*d_head] or empty for no bias";
  const char* kv_bias = square ? "[d_model] or empty for no bias" : "[num_kv_heads*d_head] or empty for no bias";
  check_bias("bq", p.bq, qw, q_bias);
  check_bias("bk", p.bk, kvw, kv_bias);
  check_bias("bv", p.bv, kvw, kv_bias);
  check_bias("bo", p.bo, d, "[d_model] or empty for no bias");

  w_qkv_.resize(d * all);
  for (std::size_t r = 0; r < d; ++r) {
    float* row = w_qkv_.data() + r * all;
    std::copy_n(p.wq.data() + r * qw, qw, row);
    std::copy_n(p.wk.data() + r * kvw, kvw, row + qw);
    std::copy_n(p.wv.data() + r * kvw, kvw, row + qw + kvw);
  }
  if (!p.bq.empty() || !p.bk.empty() || !p.bv.empty()) {
    b_qkv_.assign(all, 0.0f);
    std::copy(p.bq.begin(), p.bq.end(), b_qkv_.begin());
    std::copy(p.bk.begin(), p.bk.end(), b_qkv_.begin() + qw);
    std::copy(p.bv.begin(), p.bv.end(), b_qkv_.begin() + qw + kvw);
  }
  w_o_ = std::move(p.wo);
  b_o_ = std::move(p.bo);
}

std::size_t MultiHeadAttention::d_model() const noexcept { return d_model_; }
std::size_t MultiHeadAttention::num_heads() const noexcept { return num_heads_; }
std::size_t MultiHeadAttention::num_kv_heads() const noexcept { return num_kv_heads_; }
std::size_t MultiHeadAttention::d_head() const noexcept { return d_head_; }
float MultiHeadAttention::scale() const noexcept { return scale_; }

void MultiHeadAttention::forward(std::span<const float> x, std::size_t n,
                                 std::span<const float> context, std::size_t m, const Mask& mask,
                                 const MultiHeadOutputs& out) {
  forward(x, n, context, m, mask, out, workspace_);
}

void MultiHeadAttention::forward(std::span<const float> x, std::size_t n,
                                 std::span<const float> context, std::size_t m, const Mask& mask,
                                 const MultiHeadOutputs& out, AttentionWorkspace& workspace) const {
  const std::size_t d = d_model_, h = num_heads_, qw = q_width(), kvw = kv_width();

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
  const std::size_t n_qw = checks::checked_product(kForward, "q", n, qw);
  const std::size_t m_kvw = checks::checked_product(kForward, "k", m, kvw);
  const bool stepped = !out.scores.empty() || !out.scaled.empty();
  const std::size_t steps_count = out.steps_count == 0 ? h : out.steps_count;
  if (stepped && (out.steps_first >= h || steps_count > h - out.steps_first)) {
    throw InvalidArgument(std::string(kForward) + ": steps heads [" + std::to_string(out.steps_first) +
                          ", " + std::to_string(out.steps_first + steps_count) + ") are outside [0, " +
                          std::to_string(h) + ")");
  }
  // Without weights or score steps, each head streams (online softmax): no [n, m] buffer at all,
  // so memory stays O((n + m)·d) however long the input, and n·m may exceed one buffer's limit.
  const bool streaming = out.weights.empty() && !stepped;
  const std::size_t hnm = streaming ? 0 : checks::checked_product(kForward, "weights", h, n, m);
  const std::size_t steps_nm = stepped ? checks::checked_product(kForward, "scores", steps_count, n, m) : 0;
  checks::checked_product(kForward, "projections", std::max(n, m), qw + 2 * kvw);
  checks::require_length(kForward, "x", x.size(), nd, "[n, d_model]");
  if (!context.empty()) checks::require_length(kForward, "context", context.size(), md, "[m, d_model]");
  detail::validate_mask(kForward, mask, n, m);
  checks::require_finite(kForward, "x", x);
  if (!context.empty() && context.data() != x.data()) checks::require_finite(kForward, "context", context);
  checks::require_length(kForward, "out.output", out.output.size(), nd, "[n, d_model]");
  optional_length("out.weights", out.weights, hnm, "[heads, n, m] or empty");
  optional_length("out.heads", out.heads, n_qw, "[n, num_heads*d_head] or empty");
  optional_length("out.q", out.q, n_qw, "[n, num_heads*d_head] or empty");
  optional_length("out.k", out.k, m_kvw, "[m, num_kv_heads*d_head] or empty");
  optional_length("out.v", out.v, m_kvw, "[m, num_kv_heads*d_head] or empty");
  optional_length("out.scores", out.scores, steps_nm, "[step heads, n, m] or empty");
  optional_length("out.scaled", out.scaled, steps_nm, "[step heads, n, m] or empty");
  optional_length("out.value_norms", out.value_norms, checks::checked_product(kForward, "value_norms", h, m),
                  "[heads, m] or empty");

  // ---- workspace: projections and concatenated heads (each only if needed) ----
  const std::size_t all = qw + 2 * kvw;
  const std::size_t projection_size = self_attention ? n * all : n_qw + 2 * m_kvw;
  const std::size_t heads_size = out.heads.empty() ? n_qw : 0;
  const std::size_t needed = projection_size + heads_size;
  if (workspace.buffer.size() < needed) workspace.buffer.resize(needed);  // grows only
  float* projections = workspace.buffer.data();
  float* heads = out.heads.empty() ? projections + projection_size : out.heads.data();

  // ---- Q, K, V projections: one fused GEMM for self-attention, two for cross-attention ----
  detail::HeadInputs in;
  if (self_attention) {
    kernels::gemm_nn(n, all, d, x.data(), d, w_qkv_.data(), all, projections, all);
    if (!b_qkv_.empty()) kernels::add_bias(n, all, b_qkv_.data(), projections, all);
    in = {{projections, all}, {projections + qw, all}, {projections + qw + kvw, all}};
  } else {
    float* q_proj = projections;
    float* kv_proj = projections + n_qw;
    kernels::gemm_nn(n, qw, d, x.data(), d, w_qkv_.data(), all, q_proj, qw);
    kernels::gemm_nn(m, 2 * kvw, d, context.data(), d, w_qkv_.data() + qw, all, kv_proj, 2 * kvw);
    if (!b_qkv_.empty()) {
      kernels::add_bias(n, qw, b_qkv_.data(), q_proj, qw);
      kernels::add_bias(m, 2 * kvw, b_qkv_.data() + qw, kv_proj, 2 * kvw);
    }
    in = {{q_proj, qw}, {kv_proj, 2 * kvw}, {kv_proj + kvw, 2 * kvw}};
  }
  if (!out.q.empty()) copy_rows(in.q.data, in.q.ld, n, qw, out.q.data());
  if (!out.k.empty()) copy_rows(in.k.data, in.k.ld, m, kvw, out.k.data());
  if (!out.v.empty()) copy_rows(in.v.data, in.v.ld, m, kvw, out.v.data());

  // ---- every head (attention/heads.hpp), written into its columns of `heads` ----
  const detail::HeadLayout layout{n, m, h, num_kv_heads_, d_head_, d_head_, scale_};
  detail::HeadOutputs head_out;
  head_out.heads = heads;
  head_out.ld_heads = qw;
  head_out.weights = out.weights.empty() ? nullptr : out.weights.data();
  head_out.steps_first = out.steps_first;
  head_out.steps_count = stepped ? steps_count : 0;
  head_out.scores = out.scores.empty() ? nullptr : out.scores.data();
  head_out.scaled = out.scaled.empty() ? nullptr : out.scaled.data();
  head_out.value_norms = out.value_norms.empty() ? nullptr : out.value_norms.data();
  detail::attend_heads(layout, in, mask, {w_o_.data(), d}, head_out, workspace.scratch);

  // ---- concat(heads)·W_O + b_O ----
  kernels::gemm_nn(n, d, qw, heads, qw, w_o_.data(), d, out.output.data(), d);
  if (!b_o_.empty()) kernels::add_bias(n, d, b_o_.data(), out.output.data(), d);
}

MultiHeadResult MultiHeadAttention::forward(std::span<const float> x, std::size_t n,
                                            std::span<const float> context, std::size_t m,
                                            const Mask& mask, const MultiHeadRequest& request) {
  const std::size_t d = d_model_, h = num_heads_;
  checks::require_size(kForward, "n", n);
  const std::size_t keys = context.empty() && m == 0 ? n : m;
  checks::require_size(kForward, "m", keys);
  const std::size_t nd = checks::checked_product(kForward, "x", n, d);
  const std::size_t md = checks::checked_product(kForward, "context", keys, d);
  const std::size_t n_qw = checks::checked_product(kForward, "q", n, q_width());
  const std::size_t m_kvw = checks::checked_product(kForward, "k", keys, kv_width());
  // [heads, n, m] results only when asked for (without them the forward streams, see above).
  const bool square_results = request.weights || request.steps;
  const std::size_t hnm = square_results ? checks::checked_product(kForward, "weights", h, n, keys) : 0;
  // Input lengths before allocating the results (the span overload checks everything else).
  checks::require_length(kForward, "x", x.size(), nd, "[n, d_model]");
  if (!context.empty()) checks::require_length(kForward, "context", context.size(), md, "[m, d_model]");

  MultiHeadResult result;
  result.output.resize(nd);
  if (request.weights) result.weights.resize(hnm);
  if (request.heads) result.heads.resize(n_qw);
  if (request.steps) {
    result.q.resize(n_qw);
    result.k.resize(m_kvw);
    result.v.resize(m_kvw);
    result.scores.resize(hnm);
    result.scaled.resize(hnm);
  }
  if (request.value_norms) result.value_norms.resize(checks::checked_product(kForward, "value_norms", h, keys));
  MultiHeadOutputs outs{result.output, result.weights, result.heads, result.q, result.k, result.v,
                        result.scores, result.scaled};
  outs.value_norms = result.value_norms;
  forward(x, n, context, m, mask, outs);
  return result;
}

}  // namespace attnscope
