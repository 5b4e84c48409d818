// BERT's WordPiece tokenizer, byte-exact with Hugging Face's slow BertTokenizer (transformers 4.3x):
//   1. with do_lower_case, the text outside special tokens is lower-cased character by character
//      (Python's str.lower(); PreTrainedTokenizer.tokenize does this before anything else);
//   2. basic tokenizer: drop NUL, U+FFFD and category C* (except \t \n \r), map whitespace to ' ';
//      put spaces around CJK ideographs; NFC (the fast tokenizer's BertNormalizer skips this);
//      split on whitespace; per word lower-case and strip accents (NFD, drop Mn) as configured;
//      split off every punctuation character (category P* and all non-alphanumeric ASCII);
//   3. greedy longest-match-first WordPiece with "##" continuations; a word that cannot be covered,
//      or is longer than max_input_chars_per_word code points, becomes [UNK].
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizers/tokenizer.hpp"

namespace attnscope::tokenizers {

struct WordPieceOptions {
  bool do_lower_case = true;
  std::optional<bool> strip_accents;  // unset: strip when lower-casing (BERT's default)
  bool tokenize_chinese_chars = true;
  bool nfc = true;                    // slow BertTokenizer: true; tokenizer.json's BertNormalizer: false
  std::string unk_token = "[UNK]";
  std::string continuing_prefix = "##";
  std::size_t max_input_chars_per_word = 100;
  // Matched verbatim, never split; all must be in the vocabulary (those that are not are dropped).
  std::vector<std::string> special_tokens = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
  std::vector<std::string> prefix = {"[CLS]"};
  std::vector<std::string> suffix = {"[SEP]"};
};

class WordPieceTokenizer : public Tokenizer {
 public:
  WordPieceTokenizer(std::vector<std::string> vocab, WordPieceOptions options);

  // vocab.txt: one token per line, the line number is the id ("\r\n" endings accepted).
  static std::vector<std::string> parse_vocab_txt(std::string_view text);

  // The basic tokenizer's words (step 2 above), exposed for tests.
  std::vector<std::u32string> basic_tokenize(std::u32string_view text) const;

 protected:
  void tokenize_segment(std::u32string_view text, bool at_start, Encoding& out) const override;

 private:
  void word_piece(std::u32string_view word, Encoding& out) const;

  WordPieceOptions options_;
  bool strip_accents_;
  std::size_t longest_token_chars_ = 0;  // bounds the greedy search
};

}  // namespace attnscope::tokenizers
