// tokenizer.json normalizers, as Hugging Face's tokenizers applies them to each piece of text
// between added tokens: NFC, NFD, NFKC, NFKD, Lowercase, Strip, StripAccents, Replace (a string or
// a regex), Prepend, Precompiled (SentencePiece's charsmap, precompiled_charsmap.hpp), Sequence.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "tokenizers/precompiled_charsmap.hpp"
#include "tokenizers/regex.hpp"

namespace attnscope::tokenizers {

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  virtual void apply(std::u32string& text) const = 0;
};

enum class UnicodeForm { nfc, nfd, nfkc, nfkd };

std::unique_ptr<Normalizer> make_unicode_normalizer(UnicodeForm form);
std::unique_ptr<Normalizer> make_lowercase_normalizer();
std::unique_ptr<Normalizer> make_strip_normalizer(bool left, bool right);
std::unique_ptr<Normalizer> make_strip_accents_normalizer();
// Every occurrence of `literal` (leftmost, non-overlapping) becomes `content`.
std::unique_ptr<Normalizer> make_replace_normalizer(std::u32string literal, std::u32string content);
// Every match of `pattern` (Regex::find_all) becomes `content`.
std::unique_ptr<Normalizer> make_replace_normalizer(Regex pattern, std::u32string content);
// `prefix` before any non-empty text.
std::unique_ptr<Normalizer> make_prepend_normalizer(std::u32string prefix);
std::unique_ptr<Normalizer> make_precompiled_normalizer(PrecompiledCharsmap charsmap);
std::unique_ptr<Normalizer> make_sequence_normalizer(std::vector<std::unique_ptr<Normalizer>> steps);

// Leftmost non-overlapping occurrences of a non-empty `needle` in `text` (code point offsets).
std::vector<std::size_t> find_literal(std::u32string_view text, std::u32string_view needle);

}  // namespace attnscope::tokenizers
