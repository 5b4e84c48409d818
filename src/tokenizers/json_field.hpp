// A JSON value of a tokenizer file together with where it is ("tokenizer.json:
// pre_tokenizer.pretokenizers[0].pattern"), so that every error names the file and the key.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/json.hpp"

namespace attnscope::tokenizers {

class JsonField {
 public:
  JsonField(const json::Value& value, std::string file, std::string path)
      : value_(&value), file_(std::move(file)), path_(std::move(path)) {}

  const json::Value& value() const { return *value_; }
  const std::string& path() const { return path_; }
  // "tokenizer.json: model.vocab" (or "tokenizer.json" for the root).
  std::string where() const { return path_.empty() ? file_ : file_ + ": " + path_; }
  [[noreturn]] void fail(const std::string& problem) const;

  bool is_null() const { return value_->is_null(); }
  // A member that must be present and not null.
  JsonField at(std::string_view key) const;
  // A member that may be absent or null.
  std::optional<JsonField> find(std::string_view key) const;
  JsonField item(std::size_t index) const;
  std::size_t size() const;  // array length (fails for a non-array)

  const std::string& string() const;
  bool boolean() const;
  double number() const;
  std::int64_t integer(std::int64_t min, std::int64_t max) const;
  const json::Value::Object& object() const;

  // Optional members with a default.
  bool flag(std::string_view key, bool fallback) const;
  std::string text(std::string_view key, std::string fallback) const;
  // The "type" member of a component object.
  const std::string& type() const { return at("type").string(); }
  // Fails with "<where>.type: 'X' is not supported (supported: a, b, c)".
  [[noreturn]] void unsupported_type(std::string_view supported) const;

 private:
  const json::Value* value_;
  std::string file_, path_;
};

}  // namespace attnscope::tokenizers
