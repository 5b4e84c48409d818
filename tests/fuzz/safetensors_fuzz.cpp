// The safetensors reader on arbitrary bytes: the full-file constructor, converting every float
// tensor to float32, and the header-only constructor against the same total size.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

#include "fuzz_common.hpp"
#include "model/safetensors.hpp"

using attnscope::model::Dtype;
using attnscope::model::SafetensorsFile;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> file(data, size);
  attnscope::fuzz::guard([&] {
    const SafetensorsFile st(file, "fuzz.safetensors");
    (void)st.total_elements();
    for (const auto& tensor : st.tensors()) {
      (void)st.raw(tensor);
      if (tensor.dtype != Dtype::other) attnscope::fuzz::guard([&] { (void)st.read_f32(tensor); });
      (void)st.find(tensor.name);
    }
  });
  attnscope::fuzz::guard([&] {
    const std::size_t header = SafetensorsFile::header_length(file, size, "fuzz.safetensors");
    (void)SafetensorsFile(file.first(std::min(size, header + 8)), size, "fuzz.safetensors");
  });
  return 0;
}
