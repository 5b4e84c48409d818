// Tokenizers for the checkpoints attnscope loads: BERT's WordPiece (wordpiece.hpp) and GPT-2 /
// RoBERTa byte-level BPE (byte_level_bpe.hpp), each byte-exact with the Python reference
// (Hugging Face's slow BertTokenizer, OpenAI's GPT-2 encoder.py). This base class holds what they
// share: the vocabulary, the special tokens that are never split (e.g. "[MASK]" inside a text) and
// the ones the model adds around a sequence ([CLS] … [SEP], <s> … </s>).
//
// Text is UTF-8. Invalid UTF-8 is not an error: every ill-formed byte sequence reads as U+FFFD,
// exactly as JavaScript's TextDecoder does (WordPiece then drops it, as BERT drops U+FFFD; BPE
// encodes it as the bytes EF BF BD).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace attnscope::tokenizers {

struct Encoding {
  std::vector<std::int32_t> ids;
  std::vector<std::string> tokens;  // vocabulary strings: "##ing" for WordPiece, "Ġworld" for BPE
};

// A token matched verbatim in the input before the model's own tokenisation runs.
struct SpecialToken {
  std::string content;
  bool strip_left = false;   // also swallow whitespace before it (RoBERTa's <mask>)
  bool strip_right = false;  // ... and after it
};

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  // Tokens of `text`; with `add_special_tokens` wrapped in the model's prefix and suffix.
  Encoding encode(std::string_view text, bool add_special_tokens = true) const;

  std::size_t vocab_size() const { return id_to_token_.size(); }
  // -1 when the token is not in the vocabulary.
  std::int32_t token_to_id(std::string_view token) const;
  // Throws InvalidArgument when id is out of range.
  const std::string& id_to_token(std::int32_t id) const;

  // Tokens matched verbatim in the text (never split); each must be in the vocabulary.
  void set_special_tokens(std::vector<SpecialToken> tokens);
  // What encode(text, true) puts around the text, e.g. {"[CLS]"} and {"[SEP]"}.
  void set_sequence_wrapping(std::vector<std::string> prefix, std::vector<std::string> suffix);
  const std::vector<std::string>& sequence_prefix() const { return prefix_; }
  const std::vector<std::string>& sequence_suffix() const { return suffix_; }

 protected:
  // `vocab[i]` is the token with id i; an empty string marks an unused id.
  explicit Tokenizer(std::vector<std::string> vocab);

  // Called on the whole decoded text before it is split at special tokens.
  virtual void prepare(std::u32string& /*text*/) const {}
  // Tokenises a piece of text that contains no special token, appending to `out`.
  virtual void tokenize_segment(std::u32string_view text, Encoding& out) const = 0;

  void append_token(std::string token, Encoding& out) const;  // id from the vocabulary
  bool is_special(std::u32string_view token) const;

 private:
  std::vector<std::string> id_to_token_;
  std::unordered_map<std::string, std::int32_t> token_to_id_;
  std::vector<SpecialToken> special_;
  std::vector<std::u32string> special_u32_;
  std::vector<std::string> prefix_, suffix_;
};

}  // namespace attnscope::tokenizers
