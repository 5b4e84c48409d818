// The tokenizer of a tokenizer.json with a BPE or Unigram model: Hugging Face's pipeline of
// normalizer → pre-tokenizer → model, after the added tokens (tokenizer.hpp), with display strings
// from its decoder.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "tokenizers/models.hpp"
#include "tokenizers/normalizers.hpp"
#include "tokenizers/pre_tokenizers.hpp"
#include "tokenizers/tokenizer.hpp"

namespace attnscope::tokenizers {

// What the decoder does to one token, for its display string (decoders that join or strip whole
// sequences — Fuse, Strip — have no per-token effect).
struct DisplayStep {
  enum class Kind { byte_level, byte_fallback, replace };
  Kind kind = Kind::replace;
  std::string from, to;  // replace
};

struct PipelineParts {
  std::vector<std::string> vocab;              // id -> token, added tokens included
  std::unique_ptr<Normalizer> normalizer;      // may be null
  std::unique_ptr<PreTokenizer> pre_tokenizer; // may be null
  std::unique_ptr<TokenModel> model;
  std::vector<AddedToken> added_tokens;
  PostProcessor post_processor = PostProcessor::plain();
  std::vector<DisplayStep> display;
};

class PipelineTokenizer final : public Tokenizer {
 public:
  explicit PipelineTokenizer(PipelineParts parts);

 protected:
  void normalize(std::u32string& text) const override;
  void tokenize_segment(std::u32string_view text, bool at_start, Encoding& out) const override;
  std::string display_token(const std::string& token) const override;

 private:
  std::unique_ptr<Normalizer> normalizer_;
  std::unique_ptr<PreTokenizer> pre_tokenizer_;
  std::unique_ptr<TokenModel> model_;
  std::vector<DisplayStep> display_;
};

}  // namespace attnscope::tokenizers
