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

void MultiHeadAttention::set_shape(std::size_t num_kv_heads, std::size_t d_head, float scale) {
  const std::size_t d = d_model_, h = num_heads_;
  checks::require_size(kCtor, "d_model", d);
  checks::require_size(kCtor, "num_heads", h);
  num_kv_heads_ = num_kv_heads == 0 ? h : num_kv_heads;
  if (d_head == 0 && d % h != 0) {
    throw InvalidArgument(std::string(kCtor) + ": d_model (" + std::to_string(d) +
                          ") must be divisible by num_heads (" + std::to_string(h) + ")");
  }
  d_head_ = d_head == 0 ? d / h : d_head;
  checks::require_size(kCtor, "d_head", d_head_);
  if (h % num_kv_heads_ != 0) {
    throw InvalidArgument(std::string(kCtor) + ": " + count_text("num_kv_heads", num_kv_heads_) +
                          " must divide " + count_text("num_heads", h));
  }
  if (!(scale >= 0.0f) || scale > 1e6f) {
    throw InvalidArgument(std::string(kCtor) + ": scale must be 0 (1/sqrt(d_head)) or a finite positive number");
  }
  scale_ = scale == 0.0f ? detail::default_scale(d_head_) : scale;
  const std::size_t qw = checks::checked_product(kCtor, "num_heads x d_head", h, d_head_);
  const std::size_t kvw = checks::checked_product(kCtor, "num_kv_heads x d_head", num_kv_heads_, d_head_);
  checks::checked_product(kCtor, "d_model x (q + k + v width)", d, qw + 2 * kvw);
}

void MultiHeadAttention::set_biases(std::vector<float> bq, std::vector<float> bk, std::vector<float> bv,
                                    std::vector<float> bo) {
  const std::size_t qw = q_width(), kvw = kv_width();
  if (!bq.empty() || !bk.empty() || !bv.empty()) {
    b_qkv_.assign(qw + 2 * kvw, 0.0f);
    std::copy(bq.begin(), bq.end(), b_qkv_.begin());
    std::copy(bk.begin(), bk.end(), b_qkv_.begin() + static_cast<std::ptrdiff_t>(qw));
    std::copy(bv.begin(), bv.end(), b_qkv_.begin() + static_cast<std::ptrdiff_t>(qw + kvw));
  }
  b_o_ = std::move(bo);
}

MultiHeadAttention::MultiHeadAttention(MultiHeadAttentionParams p)
    : d_model_(p.d_model), num_heads_(p.num_heads) {
  set_shape(p.num_kv_heads, p.d_head, p.scale);
  const std::size_t d = d_model_, h = num_heads_;
  // The textbook shape is named as such in messages; grouped or wide heads name their widths.
  const bool square = num_kv_heads_ == h && h * d_head_ == d;
  const std::size_t qw = q_width(), kvw = kv_width(), all = qw + 2 * kvw;
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

  std::vector<float> w_qkv(d * all);
  for (std::size_t r = 0; r < d; ++r) {
    float* row = w_qkv.data() + r * all;
    std::copy_n(p.wq.data() + r * qw, qw, row);
    std::copy_n(p.wk.data() + r * kvw, kvw, row + qw);
    std::copy_n(p.wv.data() + r * kvw, kvw, row + qw + kvw);
  }
  qkv_ = WeightMatrix::from_floats(std::move(w_qkv), kernels::WeightLayout::in_out, d, all);
  q_ = qkv_.output_slice(0, qw);
  k_ = qkv_.output_slice(qw, kvw);
  v_ = qkv_.output_slice(qw + kvw, kvw);
  o_ = WeightMatrix::from_floats(std::move(p.wo), kernels::WeightLayout::in_out, qw, d);
  set_biases(std::move(p.bq), std::move(p.bk), std::move(p.bv), std::move(p.bo));
}

MultiHeadAttention::MultiHeadAttention(StoredAttentionWeights w) : d_model_(w.d_model), num_heads_(w.num_heads) {
  set_shape(w.num_kv_heads, w.d_head, w.scale);
  const std::size_t d = d_model_, qw = q_width(), kvw = kv_width();
  auto check = [&](const char* name, const WeightMatrix& m, std::size_t inputs, std::size_t outputs) {
    if (m.inputs() != inputs || m.outputs() != outputs) {
      throw InvalidArgument(std::string(kCtor) + ": " + name + " maps " + std::to_string(m.inputs()) + " to " +
                            std::to_string(m.outputs()) + " values, expected " + std::to_string(inputs) +
                            " to " + std::to_string(outputs));
    }
  };
  if (!w.qkv.empty()) {
    check("qkv", w.qkv, d, qw + 2 * kvw);
    qkv_ = std::move(w.qkv);
    q_ = qkv_.output_slice(0, qw);
    k_ = qkv_.output_slice(qw, kvw);
    v_ = qkv_.output_slice(qw + kvw, kvw);
  } else {
    q_ = std::move(w.q);
    k_ = std::move(w.k);
    v_ = std::move(w.v);
  }
  check("q", q_, d, qw);
  check("k", k_, d, kvw);
  check("v", v_, d, kvw);
  check("o", w.o, qw, d);
  o_ = std::move(w.o);
  auto check_vector = [&](const char* name, const std::vector<float>& b, std::size_t size) {
    if (!b.empty()) checks::require_length(kCtor, name, b.size(), size, "its width or empty");
  };
  check_vector("bq", w.bq, qw);
  check_vector("bk", w.bk, kvw);
  check_vector("bv", w.bv, kvw);
  check_vector("bo", w.bo, d);
  check_vector("q_norm", w.q_norm, d_head_);
  check_vector("k_norm", w.k_norm, d_head_);
  set_biases(std::move(w.bq), std::move(w.bk), std::move(w.bv), std::move(w.bo));
  q_norm_ = std::move(w.q_norm);
  k_norm_ = std::move(w.k_norm);
  norm_eps_ = w.norm_eps;
}

void MultiHeadAttention::transform_queries_keys(float* q, std::size_t ld_q, std::size_t n, float* k,
                                                std::size_t ld_k, std::size_t m,
                                                const RotaryTables& rotary) const {
  const std::size_t dh = d_head_;
  // RMSNorm over each head's columns: the kernel normalises rows, so each head's column block is a
  // [rows, d_head] matrix with the projection's leading dimension.
  if (!q_norm_.empty()) {
    for (std::size_t h = 0; h < num_heads_; ++h) {
      kernels::rms_norm(n, dh, q + h * dh, ld_q, q_norm_.data(), norm_eps_, q + h * dh, ld_q);
    }
  }
  if (!k_norm_.empty()) {
    for (std::size_t g = 0; g < num_kv_heads_; ++g) {
      kernels::rms_norm(m, dh, k + g * dh, ld_k, k_norm_.data(), norm_eps_, k + g * dh, ld_k);
    }
  }
  if (rotary.rotary_dim != 0) {
    kernels::rotary(n, num_heads_, dh, rotary.rotary_dim, q, ld_q, rotary.cos, rotary.sin);
    kernels::rotary(m, num_kv_heads_, dh, rotary.rotary_dim, k, ld_k, rotary.cos, rotary.sin);
  }
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
                                 const MultiHeadOutputs& out, AttentionWorkspace& workspace,
                                 const RotaryTables& rotary, std::span<const float> bias) const {
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
  if (!bias.empty()) {
    checks::require_length(kForward, "bias", bias.size(), checks::checked_product(kForward, "bias", h, n, m),
                           "[heads, n, m] or empty");
    checks::require_finite(kForward, "bias", bias);
  }
  if (rotary.rotary_dim != 0) {
    if (!self_attention) throw InvalidArgument(std::string(kForward) + ": rotary tables need self-attention");
    if (rotary.rows < n || rotary.cos == nullptr || rotary.sin == nullptr || rotary.rotary_dim % 2 != 0 ||
        rotary.rotary_dim > d_head_) {
      throw InvalidArgument(std::string(kForward) + ": rotary tables must have n (" + std::to_string(n) +
                            ") rows and an even rotary_dim of at most d_head (" + std::to_string(d_head_) + ")");
    }
  }
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

  if (!out.head_factors.empty()) {
    checks::require_length(kForward, "out.head_factors", out.head_factors.size(), h, "[num_heads] or empty");
    checks::require_finite(kForward, "out.head_factors", out.head_factors);
  }

  // ---- workspace: projections and concatenated heads (each only if needed) ----
  const std::size_t all = qw + 2 * kvw;
  const std::size_t projection_size = self_attention ? n * all : n_qw + 2 * m_kvw;
  const std::size_t heads_size = out.heads.empty() ? n_qw : 0;
  const std::size_t needed = projection_size + heads_size;
  if (workspace.buffer.size() < needed) workspace.buffer.resize(needed);  // grows only
  float* projections = workspace.buffer.data();
  float* heads = out.heads.empty() ? projections + projection_size : out.heads.data();

  // ---- Q, K, V projections: one fused GEMM where the weights are fused, else one per projection ----
  float *q_proj = projections, *k_proj = nullptr, *v_proj = nullptr;
  std::size_t ld_q = all, ld_kv = all;
  if (self_attention) {
    k_proj = projections + qw;
    v_proj = projections + qw + kvw;
    if (!qkv_.empty()) {
      qkv_.apply(n, x.data(), d, projections, all);
    } else {
      q_.apply(n, x.data(), d, q_proj, all);
      k_.apply(n, x.data(), d, k_proj, all);
      v_.apply(n, x.data(), d, v_proj, all);
    }
    if (!b_qkv_.empty()) kernels::add_bias(n, all, b_qkv_.data(), projections, all);
  } else {
    ld_q = qw;
    ld_kv = 2 * kvw;
    k_proj = projections + n_qw;
    v_proj = k_proj + kvw;
    q_.apply(n, x.data(), d, q_proj, ld_q);
    k_.apply(m, context.data(), d, k_proj, ld_kv);
    v_.apply(m, context.data(), d, v_proj, ld_kv);
    if (!b_qkv_.empty()) {
      kernels::add_bias(n, qw, b_qkv_.data(), q_proj, ld_q);
      kernels::add_bias(m, 2 * kvw, b_qkv_.data() + qw, k_proj, ld_kv);
    }
  }
  transform_queries_keys(q_proj, ld_q, n, k_proj, ld_kv, m, rotary);
  const detail::HeadInputs in{{q_proj, ld_q}, {k_proj, ld_kv}, {v_proj, ld_kv}, bias.empty() ? nullptr : bias.data()};
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
  head_out.head_factors = out.head_factors.empty() ? nullptr : out.head_factors.data();
  detail::attend_heads(layout, in, mask, o_, head_out, workspace.scratch);

  // ---- concat(heads)·W_O + b_O ----
  o_.apply(n, heads, qw, out.output.data(), d);
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
