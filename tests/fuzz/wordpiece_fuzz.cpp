// vocab.txt (+ tokenizer_config.json) through the loader, then WordPiece on fuzzed text.
// Input layout (FuzzedDataProvider): a flags byte, vocab.txt, optionally tokenizer_config.json,
// and the rest is the text to encode.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_common.hpp"
#include "tokenizers/loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const std::uint8_t flags = in.ConsumeIntegral<std::uint8_t>();
  attnscope::tokenizers::TokenizerFiles files;
  files.vocab_txt = in.ConsumeRandomLengthString(1 << 16);
  if (flags & 1) files.tokenizer_config_json = in.ConsumeRandomLengthString(1 << 12);
  const std::string text = in.ConsumeRemainingBytesAsString();
  attnscope::fuzz::guard([&] {
    const auto tokenizer = attnscope::tokenizers::load_tokenizer((flags & 2) ? "distilbert" : "bert", files);
    const auto encoding = tokenizer->encode(text, (flags & 4) != 0);
    for (const std::int32_t id : encoding.ids) (void)tokenizer->id_to_token(id);
  });
  return 0;
}
