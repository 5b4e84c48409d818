// Embind glue for real checkpoints (web/src/model.js is its only caller). As in core_bindings.cpp:
// heap addresses and sizes in, an error string out ("" = success, see guard.hpp), no logic beyond
// calling the core. The flow, driven by model.js:
//   parseConfig(config.json text)            fail fast (unsupported model_type ...) before downloading
//   weightBytes()                            for the memory check before the weights are allocated
//   loadWeights(address, size)               the whole model.safetensors, already in the heap
//   setTokenizerFile(name, text) ... loadTokenizer()
//   tokenize(text) or tokenizePair(a, b) -> lastIds() / lastTokens() / lastDisplayTokens() /
//   lastTypeIds() / lastSentenceBStart();  tokenOf(id)
//   run(ids address, n, attentions address, hidden address)
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "guard.hpp"
#include "model/config.hpp"
#include "model/transformer.hpp"
#include "model/weights.hpp"
#include "tokenizer_handle.hpp"

namespace attnscope::bindings {
namespace {

using Address = std::uintptr_t;
using emscripten::val;

class ModelHandle {
 public:
  std::string parseConfig(std::string config_json) {
    return guarded([&] { config_ = model::parse_config(config_json); });
  }

  // Float32 bytes of the converted weights (a double: exact for any size JS can hold).
  double weightBytes() const {
    return config_ ? static_cast<double>(model::weight_bytes(*config_)) : 0.0;
  }

  // The safetensors file at [address, address + size): validated, converted, then no longer needed.
  std::string loadWeights(Address address, std::size_t size, double max_weight_bytes) {
    return guarded([&] {
      if (!config_) throw InvalidArgument("loadModel: config.json has not been read");
      const std::uint64_t needed = model::weight_bytes(*config_);
      if (static_cast<double>(needed) > max_weight_bytes) {
        throw InvalidArgument("loadModel: the weights need " + std::to_string(needed >> 20) +
                              " MiB as float32, more than the " +
                              std::to_string(static_cast<std::uint64_t>(max_weight_bytes) >> 20) +
                              " MiB of wasm memory left");
      }
      const model::SafetensorsFile file({from_address<const std::uint8_t>(address), size});
      model_ = std::make_unique<model::TransformerModel>(*config_, model::read_weights(*config_, file));
    });
  }

  std::string setTokenizerFile(std::string name, std::string text) {
    return tokenizer_.setFile(std::move(name), std::move(text));
  }

  std::string loadTokenizer() {
    if (!config_) return guarded([] { throw InvalidArgument("loadModel: config.json has not been read"); });
    return tokenizer_.load(std::string(model::architecture_name(config_->architecture)));
  }

  bool hasTokenizer() const { return tokenizer_.loaded(); }

  val info() const {
    val o = val::object();
    if (!config_) return o;
    const model::ModelConfig& c = *config_;
    o.set("architecture", std::string(model::architecture_name(c.architecture)));
    o.set("numLayers", static_cast<double>(c.num_layers));
    o.set("numHeads", static_cast<double>(c.num_heads));
    o.set("dModel", static_cast<double>(c.d_model));
    o.set("dFF", static_cast<double>(c.d_ff));
    o.set("vocabSize", static_cast<double>(c.vocab_size));
    o.set("maxPositions", static_cast<double>(c.max_positions));
    o.set("maxTokens", static_cast<double>(c.max_tokens()));
    o.set("typeVocabSize", static_cast<double>(c.type_vocab_size));
    o.set("activation", c.activation_name);
    o.set("layerNormEps", static_cast<double>(c.layer_norm_eps));
    o.set("preLayerNorm", c.pre_layer_norm);
    o.set("causal", c.causal);
    return o;
  }

  std::string tokenize(std::string text, bool add_special_tokens) {
    if (!tokenizer_.loaded()) {
      return guarded([] { throw InvalidArgument("tokenize: this model was loaded without tokenizer files"); });
    }
    return tokenizer_.encode(std::move(text), add_special_tokens);
  }

  std::string tokenizePair(std::string a, std::string b, bool add_special_tokens) {
    if (!tokenizer_.loaded()) {
      return guarded([] { throw InvalidArgument("tokenize: this model was loaded without tokenizer files"); });
    }
    return tokenizer_.encodePair(std::move(a), std::move(b), add_special_tokens);
  }

  val lastIds() const { return tokenizer_.lastIds(); }
  val lastTokens() const { return tokenizer_.lastTokens(); }
  val lastDisplayTokens() const { return tokenizer_.lastDisplayTokens(); }
  val lastTypeIds() const { return tokenizer_.lastTypeIds(); }
  int lastSentenceBStart() const { return tokenizer_.lastSentenceBStart(); }
  // The vocabulary string of an id ("" without a tokenizer or for an id it does not know).
  std::string tokenOf(std::int32_t id) const { return tokenizer_.tokenOf(id); }

  // attentions: [layers][heads*n*n] contiguous (0 = not requested); hidden [n*d] (0 = not requested).
  std::string run(Address ids, std::size_t n, Address attentions, Address hidden) {
    return guarded([&] {
      if (!model_) throw InvalidArgument("run: the model's weights are not loaded");
      const model::ForwardResult r = model_->forward(
          {from_address<const std::int32_t>(ids), n}, {attentions != 0, hidden != 0});
      float* dst = from_address<float>(attentions);
      for (const auto& layer : r.attentions) {
        std::memcpy(dst, layer.data(), layer.size() * sizeof(float));
        dst += layer.size();
      }
      if (hidden) std::memcpy(from_address<float>(hidden), r.hidden.data(), r.hidden.size() * sizeof(float));
    });
  }

 private:
  std::optional<model::ModelConfig> config_;
  std::unique_ptr<model::TransformerModel> model_;
  TokenizerHandle tokenizer_;
};

}  // namespace
}  // namespace attnscope::bindings

EMSCRIPTEN_BINDINGS(attnscope_model) {
  using namespace attnscope::bindings;
  emscripten::class_<ModelHandle>("ModelHandle")
      .constructor<>()
      .function("parseConfig", &ModelHandle::parseConfig)
      .function("weightBytes", &ModelHandle::weightBytes)
      .function("loadWeights", &ModelHandle::loadWeights)
      .function("setTokenizerFile", &ModelHandle::setTokenizerFile)
      .function("loadTokenizer", &ModelHandle::loadTokenizer)
      .function("hasTokenizer", &ModelHandle::hasTokenizer)
      .function("info", &ModelHandle::info)
      .function("tokenize", &ModelHandle::tokenize)
      .function("tokenizePair", &ModelHandle::tokenizePair)
      .function("lastIds", &ModelHandle::lastIds)
      .function("lastTokens", &ModelHandle::lastTokens)
      .function("lastDisplayTokens", &ModelHandle::lastDisplayTokens)
      .function("lastTypeIds", &ModelHandle::lastTypeIds)
      .function("lastSentenceBStart", &ModelHandle::lastSentenceBStart)
      .function("tokenOf", &ModelHandle::tokenOf)
      .function("run", &ModelHandle::run);
}
