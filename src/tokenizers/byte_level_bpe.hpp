// GPT-2 / RoBERTa byte-level BPE, byte-exact with OpenAI's GPT-2 encoder.py (and Hugging Face's slow
// GPT2Tokenizer / RobertaTokenizer):
//   1. pre-tokenisation with GPT-2's pattern (regex.hpp):
//        's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//      where \s is Unicode White_Space and \p{L} / \p{N} are the general categories L* / N*;
//   2. each piece's UTF-8 bytes are mapped to printable characters (bytes_to_unicode: 'Ġ' is space);
//   3. merges are applied lowest rank first, all occurrences left to right, until none applies.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tokenizers/tokenizer.hpp"

namespace attnscope::tokenizers {

struct ByteLevelBpeOptions {
  bool add_prefix_space = false;  // put a space before the text (slow tokenizers' add_prefix_space)
  std::optional<std::string> unk_token;  // used if a merged piece is missing from the vocabulary
  std::vector<AddedToken> special_tokens;    // matched verbatim (e.g. <|endoftext|>, <mask>)
  // RoBERTa: <s> A </s> and <s> A </s></s> B </s>, type ids all 0; GPT-2: nothing, B has type 1.
  bool roberta_wrapping = false;
  std::string cls = "<s>", sep = "</s>";
};

class ByteLevelBpeTokenizer : public Tokenizer {
 public:
  // `merges[i]` is the pair with rank i.
  ByteLevelBpeTokenizer(std::vector<std::string> vocab,
                        std::vector<std::pair<std::string, std::string>> merges,
                        ByteLevelBpeOptions options);

  // merges.txt: "a b" per line; a first line starting "#version" and empty lines are skipped.
  static std::vector<std::pair<std::string, std::string>> parse_merges_txt(std::string_view text);

  // GPT-2's pre-tokenisation (step 1), exposed for tests.
  static std::vector<std::u32string> pre_tokenize(std::u32string_view text);

 protected:
  void prepare(std::u32string& text) const override;
  void tokenize_segment(std::u32string_view text, bool at_start, Encoding& out) const override;
  std::string display_token(const std::string& token) const override;

 private:
  // The vocabulary strings that `piece` (already in the byte alphabet) merges into.
  std::vector<std::string> merge(const std::string& piece) const;

  ByteLevelBpeOptions options_;
  std::unordered_map<std::string, std::int32_t> ranks_;  // key: first + '\xFF' + second
  // Merged pieces by input piece. Makes encode() unsafe to call from two threads at once (the
  // module has one tokenizer per wasm instance, and wasm instances are single-threaded).
  mutable std::unordered_map<std::string, std::vector<std::string>> cache_;
};

}  // namespace attnscope::tokenizers
