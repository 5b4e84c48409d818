// config.json reader on arbitrary bytes; a config it accepts must describe a model whose sizes
// are consistent enough for the loader's memory estimate (weight_bytes) not to misbehave.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_common.hpp"
#include "model/config.hpp"
#include "model/checkpoint.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  attnscope::fuzz::guard([&] {
    const attnscope::model::ModelConfig config = attnscope::model::parse_config(text);
    (void)attnscope::model::weight_bytes(config);
    (void)config.max_tokens();
  });
  return 0;
}
