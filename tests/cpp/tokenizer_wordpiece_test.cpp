// WordPiece against the real bert-base-uncased vocabulary. Expected ids are the reference's (Hugging
// Face's BertTokenizer); where they were checked against the npm peer bert-tokenizer, it says so.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tokenizers/loader.hpp"
#include "tokenizers/unicode.hpp"
#include "tokenizers/wordpiece.hpp"
#include "util/error.hpp"

namespace {

using attnscope::InvalidArgument;
using namespace attnscope::tokenizers;

std::string read_fixture(const std::string& name) {
  const std::string path = std::string(ATTNSCOPE_TEST_DATA_DIR) + "/../fixtures/tokenizers/" + name;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

const std::vector<std::string>& bert_vocab() {
  static const std::vector<std::string> vocab =
      WordPieceTokenizer::parse_vocab_txt(read_fixture("bert-base-uncased-vocab.txt"));
  return vocab;
}

WordPieceTokenizer uncased(WordPieceOptions options = {}) { return WordPieceTokenizer(bert_vocab(), options); }

std::vector<std::string> tokens_of(const WordPieceTokenizer& t, const std::string& text) {
  return t.encode(text, false).tokens;
}

std::vector<std::u32string> words_of(const WordPieceTokenizer& t, const std::u32string& text) {
  return t.basic_tokenize(text);
}

TEST(TokenizerWordPiece, VocabularyIsTheRealOne) {
  ASSERT_EQ(bert_vocab().size(), 30522u);
  const WordPieceTokenizer t = uncased();
  EXPECT_EQ(t.token_to_id("[UNK]"), 100);
  EXPECT_EQ(t.token_to_id("[CLS]"), 101);
  EXPECT_EQ(t.token_to_id("the"), 1996);
  EXPECT_EQ(t.token_to_id("##s"), 2015);
}

TEST(TokenizerWordPiece, SentenceWithModelSpecialTokens) {
  const Encoding e = uncased().encode("Hello, world!");
  EXPECT_EQ(e.ids, (std::vector<std::int32_t>{101, 7592, 1010, 2088, 999, 102}));  // same as the peer
  EXPECT_EQ(e.tokens, (std::vector<std::string>{"[CLS]", "hello", ",", "world", "!", "[SEP]"}));
}

TEST(TokenizerWordPiece, ContinuationsKeepTheirMarks) {
  const Encoding e = uncased().encode("unaffable tokenization", false);
  EXPECT_EQ(e.ids, (std::vector<std::int32_t>{14477, 20961, 3468, 19204, 3989}));  // same as the peer
  EXPECT_EQ(e.tokens, (std::vector<std::string>{"una", "##ffa", "##ble", "token", "##ization"}));
}

TEST(TokenizerWordPiece, AccentsAreStrippedWhenLowerCasing) {
  EXPECT_EQ(uncased().encode("naïve café", false).ids, (std::vector<std::int32_t>{15743, 7668}));
  EXPECT_EQ(uncased().encode("Crème brûlée", false).ids,
            (std::vector<std::int32_t>{13675, 21382, 7987, 9307, 2063}));  // cr ##eme br ##ule ##e
  // Decomposed input (e + U+0301) reads the same as the precomposed one.
  EXPECT_EQ(uncased().encode("cafe\xCC\x81", false).ids, (std::vector<std::int32_t>{7668}));
  // U+0130 lower-cases to "i" + U+0307, and the mark is stripped.
  EXPECT_EQ(tokens_of(uncased(), "\xC4\xB0stanbul"), (std::vector<std::string>{"istanbul"}));
}

TEST(TokenizerWordPiece, CasedOptionsKeepCaseAndAccentsButCompose) {
  WordPieceOptions cased;
  cased.do_lower_case = false;
  const WordPieceTokenizer t = uncased(cased);
  EXPECT_EQ(words_of(t, U"Caf\u00E9 Cafe\u0301"), (std::vector<std::u32string>{U"Caf\u00E9", U"Caf\u00E9"}));
  cased.strip_accents = true;
  EXPECT_EQ(words_of(uncased(cased), U"Caf\u00E9"), (std::vector<std::u32string>{U"Cafe"}));
  WordPieceOptions keep_accents;
  keep_accents.strip_accents = false;
  EXPECT_EQ(words_of(uncased(keep_accents), U"CAF\u00C9"), (std::vector<std::u32string>{U"caf\u00E9"}));
}

TEST(TokenizerWordPiece, GreekCapitalSigmaLowerCasesWithoutFinalForm) {
  // The reference lower-cases character by character before tokenising, so Σ is always σ.
  EXPECT_EQ(words_of(uncased(), U"\u039F\u0394\u039F\u03A3"), (std::vector<std::u32string>{U"\u03BF\u03B4\u03BF\u03C3"}));
  EXPECT_EQ(tokens_of(uncased(), "\xCE\x9F\xCE\x94\xCE\x9F\xCE\xA3"),
            tokens_of(uncased(), "\xCE\xBF\xCE\xB4\xCE\xBF\xCF\x83"));
}

TEST(TokenizerWordPiece, CjkIdeographsAreSeparateWords) {
  EXPECT_EQ(tokens_of(uncased(), "中文字"), (std::vector<std::string>{"中", "文", "[UNK]"}));  // 字 is not in the vocab
  EXPECT_EQ(uncased().encode("中文", false).ids, (std::vector<std::int32_t>{1746, 1861}));
  // Hiragana is not a CJK ideograph: it stays one word, and its voicing mark (Mn after NFD) is
  // stripped like an accent: が becomes か.
  EXPECT_EQ(words_of(uncased(), U"\u3072\u3089\u304C\u306A\u4E2D"),
            (std::vector<std::u32string>{U"\u3072\u3089\u304B\u306A", U"\u4E2D"}));
}

TEST(TokenizerWordPiece, EmojiAndUnknownWordsBecomeUnk) {
  EXPECT_EQ(tokens_of(uncased(), "I \xF0\x9F\x99\x82 you"), (std::vector<std::string>{"i", "[UNK]", "you"}));
}

TEST(TokenizerWordPiece, WordsLongerThanTheLimitBecomeUnk) {
  EXPECT_EQ(tokens_of(uncased(), std::string(101, 'a')), (std::vector<std::string>{"[UNK]"}));
  const std::vector<std::string> pieces = tokens_of(uncased(), std::string(100, 'a'));
  ASSERT_GT(pieces.size(), 1u);
  std::string joined;
  for (const std::string& p : pieces) joined += p.rfind("##", 0) == 0 ? p.substr(2) : p;
  EXPECT_EQ(joined, std::string(100, 'a'));
  // The limit counts code points, not bytes: 60 two-byte letters are one word of 60 characters.
  std::string accented;
  for (int i = 0; i < 60; ++i) accented += "\xC3\xA9";  // é
  EXPECT_NE(tokens_of(uncased(), accented), (std::vector<std::string>{"[UNK]"}));
}

TEST(TokenizerWordPiece, WhitespaceRunsAndControlCharacters) {
  const std::vector<std::string> expected{"hello", "world"};
  EXPECT_EQ(tokens_of(uncased(), "  hello \t\r\n  world  "), expected);
  EXPECT_EQ(tokens_of(uncased(), "hello\xE3\x80\x80world"), expected);  // U+3000 ideographic space
  EXPECT_EQ(tokens_of(uncased(), "hello\xE2\x80\xA8world"), expected);  // U+2028 splits as in str.split()
  // Control and format characters vanish without splitting the word (U+0001, U+200B, U+00AD).
  EXPECT_EQ(tokens_of(uncased(), "co\x01op\xE2\x80\x8B" "er\xC2\xAD" "ate"), (std::vector<std::string>{"cooperate"}));
  EXPECT_EQ(tokens_of(uncased(), std::string("hello\0world", 11)), tokens_of(uncased(), "helloworld"));
}

TEST(TokenizerWordPiece, EmptyTextGivesOnlyTheModelTokens) {
  EXPECT_EQ(uncased().encode("").ids, (std::vector<std::int32_t>{101, 102}));
  EXPECT_EQ(uncased().encode(" \t\n").ids, (std::vector<std::int32_t>{101, 102}));
  EXPECT_TRUE(uncased().encode("", false).ids.empty());
}

TEST(TokenizerWordPiece, InvalidUtf8ReadsAsReplacementCharacterWhichIsDropped) {
  EXPECT_EQ(tokens_of(uncased(), "hello\xFFworld"), tokens_of(uncased(), "helloworld"));
  EXPECT_EQ(tokens_of(uncased(), "hello\xC3 world"), (std::vector<std::string>{"hello", "world"}));
  EXPECT_EQ(tokens_of(uncased(), "\xED\xA0\x80"), std::vector<std::string>{});  // encoded surrogate
}

TEST(TokenizerWordPiece, PunctuationIncludesAllAsciiSymbols) {
  EXPECT_EQ(tokens_of(uncased(), "$5+3=8^2"), (std::vector<std::string>{"$", "5", "+", "3", "=", "8", "^", "2"}));
  EXPECT_EQ(tokens_of(uncased(), "a\xE2\x80\x94" "b \xC2\xBFqu\xC3\xA9?"),  // em dash, inverted ?
            (std::vector<std::string>{"a", "\xE2\x80\x94", "b", "\xC2\xBF", "que", "?"}));
  EXPECT_EQ(tokens_of(uncased(), "don't"), (std::vector<std::string>{"don", "'", "t"}));
}

TEST(TokenizerWordPiece, SpecialTokensInTheTextAreKeptButOnlyWhenExact) {
  EXPECT_EQ(tokens_of(uncased(), "Paris is [MASK]."), (std::vector<std::string>{"paris", "is", "[MASK]", "."}));
  EXPECT_EQ(tokens_of(uncased(), "a[SEP]b"), (std::vector<std::string>{"a", "[SEP]", "b"}));
  EXPECT_EQ(tokens_of(uncased(), "[mask]"), (std::vector<std::string>{"[", "mask", "]"}));
}

TEST(TokenizerWordPiece, BadVocabularyIsAClearError) {
  EXPECT_THROW(WordPieceTokenizer::parse_vocab_txt(""), InvalidArgument);
  try {
    WordPieceTokenizer({"a", "b"}, {});
    FAIL() << "expected InvalidArgument";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("[UNK]"), std::string::npos) << e.what();
  }
}

TEST(TokenizerWordPiece, LoaderReadsDoLowerCaseFromTokenizerConfig) {
  TokenizerFiles files;
  files.vocab_txt = read_fixture("bert-base-uncased-vocab.txt");
  files.tokenizer_config_json = R"({"do_lower_case": false, "model_max_length": 512})";
  EXPECT_EQ(load_tokenizer("bert", files)->encode("Hello", false).tokens, (std::vector<std::string>{"[UNK]"}));
  files.tokenizer_config_json = R"({"do_lower_case": true, "mask_token": {"content": "[MASK]", "lstrip": false}})";
  EXPECT_EQ(load_tokenizer("distilbert", files)->encode("Hello").ids, (std::vector<std::int32_t>{101, 7592, 102}));
  files.tokenizer_config_json = "{\"do_lower_case\": 1}";
  EXPECT_THROW(load_tokenizer("bert", files), InvalidArgument);
  try {
    load_tokenizer("t5", files);
    FAIL() << "expected InvalidArgument";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("supported: bert, distilbert, roberta, gpt2"), std::string::npos);
  }
  try {
    load_tokenizer("roberta", files);
    FAIL() << "expected InvalidArgument";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("vocab.json and merges.txt"), std::string::npos) << e.what();
  }
}

}  // namespace
