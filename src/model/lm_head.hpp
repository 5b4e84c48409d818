// The language-model head a checkpoint ships, read beside the base model, and the distribution over
// the vocabulary it gives each position:
//   logits = T(h)·Dᵀ + b,   p = softmax(logits) over the whole vocabulary
// where h is the last hidden state (pre-norm families: after the final norm), D [vocab, d_model] the
// decoder (the word embedding table when tie_word_embeddings) and T the family's transform:
//   BERT        cls.predictions.transform: LayerNorm(act(h·W + b)), act = hidden_act; bias cls.predictions.bias
//   RoBERTa     lm_head: LayerNorm(gelu(h·W + b)) (dense, layer_norm); bias lm_head.bias
//   DistilBERT  vocab_transform, act = activation, vocab_layer_norm (eps 1e-12); bias vocab_projector.bias
//   GPT-2       none (T(h) = h); no bias; an untied decoder is lm_head.weight
//   Llama family (Llama, Mistral, Qwen2/3, Gemma, Phi-3) as GPT-2: lm_head.weight or the tied embed_tokens
// D and W stay as stored (WeightMatrix: 16-bit weights stay 16-bit). A checkpoint without a head (a bare
// BertModel or LlamaModel, a head tensor missing) still loads; the head then says why it cannot predict.
// Head tensors that are present are checked like every other weight (shape, dtype, finite values).
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
#include "model/tensor_store.hpp"
#include "tensor/weight_matrix.hpp"

namespace attnscope::model {

struct LmHeadWeights {
  bool usable = false;
  std::string problem = "no language-model head was loaded";  // why not, when !usable
  // The transform (BERT family only): dense W [d, d] (nn.Linear [out, in]), its bias, the activation,
  // then a LayerNorm.
  WeightMatrix transform;
  std::vector<float> transform_bias;
  Activation activation = Activation::gelu_erf;
  std::vector<float> norm_gamma, norm_beta;
  float norm_eps = 1e-12f;
  WeightMatrix decoder;     // [vocab, d] (out_in); the word embedding table when tied
  std::vector<float> bias;  // [vocab] or empty
};

// Asks `store` for the family's head (planning, then loaded, as the weight readers do); `word_embeddings`
// is the tied decoder. An untied decoder is kept only with `keep_untied` (else checked, and the head
// says it was not kept). Never throws for a missing head: the result is then not usable and `problem`
// names the missing tensor.
LmHeadWeights read_lm_head(const ModelConfig& config, TensorStore& store, const WeightMatrix& word_embeddings,
                           bool keep_untied);

// Weights the head adds to the model's (its transform and bias; the untied decoder when kept).
std::uint64_t lm_head_parameter_count(const ModelConfig& config, bool keep_untied) noexcept;

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

// The head's distribution for every row of `hidden` [n, d]. Arguments are trusted (the model validates
// the request); ties in top-k go to the lower id.
VocabularyResult predict_vocabulary(const LmHeadWeights& head, const ModelConfig& config,
                                    std::span<const float> hidden, std::size_t n, const VocabularyRequest& request);

}  // namespace attnscope::model
