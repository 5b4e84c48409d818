#include "model/safetensors.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

#include "util/error.hpp"
#include "util/json.hpp"

namespace attnscope::model {
namespace {

struct DtypeSpec {
  const char* name;
  std::size_t bytes;
  Dtype dtype;
};

// Every dtype the format defines; only the first three are convertible to float32.
constexpr DtypeSpec kDtypes[] = {
    {"F32", 4, Dtype::f32},   {"F16", 2, Dtype::f16},   {"BF16", 2, Dtype::bf16},
    {"F64", 8, Dtype::other}, {"I64", 8, Dtype::other}, {"I32", 4, Dtype::other},
    {"I16", 2, Dtype::other}, {"I8", 1, Dtype::other},  {"U8", 1, Dtype::other},
    {"U16", 2, Dtype::other}, {"U32", 4, Dtype::other}, {"U64", 8, Dtype::other},
    {"BOOL", 1, Dtype::other}, {"F8_E4M3", 1, Dtype::other}, {"F8_E5M2", 1, Dtype::other},
};

std::uint16_t load_u16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] | (p[1] << 8)); }

}  // namespace

std::string shape_text(const std::vector<std::size_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

float f16_to_f32(std::uint16_t h) noexcept {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  std::uint32_t exponent = (h >> 10) & 0x1Fu;
  std::uint32_t mantissa = h & 0x3FFu;
  std::uint32_t bits;
  if (exponent == 0x1F) {  // inf / NaN
    bits = sign | 0x7F800000u | (mantissa << 13);
  } else if (exponent != 0) {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {
    bits = sign;
  } else {  // subnormal half: normalise it (every half subnormal is a normal float)
    exponent = 113;
    while ((mantissa & 0x400u) == 0) {
      mantissa <<= 1;
      --exponent;
    }
    bits = sign | (exponent << 23) | ((mantissa & 0x3FFu) << 13);
  }
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

float bf16_to_f32(std::uint16_t b) noexcept {
  const std::uint32_t bits = static_cast<std::uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

std::size_t SafetensorsFile::header_length(std::span<const std::uint8_t> first_bytes,
                                           std::size_t file_size, std::string_view file_name) {
  const std::string where(file_name);
  if (file_size < 8 || first_bytes.size() < 8) {
    throw InvalidArgument(where + ": file of " + std::to_string(file_size) +
                          " bytes is too short for a safetensors header (expected at least 8 bytes)");
  }
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | first_bytes[static_cast<std::size_t>(i)];
  if (n > kMaxSafetensorsHeaderBytes) {
    throw InvalidArgument(where + ": header length " + std::to_string(n) + " exceeds the limit of " +
                          std::to_string(kMaxSafetensorsHeaderBytes) +
                          " bytes (not a safetensors file, or corrupt)");
  }
  if (n > file_size - 8) {
    throw InvalidArgument(where + ": header length " + std::to_string(n) +
                          " goes beyond the end of the file (" + std::to_string(file_size) +
                          " bytes): truncated or not a safetensors file");
  }
  return static_cast<std::size_t>(n);
}

SafetensorsFile::SafetensorsFile(std::span<const std::uint8_t> file, std::string file_name)
    : file_name_(std::move(file_name)) {
  parse_header(file, file.size());
  const std::size_t data_start = 8 + header_length(file, file.size(), file_name_);
  data_ = file.subspan(data_start);
}

SafetensorsFile::SafetensorsFile(std::span<const std::uint8_t> header_prefix,
                                 std::size_t total_file_bytes, std::string file_name)
    : file_name_(std::move(file_name)) {
  parse_header(header_prefix, total_file_bytes);
}

void SafetensorsFile::parse_header(std::span<const std::uint8_t> file, std::size_t total_file_bytes) {
  const std::size_t n = header_length(file, total_file_bytes, file_name_);
  if (file.size() < 8 + n) {
    throw InvalidArgument(file_name_ + ": only " + std::to_string(file.size()) +
                          " bytes given, the header needs " + std::to_string(8 + n));
  }
  const std::size_t data_bytes = total_file_bytes - 8 - n;
  const std::string_view text(reinterpret_cast<const char*>(file.data() + 8), n);
  json::Value header;
  try {
    header = json::parse(text);
  } catch (const json::ParseError& e) {
    throw InvalidArgument(file_name_ + ": header is not valid JSON (" + e.what() + ")");
  }
  if (!header.is_object()) {
    throw InvalidArgument(file_name_ + ": header must be a JSON object, got " +
                          json::type_name(header.type()));
  }
  for (const auto& [name, entry] : header.as_object()) {
    if (name == "__metadata__") continue;
    const std::string where = file_name_ + ": tensor '" + name + "'";
    if (!entry.is_object()) throw InvalidArgument(where + ": entry must be an object");
    const json::Value* dtype = entry.find("dtype");
    const json::Value* shape = entry.find("shape");
    const json::Value* offsets = entry.find("data_offsets");
    if (!dtype || !dtype->is_string()) throw InvalidArgument(where + ": missing string 'dtype'");
    if (!shape || !shape->is_array()) throw InvalidArgument(where + ": missing array 'shape'");
    if (!offsets || !offsets->is_array() || offsets->as_array().size() != 2) {
      throw InvalidArgument(where + ": 'data_offsets' must be an array [begin, end]");
    }
    TensorInfo t;
    t.name = name;
    t.dtype_name = dtype->as_string();
    const DtypeSpec* spec = nullptr;
    for (const auto& d : kDtypes) {
      if (t.dtype_name == d.name) spec = &d;
    }
    if (!spec) throw InvalidArgument(where + ": unknown dtype '" + t.dtype_name + "'");
    t.dtype = spec->dtype;

    // Element count and byte size, refusing anything that overflows or exceeds the data section.
    std::size_t count = 1;
    for (const auto& dim : shape->as_array()) {
      if (!dim.is_number() || dim.as_number() < 0 || dim.as_number() != static_cast<double>(
              static_cast<std::int64_t>(dim.as_number()))) {
        throw InvalidArgument(where + ": shape entries must be non-negative integers");
      }
      if (dim.as_number() > static_cast<double>(data_bytes)) {
        throw InvalidArgument(where + ": dimension " + std::to_string(dim.as_int()) +
                              " exceeds the data section (" + std::to_string(data_bytes) + " bytes)");
      }
      const auto d = static_cast<std::size_t>(dim.as_int());
      t.shape.push_back(d);
      if (d != 0 && count > data_bytes / d) {
        throw InvalidArgument(where + ": shape " + shape_text(t.shape) +
                              "... is larger than the data section (" + std::to_string(data_bytes) +
                              " bytes)");
      }
      count *= d;
    }
    t.element_count = count;
    const auto& off = offsets->as_array();
    for (const auto& o : off) {
      if (!o.is_number() || o.as_number() < 0 || o.as_number() > static_cast<double>(data_bytes) ||
          o.as_number() != static_cast<double>(static_cast<std::int64_t>(o.as_number()))) {
        throw InvalidArgument(where + ": data_offsets " + "must be integers within the data section (0.." +
                              std::to_string(data_bytes) + " bytes)");
      }
    }
    t.begin = static_cast<std::size_t>(off[0].as_int());
    t.end = static_cast<std::size_t>(off[1].as_int());
    if (t.end < t.begin) {
      throw InvalidArgument(where + ": data_offsets [" + std::to_string(t.begin) + ", " +
                            std::to_string(t.end) + "] end before they begin");
    }
    if (count > data_bytes / spec->bytes + 1 || t.end - t.begin != count * spec->bytes) {
      throw InvalidArgument(where + ": data_offsets span " + std::to_string(t.end - t.begin) +
                            " bytes but dtype " + t.dtype_name + " with shape " + shape_text(t.shape) +
                            " needs " + std::to_string(count) + " x " + std::to_string(spec->bytes));
    }
    tensors_.push_back(std::move(t));
  }

  // No two tensors may share bytes (empty tensors occupy none).
  std::vector<const TensorInfo*> by_offset;
  for (const auto& t : tensors_) {
    if (t.end > t.begin) by_offset.push_back(&t);
  }
  std::sort(by_offset.begin(), by_offset.end(),
            [](auto* a, auto* b) { return a->begin < b->begin; });
  for (std::size_t i = 1; i < by_offset.size(); ++i) {
    if (by_offset[i]->begin < by_offset[i - 1]->end) {
      throw InvalidArgument(file_name_ + ": tensors '" + by_offset[i - 1]->name + "' and '" +
                            by_offset[i]->name + "' overlap (bytes " +
                            std::to_string(by_offset[i]->begin) + ".." +
                            std::to_string(by_offset[i - 1]->end) + ")");
    }
  }
}

const TensorInfo* SafetensorsFile::find(std::string_view name) const noexcept {
  for (const auto& t : tensors_) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

std::size_t SafetensorsFile::total_elements() const noexcept {
  std::size_t total = 0;
  for (const auto& t : tensors_) total += t.element_count;
  return total;
}

void SafetensorsFile::read_f32(const TensorInfo& t, std::span<float> out) const {
  const std::string where = file_name_ + ": tensor '" + t.name + "'";
  if (t.dtype == Dtype::other) {
    throw InvalidArgument(where + " has dtype " + t.dtype_name +
                          "; only F32, F16 and BF16 tensors can be read as float32");
  }
  if (out.size() != t.element_count) {
    throw InvalidArgument(where + ": destination holds " + std::to_string(out.size()) +
                          " floats, expected " + std::to_string(t.element_count));
  }
  if (t.end > data_.size()) {
    throw InvalidArgument(where + ": data not available (header-only view or truncated file)");
  }
  const std::uint8_t* src = data_.data() + t.begin;
  switch (t.dtype) {
    case Dtype::f32:
      if (!out.empty()) std::memcpy(out.data(), src, out.size() * sizeof(float));
      break;
    case Dtype::f16:
      for (std::size_t i = 0; i < out.size(); ++i) out[i] = f16_to_f32(load_u16(src + 2 * i));
      break;
    case Dtype::bf16:
      for (std::size_t i = 0; i < out.size(); ++i) out[i] = bf16_to_f32(load_u16(src + 2 * i));
      break;
    case Dtype::other:
      break;
  }
}

std::span<const std::uint8_t> SafetensorsFile::raw(const TensorInfo& t) const {
  if (t.end > data_.size()) {
    throw InvalidArgument(file_name_ + ": tensor '" + t.name +
                          "': data not available (header-only view or truncated file)");
  }
  return data_.subspan(t.begin, t.end - t.begin);
}

std::vector<float> SafetensorsFile::read_f32(const TensorInfo& t) const {
  std::vector<float> out(t.element_count);
  read_f32(t, out);
  return out;
}

}  // namespace attnscope::model
