#include "tokenizers/unicode.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <vector>

namespace attnscope::tokenizers::unicode_data {
extern const char kUnicodeVersion[];
extern const std::uint32_t kPropStarts[];
extern const std::size_t kPropStartsSize;
extern const std::uint8_t kPropFlags[];
extern const std::uint32_t kCccStarts[];
extern const std::size_t kCccStartsSize;
extern const std::uint8_t kCccValues[];
extern const std::uint32_t kLowerKeys[];
extern const std::size_t kLowerKeysSize;
extern const std::uint32_t kLowerOffsets[];
extern const std::uint32_t kLowerPool[];
extern const std::uint32_t kDecompKeys[];
extern const std::size_t kDecompKeysSize;
extern const std::uint32_t kDecompOffsets[];
extern const std::uint32_t kDecompPool[];
extern const std::uint64_t kComposePairs[];
extern const std::size_t kComposePairsSize;
extern const std::uint32_t kComposeResults[];
extern const std::uint32_t kCompatKeys[];
extern const std::size_t kCompatKeysSize;
extern const std::uint32_t kCompatOffsets[];
extern const std::uint32_t kCompatPool[];
}  // namespace attnscope::tokenizers::unicode_data

namespace attnscope::tokenizers::unicode {
namespace data = unicode_data;

namespace {

constexpr char32_t kReplacement = 0xFFFD;
constexpr char32_t kMaxCodePoint = 0x10FFFF;

// Position of `cp` in a sorted key table, or `size` when absent.
std::size_t find_key(const std::uint32_t* keys, std::size_t size, char32_t cp) {
  const std::uint32_t* it = std::lower_bound(keys, keys + size, static_cast<std::uint32_t>(cp));
  return (it != keys + size && *it == cp) ? static_cast<std::size_t>(it - keys) : size;
}

// Hangul syllables decompose and compose by arithmetic (Unicode chapter 3.12), not by table.
constexpr char32_t kHangulBase = 0xAC00, kLeadBase = 0x1100, kVowelBase = 0x1161, kTrailBase = 0x11A7;
constexpr int kLeadCount = 19, kVowelCount = 21, kTrailCount = 28;
constexpr int kSyllableCount = kLeadCount * kVowelCount * kTrailCount;  // 11172

// Appends entry `at` of a (keys, offsets, pool) decomposition table.
void append_pooled(const std::uint32_t* offsets, const std::uint32_t* pool, std::size_t at, std::u32string& out) {
  const std::uint32_t packed = offsets[at];
  const std::uint32_t offset = packed >> 8, length = packed & 0xFF;
  for (std::uint32_t k = 0; k < length; ++k) out.push_back(pool[offset + k]);
}

void append_decomposition(char32_t cp, bool compatibility, std::u32string& out) {
  if (compatibility && cp >= 0xA0) {  // nothing below U+00A0 has a compatibility decomposition
    const std::size_t at = find_key(data::kCompatKeys, data::kCompatKeysSize, cp);
    if (at != data::kCompatKeysSize) {
      append_pooled(data::kCompatOffsets, data::kCompatPool, at, out);
      return;
    }
  }
  if (cp < 0xC0) {  // nothing below U+00C0 decomposes canonically
    out.push_back(cp);
    return;
  }
  if (cp >= kHangulBase && cp < kHangulBase + kSyllableCount) {
    const int index = static_cast<int>(cp - kHangulBase);
    out.push_back(kLeadBase + index / (kVowelCount * kTrailCount));
    out.push_back(kVowelBase + (index % (kVowelCount * kTrailCount)) / kTrailCount);
    if (index % kTrailCount != 0) out.push_back(kTrailBase + index % kTrailCount);
    return;
  }
  const std::size_t at = find_key(data::kDecompKeys, data::kDecompKeysSize, cp);
  if (at == data::kDecompKeysSize) {
    out.push_back(cp);
    return;
  }
  append_pooled(data::kDecompOffsets, data::kDecompPool, at, out);
}

// Composite of a starter and a following character, or 0 when the pair does not compose.
char32_t compose_pair(char32_t first, char32_t second) {
  if (second < 0x300) return 0;  // every second character of a composition is U+0300 or above
  if (first >= kLeadBase && first < kLeadBase + kLeadCount && second >= kVowelBase &&
      second < kVowelBase + kVowelCount) {
    return kHangulBase + ((first - kLeadBase) * kVowelCount + (second - kVowelBase)) * kTrailCount;
  }
  if (first >= kHangulBase && first < kHangulBase + kSyllableCount &&
      (first - kHangulBase) % kTrailCount == 0 && second > kTrailBase &&
      second < kTrailBase + kTrailCount) {
    return first + (second - kTrailBase);
  }
  const std::uint64_t key = static_cast<std::uint64_t>(first) << 21 | second;
  const std::uint64_t* end = data::kComposePairs + data::kComposePairsSize;
  const std::uint64_t* it = std::lower_bound(data::kComposePairs, end, key);
  return (it != end && *it == key) ? data::kComposeResults[it - data::kComposePairs] : 0;
}

}  // namespace

std::size_t range_index(const std::uint32_t* starts, std::size_t size, char32_t cp) {
  const std::uint32_t* it = std::upper_bound(starts, starts + size, static_cast<std::uint32_t>(cp));
  return static_cast<std::size_t>(it - starts) - 1;
}

const char* table_version() { return data::kUnicodeVersion; }

std::uint8_t classes(char32_t cp) {
  // The first 2048 code points (Latin, Greek, Cyrillic, ...) are looked up directly.
  static const auto low = [] {
    std::array<std::uint8_t, 0x800> table{};
    for (char32_t c = 0; c < table.size(); ++c) {
      table[c] = data::kPropFlags[range_index(data::kPropStarts, data::kPropStartsSize, c)];
    }
    return table;
  }();
  if (cp < low.size()) return low[cp];
  if (cp > kMaxCodePoint) return kOther;
  return data::kPropFlags[range_index(data::kPropStarts, data::kPropStartsSize, cp)];
}

std::uint8_t combining_class(char32_t cp) {
  if (cp < 0x300 || cp > kMaxCodePoint) return 0;  // nothing below U+0300 combines
  return data::kCccValues[range_index(data::kCccStarts, data::kCccStartsSize, cp)];
}

std::u32string decode_utf8(std::string_view bytes) {
  std::u32string out;
  out.reserve(bytes.size());
  std::size_t i = 0;
  const std::size_t n = bytes.size();
  while (i < n) {
    const unsigned char lead = static_cast<unsigned char>(bytes[i]);
    if (lead < 0x80) {
      out.push_back(lead);
      ++i;
      continue;
    }
    int needed = 0;
    char32_t cp = 0;
    unsigned char lower = 0x80, upper = 0xBF;  // allowed range of the first continuation byte
    if (lead >= 0xC2 && lead <= 0xDF) {
      needed = 1;
      cp = lead & 0x1F;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      needed = 2;
      cp = lead & 0x0F;
      if (lead == 0xE0) lower = 0xA0;   // no overlong forms
      if (lead == 0xED) upper = 0x9F;   // no surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      needed = 3;
      cp = lead & 0x07;
      if (lead == 0xF0) lower = 0x90;
      if (lead == 0xF4) upper = 0x8F;   // nothing above U+10FFFF
    } else {
      out.push_back(kReplacement);
      ++i;
      continue;
    }
    std::size_t j = i + 1;
    bool ok = true;
    for (int k = 0; k < needed; ++k, ++j) {
      const unsigned char b = j < n ? static_cast<unsigned char>(bytes[j]) : 0;
      const unsigned char lo = k == 0 ? lower : 0x80, hi = k == 0 ? upper : 0xBF;
      if (j >= n || b < lo || b > hi) {
        ok = false;
        break;
      }
      cp = (cp << 6) | (b & 0x3F);
    }
    // On failure the bytes consumed so far (a maximal subpart) become one U+FFFD and decoding
    // resumes at the offending byte.
    out.push_back(ok ? cp : kReplacement);
    i = j;
  }
  return out;
}

void append_utf8(char32_t cp, std::string& out) {
  if (cp > kMaxCodePoint || (cp >= 0xD800 && cp <= 0xDFFF)) cp = kReplacement;
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string encode_utf8(std::u32string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char32_t cp : text) append_utf8(cp, out);
  return out;
}

void append_lower(char32_t cp, std::u32string& out) {
  if (cp < 0x80) {
    out.push_back(cp >= 'A' && cp <= 'Z' ? cp + ('a' - 'A') : cp);
    return;
  }
  const std::size_t at = find_key(data::kLowerKeys, data::kLowerKeysSize, cp);
  if (at == data::kLowerKeysSize) {
    out.push_back(cp);
    return;
  }
  const std::uint32_t packed = data::kLowerOffsets[at];
  const std::uint32_t offset = packed >> 8, length = packed & 0xFF;
  for (std::uint32_t k = 0; k < length; ++k) out.push_back(data::kLowerPool[offset + k]);
}

std::u32string to_lower(std::u32string_view text) {
  std::u32string out;
  out.reserve(text.size());
  for (char32_t cp : text) append_lower(cp, out);
  return out;
}

namespace {

std::u32string decompose(std::u32string_view text, bool compatibility) {
  std::u32string out;
  out.reserve(text.size());
  for (char32_t cp : text) append_decomposition(cp, compatibility, out);
  // Canonical ordering: stable-sort every run of non-starters by combining class.
  std::size_t i = 0;
  while (i < out.size()) {
    if (combining_class(out[i]) == 0) {
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < out.size() && combining_class(out[end]) != 0) ++end;
    std::stable_sort(out.begin() + static_cast<std::ptrdiff_t>(i), out.begin() + static_cast<std::ptrdiff_t>(end),
                     [](char32_t a, char32_t b) { return combining_class(a) < combining_class(b); });
    i = end;
  }
  return out;
}

std::u32string compose(const std::u32string& decomposed) {
  std::u32string out;
  out.reserve(decomposed.size());
  std::size_t starter = std::u32string::npos;  // index in `out` of the last starter
  int last_class = -1;                         // class of the last character kept after it
  for (char32_t cp : decomposed) {
    const int cls = combining_class(cp);
    if (starter != std::u32string::npos) {
      // Not blocked: directly after the starter, or every character in between has a lower,
      // non-zero class (canonical order means checking the last one is enough).
      const bool adjacent = starter + 1 == out.size();
      if (adjacent || (last_class != 0 && last_class < cls)) {
        if (const char32_t composite = compose_pair(out[starter], cp)) {
          out[starter] = composite;
          continue;
        }
      }
    }
    if (cls == 0) starter = out.size();
    out.push_back(cp);
    last_class = cls;
  }
  return out;
}

}  // namespace

std::u32string nfd(std::u32string_view text) { return decompose(text, false); }
std::u32string nfkd(std::u32string_view text) { return decompose(text, true); }
std::u32string nfc(std::u32string_view text) { return compose(decompose(text, false)); }
std::u32string nfkc(std::u32string_view text) { return compose(decompose(text, true)); }

}  // namespace attnscope::tokenizers::unicode
