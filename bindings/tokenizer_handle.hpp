// The tokenizer side of the bindings, shared by the standalone TokenizerHandle
// (tokenizer_bindings.cpp) and the model's handle (model_bindings.cpp), which owns one.
// Calls return an error string ("" = success, see guard.hpp) and never throw into JavaScript.
// Text arrives as UTF-8 (Embind's std::string); callers pass well-formed strings
// (String.prototype.toWellFormed), since a lone surrogate does not survive that conversion.
#pragma once
#include <emscripten/val.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "guard.hpp"
#include "tokenizers/loader.hpp"

namespace attnscope::bindings {

class TokenizerHandle {
 public:
  using val = emscripten::val;

  bool loaded() const { return tokenizer_ != nullptr; }

  std::string setFile(std::string name, std::string text) {
    return guarded([&] {
      if (name == "vocab.txt") files_.vocab_txt = std::move(text);
      else if (name == "vocab.json") files_.vocab_json = std::move(text);
      else if (name == "merges.txt") files_.merges_txt = std::move(text);
      else if (name == "tokenizer.json") files_.tokenizer_json = std::move(text);
      else if (name == "tokenizer_config.json") files_.tokenizer_config_json = std::move(text);
      else throw InvalidArgument("tokenizer: unknown file '" + name + "' (expected vocab.txt, vocab.json, "
                                 "merges.txt, tokenizer.json or tokenizer_config.json)");
    });
  }

  std::string load(std::string model_type) {
    return guarded([&] {
      tokenizer_ = tokenizers::load_tokenizer(model_type, files_);
      files_ = {};  // the tokenizer keeps what it needs
    });
  }

  std::string encode(std::string text, bool add_special_tokens) {
    return guarded([&] {
      if (!tokenizer_) throw InvalidArgument("tokenizer: load() has not succeeded yet");
      last_ = tokenizer_->encode(text, add_special_tokens);
    });
  }

  // A sentence pair (sentence B after A, as the tokenizer's post-processor puts them).
  std::string encodePair(std::string a, std::string b, bool add_special_tokens) {
    return guarded([&] {
      if (!tokenizer_) throw InvalidArgument("tokenizer: load() has not succeeded yet");
      last_ = tokenizer_->encode_pair(a, b, add_special_tokens);
    });
  }

  val lastIds() const {
    val ids = val::global("Int32Array").new_(last_.ids.size());
    ids.call<void>("set", val(emscripten::typed_memory_view(last_.ids.size(), last_.ids.data())));
    return ids;
  }

  val lastTokens() const { return strings(last_.tokens); }
  val lastDisplayTokens() const { return strings(last_.display); }

  val lastTypeIds() const {
    val ids = val::global("Int32Array").new_(last_.type_ids.size());
    ids.call<void>("set", val(emscripten::typed_memory_view(last_.type_ids.size(), last_.type_ids.data())));
    return ids;
  }

  // Index of sentence B's first token, -1 after a single sequence.
  int lastSentenceBStart() const { return last_.sentence_b_start; }

  double vocabSize() const { return tokenizer_ ? static_cast<double>(tokenizer_->vocab_size()) : 0.0; }

  // The vocabulary string of an id ("" before load() or for an id outside the vocabulary).
  std::string tokenOf(std::int32_t id) const {
    if (!tokenizer_ || id < 0 || static_cast<std::size_t>(id) >= tokenizer_->vocab_size()) return {};
    return tokenizer_->id_to_token(id);
  }

 private:
  static val strings(const std::vector<std::string>& list) {
    val out = val::array();
    for (std::size_t i = 0; i < list.size(); ++i) out.set(i, list[i]);
    return out;
  }

  tokenizers::TokenizerFiles files_;
  std::unique_ptr<tokenizers::Tokenizer> tokenizer_;
  tokenizers::Encoding last_;
};

}  // namespace attnscope::bindings
