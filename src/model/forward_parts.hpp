// Internal to transformer.cpp: the pieces of a forward pass that are not the layer loop itself.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "attention/multi_head.hpp"
#include "kernels/kernels.hpp"
#include "model/config.hpp"
#include "model/transformer.hpp"
#include "model/weights.hpp"

namespace attnscope::model::detail {

// The model's weights against its config (InvalidArgument "TransformerModel: <what> ..."): a norm's
// weight (and bias, unless RMSNorm) of d_model values; a matrix mapping `inputs` to `outputs` values.
void check_norm(const ModelConfig& c, const NormWeights& norm, const std::string& what);
void check_matrix(const WeightMatrix& m, std::size_t inputs, std::size_t outputs, const std::string& what);

// Checks everything a request names against the model and the input, before any work (predictions
// need a usable language-model head).
void validate_request(const ModelConfig& c, const LmHeadWeights& lm_head, std::span<const std::int32_t> ids,
                      const ForwardRequest& r);

// The kernels' activation of a config's.
kernels::Activation kernel_activation(Activation a);

// Which keys each query sees, per layer: the family's mask (none, causal, and for sliding-window
// layers causal within the window), with padding keys removed when an attention_mask is given.
class LayerMasks {
 public:
  LayerMasks(const ModelConfig& c, std::size_t n, std::span<const std::uint8_t> attention_mask);
  LayerMasks(const LayerMasks&) = delete;  // the masks point into their own buffers
  LayerMasks& operator=(const LayerMasks&) = delete;
  const Mask& of_layer(std::size_t layer) const { return config_.uses_sliding_window(layer) ? sliding_ : full_; }

 private:
  const ModelConfig& config_;
  std::vector<std::uint8_t> full_allowed_, sliding_allowed_;
  Mask full_, sliding_;
};

// x[n, d] = the token (and position, type) embeddings of `ids`.
void embed(const ModelConfig& c, const ModelWeights& w, std::span<const std::int32_t> ids,
           std::span<const std::int32_t> token_types, float* x);
// The same from given tables (`positions`, `types` may be empty): an encoder–decoder's decoder has its own.
void embed(const ModelConfig& c, const WeightMatrix& words, const WeightMatrix& positions, const WeightMatrix& types,
           std::span<const std::int32_t> ids, std::span<const std::int32_t> token_types, float* x);

// out = norm(in) over rows of d (LayerNorm or RMSNorm, as the family uses). In place allowed.
void normalize(const ModelConfig& c, const NormWeights& w, std::size_t n, const float* in, float* out);

// out (= or += when accumulate) MLP(in) for n rows; `inner` and `gate` hold [n, d_ff] each (gate only
// for gated MLPs).
void feed_forward(const ModelConfig& c, const MlpWeights& w, std::size_t n, const float* in, float* inner,
                  float* gate, float* out, bool accumulate);

// Hands one layer's attention its destinations and collects the steps of the requested heads.
class StepRecorder {
 public:
  // n queries; m keys (the context's length for cross-attention, 0: self-attention, m = n).
  StepRecorder(const MultiHeadAttention& attention, const StepsRequest& request, std::size_t n, std::size_t m = 0);
  // The destinations of the layer's forward; `weights` is the caller's when it keeps them anyway.
  void attach(MultiHeadOutputs& out, std::span<const float> x);
  LayerSteps finish(const MultiHeadAttention& attention, const MultiHeadOutputs& out);

 private:
  std::size_t n_, m_;
  LayerSteps steps_;
  std::vector<float> q_, k_, v_, heads_, weights_;
};

}  // namespace attnscope::model::detail
