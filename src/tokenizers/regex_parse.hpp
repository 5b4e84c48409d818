// Regex syntax tree (regex_parse.cpp builds it, regex_compile.cpp turns it into a RegexProgram).
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizers/regex_program.hpp"

namespace attnscope::tokenizers {

struct RegexNode {
  enum class Kind { empty, character, char_class, any_but_newline, assertion, concat, alternation, repeat, look_ahead };
  Kind kind = Kind::empty;
  char32_t c = 0;
  bool fold = false;                // character: case-insensitive
  CharClass char_class;
  RegexOp assertion = RegexOp::match;
  std::vector<RegexNode> children;  // concat, alternation; repeat and look_ahead: one child
  int min = 0, max = -1;            // repeat; max -1 = unbounded
  bool greedy = true;
  bool negated = false;             // look_ahead
};

// Parses `pattern`; errors throw InvalidArgument "<where>: <problem> at character N".
RegexNode parse_regex(std::u32string_view pattern, std::string_view where);

constexpr int kRegexMaxRepeat = 1000;       // largest {n,m} bound accepted
constexpr int kRegexMaxNesting = 100;       // groups inside groups
constexpr std::size_t kRegexMaxProgram = 100'000;  // instructions after expanding {n,m}

}  // namespace attnscope::tokenizers
