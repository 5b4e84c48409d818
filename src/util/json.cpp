#include "util/json.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

namespace attnscope::json {

ParseError::ParseError(const std::string& what, std::size_t offset)
    : InvalidArgument("json: " + what + " at byte " + std::to_string(offset)), offset_(offset) {}

const char* type_name(Type type) noexcept {
  switch (type) {
    case Type::null: return "null";
    case Type::boolean: return "boolean";
    case Type::number: return "number";
    case Type::string: return "string";
    case Type::array: return "array";
    case Type::object: return "object";
  }
  return "?";
}

namespace {

[[noreturn]] void wrong_type(Type expected, Type actual) {
  throw InvalidArgument(std::string("json: expected ") + type_name(expected) + ", got " +
                        type_name(actual));
}

class Parser {
 public:
  Parser(std::string_view text, const Limits& limits) : text_(text), limits_(limits) {}

  Value document() {
    if (text_.size() > limits_.max_bytes) {
      throw ParseError("document of " + std::to_string(text_.size()) +
                           " bytes exceeds the limit of " + std::to_string(limits_.max_bytes),
                       0);
    }
    skip_whitespace();
    Value v = value(0);
    skip_whitespace();
    if (pos_ != text_.size()) fail("expected end of document after the top-level value");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const { throw ParseError(what, pos_); }
  [[noreturn]] void fail_at(const std::string& what, std::size_t at) const {
    throw ParseError(what, at);
  }

  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[pos_]; }

  void skip_whitespace() {
    while (!at_end()) {
      char c = text_[pos_];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
      ++pos_;
    }
  }

  void expect_literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) {
      fail("expected '" + std::string(word) + "'");
    }
    pos_ += word.size();
  }

  Value value(std::size_t depth) {
    if (at_end()) fail("unexpected end of document, expected a value");
    switch (peek()) {
      case '{': return object(depth + 1);
      case '[': return array(depth + 1);
      case '"': return Value(string());
      case 't': expect_literal("true"); return Value(true);
      case 'f': expect_literal("false"); return Value(false);
      case 'n': expect_literal("null"); return Value();
      default:
        if (peek() == '-' || (peek() >= '0' && peek() <= '9')) return Value(number());
        fail(std::string("unexpected character '") + printable(peek()) + "', expected a value");
    }
  }

  static std::string printable(char c) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f) return std::string(1, c);
    static const char* hex = "0123456789abcdef";
    return std::string("\\x") + hex[u >> 4] + hex[u & 15];
  }

  void check_depth(std::size_t depth) const {
    if (depth > limits_.max_depth) {
      fail("nesting deeper than the limit of " + std::to_string(limits_.max_depth));
    }
  }

  Value object(std::size_t depth) {
    check_depth(depth);
    const std::size_t start = pos_;
    ++pos_;  // '{'
    Value::Object members;
    skip_whitespace();
    if (peek() == '}') {
      ++pos_;
      return Value(std::move(members));
    }
    for (;;) {
      skip_whitespace();
      if (peek() != '"') fail("expected a string key in object");
      std::string key = string();
      skip_whitespace();
      if (peek() != ':') fail("expected ':' after object key");
      ++pos_;
      skip_whitespace();
      Value v = value(depth);
      members.push_back(Member{std::move(key), std::move(v)});
      skip_whitespace();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == '}') {
        ++pos_;
        break;
      }
      fail("expected ',' or '}' in object");
    }
    reject_duplicate_keys(members, start);
    return Value(std::move(members));
  }

  void reject_duplicate_keys(const Value::Object& members, std::size_t start) const {
    if (members.size() < 2) return;
    std::vector<const std::string*> keys;
    keys.reserve(members.size());
    for (const auto& m : members) keys.push_back(&m.key);
    std::sort(keys.begin(), keys.end(), [](auto* a, auto* b) { return *a < *b; });
    for (std::size_t i = 1; i < keys.size(); ++i) {
      if (*keys[i] == *keys[i - 1]) fail_at("duplicate key \"" + *keys[i] + "\" in object", start);
    }
  }

  Value array(std::size_t depth) {
    check_depth(depth);
    ++pos_;  // '['
    Value::Array items;
    skip_whitespace();
    if (peek() == ']') {
      ++pos_;
      return Value(std::move(items));
    }
    for (;;) {
      skip_whitespace();
      items.push_back(value(depth));
      skip_whitespace();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == ']') {
        ++pos_;
        break;
      }
      fail("expected ',' or ']' in array");
    }
    return Value(std::move(items));
  }

  static bool is_digit(char c) { return c >= '0' && c <= '9'; }

  double number() {
    const std::size_t start = pos_;
    if (peek() == '-') ++pos_;
    if (peek() == '0') {
      ++pos_;
      if (is_digit(peek())) fail("leading zeros are not allowed in numbers");
    } else if (is_digit(peek())) {
      while (is_digit(peek())) ++pos_;
    } else {
      fail("expected a digit in number");
    }
    if (peek() == '.') {
      ++pos_;
      if (!is_digit(peek())) fail("expected a digit after '.' in number");
      while (is_digit(peek())) ++pos_;
    }
    if (peek() == 'e' || peek() == 'E') {
      ++pos_;
      if (peek() == '+' || peek() == '-') ++pos_;
      if (!is_digit(peek())) fail("expected a digit in number exponent");
      while (is_digit(peek())) ++pos_;
    }
    // The token is validated, so strtod (C locale in every build here) reads exactly it.
    std::string token(text_.substr(start, pos_ - start));
    double d = std::strtod(token.c_str(), nullptr);
    if (!std::isfinite(d)) fail_at("number " + token + " is out of range", start);
    return d;
  }

  unsigned hex4() {
    if (text_.size() - pos_ < 4) fail("expected 4 hex digits after \\u");
    unsigned v = 0;
    for (int i = 0; i < 4; ++i) {
      char c = text_[pos_];
      unsigned digit;
      if (c >= '0' && c <= '9') digit = static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f') digit = static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') digit = static_cast<unsigned>(c - 'A' + 10);
      else fail("expected 4 hex digits after \\u");
      v = v * 16 + digit;
      ++pos_;
    }
    return v;
  }

  static void append_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  void escape(std::string& out) {
    const std::size_t start = pos_;
    ++pos_;  // '\\'
    if (at_end()) fail("unterminated escape in string");
    char c = text_[pos_++];
    switch (c) {
      case '"': out += '"'; return;
      case '\\': out += '\\'; return;
      case '/': out += '/'; return;
      case 'b': out += '\b'; return;
      case 'f': out += '\f'; return;
      case 'n': out += '\n'; return;
      case 'r': out += '\r'; return;
      case 't': out += '\t'; return;
      case 'u': break;
      default: fail_at(std::string("invalid escape '\\") + printable(c) + "' in string", start);
    }
    unsigned cp = hex4();
    if (cp >= 0xDC00 && cp <= 0xDFFF) fail_at("lone low surrogate \\u escape in string", start);
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      if (text_.substr(pos_, 2) != "\\u") fail_at("high surrogate \\u escape without its low half", start);
      pos_ += 2;
      unsigned low = hex4();
      if (low < 0xDC00 || low > 0xDFFF) fail_at("high surrogate \\u escape without its low half", start);
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    append_utf8(out, cp);
  }

  // Copies one UTF-8 encoded code point, rejecting overlongs, surrogates and truncation.
  void utf8_sequence(std::string& out) {
    const std::size_t start = pos_;
    auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text_[start + i]); };
    unsigned char lead = byte(0);
    std::size_t len;
    unsigned cp;
    if (lead >= 0xC2 && lead <= 0xDF) { len = 2; cp = lead & 0x1F; }
    else if (lead >= 0xE0 && lead <= 0xEF) { len = 3; cp = lead & 0x0F; }
    else if (lead >= 0xF0 && lead <= 0xF4) { len = 4; cp = lead & 0x07; }
    else fail("invalid UTF-8 byte in string");
    if (text_.size() - start < len) fail("truncated UTF-8 sequence in string");
    for (std::size_t i = 1; i < len; ++i) {
      if ((byte(i) & 0xC0) != 0x80) fail("invalid UTF-8 continuation byte in string");
      cp = (cp << 6) | (byte(i) & 0x3F);
    }
    const bool overlong = (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
    if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      fail("invalid UTF-8 sequence in string");
    }
    out.append(text_.substr(start, len));
    pos_ += len;
  }

  std::string string() {
    const std::size_t start = pos_;
    ++pos_;  // '"'
    std::string out;
    for (;;) {
      if (at_end()) fail_at("unterminated string", start);
      auto c = static_cast<unsigned char>(text_[pos_]);
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (c == '\\') {
        escape(out);
      } else if (c < 0x20) {
        fail("unescaped control character in string");
      } else if (c < 0x80) {
        out += static_cast<char>(c);
        ++pos_;
      } else {
        utf8_sequence(out);
      }
    }
  }

  std::string_view text_;
  Limits limits_;
  std::size_t pos_ = 0;
};

}  // namespace

bool Value::as_bool() const {
  if (!is_bool()) wrong_type(Type::boolean, type());
  return std::get<bool>(data_);
}

double Value::as_number() const {
  if (!is_number()) wrong_type(Type::number, type());
  return std::get<double>(data_);
}

std::int64_t Value::as_int(std::int64_t min, std::int64_t max) const {
  double d = as_number();
  // 2^63 is exactly representable; anything at or above it does not fit in int64.
  if (d != std::floor(d) || d < -9223372036854775808.0 || d >= 9223372036854775808.0 ||
      static_cast<std::int64_t>(d) < min || static_cast<std::int64_t>(d) > max) {
    throw InvalidArgument("json: expected an integer in [" + std::to_string(min) + ", " +
                          std::to_string(max) + "], got " + std::to_string(d));
  }
  return static_cast<std::int64_t>(d);
}

const std::string& Value::as_string() const {
  if (!is_string()) wrong_type(Type::string, type());
  return std::get<std::string>(data_);
}

const Value::Array& Value::as_array() const {
  if (!is_array()) wrong_type(Type::array, type());
  return std::get<Array>(data_);
}

const Value::Object& Value::as_object() const {
  if (!is_object()) wrong_type(Type::object, type());
  return std::get<Object>(data_);
}

const Value* Value::find(std::string_view key) const {
  if (!is_object()) return nullptr;
  for (const auto& m : std::get<Object>(data_)) {
    if (m.key == key) return &m.value;
  }
  return nullptr;
}

const Value& Value::at(std::string_view key) const {
  if (!is_object()) wrong_type(Type::object, type());
  if (const Value* v = find(key)) return *v;
  throw InvalidArgument("json: missing key \"" + std::string(key) + "\"");
}

Value parse(std::string_view text, const Limits& limits) { return Parser(text, limits).document(); }

}  // namespace attnscope::json
