// tokenizer.json pre-tokenizers, as Hugging Face's tokenizers applies them to each normalized piece:
// Split (a regex or a string; behaviors Removed, Isolated, MergedWithPrevious, MergedWithNext,
// Contiguous; invert), ByteLevel (GPT-2's pattern, the byte alphabet), Metaspace (SentencePiece's
// ▁), WhitespaceSplit, Digits, Sequence.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "tokenizers/regex.hpp"

namespace attnscope::tokenizers {

struct PrePiece {
  std::u32string text;
  bool at_start = false;  // begins at offset 0 of the original text
};

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  // Replaces `pieces` by their pre-tokenized pieces (never empty ones).
  virtual void apply(std::vector<PrePiece>& pieces) const = 0;
};

enum class SplitBehavior { removed, isolated, merged_with_previous, merged_with_next, contiguous };
enum class PrependScheme { always, first, never };

std::unique_ptr<PreTokenizer> make_split_pre_tokenizer(Regex pattern, SplitBehavior behavior, bool invert);
std::unique_ptr<PreTokenizer> make_split_pre_tokenizer(std::u32string literal, SplitBehavior behavior, bool invert);
// add_prefix_space: a space before every piece that does not start with one; use_regex: split
// with GPT-2's pattern; then every piece's UTF-8 bytes become byte-alphabet characters.
std::unique_ptr<PreTokenizer> make_byte_level_pre_tokenizer(bool add_prefix_space, bool use_regex);
// Spaces become `replacement`, which is put in front as `scheme` says; with `split`, each piece
// is cut before every replacement character.
std::unique_ptr<PreTokenizer> make_metaspace_pre_tokenizer(char32_t replacement, PrependScheme scheme, bool split);
// Splits on Unicode White_Space, which is dropped (T5's files put it before Metaspace).
std::unique_ptr<PreTokenizer> make_whitespace_split_pre_tokenizer();
// Numeric characters (Rust's char::is_numeric: Nd, Nl, No) each alone or in runs.
std::unique_ptr<PreTokenizer> make_digits_pre_tokenizer(bool individual_digits);
std::unique_ptr<PreTokenizer> make_sequence_pre_tokenizer(std::vector<std::unique_ptr<PreTokenizer>> steps);

// GPT-2's pre-tokenization pattern (the ByteLevel pre-tokenizer's).
extern const char32_t kGpt2Pattern[];

}  // namespace attnscope::tokenizers
