#include "golden_helpers.hpp"

#include <random>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <stdexcept>

namespace attnscope::testing {
namespace {

// A minimal JSON reader for safetensors headers: objects, arrays, strings (no escapes beyond \" \\),
// and non-negative integers. Enough for the files our script writes; anything else is an error.
struct JsonValue {
  enum Kind { object, array, string, number } kind = number;
  std::map<std::string, JsonValue> members;
  std::vector<JsonValue> items;
  std::string text;
  std::size_t integer = 0;
};

class JsonParser {
 public:
  JsonParser(const std::string& text, const std::string& file) : s_(text), file_(file) {}

  JsonValue parse_document() {
    JsonValue v = parse_value();
    skip_space();
    if (pos_ != s_.size()) fail("trailing characters");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error(file_ + ": header JSON: " + what + " at byte " + std::to_string(pos_));
  }
  void skip_space() {
    while (pos_ < s_.size() && std::strchr(" \t\r\n", s_[pos_]) != nullptr) ++pos_;
  }
  bool consume(char c) {
    skip_space();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!consume(c)) fail(std::string("expected '") + c + "'");
  }
  std::string parse_string() {
    expect('"');
    std::string out;
    while (pos_ < s_.size() && s_[pos_] != '"') {
      if (s_[pos_] == '\\' && pos_ + 1 < s_.size()) ++pos_;
      out += s_[pos_++];
    }
    expect('"');
    return out;
  }
  JsonValue parse_value() {
    skip_space();
    if (pos_ >= s_.size()) fail("unexpected end");
    JsonValue v;
    const char c = s_[pos_];
    if (c == '{') {
      v.kind = JsonValue::object;
      ++pos_;
      if (consume('}')) return v;
      do {
        std::string key = parse_string();
        expect(':');
        v.members[key] = parse_value();
      } while (consume(','));
      expect('}');
    } else if (c == '[') {
      v.kind = JsonValue::array;
      ++pos_;
      if (consume(']')) return v;
      do v.items.push_back(parse_value());
      while (consume(','));
      expect(']');
    } else if (c == '"') {
      v.kind = JsonValue::string;
      v.text = parse_string();
    } else if (c >= '0' && c <= '9') {
      v.kind = JsonValue::number;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
        v.integer = v.integer * 10 + static_cast<std::size_t>(s_[pos_++] - '0');
      }
    } else {
      fail(std::string("unexpected character '") + c + "'");
    }
    return v;
  }

  const std::string& s_;
  const std::string& file_;
  std::size_t pos_ = 0;
};

const JsonValue& member(const JsonValue& object, const std::string& key, const std::string& file) {
  auto it = object.members.find(key);
  if (it == object.members.end()) throw std::runtime_error(file + ": header lacks \"" + key + "\"");
  return it->second;
}

}  // namespace

const std::vector<float>& GoldenCase::f32(const std::string& tensor) const {
  auto it = tensors.find(tensor);
  if (it == tensors.end() || it->second.dtype != "F32") {
    throw std::runtime_error(name + ": no F32 tensor '" + tensor + "'");
  }
  return it->second.f32;
}

const std::vector<std::uint8_t>& GoldenCase::u8(const std::string& tensor) const {
  auto it = tensors.find(tensor);
  if (it == tensors.end() || it->second.dtype != "U8") {
    throw std::runtime_error(name + ": no U8 tensor '" + tensor + "'");
  }
  return it->second.u8;
}

std::string GoldenCase::meta(const std::string& key) const {
  auto it = metadata.find(key);
  if (it == metadata.end()) throw std::runtime_error(name + ": no metadata '" + key + "'");
  return it->second;
}

std::size_t GoldenCase::meta_size(const std::string& key) const { return std::stoul(meta(key)); }

GoldenCase read_golden(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open");
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() < 8) throw std::runtime_error(path + ": shorter than the 8-byte header length");
  std::uint64_t header_length = 0;
  for (int i = 7; i >= 0; --i) header_length = (header_length << 8) | static_cast<unsigned char>(bytes[i]);
  if (header_length > bytes.size() - 8) throw std::runtime_error(path + ": header length past the end");
  const std::string header_text = bytes.substr(8, header_length);
  const JsonValue header = JsonParser(header_text, path).parse_document();
  if (header.kind != JsonValue::object) throw std::runtime_error(path + ": header is not an object");
  const std::size_t data_start = 8 + header_length;
  const std::size_t data_size = bytes.size() - data_start;

  GoldenCase result;
  result.name = std::filesystem::path(path).stem().string();
  for (const auto& [key, value] : header.members) {
    if (key == "__metadata__") {
      for (const auto& [meta_key, meta_value] : value.members) result.metadata[meta_key] = meta_value.text;
      continue;
    }
    GoldenTensor tensor;
    tensor.dtype = member(value, "dtype", path).text;
    std::size_t count = 1;
    for (const JsonValue& dim : member(value, "shape", path).items) {
      tensor.shape.push_back(dim.integer);
      count *= dim.integer;
    }
    const auto& offsets = member(value, "data_offsets", path).items;
    if (offsets.size() != 2 || offsets[0].integer > offsets[1].integer || offsets[1].integer > data_size) {
      throw std::runtime_error(path + ": bad data_offsets for " + key);
    }
    const char* begin = bytes.data() + data_start + offsets[0].integer;
    const std::size_t length = offsets[1].integer - offsets[0].integer;
    if (tensor.dtype == "F32" && length == count * sizeof(float)) {
      tensor.f32.resize(count);
      std::memcpy(tensor.f32.data(), begin, length);  // little-endian on every target we run
    } else if (tensor.dtype == "U8" && length == count) {
      tensor.u8.assign(begin, begin + length);
    } else {
      throw std::runtime_error(path + ": tensor " + key + " has dtype " + tensor.dtype + " and " +
                               std::to_string(length) + " bytes for " + std::to_string(count) +
                               " elements");
    }
    result.tensors[key] = std::move(tensor);
  }
  return result;
}

std::vector<std::string> golden_files(const std::string& subdir) {
  const std::filesystem::path dir = std::filesystem::path(ATTNSCOPE_TEST_DATA_DIR) / subdir;
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".safetensors") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<kernels::Path> available_paths() {
  std::vector<kernels::Path> paths{kernels::Path::scalar};
  if (kernels::simd_available()) paths.push_back(kernels::Path::simd);
  return paths;
}

const char* path_name(kernels::Path path) { return path == kernels::Path::simd ? "simd" : "scalar"; }

ErrorReport max_abs_error(std::span<const float> actual, std::span<const float> expected) {
  ErrorReport report;
  if (actual.size() != expected.size()) {
    report.max_abs = std::numeric_limits<double>::infinity();
    return report;
  }
  for (std::size_t i = 0; i < actual.size(); ++i) {
    double error = std::fabs(static_cast<double>(actual[i]) - static_cast<double>(expected[i]));
    if (std::isnan(error)) error = std::numeric_limits<double>::infinity();
    if (error > report.max_abs) report = {error, i};
  }
  return report;
}

std::vector<float> uniform_random_vector(std::size_t size, unsigned seed, float spread) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-spread, spread);
  std::vector<float> out(size);
  for (float& v : out) v = dist(rng);
  return out;
}

}  // namespace attnscope::testing
