// The strict JSON parser: accepted documents decode to the values RFC 8259 defines; every
// malformed document is rejected with a ParseError naming the problem and its byte offset.
#include "util/json.hpp"

#include <gtest/gtest.h>

#include <string>

namespace json = attnscope::json;

namespace {

// Parses text expecting a ParseError; returns it so the caller checks offset and message.
json::ParseError parse_error(std::string_view text, const json::Limits& limits = {}) {
  try {
    json::parse(text, limits);
  } catch (const json::ParseError& e) {
    return e;
  }
  ADD_FAILURE() << "accepted: " << text;
  return json::ParseError("not thrown", 0);
}

}  // namespace

TEST(Json, ParsesScalars) {
  EXPECT_TRUE(json::parse("null").is_null());
  EXPECT_TRUE(json::parse(" true ").as_bool());
  EXPECT_FALSE(json::parse("false").as_bool());
  EXPECT_EQ(json::parse("0").as_number(), 0.0);
  EXPECT_EQ(json::parse("-12").as_int(), -12);
  EXPECT_DOUBLE_EQ(json::parse("1e-12").as_number(), 1e-12);
  EXPECT_DOUBLE_EQ(json::parse("-0.5E+2").as_number(), -50.0);
  EXPECT_DOUBLE_EQ(json::parse("3.14159").as_number(), 3.14159);
  EXPECT_EQ(json::parse("\"hi\"").as_string(), "hi");
}

TEST(Json, ParsesNestedObjectsInFileOrder) {
  auto v = json::parse(R"({"b": [1, 2, {"c": null}], "a": {"x": "y"}, "n": 30522})");
  ASSERT_TRUE(v.is_object());
  const auto& members = v.as_object();
  ASSERT_EQ(members.size(), 3u);
  EXPECT_EQ(members[0].key, "b");
  EXPECT_EQ(members[1].key, "a");
  EXPECT_EQ(v.at("n").as_int(0, 1 << 30), 30522);
  const auto& arr = v.at("b").as_array();
  ASSERT_EQ(arr.size(), 3u);
  EXPECT_EQ(arr[1].as_int(), 2);
  EXPECT_TRUE(arr[2].at("c").is_null());
  EXPECT_EQ(v.at("a").at("x").as_string(), "y");
  EXPECT_EQ(v.find("missing"), nullptr);
  EXPECT_TRUE(json::parse("[]").as_array().empty());
  EXPECT_TRUE(json::parse("{ }").as_object().empty());
}

TEST(Json, DecodesEscapesAndSurrogatePairs) {
  EXPECT_EQ(json::parse(R"("a\"b\\c\/d\b\f\n\r\t")").as_string(), "a\"b\\c/d\b\f\n\r\t");
  EXPECT_EQ(json::parse(R"("\u0041\u00e9\u4e2d")").as_string(), "A\xC3\xA9\xE4\xB8\xAD");
  // U+1F600 (grinning face) as a UTF-16 surrogate pair, as Python's json.dumps writes it.
  EXPECT_EQ(json::parse(R"("\ud83d\ude00")").as_string(), "\xF0\x9F\x98\x80");
  EXPECT_EQ(json::parse(R"("\u0000")").as_string(), std::string(1, '\0'));
  // Raw UTF-8 passes through unchanged (GPT-2's vocab.json is full of it: "Ġ" is U+0120).
  EXPECT_EQ(json::parse("\"\xC4\xA0the \xF0\x9F\x98\x80\"").as_string(), "\xC4\xA0the \xF0\x9F\x98\x80");
}

TEST(Json, RejectsMalformedDocumentsWithOffsets) {
  struct Case {
    const char* text;
    std::size_t offset;
    const char* message_part;
  };
  const Case cases[] = {
      {"", 0, "expected a value"},
      {"{\"a\" 1}", 5, "expected ':'"},
      {"[1, 2,]", 6, "expected a value"},
      {"{\"a\": 1,}", 8, "expected a string key"},
      {"[1 2]", 3, "expected ',' or ']'"},
      {"{\"a\": 1 \"b\": 2}", 8, "expected ',' or '}'"},
      {"01", 1, "leading zeros"},
      {"1.", 2, "digit after '.'"},
      {"1e", 2, "exponent"},
      {"-", 1, "expected a digit"},
      {"NaN", 0, "unexpected character 'N'"},
      {"tru", 0, "expected 'true'"},
      {"\"abc", 0, "unterminated string"},
      {"\"a\tb\"", 2, "control character"},
      {"\"\\x\"", 1, "invalid escape"},
      {"\"\\u12G4\"", 5, "hex digits"},
      {"\"\\udc00\"", 1, "lone low surrogate"},
      {"\"\\ud83d\"", 1, "without its low half"},
      {"\"\\ud83d\\u0041\"", 1, "without its low half"},
      {"\"\xC0\xAF\"", 1, "invalid UTF-8"},           // overlong '/'
      {"\"\xE0\x80\xAF\"", 1, "invalid UTF-8"},       // overlong, 3 bytes
      {"\"\xED\xA0\x80\"", 1, "invalid UTF-8"},       // encoded surrogate
      {"\"\xE4\xB8\"", 1, "UTF-8"},                   // truncated before the quote
      {"\"\xFF\"", 1, "invalid UTF-8"},
      {"{} x", 3, "end of document"},
      {"{\"k\": 1, \"k\": 2}", 0, "duplicate key \"k\""},
      {"1e999", 0, "out of range"},
      {"// comment\n1", 0, "unexpected character '/'"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    auto e = parse_error(c.text);
    EXPECT_EQ(e.offset(), c.offset) << e.what();
    EXPECT_NE(std::string(e.what()).find(c.message_part), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("at byte " + std::to_string(c.offset)), std::string::npos)
        << e.what();
  }
}

TEST(Json, EnforcesDepthAndSizeLimits) {
  std::string deep(100000, '[');  // would overflow a naive recursive parser's stack
  auto e = parse_error(deep);
  EXPECT_NE(std::string(e.what()).find("nesting deeper than the limit of 512"), std::string::npos);
  EXPECT_EQ(e.offset(), 512u);

  json::Limits small;
  small.max_depth = 2;
  EXPECT_NO_THROW(json::parse("[[1]]", small));
  EXPECT_THROW(json::parse("[[[1]]]", small), json::ParseError);
  small.max_bytes = 4;
  auto big = parse_error("[1, 2]", small);
  EXPECT_NE(std::string(big.what()).find("exceeds the limit of 4"), std::string::npos);
}

TEST(Json, TypedAccessNamesTheMismatch) {
  auto v = json::parse(R"({"layers": "12", "eps": 1.5, "n": 12})");
  try {
    (void)v.at("layers").as_number();
    FAIL() << "string read as number";
  } catch (const attnscope::InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("expected number, got string"), std::string::npos);
  }
  try {
    (void)v.at("hidden_size");
    FAIL() << "missing key found";
  } catch (const attnscope::InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("missing key \"hidden_size\""), std::string::npos);
  }
  EXPECT_THROW(v.at("eps").as_int(), attnscope::InvalidArgument);     // not integral
  EXPECT_THROW(v.at("n").as_int(0, 8), attnscope::InvalidArgument);   // out of range
  EXPECT_THROW(json::parse("1e300").as_int(), attnscope::InvalidArgument);
  EXPECT_THROW(v.as_array(), attnscope::InvalidArgument);
}
