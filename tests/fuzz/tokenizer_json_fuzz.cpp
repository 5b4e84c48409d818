// tokenizer.json (WordPiece, BPE or Unigram model with every supported normalizer, pre-tokenizer,
// post-processor and decoder) through tokenizer_from_json, then encoding fuzzed text, alone or as
// a sentence pair. Layout: flags byte (taken from the end), tokenizer.json, [tokenizer_config.json
// when flags & 2], text [, then the second sentence when flags & 4]; flags & 1: special tokens.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "fuzz_common.hpp"
#include "tokenizers/loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const std::uint8_t flags = in.ConsumeIntegral<std::uint8_t>();
  const std::string tokenizer_json = in.ConsumeRandomLengthString(1 << 16);
  std::optional<std::string> config;
  if (flags & 2) config = in.ConsumeRandomLengthString(1 << 12);
  const std::string text = (flags & 4) ? in.ConsumeRandomLengthString(1 << 12) : in.ConsumeRemainingBytesAsString();
  const std::string pair = in.ConsumeRemainingBytesAsString();
  attnscope::fuzz::guard([&] {
    std::optional<std::string_view> config_view;
    if (config) config_view = *config;
    const auto tokenizer = attnscope::tokenizers::tokenizer_from_json(tokenizer_json, config_view);
    const bool special = (flags & 1) != 0;
    const auto encoding = (flags & 4) ? tokenizer->encode_pair(text, pair, special) : tokenizer->encode(text, special);
    if (encoding.tokens.size() != encoding.ids.size() || encoding.display.size() != encoding.ids.size() ||
        encoding.type_ids.size() != encoding.ids.size() ||
        encoding.sentence_b_start > static_cast<std::int64_t>(encoding.ids.size())) {
      __builtin_trap();
    }
    for (const std::int32_t id : encoding.ids) (void)tokenizer->id_to_token(id);
  });
  return 0;
}
