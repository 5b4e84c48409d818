// The regex engine of the Split pre-tokenizer (src/tokenizers/regex.hpp): Oniguruma's semantics on
// the patterns real tokenizer.json files carry, the limits, and every unsupported feature.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tokenizers/regex.hpp"
#include "tokenizers/unicode.hpp"
#include "util/error.hpp"

namespace attnscope::tokenizers {
namespace {

std::u32string u32(std::string_view s) { return unicode::decode_utf8(s); }

// The pieces of `text` that the pattern matches.
std::vector<std::string> matches(std::string_view pattern, std::string_view text) {
  const Regex re(u32(pattern), "test");
  const std::u32string t = u32(text);
  std::vector<std::string> out;
  for (const RegexMatch& m : re.find_all(t)) out.push_back(unicode::encode_utf8(t.substr(m.start, m.end - m.start)));
  return out;
}

using Pieces = std::vector<std::string>;

constexpr const char* kLlama3 =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* kGpt2 = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

TEST(TokenizerRegex, Llama3PatternSplitsAsTiktokenDoes) {
  EXPECT_EQ(matches(kLlama3, "Hello  world's 12345 x"),
            (Pieces{"Hello", " ", " world", "'s", " ", "123", "45", " x"}));
  EXPECT_EQ(matches(kLlama3, "I'LL DON'T"), (Pieces{"I", "'LL", " DON", "'T"}));
  EXPECT_EQ(matches(kLlama3, "a\n\n  b"), (Pieces{"a", "\n\n", " ", " b"}));
  EXPECT_EQ(matches(kLlama3, "x!!!\n\ny"), (Pieces{"x", "!!!\n\n", "y"}));
  EXPECT_EQ(matches(kLlama3, "   "), (Pieces{"   "}));
  EXPECT_EQ(matches(kLlama3, "日本語 ☕"), (Pieces{"日本語", " ☕"}));
  EXPECT_EQ(matches(kLlama3, "$hello"), (Pieces{"$hello"}));
}

TEST(TokenizerRegex, Gpt2Pattern) {
  EXPECT_EQ(matches(kGpt2, "Hello world's   end!?\n"),
            (Pieces{"Hello", " world", "'s", "  ", " end", "!?", "\n"}));
}

TEST(TokenizerRegex, QuantifiersAndAlternationArePrioritised) {
  EXPECT_EQ(matches("a{1,3}", "aaaaaaa"), (Pieces{"aaa", "aaa", "a"}));
  EXPECT_EQ(matches("a{2}", "aaaaa"), (Pieces{"aa", "aa"}));
  EXPECT_EQ(matches("a{2,}", "aaaaa a"), (Pieces{"aaaaa"}));
  EXPECT_EQ(matches("a+?", "aaa"), (Pieces{"a", "a", "a"}));
  EXPECT_EQ(matches("ab|abc", "abc"), (Pieces{"ab"}));       // first alternative wins, not the longest
  EXPECT_EQ(matches("a(?=b)", "ab ac ab"), (Pieces{"a", "a"}));
  EXPECT_EQ(matches("a(?!b)", "ab ac"), (Pieces{"a"}));
  // Empty matches as the onig crate's find_iter gives them (not Python's re.findall).
  EXPECT_EQ(matches("x*", "axxb"), (Pieces{"", "xx", ""}));
  EXPECT_EQ(matches("a{,2}", "aaa"), (Pieces{"aa", "a"}));
  EXPECT_EQ(matches("a{x}", "a{x}"), (Pieces{"a{x}"}));     // not an interval: literal braces
}

TEST(TokenizerRegex, ClassesAndEscapes) {
  EXPECT_EQ(matches(R"([^a-c\d]+)", "abxy12z"), (Pieces{"xy", "z"}));
  EXPECT_EQ(matches(R"([\S])", "a b"), (Pieces{"a", "b"}));
  EXPECT_EQ(matches(R"(\p{Lu}\p{Ll}+)", "Hello WORLD Ärger"), (Pieces{"Hello", "Ärger"}));
  EXPECT_EQ(matches(R"(\P{L}+)", "ab12 cd"), (Pieces{"12 "}));
  EXPECT_EQ(matches(R"(\p{^L}+)", "ab12 cd"), (Pieces{"12 "}));
  EXPECT_EQ(matches(R"(\p{Letter}+)", "ab12"), (Pieces{"ab"}));
  EXPECT_EQ(matches(R"(\x41\x{1F600}\u00e9)", "A😀é"), (Pieces{"A😀é"}));
  EXPECT_EQ(matches(R"([-a]+)", "a-b"), (Pieces{"a-"}));
  EXPECT_EQ(matches(R"(\.\*)", "a.*b"), (Pieces{".*"}));
  EXPECT_EQ(matches(R"(.+)", "ab\ncd"), (Pieces{"ab", "cd"}));
  EXPECT_EQ(matches(R"(\w+)", "héllo_1 x-y"), (Pieces{"héllo_1", "x", "y"}));
  EXPECT_EQ(matches(R"(\s+)", "a\u00a0\u3000b"), (Pieces{"\u00a0\u3000"}));
  EXPECT_EQ(matches(" {2,}", "a  b     c d"), (Pieces{"  ", "     "}));
}

TEST(TokenizerRegex, CaseInsensitiveGroups) {
  EXPECT_EQ(matches("(?i:ab)c", "ABc aBC Abc"), (Pieces{"ABc", "Abc"}));
  EXPECT_EQ(matches("(?i)[a-c]+", "xAbCd"), (Pieces{"AbC"}));
  EXPECT_EQ(matches("(?i:[^a])+", "aAbB"), (Pieces{"bB"}));
  EXPECT_EQ(matches("(?i:'s)", "'S 'ſ"), (Pieces{"'S", "'ſ"}));  // simple case folding, as Oniguruma
  EXPECT_EQ(matches("a(?i)b|c", "aB C"), (Pieces{"aB", "C"}));  // (?i) lasts to the end of the group
  EXPECT_EQ(matches("(?i:x(?-i:y))", "XY Xy"), (Pieces{"Xy"}));
}

TEST(TokenizerRegex, Anchors) {
  EXPECT_EQ(matches("^a", "aa\na"), (Pieces{"a", "a"}));
  EXPECT_EQ(matches("a$", "aa\na"), (Pieces{"a", "a"}));
  EXPECT_EQ(matches(R"(\Aa)", "aa\na"), (Pieces{"a"}));
  EXPECT_EQ(matches(R"(a\z)", "aa\na"), (Pieces{"a"}));
  EXPECT_EQ(matches(R"(\bab)", "ab cab ab"), (Pieces{"ab", "ab"}));
}

TEST(TokenizerRegex, PathologicalPatternsStayLinear) {
  // Exponential for a naive backtracker; the memo keeps these at pattern × text.
  const std::string text(20000, 'a');
  EXPECT_TRUE(matches("(a+)+b", text).empty());
  EXPECT_TRUE(matches("(a|aa)*c", text).empty());
  EXPECT_EQ(matches("(a*)*", "aaa"), (Pieces{"aaa"}));  // empty loops end
  EXPECT_EQ(matches(R"(\s*[\r\n]+|\s+(?!\S)|\s+)", std::string(50000, ' ') + "x").size(), 2u);
}

TEST(TokenizerRegex, UnsupportedFeaturesAreNamed) {
  const auto error_of = [](std::string_view pattern) {
    try {
      Regex(u32(pattern), "tokenizer.json: pre_tokenizer.pattern.Regex");
    } catch (const InvalidArgument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error_of("(?<=a)b"),
            "tokenizer.json: pre_tokenizer.pattern.Regex: lookbehind (?<= / (?<! is not supported at character 3 of the pattern");
  EXPECT_NE(error_of(R"((a)\1)").find("backreferences"), std::string::npos);
  EXPECT_NE(error_of("(?>a)").find("atomic groups"), std::string::npos);
  EXPECT_NE(error_of("a*+").find("possessive"), std::string::npos);
  EXPECT_NE(error_of(R"(\p{Han})").find("property 'han' is not supported"), std::string::npos);
  EXPECT_NE(error_of("[[:alpha:]]").find("POSIX"), std::string::npos);
  EXPECT_NE(error_of("[a-z&&[^c]]").find("intersection"), std::string::npos);
  EXPECT_NE(error_of("(?<name>a)").find("named groups"), std::string::npos);
  EXPECT_NE(error_of("(?m)a").find("group type '(?m' is not supported"), std::string::npos);
  EXPECT_NE(error_of(R"(\G)").find("escape \\G is not supported"), std::string::npos);
  // Broken patterns.
  EXPECT_NE(error_of("(a").find("missing ')'"), std::string::npos);
  EXPECT_NE(error_of("a)").find("unmatched ')'"), std::string::npos);
  EXPECT_NE(error_of("[a").find("missing ']'"), std::string::npos);
  EXPECT_NE(error_of("[z-a]").find("out of order"), std::string::npos);
  EXPECT_NE(error_of("*a").find("nothing to repeat"), std::string::npos);
  EXPECT_NE(error_of("^*").find("must follow something"), std::string::npos);
  EXPECT_NE(error_of("a\\").find("ends with '\\'"), std::string::npos);
  EXPECT_NE(error_of(R"(\x{110000})").find("above U+10FFFF"), std::string::npos);
  EXPECT_NE(error_of("a{2,1}").find("is empty"), std::string::npos);
  EXPECT_NE(error_of("a{1001}").find("above 1000"), std::string::npos);
  EXPECT_NE(error_of("(a{1000}){1000}").find("more than 100000 instructions"), std::string::npos);
  EXPECT_NE(error_of(std::string(200, '(') + std::string(200, ')')).find("nested more than"), std::string::npos);
}

}  // namespace
}  // namespace attnscope::tokenizers
