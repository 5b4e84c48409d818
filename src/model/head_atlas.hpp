// The head atlas of a loaded model (attention/atlas.hpp has the pattern definitions):
//   - the attention patterns of every head on the caller's input;
//   - on request, a probe: T distinct random tokens repeated twice (the tokenizer's own prefix and
//     suffix around them), run through the model, giving each head's induction score;
//   - on request, each head's copying score: how much the probe's second-copy loss rises when the
//     head is ablated (its attention weights multiplied by 0, Hugging Face's head_mask):
//       copying(l, h) = L(head_mask with (l, h) = 0) − L(no mask)
//     where L is the mean over the scored positions of −ln p(expected token), from the model's own
//     language-model head. Decoders (causal): the positions s+T+t, t = 0 .. T−2, each predicting the
//     next token of the second copy, s+T+t+1. Encoders (masked LM): the second copy's tokens at odd t
//     are replaced by the mask token, and each is predicted at its own position.
//     One extra forward per head: a positive score says the model needs the head to continue the
//     repeated sequence.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "attention/atlas.hpp"
#include "model/transformer.hpp"

namespace attnscope::model {

struct ProbeRequest {
  std::size_t period = 0;                 // T, the tokens of one copy (≥ 2)
  std::uint64_t seed = 0;                 // which random tokens
  std::vector<std::int32_t> prefix, suffix;  // the tokenizer's wrapping ([CLS] … [SEP]), possibly empty
  std::vector<std::uint8_t> excluded;     // [vocab] (nonzero = never drawn) or empty
  bool copying = false;                   // also the ablation scores (needs a language-model head)
  std::int32_t mask_id = -1;              // encoders: the mask token, needed for copying
};

struct HeadAtlasRequest {
  std::span<const std::int32_t> ids{};          // the input whose patterns are scored (may be empty with a probe)
  std::span<const std::uint8_t> special{};      // [n] special key positions, or empty
  std::span<const std::int32_t> token_types{};  // [n] or empty
  std::optional<ProbeRequest> probe{};
};

struct HeadAtlas {
  std::optional<atlas::PatternScores> patterns;  // when ids were given
  // With a probe:
  std::vector<std::int32_t> probe_ids;
  std::size_t probe_start = 0, probe_period = 0;
  std::vector<float> induction;                  // [num_layers * num_heads]
  std::vector<float> copying;                    // [num_layers * num_heads] when asked for
  float probe_loss = 0.0f;                       // L(no mask), when copying
  std::vector<std::int32_t> probe_targets;       // [probe n]: the expected token at each scored position, else -1
};

// Token strings that mark rather than spell text ("[CLS]", "[unused3]", "<s>", "<|endoftext|>", ""):
// the probe never draws them.
bool is_marker_token(std::string_view token) noexcept;

// The probe's ids: prefix, T distinct ids drawn (splitmix64 from `seed`, uniformly among the ids not
// excluded), the same T again, suffix. Throws InvalidArgument when it does not fit or there are too
// few ids to draw from.
std::vector<std::int32_t> repeat_probe(const ModelConfig& config, const ProbeRequest& probe);

// Throws InvalidArgument naming the problem (nothing to do, an empty input without a probe, bad ids,
// copying without a language-model head or, for an encoder, without a mask token).
HeadAtlas head_atlas(const TransformerModel& model, const HeadAtlasRequest& request);

}  // namespace attnscope::model
