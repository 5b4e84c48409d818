#include "tokenizers/json_field.hpp"

#include "util/error.hpp"

namespace attnscope::tokenizers {

void JsonField::fail(const std::string& problem) const { throw InvalidArgument(where() + ": " + problem); }

JsonField JsonField::at(std::string_view key) const {
  if (!value_->is_object()) fail(std::string("expected an object, got ") + json::type_name(value_->type()));
  const json::Value* v = value_->find(key);
  const std::string path = path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  if (v == nullptr || v->is_null()) JsonField(*value_, file_, path).fail("missing");
  return JsonField(*v, file_, path);
}

std::optional<JsonField> JsonField::find(std::string_view key) const {
  if (!value_->is_object()) fail(std::string("expected an object, got ") + json::type_name(value_->type()));
  const json::Value* v = value_->find(key);
  if (v == nullptr || v->is_null()) return std::nullopt;
  return JsonField(*v, file_, path_.empty() ? std::string(key) : path_ + "." + std::string(key));
}

JsonField JsonField::item(std::size_t index) const {
  if (!value_->is_array()) fail(std::string("expected an array, got ") + json::type_name(value_->type()));
  const json::Value::Array& a = value_->as_array();
  if (index >= a.size()) fail("index " + std::to_string(index) + " is out of range");
  return JsonField(a[index], file_, path_ + "[" + std::to_string(index) + "]");
}

std::size_t JsonField::size() const {
  if (!value_->is_array()) fail(std::string("expected an array, got ") + json::type_name(value_->type()));
  return value_->as_array().size();
}

const std::string& JsonField::string() const {
  if (!value_->is_string()) fail(std::string("expected a string, got ") + json::type_name(value_->type()));
  return value_->as_string();
}

bool JsonField::boolean() const {
  if (!value_->is_bool()) fail(std::string("expected true or false, got ") + json::type_name(value_->type()));
  return value_->as_bool();
}

double JsonField::number() const {
  if (!value_->is_number()) fail(std::string("expected a number, got ") + json::type_name(value_->type()));
  return value_->as_number();
}

std::int64_t JsonField::integer(std::int64_t min, std::int64_t max) const {
  try {
    return value_->as_int(min, max);
  } catch (const InvalidArgument& e) {
    fail(e.what());
  }
}

const json::Value::Object& JsonField::object() const {
  if (!value_->is_object()) fail(std::string("expected an object, got ") + json::type_name(value_->type()));
  return value_->as_object();
}

bool JsonField::flag(std::string_view key, bool fallback) const {
  const auto f = find(key);
  return f ? f->boolean() : fallback;
}

std::string JsonField::text(std::string_view key, std::string fallback) const {
  const auto f = find(key);
  return f ? f->string() : fallback;
}

void JsonField::unsupported_type(std::string_view supported) const {
  at("type").fail("'" + type() + "' is not supported (supported: " + std::string(supported) + ")");
}

}  // namespace attnscope::tokenizers
