// Embind glue for real checkpoints (web/src/model.js is its only caller). As in core_bindings.cpp:
// heap addresses and sizes in, an error string out ("" = success, see guard.hpp), no logic beyond
// calling the core. The flow, driven by model.js:
//   parseConfig(config.json text)            fail fast (unsupported model_type ...) before downloading
//   weightBytes()                            for the memory check before anything is downloaded
//   startWeights(index text or "")           model.safetensors, or the shards of model.safetensors.index.json
//   weightFiles()                            the files to stream, each:
//     beginWeightFile(name, size, budget); feedWeights(address, length)...; endWeightFile()
//   finishWeights()                          checks the values, builds the model
//   setTokenizerFile(name, text) ... loadTokenizer()
//   tokenize(text) or tokenizePair(a, b) -> lastIds() / lastTokens() / lastDisplayTokens() /
//   lastTypeIds() / lastSentenceBStart();  tokenOf(id)
//   run(ids address, n, request) or runSeq2Seq(source, n_src, target, n_tgt, request) -> result() (views of the
//   outputs, copied out by JS) -> releaseResult()
//   headAtlas(ids address, n, request) -> atlasResult() -> releaseResult()
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "guard.hpp"
#include "attention/atlas.hpp"
#include "model/checkpoint.hpp"
#include "model/config.hpp"
#include "model/head_atlas.hpp"
#include "model/transformer.hpp"
#include "result_views.hpp"
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

  // Bytes the weights take as stored (at least, when config.json has no torch_dtype), the language-model
  // head's included (it is kept for predictions); a double is exact for any size JS can hold.
  double weightBytes() const {
    return config_ ? static_cast<double>(model::weight_bytes(*config_, true)) : 0.0;
  }

  // Starts reading the weights: one model.safetensors (index_json empty) or an index's shards.
  std::string startWeights(std::string index_json) {
    return guarded([&] {
      if (!config_) throw InvalidArgument("loadModel: config.json has not been read");
      model_.reset();
      loader_.reset();
      // The budget each file is given (what the heap has left) is the limit, not a fixed maximum.
      // The language-model head is kept: model.run's predictions and the atlas's copying scores use it.
      const model::LoadOptions options{.max_weight_bytes = UINT64_MAX, .keep_lm_head = true};
      if (index_json.empty()) {
        loader_ = std::make_unique<model::CheckpointLoader>(*config_, options);
      } else {
        loader_ = std::make_unique<model::CheckpointLoader>(*config_, model::parse_shard_index(index_json), options);
      }
    });
  }

  val weightFiles() const {
    val list = val::array();
    if (loader_) for (const auto& name : loader_->files()) list.call<void>("push", name);
    return list;
  }

  // `budget`: bytes the weights of this file may still take in the heap.
  std::string beginWeightFile(std::string name, double size, double budget) {
    return guarded([&] {
      loader().begin_file(name, static_cast<std::uint64_t>(size),
                          budget <= 0 ? 0 : static_cast<std::uint64_t>(budget));
    });
  }

  std::string feedWeights(Address address, std::size_t length) {
    return guarded([&] { loader().feed({from_address<const std::uint8_t>(address), length}); });
  }

  std::string endWeightFile() {
    return guarded([&] { loader().end_file(); });
  }

  std::string finishWeights() {
    return guarded([&] {
      auto done = std::move(loader_);  // freed on every outcome: a failed load keeps nothing
      if (!done) throw InvalidArgument("loadModel: the weights were not started");
      model_ = std::make_unique<model::TransformerModel>(done->finish());
    });
  }

  // Frees a partly read checkpoint (a failed or cancelled load).
  void abandonWeights() { loader_.reset(); }

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
    o.set("numKvHeads", static_cast<double>(c.num_kv_heads));
    o.set("dHead", static_cast<double>(c.d_head));
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
    o.set("normalization", std::string(c.rms_norm ? "rms" : "layer"));
    o.set("gatedMlp", c.gated_mlp);
    o.set("qkNorm", c.qk_norm);
    o.set("rotaryDim", static_cast<double>(c.rope.rotary_dim));
    o.set("ropeTheta", c.rope.rotary_dim ? c.rope.theta : 0.0);
    o.set("ropeScaling", std::string(c.rope.scaling == model::RopeScaling::linear   ? "linear"
                                     : c.rope.scaling == model::RopeScaling::llama3 ? "llama3"
                                                                                    : "none"));
    o.set("ropeFactor", c.rope.factor);
    o.set("slidingWindow", static_cast<double>(c.sliding_window));
    val sliding = val::array();
    for (std::size_t l = 0; l < c.num_layers; ++l) {
      if (c.uses_sliding_window(l)) sliding.call<void>("push", static_cast<double>(l));
    }
    o.set("slidingLayers", sliding);
    o.set("tieWordEmbeddings", c.tie_word_embeddings);
    o.set("weightBytes", model_ ? static_cast<double>(model_->stored_bytes()) : 0.0);
    o.set("storedBytesHint", static_cast<double>(c.stored_bytes_hint));
    if (model_) {
      o.set("lmHead", model_->lm_head().usable);
      o.set("lmHeadProblem", model_->lm_head().problem);
    }
    o.set("encoderDecoder", c.encoder_decoder);
    if (c.encoder_decoder) {
      o.set("decoderLayers", static_cast<double>(c.decoder_layers));
      o.set("decoderHeads", static_cast<double>(c.decoder_heads));
      o.set("decoderDFF", static_cast<double>(c.decoder_d_ff));
      o.set("decoderStartTokenId", static_cast<double>(c.decoder_start_token_id));
      o.set("padTokenId", static_cast<double>(c.pad_token_id));
      o.set("relativeBuckets", static_cast<double>(c.relative_buckets));
    }
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

  // request: { attentions: bool, layers: number[] (empty: all), hidden: 0 none | 1 last | 2 all,
  //            stepsLayer: -1 or a layer, stepsHead: -1 (every head) or a head, valueNorms: bool,
  //            mask: address of n bytes or 0, types: address of n int32 or 0, topK: 0 or k,
  //            headMask: address of numLayers*numHeads floats or 0 }.
  // The outputs stay in the handle until releaseResult() or the next run.
  std::string run(Address ids, std::size_t n, val request) {
    return guarded([&] {
      result_.reset();
      if (!model_) throw InvalidArgument("run: the model's weights are not loaded");
      model::ForwardRequest r;
      r.attentions = request["attentions"].as<bool>();
      for (int layer : emscripten::vecFromJSArray<int>(request["layers"])) {
        r.attention_layers.push_back(static_cast<std::size_t>(layer));
      }
      r.hidden = static_cast<model::HiddenStates>(request["hidden"].as<int>());
      if (const int layer = request["stepsLayer"].as<int>(); layer >= 0) {
        const int head = request["stepsHead"].as<int>();
        r.steps = model::StepsRequest{static_cast<std::size_t>(layer),
                                      head >= 0 ? std::optional<std::size_t>(head) : std::nullopt};
      }
      r.value_norms = request["valueNorms"].as<bool>();
      if (const auto mask = request["mask"].as<Address>()) r.attention_mask = {from_address<const std::uint8_t>(mask), n};
      if (const auto types = request["types"].as<Address>()) r.token_types = {from_address<const std::int32_t>(types), n};
      r.top_k = request["topK"].as<std::size_t>();
      if (const auto head_mask = request["headMask"].as<Address>()) {
        r.head_mask = {from_address<const float>(head_mask), model_->config().num_layers * model_->config().num_heads};
      }
      result_ = model_->forward({from_address<const std::int32_t>(ids), n}, r);
    });
  }

  // Encoder–decoder models. request: { attentions: bool, hidden: bool, stepsLayer: -1 or a layer,
  // stepsHead: -1 or a head, stepsKind: 0 encoder | 1 decoder | 2 cross, mask: address of ns bytes or 0 }.
  std::string runSeq2Seq(Address source, std::size_t ns, Address target, std::size_t nt, val request) {
    return guarded([&] {
      result_.reset();
      seq2seq_result_.reset();
      if (!model_) throw InvalidArgument("run: the model's weights are not loaded");
      model::Seq2SeqRequest r;
      r.attentions = request["attentions"].as<bool>();
      r.hidden = request["hidden"].as<bool>();
      if (const int layer = request["stepsLayer"].as<int>(); layer >= 0) {
        const int head = request["stepsHead"].as<int>();
        r.steps = model::StepsRequest{static_cast<std::size_t>(layer),
                                      head >= 0 ? std::optional<std::size_t>(head) : std::nullopt};
        r.steps_kind = static_cast<model::AttentionKind>(request["stepsKind"].as<int>());
      }
      if (const auto mask = request["mask"].as<Address>()) r.source_mask = {from_address<const std::uint8_t>(mask), ns};
      seq2seq_result_ = model_->forward_seq2seq({from_address<const std::int32_t>(source), ns},
                                                {from_address<const std::int32_t>(target), nt}, r);
    });
  }

  // Views of the last run's outputs into the wasm heap: valid until the next call into the module.
  val result() const {
    if (seq2seq_result_) return seq2seqResult();
    val o = val::object();
    if (!result_) return o;
    const model::ForwardResult& r = *result_;
    o.set("attentionLayers", val::array(r.attention_layers.begin(), r.attention_layers.end()));
    o.set("attentions", views(r.attentions));
    o.set("valueNorms", views(r.value_norms));
    if (!r.hidden.empty()) o.set("hidden", view(r.hidden));
    o.set("hiddenStates", views(r.hidden_states));
    if (r.steps) o.set("steps", steps_view(*r.steps));
    if (r.vocabulary) {
      o.set("topK", r.vocabulary->k);
      o.set("topIds", val(emscripten::typed_memory_view(r.vocabulary->top_ids.size(), r.vocabulary->top_ids.data())));
      o.set("topProbs", view(r.vocabulary->top_probs));
    }
    return o;
  }

  // request: { special: address of n bytes or 0 (the marker tokens), types: address of n int32 or 0, probe: null or
  // { period, seed, copying, maskId, prefix: ids, suffix: ids } }. The probe never draws the
  // tokenizer's marker tokens ([CLS], <s>, [unused0] …).
  std::string headAtlas(Address ids, std::size_t n, val request) {
    return guarded([&] {
      atlas_.reset();
      if (!model_) throw InvalidArgument("headAtlas: the model's weights are not loaded");
      model::HeadAtlasRequest r;
      r.ids = {from_address<const std::int32_t>(ids), n};
      // The special keys: the caller's, else the positions of marker tokens ([SEP], </s>, <|endoftext|> …).
      const std::uint8_t* given = from_address<const std::uint8_t>(request["special"].as<Address>());
      atlas_special_.assign(n, 0);
      for (std::size_t i = 0; i < n; ++i) {
        atlas_special_[i] = given ? given[i] != 0
                                  : tokenizer_.loaded() && model::is_marker_token(tokenizer_.tokenOf(r.ids[i]));
      }
      r.special = atlas_special_;
      if (const auto types = request["types"].as<Address>()) r.token_types = {from_address<const std::int32_t>(types), n};
      if (const val probe = request["probe"]; !probe.isNull()) {
        model::ProbeRequest p;
        p.period = probe["period"].as<std::size_t>();
        p.seed = static_cast<std::uint64_t>(probe["seed"].as<double>());
        p.copying = probe["copying"].as<bool>();
        p.mask_id = probe["maskId"].as<std::int32_t>();
        p.prefix = emscripten::vecFromJSArray<std::int32_t>(probe["prefix"]);
        p.suffix = emscripten::vecFromJSArray<std::int32_t>(probe["suffix"]);
        if (tokenizer_.loaded()) {
          p.excluded.resize(model_->config().vocab_size);
          for (std::size_t id = 0; id < p.excluded.size(); ++id) {
            p.excluded[id] = model::is_marker_token(tokenizer_.tokenOf(static_cast<std::int32_t>(id)));
          }
        }
        r.probe = std::move(p);
      }
      atlas_ = model::head_atlas(*model_, r);
    });
  }

  // Views of the last atlas (valid until the next call into the module).
  val atlasResult() const {
    val o = val::object();
    if (!atlas_) return o;
    const model::HeadAtlas& a = *atlas_;
    o.set("specialKeys", val(emscripten::typed_memory_view(atlas_special_.size(), atlas_special_.data())));
    if (a.patterns) {
      val patterns = val::object();
      const auto arrays = a.patterns->in_order();
      for (std::size_t i = 0; i < arrays.size(); ++i) patterns.set(atlas::kPatternNames[i], view(*arrays[i]));
      o.set("patterns", patterns);
    }
    if (!a.induction.empty()) {
      o.set("induction", view(a.induction));
      o.set("probeIds", val(emscripten::typed_memory_view(a.probe_ids.size(), a.probe_ids.data())));
      o.set("probeStart", a.probe_start);
      o.set("probePeriod", a.probe_period);
    }
    if (!a.copying.empty()) {
      o.set("copying", view(a.copying));
      o.set("probeLoss", a.probe_loss);
      o.set("probeTargets", val(emscripten::typed_memory_view(a.probe_targets.size(), a.probe_targets.data())));
    }
    return o;
  }

  val seq2seqResult() const {
    const model::Seq2SeqResult& r = *seq2seq_result_;
    val o = val::object();
    o.set("encoderAttentions", views(r.encoder_attentions));
    o.set("decoderAttentions", views(r.decoder_attentions));
    o.set("crossAttentions", views(r.cross_attentions));
    if (!r.hidden.empty()) {
      o.set("encoderHidden", view(r.encoder_hidden));
      o.set("hidden", view(r.hidden));
    }
    if (r.steps) o.set("steps", steps_view(*r.steps));
    return o;
  }

  void releaseResult() {
    result_.reset();
    atlas_.reset();
    seq2seq_result_.reset();
  }

 private:
  std::optional<model::ModelConfig> config_;
  std::unique_ptr<model::CheckpointLoader> loader_;
  std::unique_ptr<model::TransformerModel> model_;
  std::optional<model::ForwardResult> result_;
  std::optional<model::HeadAtlas> atlas_;
  std::vector<std::uint8_t> atlas_special_;
  std::optional<model::Seq2SeqResult> seq2seq_result_;
  TokenizerHandle tokenizer_;

  model::CheckpointLoader& loader() {
    if (!loader_) throw InvalidArgument("loadModel: the weights were not started");
    return *loader_;
  }
};

}  // namespace
}  // namespace attnscope::bindings

EMSCRIPTEN_BINDINGS(attnscope_model) {
  using namespace attnscope::bindings;
  emscripten::class_<ModelHandle>("ModelHandle")
      .constructor<>()
      .function("parseConfig", &ModelHandle::parseConfig)
      .function("weightBytes", &ModelHandle::weightBytes)
      .function("startWeights", &ModelHandle::startWeights)
      .function("weightFiles", &ModelHandle::weightFiles)
      .function("beginWeightFile", &ModelHandle::beginWeightFile)
      .function("feedWeights", &ModelHandle::feedWeights)
      .function("endWeightFile", &ModelHandle::endWeightFile)
      .function("finishWeights", &ModelHandle::finishWeights)
      .function("abandonWeights", &ModelHandle::abandonWeights)
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
      .function("run", &ModelHandle::run)
      .function("runSeq2Seq", &ModelHandle::runSeq2Seq)
      .function("result", &ModelHandle::result)
      .function("headAtlas", &ModelHandle::headAtlas)
      .function("atlasResult", &ModelHandle::atlasResult)
      .function("releaseResult", &ModelHandle::releaseResult);
}
