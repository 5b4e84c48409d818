// GPT-2's byte alphabet (bytes_to_unicode in OpenAI's encoder.py, BYTES_CHAR in Hugging Face's
// tokenizers): every byte gets a printable character, so that byte-level BPE vocabularies are
// strings. Printable Latin-1 bytes stand for themselves; the other 68 bytes are shifted to U+0100
// onwards in byte order (space -> 'Ġ' U+0120, newline -> 'Ċ' U+010A).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace attnscope::tokenizers::byte_level {

char32_t char_of(std::uint8_t byte);
// The byte a character of the alphabet stands for, or -1 for any other character.
int byte_of(char32_t c);

// `bytes` mapped into the alphabet, as UTF-8 (each byte becomes one character).
std::string to_alphabet(std::string_view bytes);
// The bytes a string of the alphabet stands for; false when it has a character outside it.
bool from_alphabet(std::string_view utf8, std::string& bytes);

}  // namespace attnscope::tokenizers::byte_level
