// The weights of a transformer in the one form the forward pass uses, read from a checkpoint whatever
// its family's names and conventions. Matrices are WeightMatrix views of the tensors as stored
// (dtype and layout: nn.Linear's [out, in], GPT-2's Conv1D [in, out], fused Q|K|V kept fused);
// norms and biases are float32. The attention weights are MultiHeadAttention's, so every layer
// runs the core's one attention path.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "attention/multi_head.hpp"
#include "model/config.hpp"
#include "model/lm_head.hpp"
#include "model/tensor_store.hpp"
#include "tensor/weight_matrix.hpp"

namespace attnscope::model {

struct NormWeights {
  std::vector<float> gamma;  // [d]
  std::vector<float> beta;   // [d]; empty for RMSNorm
};

// BERT / GPT-2: act(x·W_up + b)·W_down + b.  Gated (Llama family): (act(x·W_gate) ⊙ x·W_up)·W_down.
struct MlpWeights {
  WeightMatrix up, gate, down;                 // gate empty unless the MLP is gated
  std::vector<float> b_up, b_gate, b_down;     // empty: no bias
};

struct LayerWeights {
  StoredAttentionWeights attention;
  NormWeights ln_attention;  // post-LN: after the attention residual; pre-LN: before attention
  MlpWeights mlp;
  NormWeights ln_ffn;        // post-LN: after the MLP residual; pre-LN: before the MLP
  // Decoder layers of encoder–decoder models: attention from the decoder to the encoder's output.
  StoredAttentionWeights cross_attention;
  NormWeights ln_cross;      // post-LN: after the cross-attention residual; pre-LN: before it
};

struct ModelWeights {
  WeightMatrix word_embeddings;        // [vocab, d] (out_in: row = token)
  WeightMatrix position_embeddings;    // [max_positions, d]; empty with rotary embeddings
  WeightMatrix token_type_embeddings;  // [type_vocab, d]; empty when the family has none
  NormWeights embedding_ln;            // BERT family; empty otherwise
  std::vector<LayerWeights> layers;
  NormWeights final_ln;                // pre-LN families' final norm; empty for the BERT family
  // The language-model head (lm_head.hpp): its decoder is the embedding matrix when tied, an untied
  // one only when LoadOptions::keep_lm_head asked for it.
  LmHeadWeights lm_head;
  std::uint64_t stored_bytes = 0;  // bytes of the tensors kept in memory (set by the loader)

  // Encoder–decoder models: the fields above are the encoder's (word_embeddings shared by both
  // stacks), these the decoder's.
  std::vector<LayerWeights> decoder_layers;
  WeightMatrix decoder_position_embeddings;  // BART, mBART; empty for T5 and (computed) Marian
  NormWeights decoder_embedding_ln;          // BART, mBART
  NormWeights decoder_final_ln;              // mBART, T5
  // T5's relative position bias [buckets, heads] (relative_attention_bias.weight of each stack's layer 0).
  WeightMatrix encoder_relative_bias, decoder_relative_bias;  // out_in: row = bucket
};

// Number of weights the model's matrices, norms and biases hold (without an untied LM head).
std::uint64_t parameter_count(const ModelConfig& config) noexcept;

// Asks `store` for every weight the config calls for (see tensor_store.hpp: once to plan, once to
// read), and for the language-model head when the checkpoint has one (lm_head.hpp). Throws
// InvalidArgument naming a missing tensor (and the names tried). Tensors the forward pass does not use
// (poolers, task heads, old attention-mask buffers) are never asked for.
ModelWeights read_weights(const ModelConfig& config, TensorStore& store, bool keep_lm_head);

}  // namespace attnscope::model
