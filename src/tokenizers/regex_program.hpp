// The compiled form of a Regex (regex.hpp): a program for a backtracking machine, in the style
// of Thompson / Pike instruction sets. Internal to regex_compile.cpp and regex_match.cpp.
#pragma once
#include <cstdint>
#include <vector>

namespace attnscope::tokenizers {

// One member of a character class: a range, a set of general categories, or a named predicate;
// each may be negated on its own ([\S\d] is "not white space, or a digit").
struct ClassItem {
  enum class Kind : std::uint8_t { range, categories, white_space, word, any };
  Kind kind = Kind::range;
  bool negated = false;
  char32_t lo = 0, hi = 0;           // range
  std::uint32_t category_mask = 0;   // bit i = GeneralCategory i
};

struct CharClass {
  std::vector<ClassItem> items;
  bool negated = false;              // [^...]
  bool fold = false;                 // case-insensitive: ranges also match by simple case folding
  std::vector<ClassItem> folded;     // fold: the ranges' case-folded members, as single-point ranges
  bool contains(char32_t c) const;
};

enum class RegexOp : std::uint8_t {
  character,       // text[pos] == c
  character_fold,  // simple_fold(text[pos]) == c (c already folded)
  char_class,      // classes[arg] contains text[pos]
  any_but_newline, // '.'
  split,           // try x first, then y
  jump,            // continue at x
  match,           // success
  line_start, line_end, text_start, text_end, text_end_or_final_newline, word_boundary, not_word_boundary,
  look_ahead,      // sub-program at x (ends with match); continue at y if it matches (negated: if not)
};

struct RegexInst {
  RegexOp op = RegexOp::match;
  bool negated = false;      // look_ahead: (?!..)
  char32_t c = 0;            // character, character_fold
  std::uint32_t x = 0, y = 0;
  std::uint32_t arg = 0;     // char_class: class index; split: its memo slot; look_ahead: its cache slot
};

struct RegexProgram {
  std::vector<RegexInst> code;  // starts at 0
  std::vector<CharClass> classes;
  std::uint32_t splits = 0;     // number of split instructions (memo slots)
  std::uint32_t look_aheads = 0;
};

bool is_regex_word_char(char32_t c);  // Oniguruma's \w: letters, marks, decimal digits, connector punctuation

}  // namespace attnscope::tokenizers
