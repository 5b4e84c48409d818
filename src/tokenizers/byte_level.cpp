#include "tokenizers/byte_level.hpp"

#include <array>

#include "tokenizers/unicode.hpp"

namespace attnscope::tokenizers::byte_level {
namespace {

struct Alphabet {
  std::array<char32_t, 256> chars{};
  std::array<std::string, 256> utf8;
  Alphabet() {
    int shifted = 0;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      chars[b] = printable ? static_cast<char32_t>(b) : static_cast<char32_t>(256 + shifted++);
      unicode::append_utf8(chars[b], utf8[b]);
    }
  }
};

const Alphabet& alphabet() {
  static const Alphabet a;
  return a;
}

}  // namespace

char32_t char_of(std::uint8_t byte) { return alphabet().chars[byte]; }

int byte_of(char32_t c) {
  // The alphabet is U+0021..U+00FF (minus U+007F..U+00A0 and U+00AD) and U+0100..U+0143.
  if (c > 0x143 || c < 0x21) return -1;
  if (c >= 0x100) {
    static const auto shifted = [] {
      std::array<int, 68> bytes{};
      for (int b = 0; b < 256; ++b) {
        if (alphabet().chars[b] >= 0x100) bytes[alphabet().chars[b] - 0x100] = b;
      }
      return bytes;
    }();
    return shifted[c - 0x100];
  }
  return alphabet().chars[c] == c ? static_cast<int>(c) : -1;
}

std::string to_alphabet(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) out += alphabet().utf8[b];
  return out;
}

bool from_alphabet(std::string_view utf8, std::string& bytes) {
  bytes.clear();
  for (char32_t c : unicode::decode_utf8(utf8)) {
    const int b = byte_of(c);
    if (b < 0) return false;
    bytes.push_back(static_cast<char>(b));
  }
  return true;
}

}  // namespace attnscope::tokenizers::byte_level
