// UTF-8 decoding (checked against JavaScript's TextDecoder, the WHATWG reference) and the Unicode
// normalisation the WordPiece basic tokenizer needs (examples from the Unicode standard, UAX #15).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tokenizers/unicode.hpp"

namespace {

namespace u = attnscope::tokenizers::unicode;

TEST(TokenizerUnicode, TablesComeFromUnicode14) { EXPECT_STREQ(u::table_version(), "14.0.0"); }

TEST(TokenizerUnicode, DecodesValidUtf8) {
  EXPECT_EQ(u::decode_utf8("a\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x99\x82"), (std::u32string{U'a', 0xE9, 0x4E2D, 0x1F642}));
  EXPECT_EQ(u::encode_utf8(U"a\u00E9\u4E2D\U0001F642"), "a\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x99\x82");
  EXPECT_EQ(u::decode_utf8(""), std::u32string());
}

TEST(TokenizerUnicode, InvalidUtf8BecomesReplacementCharactersLikeTextDecoder) {
  // Expected values are TextDecoder's output in Node 20 for the same bytes.
  EXPECT_EQ(u::decode_utf8("\xC3\x28"), (std::u32string{0xFFFD, U'('}));
  EXPECT_EQ(u::decode_utf8("\xF0\x9F\x98"), (std::u32string{0xFFFD}));                 // truncated
  EXPECT_EQ(u::decode_utf8("\xED\xA0\x80"), (std::u32string{0xFFFD, 0xFFFD, 0xFFFD}));  // surrogate
  EXPECT_EQ(u::decode_utf8("\xC0\xAF"), (std::u32string{0xFFFD, 0xFFFD}));              // overlong
  EXPECT_EQ(u::decode_utf8("\xE2\x82"), (std::u32string{0xFFFD}));
  EXPECT_EQ(u::decode_utf8("a\xF4\x90\x80\x80" "b"), (std::u32string{U'a', 0xFFFD, 0xFFFD, 0xFFFD, 0xFFFD, U'b'}));
}

TEST(TokenizerUnicode, CharacterClasses) {
  EXPECT_TRUE(u::has(U'a', u::kLetter));
  EXPECT_TRUE(u::has(0x4E2D, u::kLetter));
  EXPECT_TRUE(u::has(U'7', u::kNumber));
  EXPECT_TRUE(u::has(0xBD, u::kNumber));         // ½ is No
  EXPECT_TRUE(u::has(U'!', u::kPunctuation));
  EXPECT_FALSE(u::has(U'$', u::kPunctuation));   // Sc: BERT adds the ASCII symbols itself
  EXPECT_TRUE(u::has(0x2014, u::kPunctuation));  // em dash
  EXPECT_TRUE(u::has(0x301, u::kNonspacingMark));
  EXPECT_TRUE(u::has(0xA0, u::kSpaceSeparator));
  EXPECT_TRUE(u::has(0x200B, u::kOther));        // Cf
  EXPECT_TRUE(u::has(0x378, u::kOther));         // unassigned
  EXPECT_TRUE(u::has(0xE000, u::kOther));        // private use
  EXPECT_TRUE(u::has(0x1C, u::kPythonSpace));    // str.isspace() but not White_Space
  EXPECT_FALSE(u::has(0x1C, u::kWhiteSpace));
  EXPECT_TRUE(u::has(0x85, u::kWhiteSpace));
  EXPECT_FALSE(u::has(0xFEFF, u::kWhiteSpace));
  EXPECT_EQ(u::classes(0x110000), u::kOther);
}

TEST(TokenizerUnicode, LowerCaseIsPythonsStrLower) {
  EXPECT_EQ(u::to_lower(U"ÀÉÎ ΑΣ ДЖ"), U"àéî ασ дж");
  EXPECT_EQ(u::to_lower(U"\u0130"), U"i\u0307");  // İ lower-cases to two code points
  EXPECT_EQ(u::to_lower(U"\u1E9E"), U"\u00DF");   // ẞ
  EXPECT_EQ(u::to_lower(U"123 ß"), U"123 ß");
}

TEST(TokenizerUnicode, NfdDecomposesAndOrdersMarks) {
  EXPECT_EQ(u::nfd(U"\u00E9"), U"e\u0301");
  EXPECT_EQ(u::nfd(U"\u1E69"), U"s\u0323\u0307");      // ṩ: dot below (220) before dot above (230)
  EXPECT_EQ(u::nfd(U"s\u0307\u0323"), U"s\u0323\u0307");
  EXPECT_EQ(u::nfd(U"\uD55C"), U"\u1112\u1161\u11AB");  // 한, decomposed by arithmetic
  EXPECT_EQ(u::nfd(U"\u212B"), U"A\u030A");             // Å sign: singleton, then decomposed
  EXPECT_EQ(u::nfd(U"\uFB01"), U"\uFB01");              // ligature: compatibility only, kept
}

TEST(TokenizerUnicode, NfcComposes) {
  EXPECT_EQ(u::nfc(U"e\u0301"), U"\u00E9");
  EXPECT_EQ(u::nfc(U"s\u0307\u0323"), U"\u1E69");
  EXPECT_EQ(u::nfc(U"\u1112\u1161\u11AB"), U"\uD55C");
  EXPECT_EQ(u::nfc(U"\u212B"), U"\u00C5");
  EXPECT_EQ(u::nfc(U"a\u0328\u0301"), U"\u0105\u0301");  // ą + acute (no precomposed form)
  EXPECT_EQ(u::nfc(U"\u0958"), U"\u0915\u093C");         // composition exclusion stays decomposed
  EXPECT_EQ(u::nfc(U"\u0301e"), U"\u0301e");             // a mark before any starter
}

}  // namespace

namespace {

std::u32string parse_hex_field(const std::string& field) {
  std::u32string out;
  std::istringstream in(field);
  std::string hex;
  while (in >> hex) out.push_back(static_cast<char32_t>(std::stoul(hex, nullptr, 16)));
  return out;
}

// 3,000 random strings (Latin, Greek, Cyrillic, Hangul, combining marks in every order) with
// Python's NFD, NFC and lower-casing: see scripts/generate/make_normalization_cases.py.
TEST(TokenizerUnicode, AgreesWithPythonOnRandomStrings) {
  const std::string path = std::string(ATTNSCOPE_TEST_DATA_DIR) + "/../fixtures/tokenizers/normalization-cases.txt";
  std::ifstream in(path);
  ASSERT_TRUE(in) << "cannot open " << path;
  std::string line;
  int cases = 0, failures = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> fields;
    std::istringstream split(line);
    for (std::string f; std::getline(split, f, '|');) fields.push_back(f);
    ASSERT_EQ(fields.size(), 4u) << line;
    const std::u32string input = parse_hex_field(fields[0]);
    ++cases;
    const bool ok = u::nfd(input) == parse_hex_field(fields[1]) && u::nfc(input) == parse_hex_field(fields[2]) &&
                    u::to_lower(input) == parse_hex_field(fields[3]);
    if (!ok && ++failures <= 5) ADD_FAILURE() << "differs from Python: " << line;
  }
  EXPECT_EQ(cases, 3000);
  EXPECT_EQ(failures, 0);
}

}  // namespace
