// The forward pass of encoder–decoder models (bart, mbart, marian, t5), with teacher forcing:
//   encoder  x = embed(source) (BART: ·√d when scale_embedding, + learned position i + 2, LayerNorm;
//            Marian: sinusoidal positions; T5: the embedding alone), then per layer
//              post-LN (BART, Marian)  x = LN(x + SelfAttn(x));  x = LN(x + FFN(x))
//              pre-LN (mBART, T5)      x = x + SelfAttn(LN(x));  x = x + FFN(LN(x)); finally LN(x)
//   decoder  y = embed(target) likewise, then per layer a causal self-attention, a cross-attention
//            (queries from y, keys and values from the encoder's output) and the FFN, each in the
//            family's post-LN or pre-LN form; pre-LN families end with a final norm.
// T5 adds its relative position bias (relative_position.hpp) to the self-attentions' scores; it is
// computed once per stack from layer 0's table and shared by every layer, as Hugging Face does.
// Every attention is the core's MultiHeadAttention (one attention path, the bias included).
#include <string>

#include "model/forward_parts.hpp"
#include "model/relative_position.hpp"
#include "model/transformer.hpp"
#include "util/error.hpp"

namespace attnscope::model {
namespace {

std::string range_text(std::size_t count) { return "[0, " + std::to_string(count) + ")"; }

void check_ids(const ModelConfig& c, std::span<const std::int32_t> ids, const char* name) {
  if (ids.empty() || ids.size() > c.max_tokens()) {
    throw InvalidArgument(std::string("forward_seq2seq: ") + name + " has " + std::to_string(ids.size()) +
                          " tokens, expected 1.." + std::to_string(c.max_tokens()));
  }
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] < 0 || static_cast<std::size_t>(ids[i]) >= c.vocab_size) {
      throw InvalidArgument(std::string("forward_seq2seq: ") + name + "[" + std::to_string(i) + "] = " +
                            std::to_string(ids[i]) + " is outside the vocabulary " + range_text(c.vocab_size));
    }
  }
}

const char* kind_name(AttentionKind kind) {
  switch (kind) {
    case AttentionKind::encoder: return "encoder";
    case AttentionKind::decoder: return "decoder";
    case AttentionKind::cross: return "cross";
  }
  return "?";
}

// The buffers of one stack's forward, reused by its layers.
struct StackBuffers {
  std::vector<float> normed, block_out, inner, gate;
  AttentionWorkspace workspace;
  StackBuffers(const ModelConfig& c, std::size_t n)
      : normed(n * c.d_model), block_out(n * c.d_model), inner(n * c.d_ff), gate(c.gated_mlp ? n * c.d_ff : 0) {}
};

struct AttentionCall {
  const MultiHeadAttention* attention = nullptr;
  const NormWeights* norm = nullptr;
  std::span<const float> context;  // empty: self-attention
  std::size_t m = 0;
  const Mask* mask = nullptr;
  std::span<const float> bias;
  std::span<float> weights;        // this layer's attentions, or empty
  const StepsRequest* steps = nullptr;  // record this block's steps
};

// x += Attn(LN(x)) (pre-LN) or x = LN(x + Attn(x)) (post-LN); the steps into `steps_out` if asked.
void attention_block(const ModelConfig& c, const AttentionCall& call, std::vector<float>& x, std::size_t n,
                     StackBuffers& buf, std::optional<LayerSteps>& steps_out) {
  const std::size_t d = c.d_model;
  const float* in = x.data();
  if (c.pre_layer_norm) {
    detail::normalize(c, *call.norm, n, x.data(), buf.normed.data());
    in = buf.normed.data();
  }
  MultiHeadOutputs outs{buf.block_out};
  outs.weights = call.weights;
  std::optional<detail::StepRecorder> recorder;
  if (call.steps != nullptr) {
    recorder.emplace(*call.attention, *call.steps, n, call.context.empty() ? 0 : call.m);
    recorder->attach(outs, {in, n * d});
  }
  call.attention->forward({in, n * d}, n, call.context, call.m, *call.mask, outs, buf.workspace, {}, call.bias);
  if (recorder) steps_out = recorder->finish(*call.attention, outs);
  const std::vector<float>& out = recorder ? steps_out->output : buf.block_out;
  for (std::size_t i = 0; i < x.size(); ++i) x[i] += out[i];
  if (!c.pre_layer_norm) detail::normalize(c, *call.norm, n, x.data(), x.data());
}

// x += FFN(LN(x)) (pre-LN) or x = LN(x + FFN(x)) (post-LN).
void feed_forward_block(const ModelConfig& c, const LayerWeights& layer, std::vector<float>& x, std::size_t n,
                        StackBuffers& buf) {
  if (c.pre_layer_norm) {
    detail::normalize(c, layer.ln_ffn, n, x.data(), buf.normed.data());
    detail::feed_forward(c, layer.mlp, n, buf.normed.data(), buf.inner.data(), buf.gate.data(), x.data(), true);
  } else {
    detail::feed_forward(c, layer.mlp, n, x.data(), buf.inner.data(), buf.gate.data(), x.data(), true);
    detail::normalize(c, layer.ln_ffn, n, x.data(), x.data());
  }
}

}  // namespace

void TransformerModel::build_decoder() {
  const ModelConfig& c = config_;
  ModelConfig& dc = decoder_config_;
  dc = c;
  dc.num_layers = c.decoder_layers;
  dc.num_heads = dc.num_kv_heads = c.decoder_heads;
  dc.d_head = c.architecture == Architecture::t5 ? c.d_head : c.d_model / c.decoder_heads;
  dc.d_ff = c.decoder_d_ff;
  dc.causal = true;
  const std::size_t d = c.d_model;
  if (c.position_table && !c.sinusoidal_positions) {
    detail::check_matrix(weights_.decoder_position_embeddings, d, c.max_positions, "the decoder's position_embeddings");
  }
  if (c.embedding_norm) detail::check_norm(dc, weights_.decoder_embedding_ln, "the decoder's embedding");
  if (c.pre_layer_norm) detail::check_norm(dc, weights_.decoder_final_ln, "the decoder's final");
  if (c.relative_buckets != 0) {
    detail::check_matrix(weights_.encoder_relative_bias, c.num_heads, c.relative_buckets, "the encoder's relative_attention_bias");
    detail::check_matrix(weights_.decoder_relative_bias, dc.num_heads, c.relative_buckets, "the decoder's relative_attention_bias");
  }
  if (weights_.decoder_layers.size() != dc.num_layers) {
    throw InvalidArgument("TransformerModel: " + std::to_string(weights_.decoder_layers.size()) +
                          " decoder layers of weights, config has " + std::to_string(dc.num_layers));
  }
  for (auto& l : weights_.decoder_layers) {
    detail::check_matrix(l.mlp.up, d, dc.d_ff, "the decoder MLP's up projection");
    if (dc.gated_mlp) detail::check_matrix(l.mlp.gate, d, dc.d_ff, "the decoder MLP's gate projection");
    detail::check_matrix(l.mlp.down, dc.d_ff, d, "the decoder MLP's down projection");
    detail::check_norm(dc, l.ln_attention, "the decoder's self-attention");
    detail::check_norm(dc, l.ln_cross, "the decoder's cross-attention");
    detail::check_norm(dc, l.ln_ffn, "the decoder's feed-forward");
    for (StoredAttentionWeights* a : {&l.attention, &l.cross_attention}) {
      a->d_model = d;
      a->num_heads = a->num_kv_heads = dc.num_heads;
      a->d_head = dc.d_head;
    }
    decoder_attention_.emplace_back(std::move(l.attention));
    cross_attention_.emplace_back(std::move(l.cross_attention));
    l.attention = {};
    l.cross_attention = {};
  }
}

Seq2SeqResult TransformerModel::forward_seq2seq(std::span<const std::int32_t> source,
                                                std::span<const std::int32_t> target,
                                                const Seq2SeqRequest& request) const {
  const ModelConfig& c = config_;
  const ModelConfig& dc = decoder_config_;
  if (!c.encoder_decoder) {
    throw InvalidArgument(std::string("forward_seq2seq: ") + architecture_name(c.architecture) +
                          " is not an encoder-decoder model: give it one input (forward)");
  }
  check_ids(c, source, "source");
  check_ids(c, target, "target");
  const std::size_t ns = source.size(), nt = target.size(), d = c.d_model;
  if (!request.source_mask.empty() && request.source_mask.size() != ns) {
    throw InvalidArgument("forward_seq2seq: source_mask has " + std::to_string(request.source_mask.size()) +
                          " entries, expected one per source token (" + std::to_string(ns) + ")");
  }
  if (request.steps) {
    const bool encoder = request.steps_kind == AttentionKind::encoder;
    const ModelConfig& side = encoder ? c : dc;
    if (request.steps->layer >= side.num_layers) {
      throw InvalidArgument(std::string("forward_seq2seq: steps layer ") + std::to_string(request.steps->layer) +
                            " is outside the " + kind_name(request.steps_kind) + " layers " + range_text(side.num_layers));
    }
    if (request.steps->head && *request.steps->head >= side.num_heads) {
      throw InvalidArgument("forward_seq2seq: steps head " + std::to_string(*request.steps->head) + " is outside " +
                            range_text(side.num_heads));
    }
  }
  auto steps_here = [&](AttentionKind kind, std::size_t layer) -> const StepsRequest* {
    return request.steps && request.steps_kind == kind && request.steps->layer == layer ? &*request.steps : nullptr;
  };
  Seq2SeqResult result;

  // ---- encoder ----
  std::vector<float> x(ns * d);
  detail::embed(c, weights_.word_embeddings, weights_.position_embeddings, {}, source, {}, x.data());
  if (c.embedding_norm) detail::normalize(c, weights_.embedding_ln, ns, x.data(), x.data());
  const detail::LayerMasks encoder_masks(c, ns, request.source_mask);
  std::vector<float> bias;
  if (c.relative_buckets != 0) {
    bias = relative_position_bias(weights_.encoder_relative_bias, ns, ns, true, c.relative_max_distance);
  }
  {
    StackBuffers buf(c, ns);
    for (std::size_t l = 0; l < c.num_layers; ++l) {
      const LayerWeights& layer = weights_.layers[l];
      AttentionCall call{&attention_[l], &layer.ln_attention, {}, 0, &encoder_masks.of_layer(l), bias, {}, nullptr};
      if (request.attentions) call.weights = result.encoder_attentions.emplace_back(c.num_heads * ns * ns);
      call.steps = steps_here(AttentionKind::encoder, l);
      attention_block(c, call, x, ns, buf, result.steps);
      feed_forward_block(c, layer, x, ns, buf);
    }
  }
  if (c.pre_layer_norm) detail::normalize(c, weights_.final_ln, ns, x.data(), x.data());

  // ---- decoder ----
  const std::size_t h = dc.num_heads;
  std::vector<float> y(nt * d);
  detail::embed(dc, weights_.word_embeddings, weights_.decoder_position_embeddings, {}, target, {}, y.data());
  if (c.embedding_norm) detail::normalize(dc, weights_.decoder_embedding_ln, nt, y.data(), y.data());
  const detail::LayerMasks decoder_masks(dc, nt, {});
  // Cross-attention: every target token sees every source token that is not padding.
  std::vector<std::uint8_t> cross_allowed;
  Mask cross_mask = Mask::none();
  if (!request.source_mask.empty()) {
    cross_allowed.resize(nt * ns);
    for (std::size_t i = 0; i < nt; ++i) {
      for (std::size_t j = 0; j < ns; ++j) cross_allowed[i * ns + j] = request.source_mask[j] != 0;
    }
    cross_mask = Mask::from_allowed(cross_allowed);
  }
  if (c.relative_buckets != 0) {
    bias = relative_position_bias(weights_.decoder_relative_bias, nt, nt, false, c.relative_max_distance);
  }
  StackBuffers buf(dc, nt);
  for (std::size_t l = 0; l < dc.num_layers; ++l) {
    const LayerWeights& layer = weights_.decoder_layers[l];
    AttentionCall self{&decoder_attention_[l], &layer.ln_attention, {}, 0, &decoder_masks.of_layer(l), bias, {}, nullptr};
    if (request.attentions) self.weights = result.decoder_attentions.emplace_back(h * nt * nt);
    self.steps = steps_here(AttentionKind::decoder, l);
    attention_block(dc, self, y, nt, buf, result.steps);
    AttentionCall cross{&cross_attention_[l], &layer.ln_cross, x, ns, &cross_mask, {}, {}, nullptr};
    if (request.attentions) cross.weights = result.cross_attentions.emplace_back(h * nt * ns);
    cross.steps = steps_here(AttentionKind::cross, l);
    attention_block(dc, cross, y, nt, buf, result.steps);
    feed_forward_block(dc, layer, y, nt, buf);
  }
  if (c.pre_layer_norm) detail::normalize(dc, weights_.decoder_final_ln, nt, y.data(), y.data());
  if (request.hidden) {
    result.encoder_hidden = std::move(x);
    result.hidden = std::move(y);
  }
  return result;
}

}  // namespace attnscope::model
