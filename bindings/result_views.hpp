// Embind views of a forward's outputs into the wasm heap (typed_memory_view: no copy; valid until
// the next call into the module, so JS copies them out at once). Used by model_bindings.cpp.
#pragma once
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <utility>
#include <vector>

#include "model/transformer.hpp"

namespace attnscope::bindings {

using emscripten::val;

inline val view(const std::vector<float>& values) {
  return val(emscripten::typed_memory_view(values.size(), values.data()));
}
inline val views(const std::vector<std::vector<float>>& all) {
  val list = val::array();
  for (const auto& values : all) list.call<void>("push", view(values));
  return list;
}

// One layer's steps as { layer, firstHead, numHeads, dHead, scale, kvHeads, x, q, k, v, scores, scaled,
// weights, headOutput, output, queries, keys }.
inline val steps_view(const model::LayerSteps& s) {
  val steps = val::object();
  steps.set("layer", s.layer);
  steps.set("firstHead", s.first_head);
  steps.set("numHeads", s.num_heads);
  steps.set("dHead", s.d_head);
  steps.set("scale", s.scale);
  steps.set("kvHeads", val::array(s.kv_heads.begin(), s.kv_heads.end()));
  const std::pair<const char*, const std::vector<float>*> arrays[] = {
      {"x", &s.x}, {"q", &s.q}, {"k", &s.k}, {"v", &s.v}, {"scores", &s.scores}, {"scaled", &s.scaled},
      {"weights", &s.weights}, {"headOutput", &s.head_output}, {"output", &s.output}};
  for (const auto& [name, values] : arrays) steps.set(name, view(*values));
  steps.set("queries", s.queries);
  steps.set("keys", s.keys);
  return steps;
}

}  // namespace attnscope::bindings
