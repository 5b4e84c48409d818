// Embind glue for the head atlas of attentions the caller already has (web/attnscope/src/atlas.js;
// a model's own atlas goes through ModelHandle.headAtlas). As core_bindings.cpp: heap addresses in,
// scores written to the caller's buffers, an error string out.
#include <emscripten/bind.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "attention/atlas.hpp"
#include "guard.hpp"

namespace attnscope::bindings {
namespace {

using Address = std::uintptr_t;

// The layers of [layers * heads * n * n] contiguous floats at `address`.
std::vector<std::span<const float>> layers_at(Address address, std::size_t layers, std::size_t per_layer) {
  std::vector<std::span<const float>> out;
  for (std::size_t l = 0; l < layers; ++l) out.emplace_back(from_address<const float>(address) + l * per_layer, per_layer);
  return out;
}

// out: [7 * layers * heads] floats, the patterns in atlas::kPatternNames's order.
std::string atlasPatterns(Address attentions, std::size_t layers, std::size_t heads, std::size_t n, bool causal,
                          Address special, Address out) {
  return guarded([&] {
    const std::span<const std::uint8_t> keys{from_address<const std::uint8_t>(special), special ? n : 0};
    const atlas::PatternScores scores =
        atlas::score_patterns(layers_at(attentions, layers, heads * n * n), heads, {n, causal, keys});
    float* dst = from_address<float>(out);
    for (const std::vector<float>* values : scores.in_order()) dst = std::copy(values->begin(), values->end(), dst);
  });
}

// out: [layers * heads] floats.
std::string atlasInduction(Address attentions, std::size_t layers, std::size_t heads, std::size_t n,
                           std::size_t start, std::size_t period, Address out) {
  return guarded([&] {
    const std::vector<float> scores =
        atlas::score_induction(layers_at(attentions, layers, heads * n * n), heads, {n, start, period});
    std::copy(scores.begin(), scores.end(), from_address<float>(out));
  });
}

}  // namespace
}  // namespace attnscope::bindings

EMSCRIPTEN_BINDINGS(attnscope_atlas) {
  using namespace attnscope::bindings;
  emscripten::function("atlasPatterns", &atlasPatterns);
  emscripten::function("atlasInduction", &atlasInduction);
}
