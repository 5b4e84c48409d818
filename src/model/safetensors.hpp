// Reader for the safetensors format (https://huggingface.co/docs/safetensors): an 8-byte
// little-endian header length N, N bytes of JSON {name: {dtype, shape, data_offsets: [begin, end]},
// "__metadata__": {...}}, then the data, offsets relative to its start.
//
// Everything in the header is checked against the file before any tensor is read: header length
// within the file, offsets within the data and non-overlapping, byte counts equal to the product of
// the shape times the dtype's size (computed without overflow), known dtypes. Tensors of the
// float dtypes F32, F16 and BF16 convert to float32; other dtypes are listed but not convertible.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace attnscope::model {

enum class Dtype : std::uint8_t { f32, f16, bf16, other };

struct TensorInfo {
  std::string name;
  Dtype dtype = Dtype::other;
  std::string dtype_name;           // as written in the header, e.g. "F16"
  std::vector<std::size_t> shape;
  std::size_t element_count = 0;
  std::size_t begin = 0, end = 0;   // byte offsets into the data section
};

// The largest header accepted (the format's own reference implementation uses 100 MB).
inline constexpr std::size_t kMaxSafetensorsHeaderBytes = 100u * 1000 * 1000;

class SafetensorsFile {
 public:
  // Validates the header; `file` must outlive this object (tensors are read from it lazily).
  // Throws InvalidArgument naming the file, the tensor and what is wrong.
  explicit SafetensorsFile(std::span<const std::uint8_t> file,
                           std::string file_name = "model.safetensors");

  // Reads only the header (file may hold just its first 8 + N bytes, e.g. before the rest has been
  // copied): `total_file_bytes` is the full file's length, against which the offsets are checked.
  SafetensorsFile(std::span<const std::uint8_t> header_prefix, std::size_t total_file_bytes,
                  std::string file_name);

  const std::vector<TensorInfo>& tensors() const noexcept { return tensors_; }
  const TensorInfo* find(std::string_view name) const noexcept;
  // Total element count of all tensors (for memory estimates before conversion).
  std::size_t total_elements() const noexcept;
  const std::string& file_name() const noexcept { return file_name_; }

  // Converts a float tensor to float32 into `out` (whose length must be its element count).
  void read_f32(const TensorInfo& tensor, std::span<float> out) const;
  std::vector<float> read_f32(const TensorInfo& tensor) const;
  // The tensor's bytes as stored (any dtype), e.g. I32 token ids.
  std::span<const std::uint8_t> raw(const TensorInfo& tensor) const;

  // The header length N read from the first 8 bytes of a file (throws when implausible).
  static std::size_t header_length(std::span<const std::uint8_t> first_bytes, std::size_t file_size,
                                   std::string_view file_name);

 private:
  void parse_header(std::span<const std::uint8_t> file, std::size_t total_file_bytes);

  std::span<const std::uint8_t> data_;  // the data section (empty for header-only objects)
  std::string file_name_;
  std::vector<TensorInfo> tensors_;
};

// "[2, 3]": a shape as error messages print it.
std::string shape_text(const std::vector<std::size_t>& shape);

// IEEE half and bfloat16 to float (exact; subnormals, infinities and NaN included).
float f16_to_f32(std::uint16_t bits) noexcept;
float bf16_to_f32(std::uint16_t bits) noexcept;

}  // namespace attnscope::model
