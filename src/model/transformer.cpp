#include "model/transformer.hpp"

#include <algorithm>
#include <string>

#include "kernels/kernels.hpp"
#include "util/error.hpp"

namespace attnscope::model {
namespace {

namespace k = attnscope::kernels;

void activate(Activation a, float* x, std::size_t count) {
  switch (a) {
    case Activation::gelu_erf: k::activation(k::Activation::gelu_erf, x, count); break;
    case Activation::gelu_tanh: k::activation(k::Activation::gelu_tanh, x, count); break;
    case Activation::relu:
      for (std::size_t i = 0; i < count; ++i) x[i] = x[i] > 0.0f ? x[i] : 0.0f;
      break;
  }
}

void layer_norm(const LayerNormWeights& ln, std::size_t n, std::size_t d, float eps, const float* in,
                float* out) {
  k::layer_norm(n, d, in, d, ln.gamma.data(), ln.beta.data(), eps, out, d);
}

// out[n, cols] = in[n, rows]·W[rows, cols] + b   (or += when accumulate: the residual connection)
void linear(std::size_t n, std::size_t rows, std::size_t cols, const float* in,
            const std::vector<float>& w, const std::vector<float>& b, float* out, bool accumulate) {
  k::gemm_nn(n, cols, rows, in, rows, w.data(), cols, out, cols, accumulate);
  k::add_bias(n, cols, b.data(), out, cols);
}

void add_into(std::vector<float>& x, const std::vector<float>& y) {
  for (std::size_t i = 0; i < x.size(); ++i) x[i] += y[i];
}

void check_ln(const LayerNormWeights& ln, std::size_t d, const char* what) {
  if (ln.gamma.size() != d || ln.beta.size() != d) {
    throw InvalidArgument(std::string("TransformerModel: ") + what + " layer norm must have " +
                          std::to_string(d) + " weights");
  }
}

std::string range_text(std::size_t count) { return "[0, " + std::to_string(count) + ")"; }

// Checks everything a request names against the model and the input, before any work.
void validate_request(const ModelConfig& c, std::span<const std::int32_t> ids, const ForwardRequest& r) {
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

// Columns [head*width, (head+1)*width) of the rows of `all` ([rows, ld]), appended to `dst`.
void append_head(const std::vector<float>& all, std::size_t rows, std::size_t ld, std::size_t head,
                 std::size_t width, std::vector<float>& dst) {
  for (std::size_t r = 0; r < rows; ++r) {
    const float* src = all.data() + r * ld + head * width;
    dst.insert(dst.end(), src, src + width);
  }
}

// Hands one layer's attention its destinations and collects the steps of the requested heads.
class StepRecorder {
 public:
  StepRecorder(const MultiHeadAttention& attention, const StepsRequest& request, std::size_t n) : n_(n) {
    const std::size_t h = attention.num_heads();
    steps_.layer = request.layer;
    steps_.first_head = request.head.value_or(0);
    steps_.num_heads = request.head ? 1 : h;
    steps_.d_head = attention.d_head();
    steps_.scale = attention.scale();
    const std::size_t count = steps_.num_heads, nn = n * n;
    steps_.scores.resize(count * nn);
    steps_.scaled.resize(count * nn);
    q_.resize(n * h * attention.d_head());
    k_.resize(n * attention.num_kv_heads() * attention.d_head());
    v_.resize(k_.size());
    heads_.resize(q_.size());
    weights_.resize(h * nn);
    steps_.output.resize(n * attention.d_model());
  }

  // The destinations of the layer's forward; `weights` is the caller's when it keeps them anyway.
  void attach(MultiHeadOutputs& out, std::span<const float> x) {
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

  LayerSteps finish(const MultiHeadAttention& attention, const MultiHeadOutputs& out) {
    const std::size_t h = attention.num_heads(), kv = attention.num_kv_heads(), dh = attention.d_head();
    const std::size_t nn = n_ * n_;
    for (std::size_t head = steps_.first_head; head < steps_.first_head + steps_.num_heads; ++head) {
      const std::size_t g = head / (h / kv);
      steps_.kv_heads.push_back(g);
      append_head(q_, n_, h * dh, head, dh, steps_.q);
      append_head(k_, n_, kv * dh, g, dh, steps_.k);
      append_head(v_, n_, kv * dh, g, dh, steps_.v);
      append_head(heads_, n_, h * dh, head, dh, steps_.head_output);
      const float* w = out.weights.data() + head * nn;
      steps_.weights.insert(steps_.weights.end(), w, w + nn);
    }
    return std::move(steps_);
  }

 private:
  std::size_t n_;
  LayerSteps steps_;
  std::vector<float> q_, k_, v_, heads_, weights_;
};

}  // namespace

TransformerModel::TransformerModel(ModelConfig config, ModelWeights weights)
    : config_(std::move(config)), weights_(std::move(weights)) {
  const std::size_t d = config_.d_model, ff = config_.d_ff;
  auto expect = [](const std::vector<float>& v, std::size_t size, const char* what) {
    if (v.size() != size) {
      throw InvalidArgument(std::string("TransformerModel: ") + what + " has " +
                            std::to_string(v.size()) + " values, expected " + std::to_string(size));
    }
  };
  expect(weights_.word_embeddings, config_.vocab_size * d, "word_embeddings");
  expect(weights_.position_embeddings, config_.max_positions * d, "position_embeddings");
  expect(weights_.token_type_embeddings, config_.type_vocab_size * d, "token_type_embeddings");
  if (weights_.layers.size() != config_.num_layers) {
    throw InvalidArgument("TransformerModel: " + std::to_string(weights_.layers.size()) +
                          " layers of weights, config has " + std::to_string(config_.num_layers));
  }
  for (auto& l : weights_.layers) {
    expect(l.w_ff1, d * ff, "w_ff1");
    expect(l.b_ff1, ff, "b_ff1");
    expect(l.w_ff2, ff * d, "w_ff2");
    expect(l.b_ff2, d, "b_ff2");
    check_ln(l.ln_attention, d, "attention");
    check_ln(l.ln_ffn, d, "feed-forward");
    l.attention.d_model = d;
    l.attention.num_heads = config_.num_heads;
    attention_.emplace_back(std::move(l.attention));  // validates the attention weights' shapes
    l.attention = {};
  }
  if (config_.pre_layer_norm) check_ln(weights_.final_ln, d, "final");
  else check_ln(weights_.embedding_ln, d, "embedding");
}

ForwardResult TransformerModel::forward(std::span<const std::int32_t> ids,
                                        const ForwardRequest& request) const {
  const ModelConfig& c = config_;
  validate_request(c, ids, request);
  const std::size_t n = ids.size(), d = c.d_model, h = c.num_heads, ff = c.d_ff, layers = c.num_layers;

  // Which layers return their attentions, and where in the result.
  std::vector<std::ptrdiff_t> slot(layers, -1);
  ForwardResult result;
  if (request.attentions) {
    std::vector<std::size_t> chosen = request.attention_layers;
    if (chosen.empty()) for (std::size_t l = 0; l < layers; ++l) chosen.push_back(l);
    for (std::size_t l : chosen) {
      if (slot[l] >= 0) continue;
      slot[l] = static_cast<std::ptrdiff_t>(result.attention_layers.size());
      result.attention_layers.push_back(l);
      result.attentions.emplace_back(h * n * n);
      if (request.value_norms) result.value_norms.emplace_back(h * n);
    }
  }

  // Which keys each query sees: the family's mask, with padding keys removed when a mask is given.
  std::vector<std::uint8_t> allowed;
  Mask mask = c.causal ? Mask::causal() : Mask::none();
  if (!request.attention_mask.empty()) {
    allowed.resize(n * n);
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t j = 0; j < n; ++j) {
        allowed[i * n + j] = request.attention_mask[j] != 0 && (!c.causal || j <= i);
      }
    }
    mask = Mask::from_allowed(allowed);
  }

  // Embeddings.
  std::vector<float> x(n * d), normed(c.pre_layer_norm ? n * d : 0), attn_out(n * d), inner(n * ff);
  const auto& type_table = weights_.token_type_embeddings;
  for (std::size_t i = 0; i < n; ++i) {
    const float* word = weights_.word_embeddings.data() + static_cast<std::size_t>(ids[i]) * d;
    const float* pos = weights_.position_embeddings.data() + (i + c.position_offset) * d;
    const std::size_t type = request.token_types.empty() ? 0 : static_cast<std::size_t>(request.token_types[i]);
    const float* type_row = type_table.empty() ? nullptr : type_table.data() + type * d;
    for (std::size_t j = 0; j < d; ++j) x[i * d + j] = word[j] + pos[j] + (type_row ? type_row[j] : 0.0f);
  }
  if (!c.pre_layer_norm) layer_norm(weights_.embedding_ln, n, d, c.layer_norm_eps, x.data(), x.data());
  const bool all_hidden = request.hidden == HiddenStates::all;
  AttentionWorkspace workspace;  // shared by the layers, freed with the forward
  if (all_hidden) result.hidden_states.push_back(x);

  for (std::size_t l = 0; l < layers; ++l) {
    const LayerWeights& layer = weights_.layers[l];
    const MultiHeadAttention& attention = attention_[l];
    // Attention sub-block. Pre-LN normalises its input; post-LN its output (after the residual).
    const float* attn_in = x.data();
    if (c.pre_layer_norm) {
      layer_norm(layer.ln_attention, n, d, c.layer_norm_eps, x.data(), normed.data());
      attn_in = normed.data();
    }
    MultiHeadOutputs outs{attn_out};
    if (slot[l] >= 0) {
      outs.weights = result.attentions[slot[l]];
      if (request.value_norms) outs.value_norms = result.value_norms[slot[l]];
    }
    std::optional<StepRecorder> recorder;
    if (request.steps && request.steps->layer == l) {
      recorder.emplace(attention, *request.steps, n);
      recorder->attach(outs, {attn_in, n * d});
    }
    attention.forward({attn_in, n * d}, n, {}, 0, mask, outs, workspace);
    if (recorder) result.steps = recorder->finish(attention, outs);
    const std::vector<float>& block_out = recorder ? result.steps->output : attn_out;

    if (c.pre_layer_norm) {
      add_into(x, block_out);  // x += Attn
      layer_norm(layer.ln_ffn, n, d, c.layer_norm_eps, x.data(), normed.data());
      linear(n, d, ff, normed.data(), layer.w_ff1, layer.b_ff1, inner.data(), false);
      activate(c.activation, inner.data(), n * ff);
      linear(n, ff, d, inner.data(), layer.w_ff2, layer.b_ff2, x.data(), true);  // x += FFN
    } else {
      add_into(x, block_out);
      layer_norm(layer.ln_attention, n, d, c.layer_norm_eps, x.data(), x.data());
      attn_out = x;
      linear(n, d, ff, x.data(), layer.w_ff1, layer.b_ff1, inner.data(), false);
      activate(c.activation, inner.data(), n * ff);
      linear(n, ff, d, inner.data(), layer.w_ff2, layer.b_ff2, attn_out.data(), true);
      layer_norm(layer.ln_ffn, n, d, c.layer_norm_eps, attn_out.data(), x.data());
    }
    const bool last = l + 1 == layers;
    if (last && c.pre_layer_norm) layer_norm(weights_.final_ln, n, d, c.layer_norm_eps, x.data(), x.data());
    if (all_hidden) result.hidden_states.push_back(x);  // Hugging Face's last entry is after the final norm
  }
  if (request.hidden != HiddenStates::none) result.hidden = std::move(x);
  return result;
}

TransformerModel load_transformer(std::string_view config_json,
                                  std::span<const std::uint8_t> safetensors,
                                  const LoadOptions& options) {
  ModelConfig config = parse_config(config_json);
  const std::uint64_t needed = weight_bytes(config);
  if (needed > options.max_weight_bytes) {
    throw InvalidArgument("model: the weights need " + std::to_string(needed >> 20) +
                          " MiB as float32, more than the " +
                          std::to_string(options.max_weight_bytes >> 20) +
                          " MiB this build can hold (config.json: " +
                          std::to_string(config.num_layers) + " layers, hidden size " +
                          std::to_string(config.d_model) + ", vocabulary " +
                          std::to_string(config.vocab_size) + ")");
  }
  const SafetensorsFile file(safetensors);
  ModelWeights weights = read_weights(config, file);
  return TransformerModel(std::move(config), std::move(weights));
}

}  // namespace attnscope::model
