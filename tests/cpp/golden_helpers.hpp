// Test-side helpers: a small reader for the golden .safetensors files that
// scripts/generate/make_attention_golden.py writes (F32 and U8 tensors plus string metadata), the list
// of kernel paths this build can run, and error measurement. Not the product's safetensors reader.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "kernels/kernels.hpp"

namespace attnscope::testing {

struct GoldenTensor {
  std::string dtype;               // "F32" or "U8"
  std::vector<std::size_t> shape;
  std::vector<float> f32;          // filled when dtype == F32
  std::vector<std::uint8_t> u8;    // filled when dtype == U8
};

struct GoldenCase {
  std::string name;  // file name without extension
  std::map<std::string, std::string> metadata;
  std::map<std::string, GoldenTensor> tensors;

  bool has(const std::string& tensor) const { return tensors.count(tensor) != 0; }
  // Throw std::runtime_error when missing or of the wrong dtype.
  const std::vector<float>& f32(const std::string& tensor) const;
  const std::vector<std::uint8_t>& u8(const std::string& tensor) const;
  std::string meta(const std::string& key) const;
  std::size_t meta_size(const std::string& key) const;
};

// Parses one file; throws std::runtime_error naming the file and the problem.
GoldenCase read_golden(const std::string& path);

// Sorted paths of every *.safetensors under ATTNSCOPE_TEST_DATA_DIR/<subdir>.
std::vector<std::string> golden_files(const std::string& subdir);

// Path::scalar, plus Path::simd when compiled in.
std::vector<kernels::Path> available_paths();
// `size` floats drawn uniformly from [-spread, spread] by std::mt19937(seed): the kernel tests' inputs.
std::vector<float> uniform_random_vector(std::size_t size, unsigned seed, float spread = 1.0f);
const char* path_name(kernels::Path path);

struct ErrorReport {
  double max_abs = 0.0;
  std::size_t index = 0;  // where max_abs occurs
};
// Largest |actual[i] - expected[i]|; a NaN anywhere counts as infinite error.
ErrorReport max_abs_error(std::span<const float> actual, std::span<const float> expected);

}  // namespace attnscope::testing
