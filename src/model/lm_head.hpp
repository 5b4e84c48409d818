// The language-model head a checkpoint ships, read beside the base model, and the distribution over
// the vocabulary it gives each position:
//   logits = T(h)·Dᵀ + b,   p = softmax(logits) over the whole vocabulary
// where h is the last hidden state (GPT-2: after ln_f), D [vocab, d_model] the decoder (the word
// embedding table when tie_word_embeddings, the default) and T the family's transform:
//   BERT        cls.predictions.transform: LayerNorm(act(h·W + b)), act = hidden_act; bias cls.predictions.bias
//   RoBERTa     lm_head: LayerNorm(gelu(h·W + b)) (dense, layer_norm); bias lm_head.bias
//   DistilBERT  vocab_transform, act = activation, vocab_layer_norm (eps 1e-12); bias vocab_projector.bias
//   GPT-2       none (T(h) = h); no bias; an untied decoder is lm_head.weight
// A checkpoint without a usable head (a bare BertModel, a head tensor missing or of the wrong shape)
// still loads; the head then says why it cannot predict.
//
// The vocabulary projection is streamed in chunks of rows of D: per position a running maximum and
// sum of exp (an online softmax) and the k best logits so far, so the [n, vocab] logits never exist.
// Without top-k only the positions that have a target are projected.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "model/config.hpp"
#include "model/safetensors.hpp"

namespace attnscope::model {

struct LmHeadWeights {
  bool usable = false;
  std::string problem = "no language-model head was loaded";  // why not, when !usable
  // The transform (empty for GPT-2): dense W [d, d] stored as nn.Linear's [out, in], its bias,
  // the activation, then a LayerNorm.
  std::vector<float> transform_weight, transform_bias;
  Activation activation = Activation::gelu_erf;
  std::vector<float> norm_gamma, norm_beta;
  float norm_eps = 1e-12f;
  std::vector<float> decoder;  // [vocab, d]; empty when tied to the word embeddings
  std::vector<float> bias;     // [vocab] or empty
};

// Reads the family's head from the file. Never throws for a missing or malformed head: the result is
// then not usable and `problem` names the tensor and what is wrong.
LmHeadWeights read_lm_head(const ModelConfig& config, const SafetensorsFile& file);

// Float32 bytes the head may add to the model's weights (an upper bound, for the memory check).
std::uint64_t lm_head_bytes(const ModelConfig& config) noexcept;

struct VocabularyRequest {
  std::size_t top_k = 0;                  // 0: no top-k
  std::span<const std::int32_t> targets;  // [n] or empty: log p(targets[i]) at position i; -1 = none
};

struct VocabularyResult {
  std::size_t k = 0;
  std::vector<std::int32_t> top_ids;       // [n, k]: per position the k most probable ids, most probable first
  std::vector<float> top_probs;            // [n, k]
  std::vector<float> target_log_probs;     // [n] (NaN where targets[i] is -1), when targets were given
};

// The head's distribution for every row of `hidden` [n, d]. `word_embeddings` [vocab, d] is the tied
// decoder. Arguments are trusted (the model validates the request); ties in top-k go to the lower id.
VocabularyResult predict_vocabulary(const LmHeadWeights& head, const ModelConfig& config,
                                    std::span<const float> word_embeddings, std::span<const float> hidden,
                                    std::size_t n, const VocabularyRequest& request);

}  // namespace attnscope::model
