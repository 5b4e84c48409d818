// Tokenizers for the checkpoints attnscope loads. Subclasses: BERT's WordPiece (wordpiece.hpp) and
// GPT-2 / RoBERTa byte-level BPE (byte_level_bpe.hpp) from the classic vocabulary files, each
// byte-exact with the Python reference; and PipelineTokenizer (pipeline.hpp), the normalizer →
// pre-tokenizer → model pipeline of a Hugging Face tokenizer.json (BPE, Unigram).
//
// This base class holds what they share, in the order Hugging Face's tokenizers applies it:
//   1. added tokens (special or not) are found in the raw text, leftmost-longest, and kept whole
//      (added_tokens.hpp: single_word, lstrip, rstrip; "normalized" ones are looked for in the
//      normalized text instead);
//   2. the rest is normalized and tokenized by the subclass;
//   3. the post-processor's template puts the model's tokens around one sequence or a pair
//      ([CLS] A [SEP] B [SEP], <s> A </s></s> B </s>, <|begin_of_text|> A ...) with type ids;
//   4. every token gets a display string (what text it stands for) next to its vocabulary string.
//
// Text is UTF-8. Invalid UTF-8 is not an error: every ill-formed byte sequence reads as U+FFFD,
// exactly as JavaScript's TextDecoder does.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tokenizers/added_tokens.hpp"
#include "tokenizers/post_processor.hpp"

namespace attnscope::tokenizers {

struct Encoding {
  std::vector<std::int32_t> ids;
  std::vector<std::string> tokens;    // vocabulary strings: "##ing", "Ġworld", "▁the", "<0xE2>"
  std::vector<std::string> display;   // the text each token stands for: "ing", " world", " the", "\xE2"
  std::vector<std::int32_t> type_ids; // token type (segment) ids from the post-processor
  // Index of sentence B's first token in a pair (the first token with B's type id when the
  // template gives B its own type, else B's first own token); -1 for a single sequence.
  std::int32_t sentence_b_start = -1;
};

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  // Tokens of `text`; with `add_special_tokens` wrapped as the post-processor says.
  Encoding encode(std::string_view text, bool add_special_tokens = true) const;
  // A sentence pair, as the post-processor's pair template puts it together.
  Encoding encode_pair(std::string_view a, std::string_view b, bool add_special_tokens = true) const;

  std::size_t vocab_size() const { return id_to_token_.size(); }
  // -1 when the token is not in the vocabulary.
  std::int32_t token_to_id(std::string_view token) const;
  // Throws InvalidArgument when id is out of range.
  const std::string& id_to_token(std::int32_t id) const;

  // Tokens matched in the text before the model's own tokenisation runs; each must be in the
  // vocabulary.
  void set_special_tokens(std::vector<AddedToken> tokens);
  // Shorthand for a post-processor that wraps one sequence in `prefix` … `suffix` and a pair as
  // prefix A suffix B suffix, with type id 1 from B on (BERT's layout).
  void set_sequence_wrapping(std::vector<std::string> prefix, std::vector<std::string> suffix);
  void set_post_processor(PostProcessor post_processor);
  const PostProcessor& post_processor() const { return post_; }

 protected:
  // `vocab[i]` is the token with id i; an empty string marks an unused id.
  explicit Tokenizer(std::vector<std::string> vocab);

  // Called on the whole decoded text before added tokens are looked for (the classic files'
  // tokenizers put their prefix space here).
  virtual void prepare(std::u32string& /*text*/) const {}
  // The normalizer, run on each piece of text between added tokens.
  virtual void normalize(std::u32string& /*text*/) const {}
  // Tokenizes a normalized piece that contains no added token, appending to `out`.
  // `at_start`: the piece begins the text (Metaspace's prepend_scheme "first" needs it).
  virtual void tokenize_segment(std::u32string_view text, bool at_start, Encoding& out) const = 0;
  // The display string of a token the model produced (added tokens display as themselves).
  virtual std::string display_token(const std::string& token) const { return token; }

  void append_token(std::string token, Encoding& out) const;  // id from the vocabulary
  void append_id(std::int32_t id, Encoding& out) const;
  bool is_special(std::u32string_view token) const;
  // Whitespace for added tokens' lstrip/rstrip: Unicode White_Space (tokenizers' \s) unless a
  // classic tokenizer asks for Python's str.isspace().
  void use_python_whitespace_for_stripping() { python_whitespace_ = true; }
  // Recomputes the normalized added tokens' patterns (after the normalizer is set up).
  void refresh_added_tokens();

 private:
  Encoding encode_sequence(std::string_view text) const;
  Encoding assemble(Encoding a, const Encoding* b, bool add_special_tokens) const;

  std::vector<std::string> id_to_token_;
  std::unordered_map<std::string, std::int32_t> token_to_id_;
  std::vector<AddedToken> added_;
  std::vector<std::u32string> added_text_;  // each added token's content, decoded
  AddedTokenMatcher raw_matcher_, normalized_matcher_;
  std::vector<std::int32_t> raw_ids_, normalized_ids_;  // token id of each matcher pattern
  PostProcessor post_;
  bool python_whitespace_ = false;
};

}  // namespace attnscope::tokenizers
