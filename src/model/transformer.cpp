#include "model/transformer.hpp"

#include <string>

#include "kernels/kernels.hpp"
#include "model/forward_parts.hpp"
#include "model/rope.hpp"
#include "util/error.hpp"

namespace attnscope::model {
namespace {

void add_into(std::vector<float>& x, const std::vector<float>& y) {
  for (std::size_t i = 0; i < x.size(); ++i) x[i] += y[i];
}

}  // namespace

TransformerModel::TransformerModel(ModelConfig config, ModelWeights weights)
    : config_(std::move(config)), weights_(std::move(weights)) {
  const ModelConfig& c = config_;
  const std::size_t d = c.d_model, ff = c.d_ff;
  detail::check_matrix(weights_.word_embeddings, d, c.vocab_size, "word_embeddings");
  if (c.position_table) detail::check_matrix(weights_.position_embeddings, d, c.max_positions, "position_embeddings");
  if (c.type_vocab_size > 0) detail::check_matrix(weights_.token_type_embeddings, d, c.type_vocab_size, "token_type_embeddings");
  if (weights_.layers.size() != c.num_layers) {
    throw InvalidArgument("TransformerModel: " + std::to_string(weights_.layers.size()) +
                          " layers of weights, config has " + std::to_string(c.num_layers));
  }
  for (auto& l : weights_.layers) {
    detail::check_matrix(l.mlp.up, d, ff, "the MLP's up projection");
    if (c.gated_mlp) detail::check_matrix(l.mlp.gate, d, ff, "the MLP's gate projection");
    detail::check_matrix(l.mlp.down, ff, d, "the MLP's down projection");
    detail::check_norm(c, l.ln_attention, "attention");
    detail::check_norm(c, l.ln_ffn, "feed-forward");
    l.attention.d_model = d;
    l.attention.num_heads = c.num_heads;
    l.attention.num_kv_heads = c.num_kv_heads;
    l.attention.d_head = c.d_head;
    attention_.emplace_back(std::move(l.attention));  // validates the attention weights' shapes
    l.attention = {};
  }
  if (c.pre_layer_norm) detail::check_norm(c, weights_.final_ln, "final");
  if (c.encoder_decoder ? c.embedding_norm : !c.pre_layer_norm) detail::check_norm(c, weights_.embedding_ln, "embedding");
  if (c.encoder_decoder) build_decoder();
}

ForwardResult TransformerModel::forward(std::span<const std::int32_t> ids, const ForwardRequest& request) const {
  const ModelConfig& c = config_;
  if (c.encoder_decoder) {
    throw InvalidArgument(std::string("forward: ") + architecture_name(c.architecture) +
                          " is an encoder-decoder model: give it a source and a target (forward_seq2seq)");
  }
  detail::validate_request(c, weights_.lm_head, ids, request);
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

  const detail::LayerMasks masks(c, n, request.attention_mask);
  // Rotary angles for positions 0..n-1, computed once and handed to every layer.
  RopeTables rope;
  RotaryTables rotary;
  if (c.rope.rotary_dim != 0) {
    rope = rope_tables(c.rope, n);
    rotary = {rope.cos.data(), rope.sin.data(), n, c.rope.rotary_dim};
  }

  std::vector<float> x(n * d), normed(c.pre_layer_norm ? n * d : 0), attn_out(n * d), inner(n * ff);
  std::vector<float> gate(c.gated_mlp ? n * ff : 0);
  detail::embed(c, weights_, ids, request.token_types, x.data());
  if (!c.pre_layer_norm) detail::normalize(c, weights_.embedding_ln, n, x.data(), x.data());
  const bool all_hidden = request.hidden == HiddenStates::all;
  AttentionWorkspace workspace;  // shared by the layers, freed with the forward
  if (all_hidden) result.hidden_states.push_back(x);

  for (std::size_t l = 0; l < layers; ++l) {
    const LayerWeights& layer = weights_.layers[l];
    const MultiHeadAttention& attention = attention_[l];
    // Attention sub-block. Pre-LN normalises its input; post-LN its output (after the residual).
    const float* attn_in = x.data();
    if (c.pre_layer_norm) {
      detail::normalize(c, layer.ln_attention, n, x.data(), normed.data());
      attn_in = normed.data();
    }
    MultiHeadOutputs outs{attn_out};
    if (!request.head_mask.empty()) outs.head_factors = request.head_mask.subspan(l * h, h);
    if (slot[l] >= 0) {
      outs.weights = result.attentions[slot[l]];
      if (request.value_norms) outs.value_norms = result.value_norms[slot[l]];
    }
    std::optional<detail::StepRecorder> recorder;
    if (request.steps && request.steps->layer == l) {
      recorder.emplace(attention, *request.steps, n);
      recorder->attach(outs, {attn_in, n * d});
    }
    attention.forward({attn_in, n * d}, n, {}, 0, masks.of_layer(l), outs, workspace, rotary);
    if (recorder) result.steps = recorder->finish(attention, outs);
    const std::vector<float>& block_out = recorder ? result.steps->output : attn_out;

    if (c.pre_layer_norm) {
      add_into(x, block_out);  // x += Attn
      detail::normalize(c, layer.ln_ffn, n, x.data(), normed.data());
      detail::feed_forward(c, layer.mlp, n, normed.data(), inner.data(), gate.data(), x.data(), true);  // x += FFN
    } else {
      add_into(x, block_out);
      detail::normalize(c, layer.ln_attention, n, x.data(), x.data());
      attn_out = x;
      detail::feed_forward(c, layer.mlp, n, x.data(), inner.data(), gate.data(), attn_out.data(), true);
      detail::normalize(c, layer.ln_ffn, n, attn_out.data(), x.data());
    }
    const bool last = l + 1 == layers;
    if (last && c.pre_layer_norm) detail::normalize(c, weights_.final_ln, n, x.data(), x.data());
    if (all_hidden) result.hidden_states.push_back(x);  // Hugging Face's last entry is after the final norm
  }
  if (request.top_k > 0 || !request.targets.empty()) {
    result.vocabulary = predict_vocabulary(weights_.lm_head, c, x, n, {request.top_k, request.targets});
  }
  if (request.hidden != HiddenStates::none) result.hidden = std::move(x);
  return result;
}

}  // namespace attnscope::model
