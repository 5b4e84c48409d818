// vocab.json + merges.txt (+ tokenizer_config.json) through the loader for GPT-2 or RoBERTa, then
// byte-level BPE on fuzzed text. Layout: flags byte, vocab.json, merges.txt, optional config, text.
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
  files.vocab_json = in.ConsumeRandomLengthString(1 << 16);
  files.merges_txt = in.ConsumeRandomLengthString(1 << 16);
  if (flags & 1) files.tokenizer_config_json = in.ConsumeRandomLengthString(1 << 12);
  const std::string text = in.ConsumeRemainingBytesAsString();
  attnscope::fuzz::guard([&] {
    const auto tokenizer = attnscope::tokenizers::load_tokenizer((flags & 2) ? "roberta" : "gpt2", files);
    const auto encoding = tokenizer->encode(text, (flags & 4) != 0);
    for (const std::int32_t id : encoding.ids) (void)tokenizer->id_to_token(id);
  });
  return 0;
}
