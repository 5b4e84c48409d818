// A small regular-expression engine for the patterns tokenizer.json files carry (the Split
// pre-tokenizer, the Replace normalizer), with the semantics of Oniguruma, which Hugging Face's
// tokenizers compiles them with: leftmost match, ordered alternation, greedy (or lazy)
// quantifiers, on code points.
//
// Supported: literals and escapes (\n \r \t \f \v \a \e \xHH \x{H…} \uHHHH, escaped punctuation),
// '.', classes [..] with ranges and negation, \s \S \d \D \w \W \h \H, Unicode general categories
// \p{L} \p{Lu} \P{N} \p{^P} (short or long names, e.g. \p{Letter}), groups (..) (?:..), inline
// flags (?i) (?-i) (?i:..), lookahead (?=..) (?!..), quantifiers * + ? {n} {n,} {n,m} {,m} and
// their lazy forms, anchors ^ $ \A \z \Z \b \B. Everything else — backreferences, lookbehind,
// atomic groups, possessive quantifiers, scripts (\p{Han}), POSIX brackets, class intersections
// — is rejected with an error naming the feature and where it is.
//
// Matching is a backtracking search that remembers which (branch, position) states have already
// failed, so a pattern costs O(pattern × text) however it is written, and empty loops end.
// Case-insensitive matching uses simple case folding for literals and ranges (not for \p{..}).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace attnscope::tokenizers {

struct RegexProgram;  // regex_program.hpp

struct RegexMatch {
  std::size_t start = 0, end = 0;  // code point offsets, [start, end)
};

class Regex {
 public:
  // `where` names the pattern's origin in errors, e.g.
  // "tokenizer.json: pre_tokenizer.pretokenizers[0].pattern.Regex". Throws InvalidArgument.
  Regex(std::u32string_view pattern, std::string_view where);
  Regex(Regex&&) noexcept;
  Regex& operator=(Regex&&) noexcept;
  ~Regex();

  // Every non-overlapping match, left to right, as Oniguruma's (and Rust's) find_iter gives them:
  // after an empty match the search resumes one character further, and an empty match right
  // where the previous match ended is skipped.
  std::vector<RegexMatch> find_all(std::u32string_view text) const;

  // Number of instructions of the compiled program (for tests of the size limits).
  std::size_t program_size() const;

 private:
  std::unique_ptr<RegexProgram> program_;
};

}  // namespace attnscope::tokenizers
