// The strict JSON parser on arbitrary bytes (config.json, vocab.json, tokenizer.json all go
// through it). A shallow depth limit keeps deep-nesting inputs fast while still exercising it.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_common.hpp"
#include "util/json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  attnscope::fuzz::guard([&] {
    const attnscope::json::Value root = attnscope::json::parse(text, {.max_depth = 64, .max_bytes = 1u << 20});
    // Touch the typed accessors the readers use, so their checks run on fuzzed values too.
    if (root.is_object()) {
      for (const auto& member : root.as_object()) {
        if (member.value.is_number()) attnscope::fuzz::guard([&] { (void)member.value.as_int(0, 1 << 20); });
      }
      (void)root.find("model_type");
    }
  });
  return 0;
}
