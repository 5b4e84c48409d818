#include "attention/atlas.hpp"

#include <cmath>
#include <limits>
#include <string>

#include "util/checks.hpp"
#include "util/error.hpp"

namespace attnscope::atlas {
namespace {

constexpr std::string_view kPatterns = "headAtlas";
constexpr std::string_view kInduction = "headAtlas (induction)";
constexpr float kUndefined = std::numeric_limits<float>::quiet_NaN();

// Checks the layers' lengths and values; returns n*n.
std::size_t check_layers(std::string_view where, std::span<const std::span<const float>> layers,
                         std::size_t num_heads, std::size_t n) {
  if (layers.empty()) throw InvalidArgument(std::string(where) + ": no layers of attention were given");
  return checks::require_attention_layers(where, "attentions", layers, num_heads, n);
}

float mean(double sum, std::size_t count) {
  return count == 0 ? kUndefined : static_cast<float>(sum / static_cast<double>(count));
}

// One head's scores into slot `at` of each array.
void score_head(const float* a, const InputLayout& in, PatternScores& out, std::size_t at) {
  const std::size_t n = in.n;
  double previous = 0, next = 0, self = 0, first = 0, special = 0, entropy = 0, broad = 0;
  std::size_t broad_rows = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const float* row = a + i * n;
    if (i >= 1) previous += row[i - 1];
    if (i + 1 < n) next += row[i + 1];
    self += row[i];
    if (i >= 1) first += row[0];
    double h = 0;
    for (std::size_t j = 0; j < n; ++j) {
      const double w = row[j];
      if (w > 0) h -= w * std::log(w);
      if (j >= 1 && !in.special.empty() && in.special[j] != 0) special += w;
    }
    entropy += h;
    const std::size_t visible = in.causal ? i + 1 : n;
    if (visible >= 2) {
      broad += h / std::log(static_cast<double>(visible));
      ++broad_rows;
    }
  }
  out.previous_token[at] = mean(previous, n - 1);
  out.next_token[at] = mean(next, n - 1);
  out.self[at] = mean(self, n);
  out.first_token[at] = mean(first, n - 1);
  out.special[at] = mean(special, n);
  out.entropy[at] = mean(entropy, n);
  out.broad[at] = mean(broad, broad_rows);
}

}  // namespace

PatternScores score_patterns(std::span<const std::span<const float>> layers, std::size_t num_heads,
                             const InputLayout& input) {
  const std::size_t nn = check_layers(kPatterns, layers, num_heads, input.n);
  if (!input.special.empty()) {
    checks::require_length(kPatterns, "special", input.special.size(), input.n, "[n] or empty");
  }
  PatternScores out;
  out.num_layers = layers.size();
  out.num_heads = num_heads;
  const std::size_t count = layers.size() * num_heads;
  for (auto* scores : {&out.previous_token, &out.next_token, &out.self, &out.first_token, &out.special,
                       &out.entropy, &out.broad}) {
    scores->assign(count, 0.0f);
  }
  for (std::size_t l = 0; l < layers.size(); ++l) {
    for (std::size_t h = 0; h < num_heads; ++h) score_head(layers[l].data() + h * nn, input, out, l * num_heads + h);
  }
  return out;
}

std::vector<float> score_induction(std::span<const std::span<const float>> layers, std::size_t num_heads,
                                   const ProbeLayout& probe) {
  const std::size_t n = probe.n, nn = check_layers(kInduction, layers, num_heads, n);
  if (probe.period == 0) throw InvalidArgument(std::string(kInduction) + ": the probe's period must be at least 1");
  if (probe.start > n || probe.period > (n - probe.start) / 2) {
    throw InvalidArgument(std::string(kInduction) + ": two copies of " + std::to_string(probe.period) +
                          " tokens from position " + std::to_string(probe.start) + " do not fit in " +
                          std::to_string(n) + " tokens");
  }
  const std::size_t s = probe.start, t_count = probe.period;
  std::vector<float> out(layers.size() * num_heads);
  for (std::size_t l = 0; l < layers.size(); ++l) {
    for (std::size_t h = 0; h < num_heads; ++h) {
      const float* a = layers[l].data() + h * nn;
      double sum = 0;
      for (std::size_t t = 0; t < t_count; ++t) sum += a[(s + t_count + t) * n + (s + t + 1)];
      out[l * num_heads + h] = mean(sum, t_count);
    }
  }
  return out;
}

}  // namespace attnscope::atlas
