// The regex engine of tokenizer.json's Split / Replace patterns: compile a fuzzed pattern, then
// find every match in fuzzed text. Matches must be in order, inside the text and non-overlapping.
// Layout: pattern, text.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_common.hpp"
#include "tokenizers/regex.hpp"
#include "tokenizers/unicode.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const std::string pattern = in.ConsumeRandomLengthString(1 << 10);
  const std::string text = in.ConsumeRemainingBytesAsString();
  attnscope::fuzz::guard([&] {
    namespace tk = attnscope::tokenizers;
    const tk::Regex re(tk::unicode::decode_utf8(pattern), "fuzz");
    const std::u32string t = tk::unicode::decode_utf8(text);
    std::size_t last_end = 0;
    for (const tk::RegexMatch& m : re.find_all(t)) {
      if (m.start > m.end || m.end > t.size() || m.start < last_end) __builtin_trap();
      last_end = m.end;
    }
  });
  return 0;
}
