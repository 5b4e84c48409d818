// A small, strict JSON parser (RFC 8259) for the files a checkpoint folder holds: config.json,
// vocab.json, tokenizer.json.
//
// Strict means: no comments, no trailing commas, no NaN/Infinity, no leading zeros, no control
// characters or invalid UTF-8 inside strings, no lone UTF-16 surrogates in \u escapes, no duplicate
// keys in an object, nothing but whitespace after the top-level value. Every rejection throws
// json::ParseError (an InvalidArgument) whose message names what was expected and the byte offset,
// e.g. "json: expected ':' after object key at byte 17".
//
// Objects keep their members in file order (vocab.json's order is meaningful to nobody, but
// tokenizer.json's added_tokens and merges are arrays, and printing in file order helps debugging).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "util/error.hpp"

namespace attnscope::json {

class ParseError : public InvalidArgument {
 public:
  ParseError(const std::string& what, std::size_t offset);
  std::size_t offset() const noexcept { return offset_; }

 private:
  std::size_t offset_;
};

struct Limits {
  std::size_t max_depth = 512;               // nested arrays/objects
  std::size_t max_bytes = 256u * 1024 * 1024;  // whole document
};

enum class Type : std::uint8_t { null, boolean, number, string, array, object };

// The name of a type for error messages ("object", "string", ...).
const char* type_name(Type type) noexcept;

struct Member;

class Value {
 public:
  using Array = std::vector<Value>;
  using Object = std::vector<Member>;

  Value() = default;  // null
  // Defined after Member: clang instantiates the variant's constructors where they are defined,
  // and std::vector<Member> needs Member complete there.
  explicit Value(bool b);
  explicit Value(double d);
  explicit Value(std::string s);
  explicit Value(Array a);
  explicit Value(Object o);

  Type type() const noexcept { return static_cast<Type>(data_.index()); }
  bool is_null() const noexcept { return type() == Type::null; }
  bool is_bool() const noexcept { return type() == Type::boolean; }
  bool is_number() const noexcept { return type() == Type::number; }
  bool is_string() const noexcept { return type() == Type::string; }
  bool is_array() const noexcept { return type() == Type::array; }
  bool is_object() const noexcept { return type() == Type::object; }

  // Typed access; each throws InvalidArgument naming the expected and actual type.
  bool as_bool() const;
  double as_number() const;
  // The number as an integer; throws unless it is integral and within [min, max].
  std::int64_t as_int(std::int64_t min = INT64_MIN, std::int64_t max = INT64_MAX) const;
  const std::string& as_string() const;
  const Array& as_array() const;
  const Object& as_object() const;

  // Object lookup (linear: objects that are looked up by key are small; big ones are iterated).
  const Value* find(std::string_view key) const;  // nullptr when absent or not an object
  const Value& at(std::string_view key) const;    // throws InvalidArgument naming the key

 private:
  // No default member initializer (same reason): a variant starts as its first alternative, null.
  std::variant<std::nullptr_t, bool, double, std::string, Array, Object> data_;
};

struct Member {
  std::string key;
  Value value;
};

inline Value::Value(bool b) : data_(b) {}
inline Value::Value(double d) : data_(d) {}
inline Value::Value(std::string s) : data_(std::move(s)) {}
inline Value::Value(Array a) : data_(std::move(a)) {}
inline Value::Value(Object o) : data_(std::move(o)) {}

// Parses a whole document. Throws ParseError on any deviation from the grammar or the limits.
Value parse(std::string_view text, const Limits& limits = {});

}  // namespace attnscope::json
