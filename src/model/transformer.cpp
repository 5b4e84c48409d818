#include "model/transformer.hpp"

#include <cmath>
#include <string>

#include "kernels/kernels.hpp"
#include "util/error.hpp"
#include "util/parallel.hpp"

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

void check_ln(const LayerNormWeights& ln, std::size_t d, const char* what) {
  if (ln.gamma.size() != d || ln.beta.size() != d) {
    throw InvalidArgument(std::string("TransformerModel: ") + what + " layer norm must have " +
                          std::to_string(d) + " weights");
  }
}

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
  for (const auto& l : weights_.layers) {
    expect(l.w_qkv, d * 3 * d, "w_qkv");
    expect(l.b_qkv, 3 * d, "b_qkv");
    expect(l.w_out, d * d, "w_out");
    expect(l.b_out, d, "b_out");
    expect(l.w_ff1, d * ff, "w_ff1");
    expect(l.b_ff1, ff, "b_ff1");
    expect(l.w_ff2, ff * d, "w_ff2");
    expect(l.b_ff2, d, "b_ff2");
    check_ln(l.ln_attention, d, "attention");
    check_ln(l.ln_ffn, d, "feed-forward");
  }
  if (config_.pre_layer_norm) check_ln(weights_.final_ln, d, "final");
  else check_ln(weights_.embedding_ln, d, "embedding");
}

ForwardResult TransformerModel::forward(std::span<const std::int32_t> ids,
                                        const ForwardRequest& request) const {
  const ModelConfig& c = config_;
  const std::size_t n = ids.size(), d = c.d_model, h = c.num_heads, dh = d / h, ff = c.d_ff;
  if (n == 0 || n > c.max_tokens()) {
    throw InvalidArgument("forward: ids has " + std::to_string(n) + " tokens, expected 1.." +
                          std::to_string(c.max_tokens()) + " (the model's position table)");
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (ids[i] < 0 || static_cast<std::size_t>(ids[i]) >= c.vocab_size) {
      throw InvalidArgument("forward: ids[" + std::to_string(i) + "] = " + std::to_string(ids[i]) +
                            " is outside the vocabulary [0, " + std::to_string(c.vocab_size) + ")");
    }
  }

  // Embeddings.
  std::vector<float> x(n * d), tmp(n * d), ctx(n * d), qkv(n * 3 * d), inner(n * ff), scratch(n * n);
  for (std::size_t i = 0; i < n; ++i) {
    const float* word = weights_.word_embeddings.data() + static_cast<std::size_t>(ids[i]) * d;
    const float* pos = weights_.position_embeddings.data() + (i + c.position_offset) * d;
    const float* type = weights_.token_type_embeddings.empty() ? nullptr : weights_.token_type_embeddings.data();
    for (std::size_t j = 0; j < d; ++j) x[i * d + j] = word[j] + pos[j] + (type ? type[j] : 0.0f);
  }
  if (!c.pre_layer_norm) layer_norm(weights_.embedding_ln, n, d, c.layer_norm_eps, x.data(), x.data());

  ForwardResult result;
  const float scale = 1.0f / std::sqrt(static_cast<float>(dh));
  const auto mask = c.causal ? k::SoftmaxMask::causal : k::SoftmaxMask::none;
  for (const LayerWeights& layer : weights_.layers) {
    // Attention sub-block. Pre-LN normalises its input; post-LN its output (after the residual).
    const float* attn_in = x.data();
    if (c.pre_layer_norm) {
      layer_norm(layer.ln_attention, n, d, c.layer_norm_eps, x.data(), tmp.data());
      attn_in = tmp.data();
    }
    linear(n, d, 3 * d, attn_in, layer.w_qkv, layer.b_qkv, qkv.data(), false);
    float* weights_out = nullptr;
    if (request.attentions) {
      result.attentions.emplace_back(h * n * n);
      weights_out = result.attentions.back().data();
    }
    auto one_head = [&](std::size_t head) {
      const float* q = qkv.data() + head * dh;
      const float* key = qkv.data() + d + head * dh;
      const float* v = qkv.data() + 2 * d + head * dh;
      float* probs = weights_out ? weights_out + head * n * n : scratch.data();
      k::gemm_nt(n, n, dh, q, 3 * d, key, 3 * d, probs, n);
      k::scale_mask_softmax(n, n, scale, probs, n, probs, n, mask);
      k::gemm_nn(n, dh, n, probs, n, v, 3 * d, ctx.data() + head * dh, d);
    };
    // With attentions returned each head has its own probabilities, so heads run in parallel, each
    // whole on one thread (as in MultiHeadAttention::forward); without, they share `scratch`.
    if (weights_out != nullptr) {
      parallel::parallel_for(h, one_head);
    } else {
      for (std::size_t head = 0; head < h; ++head) one_head(head);
    }
    if (c.pre_layer_norm) {
      linear(n, d, d, ctx.data(), layer.w_out, layer.b_out, x.data(), true);  // x += Attn
      layer_norm(layer.ln_ffn, n, d, c.layer_norm_eps, x.data(), tmp.data());
      linear(n, d, ff, tmp.data(), layer.w_ff1, layer.b_ff1, inner.data(), false);
      activate(c.activation, inner.data(), n * ff);
      linear(n, ff, d, inner.data(), layer.w_ff2, layer.b_ff2, x.data(), true);  // x += FFN
    } else {
      tmp = x;
      linear(n, d, d, ctx.data(), layer.w_out, layer.b_out, tmp.data(), true);
      layer_norm(layer.ln_attention, n, d, c.layer_norm_eps, tmp.data(), x.data());
      linear(n, d, ff, x.data(), layer.w_ff1, layer.b_ff1, inner.data(), false);
      activate(c.activation, inner.data(), n * ff);
      tmp = x;
      linear(n, ff, d, inner.data(), layer.w_ff2, layer.b_ff2, tmp.data(), true);
      layer_norm(layer.ln_ffn, n, d, c.layer_norm_eps, tmp.data(), x.data());
    }
  }
  if (c.pre_layer_norm) layer_norm(weights_.final_ln, n, d, c.layer_norm_eps, x.data(), x.data());
  if (request.hidden) result.hidden = std::move(x);
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
