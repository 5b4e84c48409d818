// The head atlas: for every head, scores for the attention patterns the interpretability literature
// names (Clark et al. 2019, "What does BERT look at?"; Olsson et al. 2022 on induction heads; Xiao et
// al. 2023 on attention sinks), computed from the head's attention weights A ([n, n], row i = query i,
// rows summing to 1 over the keys query i may see):
//
//   previous_token  mean over i = 1 .. n−1 of A[i, i−1]
//   next_token      mean over i = 0 .. n−2 of A[i, i+1]            (0 in a causal model)
//   self            mean over i = 0 .. n−1 of A[i, i]
//   first_token     mean over i = 1 .. n−1 of A[i, 0]              (the sink: [CLS], <s>, BOS)
//   special         mean over i = 0 .. n−1 of Σ_{j ∈ S} A[i, j]    S: the marked key positions other
//                                                                  than 0 ([SEP], </s>, <|endoftext|>)
//   entropy         mean over i of H_i = −Σ_j A[i, j]·ln A[i, j]    (nats, 0·ln 0 = 0)
//   broad           mean over the rows i with k_i ≥ 2 keys visible of H_i / ln k_i, in [0, 1]
//                   (1 = uniform over what the row may see); k_i = n, or i + 1 when causal
//   induction       on a probe of T tokens repeated (first copy at s, second at s + T): mean over
//                   t = 0 .. T−1 of A[s+T+t, s+t+1], the weight from a token of the second copy on
//                   the token after its earlier occurrence (TransformerLens's diagonal offset 1−T)
//
// A mean over no query (n = 1 for previous_token) is NaN. Scores are accumulated in double.
// Every array of scores is [num_layers * num_heads], layer-major.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace attnscope::atlas {

struct PatternScores {
  std::size_t num_layers = 0, num_heads = 0;
  std::vector<float> previous_token, next_token, self, first_token, special, entropy, broad;

  // The seven arrays in the order of kPatternNames (the bindings hand them over in it).
  std::array<const std::vector<float>*, 7> in_order() const {
    return {&previous_token, &next_token, &self, &first_token, &special, &entropy, &broad};
  }
};

inline constexpr std::array<const char*, 7> kPatternNames = {
    "previous_token", "next_token", "self", "first_token", "special", "entropy", "broad"};

// What the scores need to know about the input besides the weights.
struct InputLayout {
  std::size_t n = 0;                      // tokens
  bool causal = false;                    // query i sees keys 0 .. i (for `broad`'s k_i)
  std::span<const std::uint8_t> special{};  // [n] (nonzero = special key) or empty (none)
};

// Scores every head of every layer; `layers[l]` is layer l's weights [num_heads * n * n], head-major.
// Throws InvalidArgument naming the problem (no layer, n = 0, a layer of the wrong length, a weight
// that is not finite, `special` of the wrong length).
PatternScores score_patterns(std::span<const std::span<const float>> layers, std::size_t num_heads,
                             const InputLayout& input);

// Where the repeated probe sits in its input: copies at [start, start + period) and
// [start + period, start + 2·period).
struct ProbeLayout {
  std::size_t n = 0;
  std::size_t start = 0;
  std::size_t period = 0;
};

// The induction score of every head ([num_layers * num_heads]) from the probe's attentions. Throws
// InvalidArgument when period is 0 or the copies do not fit in n, or a layer has the wrong length.
std::vector<float> score_induction(std::span<const std::span<const float>> layers, std::size_t num_heads,
                                   const ProbeLayout& probe);

}  // namespace attnscope::atlas
