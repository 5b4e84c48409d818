#include "model/forward_parts.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "kernels/kernels.hpp"
#include "util/error.hpp"

namespace attnscope::model::detail {
namespace {

namespace k = attnscope::kernels;

std::string range_text(std::size_t count) { return "[0, " + std::to_string(count) + ")"; }

// The head mask and the language-model head's part of a request.
void validate_head_request(const ModelConfig& c, const LmHeadWeights& lm_head, std::size_t n,
                           const ForwardRequest& r) {
  if (!r.head_mask.empty()) {
    const std::size_t expected = c.num_layers * c.num_heads;
    if (r.head_mask.size() != expected) {
      throw InvalidArgument("forward: head_mask has " + std::to_string(r.head_mask.size()) +
                            " factors, expected one per layer and head (" + std::to_string(c.num_layers) +
                            " x " + std::to_string(c.num_heads) + " = " + std::to_string(expected) + ")");
    }
    for (std::size_t i = 0; i < expected; ++i) {
      if (!std::isfinite(r.head_mask[i])) {
        throw InvalidArgument("forward: head_mask[" + std::to_string(i) + "] is not a finite number");
      }
    }
  }
  if (r.top_k == 0 && r.targets.empty()) return;
  if (!lm_head.usable) throw InvalidArgument("forward: cannot predict tokens: " + lm_head.problem);
  if (r.top_k > c.vocab_size) {
    throw InvalidArgument("forward: top_k " + std::to_string(r.top_k) + " is outside [1, " +
                          std::to_string(c.vocab_size) + "] (the vocabulary)");
  }
  if (!r.targets.empty()) {
    if (r.targets.size() != n) {
      throw InvalidArgument("forward: targets has " + std::to_string(r.targets.size()) +
                            " entries, expected one per token (" + std::to_string(n) + ")");
    }
    for (std::size_t i = 0; i < n; ++i) {
      if (r.targets[i] < -1 || r.targets[i] >= static_cast<std::int64_t>(c.vocab_size)) {
        throw InvalidArgument("forward: targets[" + std::to_string(i) + "] = " + std::to_string(r.targets[i]) +
                              " is neither -1 nor in the vocabulary " + range_text(c.vocab_size));
      }
    }
  }
}

}  // namespace

kernels::Activation kernel_activation(Activation a) {
  switch (a) {
    case Activation::gelu_erf: return kernels::Activation::gelu_erf;
    case Activation::gelu_tanh: return kernels::Activation::gelu_tanh;
    case Activation::relu: return kernels::Activation::relu;
    case Activation::silu: return kernels::Activation::silu;
  }
  return kernels::Activation::gelu_erf;
}

static void check_size(std::size_t got, std::size_t expected, const std::string& what) {
  if (got != expected) {
    throw InvalidArgument("TransformerModel: " + what + " has " + std::to_string(got) + " values, expected " +
                          std::to_string(expected));
  }
}

void check_norm(const ModelConfig& c, const NormWeights& norm, const std::string& what) {
  check_size(norm.gamma.size(), c.d_model, what + " norm weight");
  check_size(norm.beta.size(), c.rms_norm ? 0 : c.d_model, what + " norm bias");
}

void check_matrix(const WeightMatrix& m, std::size_t inputs, std::size_t outputs, const std::string& what) {
  if (m.empty() || m.inputs() != inputs || m.outputs() != outputs) {
    throw InvalidArgument("TransformerModel: " + what + " must map " + std::to_string(inputs) + " to " +
                          std::to_string(outputs) + " values");
  }
}

void validate_request(const ModelConfig& c, const LmHeadWeights& lm_head, std::span<const std::int32_t> ids,
                      const ForwardRequest& r) {
  const std::size_t n = ids.size();
  if (n == 0 || n > c.max_tokens()) {
    throw InvalidArgument("forward: ids has " + std::to_string(n) + " tokens, expected 1.." +
                          std::to_string(c.max_tokens()) + " (the model's position table)");
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (ids[i] < 0 || static_cast<std::size_t>(ids[i]) >= c.vocab_size) {
      throw InvalidArgument("forward: ids[" + std::to_string(i) + "] = " + std::to_string(ids[i]) +
                            " is outside the vocabulary " + range_text(c.vocab_size));
    }
  }
  for (std::size_t layer : r.attention_layers) {
    if (layer >= c.num_layers) {
      throw InvalidArgument("forward: attention layer " + std::to_string(layer) + " is outside " +
                            range_text(c.num_layers));
    }
  }
  if (r.steps) {
    if (r.steps->layer >= c.num_layers) {
      throw InvalidArgument("forward: steps layer " + std::to_string(r.steps->layer) + " is outside " +
                            range_text(c.num_layers));
    }
    if (r.steps->head && *r.steps->head >= c.num_heads) {
      throw InvalidArgument("forward: steps head " + std::to_string(*r.steps->head) + " is outside " +
                            range_text(c.num_heads));
    }
  }
  if (!r.attention_mask.empty() && r.attention_mask.size() != n) {
    throw InvalidArgument("forward: attention_mask has " + std::to_string(r.attention_mask.size()) +
                          " entries, expected one per token (" + std::to_string(n) + ")");
  }
  validate_head_request(c, lm_head, n, r);
  if (!r.token_types.empty()) {
    if (r.token_types.size() != n) {
      throw InvalidArgument("forward: token_types has " + std::to_string(r.token_types.size()) +
                            " entries, expected one per token (" + std::to_string(n) + ")");
    }
    if (c.type_vocab_size == 0) {
      throw InvalidArgument(std::string("forward: token types were given, but ") +
                            architecture_name(c.architecture) + " models have no token type embeddings");
    }
    for (std::size_t i = 0; i < n; ++i) {
      if (r.token_types[i] < 0 || static_cast<std::size_t>(r.token_types[i]) >= c.type_vocab_size) {
        throw InvalidArgument("forward: token_types[" + std::to_string(i) + "] = " +
                              std::to_string(r.token_types[i]) + " is outside " + range_text(c.type_vocab_size));
      }
    }
  }
}

namespace {

// Columns [head*width, (head+1)*width) of the rows of `all` ([rows, ld]), appended to `dst`.
void append_head(const std::vector<float>& all, std::size_t rows, std::size_t ld, std::size_t head,
                 std::size_t width, std::vector<float>& dst) {
  for (std::size_t r = 0; r < rows; ++r) {
    const float* src = all.data() + r * ld + head * width;
    dst.insert(dst.end(), src, src + width);
  }
}

}  // namespace

StepRecorder::StepRecorder(const MultiHeadAttention& attention, const StepsRequest& request, std::size_t n,
                           std::size_t m)
    : n_(n), m_(m == 0 ? n : m) {
  const std::size_t h = attention.num_heads();
  steps_.layer = request.layer;
  steps_.first_head = request.head.value_or(0);
  steps_.num_heads = request.head ? 1 : h;
  steps_.d_head = attention.d_head();
  steps_.scale = attention.scale();
  steps_.queries = n_;
  steps_.keys = m_;
  const std::size_t count = steps_.num_heads, nn = n_ * m_;
  steps_.scores.resize(count * nn);
  steps_.scaled.resize(count * nn);
  q_.resize(n * h * attention.d_head());
  k_.resize(m_ * attention.num_kv_heads() * attention.d_head());
  v_.resize(k_.size());
  heads_.resize(q_.size());
  weights_.resize(h * nn);
  steps_.output.resize(n * attention.d_model());
}

void StepRecorder::attach(MultiHeadOutputs& out, std::span<const float> x) {
  steps_.x.assign(x.begin(), x.end());
  if (out.weights.empty()) out.weights = weights_;
  out.heads = heads_;
  out.q = q_;
  out.k = k_;
  out.v = v_;
  out.scores = steps_.scores;
  out.scaled = steps_.scaled;
  out.steps_first = steps_.first_head;
  out.steps_count = steps_.num_heads;
  out.output = steps_.output;
}

LayerSteps StepRecorder::finish(const MultiHeadAttention& attention, const MultiHeadOutputs& out) {
  const std::size_t h = attention.num_heads(), kv = attention.num_kv_heads(), dh = attention.d_head();
  const std::size_t nn = n_ * m_;
  for (std::size_t head = steps_.first_head; head < steps_.first_head + steps_.num_heads; ++head) {
    const std::size_t g = head / (h / kv);
    steps_.kv_heads.push_back(g);
    append_head(q_, n_, h * dh, head, dh, steps_.q);
    append_head(k_, m_, kv * dh, g, dh, steps_.k);
    append_head(v_, m_, kv * dh, g, dh, steps_.v);
    append_head(heads_, n_, h * dh, head, dh, steps_.head_output);
    const float* w = out.weights.data() + head * nn;
    steps_.weights.insert(steps_.weights.end(), w, w + nn);
  }
  return std::move(steps_);
}


LayerMasks::LayerMasks(const ModelConfig& c, std::size_t n, std::span<const std::uint8_t> attention_mask)
    : config_(c) {
  const bool padded = !attention_mask.empty();
  // May query i see key j: the family's rule, within the window, and not a padding key.
  auto fill = [&](std::vector<std::uint8_t>& allowed, std::size_t window) {
    allowed.resize(n * n);
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t j = 0; j < n; ++j) {
        const bool order = !c.causal || (j <= i && (window == 0 || i - j < window));
        allowed[i * n + j] = order && (!padded || attention_mask[j] != 0);
      }
    }
    return Mask::from_allowed(allowed);
  };
  const Mask family = c.causal ? Mask::causal() : Mask::none();
  full_ = padded ? fill(full_allowed_, 0) : family;
  // The window matters only when some query has more than `window` keys before and at it.
  const bool windowed = c.sliding_window != 0 && n > c.sliding_window;
  sliding_ = windowed ? fill(sliding_allowed_, c.sliding_window) : full_;
}

void embed(const ModelConfig& c, const ModelWeights& w, std::span<const std::int32_t> ids,
           std::span<const std::int32_t> token_types, float* x) {
  embed(c, w.word_embeddings, w.position_embeddings, w.token_type_embeddings, ids, token_types, x);
}

void embed(const ModelConfig& c, const WeightMatrix& words, const WeightMatrix& positions, const WeightMatrix& types,
           std::span<const std::int32_t> ids, std::span<const std::int32_t> token_types, float* x) {
  const std::size_t n = ids.size(), d = c.d_model;
  words.gather_rows(ids, x, d);
  if (c.embedding_scale != 1.0f) k::scale(n, d, c.embedding_scale, x, d, x, d);
  std::vector<float> row(d);
  auto add_row = [&](const WeightMatrix& table, std::int32_t index, float* dst) {
    table.gather_rows(std::span<const std::int32_t>(&index, 1), row.data(), d);
    for (std::size_t j = 0; j < d; ++j) dst[j] += row[j];
  };
  for (std::size_t i = 0; i < n; ++i) {
    if (!positions.empty()) add_row(positions, static_cast<std::int32_t>(i + c.position_offset), x + i * d);
    if (!types.empty()) add_row(types, token_types.empty() ? 0 : token_types[i], x + i * d);
  }
}

void normalize(const ModelConfig& c, const NormWeights& w, std::size_t n, const float* in, float* out) {
  const std::size_t d = c.d_model;
  if (c.rms_norm) k::rms_norm(n, d, in, d, w.gamma.data(), c.layer_norm_eps, out, d);
  else k::layer_norm(n, d, in, d, w.gamma.data(), w.beta.data(), c.layer_norm_eps, out, d);
}

void feed_forward(const ModelConfig& c, const MlpWeights& w, std::size_t n, const float* in, float* inner,
                  float* gate, float* out, bool accumulate) {
  const std::size_t d = c.d_model, ff = c.d_ff;
  w.up.apply(n, in, d, inner, ff);
  if (!w.b_up.empty()) k::add_bias(n, ff, w.b_up.data(), inner, ff);
  if (!w.gate.empty()) {
    w.gate.apply(n, in, d, gate, ff);
    if (!w.b_gate.empty()) k::add_bias(n, ff, w.b_gate.data(), gate, ff);
    k::gated_activation(kernel_activation(c.activation), n, ff, gate, ff, inner, ff, inner, ff);
  } else {
    k::activation(kernel_activation(c.activation), inner, n * ff);
  }
  w.down.apply(n, inner, ff, out, d, accumulate);
  if (!w.b_down.empty()) k::add_bias(n, d, w.b_down.data(), out, d);
}

}  // namespace attnscope::model::detail
