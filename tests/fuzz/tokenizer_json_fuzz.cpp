// tokenizer.json (WordPiece or BPE model) through tokenizer_from_json, then encoding fuzzed text.
// Layout: flags byte, tokenizer.json, text.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_common.hpp"
#include "tokenizers/loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const std::uint8_t flags = in.ConsumeIntegral<std::uint8_t>();
  const std::string tokenizer_json = in.ConsumeRandomLengthString(1 << 16);
  const std::string text = in.ConsumeRemainingBytesAsString();
  attnscope::fuzz::guard([&] {
    const auto tokenizer = attnscope::tokenizers::tokenizer_from_json(tokenizer_json);
    const auto encoding = tokenizer->encode(text, (flags & 1) != 0);
    for (const std::int32_t id : encoding.ids) (void)tokenizer->id_to_token(id);
  });
  return 0;
}
