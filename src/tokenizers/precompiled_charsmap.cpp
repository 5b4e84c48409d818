#include "tokenizers/precompiled_charsmap.hpp"

#include <string>

#include "tokenizers/unicode.hpp"
#include "util/error.hpp"

namespace attnscope::tokenizers {
namespace {

// A Darts unit: bits 0-7 label (bit 31 too, so that a leaf unit never matches a label), bit 8
// "has a leaf", bits 10-30 offset (shifted 8 more when bit 9 is set); a leaf unit's low 31 bits
// are its value.
bool has_leaf(std::uint32_t unit) { return (unit >> 8) & 1u; }
std::uint32_t value_of(std::uint32_t unit) { return unit & 0x7FFFFFFFu; }
std::uint32_t label_of(std::uint32_t unit) { return unit & (0x80000000u | 0xFFu); }
std::uint32_t offset_of(std::uint32_t unit) { return (unit >> 10) << ((unit & (1u << 9)) >> 6); }

constexpr std::size_t kMaxGraphemeBytes = 6;  // clusters this long or longer go character by character

}  // namespace

std::string decode_base64(std::string_view text, std::string_view where) {
  const auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  if (text.size() % 4 != 0) throw InvalidArgument(std::string(where) + ": base64 length is not a multiple of 4");
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = text[i + k];
      if (c == '=' && i + 4 == text.size() && k >= 2) {
        v[k] = 0;
        ++pad;
        continue;
      }
      if (pad > 0 || (v[k] = value(c)) < 0) {
        throw InvalidArgument(std::string(where) + ": invalid base64 at character " + std::to_string(i + k));
      }
    }
    const std::uint32_t n = (static_cast<std::uint32_t>(v[0]) << 18) | (static_cast<std::uint32_t>(v[1]) << 12) |
                            (static_cast<std::uint32_t>(v[2]) << 6) | static_cast<std::uint32_t>(v[3]);
    out.push_back(static_cast<char>(n >> 16));
    if (pad < 2) out.push_back(static_cast<char>((n >> 8) & 0xFF));
    if (pad < 1) out.push_back(static_cast<char>(n & 0xFF));
  }
  return out;
}

PrecompiledCharsmap::PrecompiledCharsmap(std::string_view blob, std::string_view where) {
  const std::string prefix = std::string(where) + ": ";
  if (blob.size() < 4) throw InvalidArgument(prefix + "charsmap of " + std::to_string(blob.size()) + " bytes is truncated (no trie size)");
  const auto u32_at = [&](std::size_t at) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(blob[at])) |
           static_cast<std::uint32_t>(static_cast<unsigned char>(blob[at + 1])) << 8 |
           static_cast<std::uint32_t>(static_cast<unsigned char>(blob[at + 2])) << 16 |
           static_cast<std::uint32_t>(static_cast<unsigned char>(blob[at + 3])) << 24;
  };
  const std::uint32_t trie_bytes = u32_at(0);
  if (trie_bytes % 4 != 0 || trie_bytes == 0) {
    throw InvalidArgument(prefix + "trie size " + std::to_string(trie_bytes) + " is not a positive multiple of 4");
  }
  if (trie_bytes > blob.size() - 4) {
    throw InvalidArgument(prefix + "trie of " + std::to_string(trie_bytes) + " bytes but only " +
                          std::to_string(blob.size() - 4) + " bytes follow (truncated)");
  }
  units_.resize(trie_bytes / 4);
  for (std::size_t i = 0; i < units_.size(); ++i) units_[i] = u32_at(4 + 4 * i);
  normalized_.assign(blob.substr(4 + trie_bytes));
  // The replacements must be UTF-8, as tokenizers requires (it builds a String from them).
  if (unicode::encode_utf8(unicode::decode_utf8(normalized_)) != normalized_) {
    throw InvalidArgument(prefix + "the replacement strings are not valid UTF-8");
  }
  validate(prefix);
}

// Walks every node reachable from the root once: each child and leaf unit must lie inside the
// array, and each leaf's value must start a replacement string at a character boundary.
void PrecompiledCharsmap::validate(std::string_view prefix) const {
  const std::size_t n = units_.size();
  std::vector<bool> seen(n, false);
  std::vector<std::size_t> todo{offset_of(units_[0])};
  const auto fail = [&](const std::string& problem) { throw InvalidArgument(std::string(prefix) + problem); };
  while (!todo.empty()) {
    const std::size_t node = todo.back();
    todo.pop_back();
    if (node >= n) fail("a trie offset points outside its " + std::to_string(n) + " units");
    if (seen[node]) continue;
    seen[node] = true;
    for (std::uint32_t c = 1; c < 256; ++c) {
      const std::size_t child = node ^ c;
      if (child >= n || label_of(units_[child]) != c) continue;
      const std::size_t next = child ^ offset_of(units_[child]);
      if (next >= n) fail("a trie offset points outside its " + std::to_string(n) + " units");
      if (has_leaf(units_[child])) {
        const std::uint32_t value = value_of(units_[next]);
        if (value > normalized_.size()) {
          fail("a replacement offset (" + std::to_string(value) + ") is outside the " +
               std::to_string(normalized_.size()) + " bytes of replacement strings");
        }
        if (value < normalized_.size() && (static_cast<unsigned char>(normalized_[value]) & 0xC0) == 0x80) {
          fail("a replacement offset (" + std::to_string(value) + ") is inside a UTF-8 character");
        }
      }
      todo.push_back(next);
    }
  }
}

bool PrecompiledCharsmap::shortest_prefix(std::string_view bytes, std::string_view& replacement) const {
  std::size_t node = offset_of(units_[0]);
  for (unsigned char c : bytes) {
    if (c == 0) return false;
    const std::size_t child = node ^ c;
    if (child >= units_.size() || label_of(units_[child]) != c) return false;
    node = child ^ offset_of(units_[child]);
    if (has_leaf(units_[child])) {
      const std::size_t start = value_of(units_[node]);
      std::size_t end = start;
      while (end < normalized_.size() && normalized_[end] != '\0') ++end;
      replacement = std::string_view(normalized_).substr(start, end - start);
      return true;
    }
  }
  return false;
}

std::u32string PrecompiledCharsmap::normalize(std::u32string_view text) const {
  std::string out;
  std::string bytes;
  std::string_view replacement;
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t length = unicode::grapheme_length(text.substr(i));
    const std::u32string_view cluster = text.substr(i, length);
    i += length;
    bytes = unicode::encode_utf8(cluster);
    if (bytes.size() < kMaxGraphemeBytes && shortest_prefix(bytes, replacement)) {
      out.append(replacement);
      continue;
    }
    for (char32_t c : cluster) {
      bytes.clear();
      unicode::append_utf8(c, bytes);
      if (shortest_prefix(bytes, replacement)) {
        out.append(replacement);
      } else {
        out.append(bytes);
      }
    }
  }
  return unicode::decode_utf8(out);
}

}  // namespace attnscope::tokenizers
