// The forward pass of a loaded checkpoint:
//   embeddings   x = word[id] + position[i + offset] (+ token_type[type]); BERT family: LayerNorm;
//                Llama family: word[id] only (× √d for Gemma), positions enter as rotary embeddings
//   BERT family  post-LN blocks: x = LN(x + Attn(x)); x = LN(x + FFN(x))
//   GPT-2        pre-LN blocks:  x = x + Attn(LN(x)); x = x + FFN(LN(x)); finally LN_f(x); causal mask
//   Llama family the same pre-norm blocks with RMSNorm, RoPE on Q and K, grouped K/V heads, a gated
//                FFN, a causal mask (and Mistral's sliding window); finally RMSNorm
//   Attn         the core's MultiHeadAttention (one attention path for every model)
//   FFN          act(x·W1 + b1)·W2 + b2 with GELU (erf or tanh form, as config.json says) or ReLU;
//                gated: (act(x·W_gate) ⊙ x·W_up)·W_down with SiLU (SwiGLU) or GELU (GeGLU)
// All arithmetic goes through the kernels (gemm, softmax, norms, activations, rotary), so the
// SIMD/scalar switch applies to the whole model.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "attention/multi_head.hpp"
#include "model/config.hpp"
#include "model/lm_head.hpp"
#include "model/weights.hpp"

namespace attnscope::model {

enum class HiddenStates : std::uint8_t {
  none,
  last,  // the last hidden state (Hugging Face's last_hidden_state)
  all,   // the embeddings' output and every layer's (Hugging Face's hidden_states: layers + 1)
};

// The textbook steps of one layer's attention, for one head or every head.
struct StepsRequest {
  std::size_t layer = 0;
  std::optional<std::size_t> head;  // empty: every head of the layer
};

struct ForwardRequest {
  bool attentions = true;
  // When non-empty (and attentions is true): only these layers' attentions, in this order.
  std::vector<std::size_t> attention_layers;
  HiddenStates hidden = HiddenStates::last;
  std::optional<StepsRequest> steps;
  // ‖v_j·W_O^h‖ per head and key for every layer whose attentions are returned.
  bool value_norms = false;
  // Hugging Face's attention_mask [n]: 0 marks a padding token that no query attends to. Empty: none.
  std::span<const std::uint8_t> attention_mask;
  // Segment (token type) ids [n] for models with token type embeddings. Empty: all 0.
  std::span<const std::int32_t> token_types;
  // Hugging Face's head_mask [num_layers * num_heads], layer-major: each head's attention weights are
  // multiplied by its factor before ·V (0 ablates the head). Empty: none.
  std::span<const float> head_mask;
  // The language-model head's distribution (lm_head.hpp): the top_k most probable tokens at each
  // position, and/or log p(targets[i]) at position i (targets [n], -1 = none). Needs a usable head.
  std::size_t top_k = 0;
  std::span<const std::int32_t> targets;
};

// One layer's attention, step by step (arrays of several heads are head-major).
struct LayerSteps {
  std::size_t layer = 0;
  std::size_t first_head = 0, num_heads = 0;  // the heads [first_head, first_head + num_heads)
  std::size_t d_head = 0;
  float scale = 0.0f;
  std::vector<std::size_t> kv_heads;  // the key/value head each of them reads
  std::vector<float> x;               // [n, d_model]: the attention block's input (after the LN of pre-LN models)
  std::size_t queries = 0, keys = 0;  // n, and m (the context's length for cross-attention, else n)
  std::vector<float> q;               // [heads, n, d_head]
  std::vector<float> k, v;            // [heads, m, d_head]
  std::vector<float> scores, scaled, weights;  // [heads, n, m]; scaled includes a position bias (T5)
  std::vector<float> head_output;     // [heads, n, d_head]
  std::vector<float> output;          // [n, d_model]: after W_O and its bias, before the residual
};

// Encoder–decoder models (bart, mbart, marian, t5): which of a decoder's three attentions.
enum class AttentionKind : std::uint8_t { encoder, decoder, cross };

struct Seq2SeqRequest {
  bool attentions = true;  // every layer's encoder, decoder and cross attentions
  bool hidden = true;      // the encoder's and the decoder's last hidden states
  std::optional<StepsRequest> steps;
  AttentionKind steps_kind = AttentionKind::encoder;
  // Hugging Face's attention_mask of the source [n_src]: 0 marks a padding token that no query (of
  // the encoder or of the cross-attention) attends to. Empty: none.
  std::span<const std::uint8_t> source_mask;
};

struct Seq2SeqResult {
  std::vector<std::vector<float>> encoder_attentions;  // per encoder layer [heads * n_src * n_src]
  std::vector<std::vector<float>> decoder_attentions;  // per decoder layer [heads * n_tgt * n_tgt] (causal)
  std::vector<std::vector<float>> cross_attentions;    // per decoder layer [heads * n_tgt * n_src]
  std::vector<float> encoder_hidden;                   // [n_src * d_model], after the encoder's final norm
  std::vector<float> hidden;                           // [n_tgt * d_model], after the decoder's final norm
  std::optional<LayerSteps> steps;                     // queries n_tgt (n_src for the encoder), keys n_src for cross
};

struct ForwardResult {
  std::vector<std::size_t> attention_layers;        // which layers `attentions` holds
  std::vector<std::vector<float>> attentions;       // per returned layer [num_heads * n * n]
  std::vector<std::vector<float>> value_norms;      // per returned layer [num_heads * n], if requested
  std::vector<float> hidden;                        // [n * d_model] (HiddenStates::last or all)
  std::vector<std::vector<float>> hidden_states;    // HiddenStates::all: num_layers + 1 of [n * d_model]
  std::optional<LayerSteps> steps;
  std::optional<VocabularyResult> vocabulary;       // when top_k or targets were asked for
};

class TransformerModel {
 public:
  TransformerModel(ModelConfig config, ModelWeights weights);

  const ModelConfig& config() const noexcept { return config_; }
  // The language-model head; usable when the checkpoint has one and its decoder is kept (tied, or
  // LoadOptions::keep_lm_head), else `problem` says why not.
  const LmHeadWeights& lm_head() const noexcept { return weights_.lm_head; }
  // Bytes of the weights held in memory, as stored (16-bit weights stay 16-bit).
  std::uint64_t stored_bytes() const noexcept { return weights_.stored_bytes; }

  // ids: 1..config().max_tokens() token ids, each in [0, vocab_size). Throws InvalidArgument
  // naming the problem (an id, a layer or head out of range, a mask of the wrong length).
  ForwardResult forward(std::span<const std::int32_t> ids, const ForwardRequest& request = {}) const;

  // Encoder–decoder models only (config().encoder_decoder), with teacher forcing: the encoder runs on
  // `source`, the decoder on `target` (used as given: a caller that starts from text puts
  // decoder_start_token_id in front). Each: 1..max_tokens ids in [0, vocab_size). Throws
  // InvalidArgument naming the argument (source, target, steps, source_mask) on bad input.
  Seq2SeqResult forward_seq2seq(std::span<const std::int32_t> source, std::span<const std::int32_t> target,
                                const Seq2SeqRequest& request = {}) const;

  // The decoder's side of an encoder–decoder config: its layers, heads, FF width and causal mask.
  const ModelConfig& decoder_config() const noexcept { return decoder_config_; }

 private:
  void build_decoder();

  ModelConfig config_;
  ModelWeights weights_;
  std::vector<MultiHeadAttention> attention_;  // one per (encoder) layer
  ModelConfig decoder_config_;
  std::vector<MultiHeadAttention> decoder_attention_, cross_attention_;  // one per decoder layer
};

}  // namespace attnscope::model

// load_transformer and the streaming loader.
#include "model/checkpoint.hpp"
