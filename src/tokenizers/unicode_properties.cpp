// General category, case folding and grapheme clusters (unicode.hpp), from the tables in
// unicode_property_tables.cpp.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>

#include "tokenizers/unicode.hpp"

namespace attnscope::tokenizers::unicode_data {
extern const std::uint32_t kCategoryStarts[];
extern const std::size_t kCategoryStartsSize;
extern const std::uint8_t kCategoryValues[];
extern const std::uint32_t kGraphemeStarts[];
extern const std::size_t kGraphemeStartsSize;
extern const std::uint8_t kGraphemeValues[];
extern const std::uint32_t kFoldKeys[];
extern const std::size_t kFoldKeysSize;
extern const std::uint32_t kFoldValues[];
}  // namespace attnscope::tokenizers::unicode_data

namespace attnscope::tokenizers::unicode {
namespace data = unicode_data;

namespace {

constexpr char32_t kMaxCodePoint = 0x10FFFF;

std::uint8_t range_value(const std::uint32_t* starts, std::size_t size, const std::uint8_t* values, char32_t cp) {
  return values[range_index(starts, size, cp)];
}

}  // namespace

GeneralCategory general_category(char32_t cp) {
  static const auto low = [] {  // Latin, Greek, Cyrillic, ... looked up directly
    std::array<std::uint8_t, 0x800> table{};
    for (char32_t c = 0; c < table.size(); ++c) {
      table[c] = range_value(data::kCategoryStarts, data::kCategoryStartsSize, data::kCategoryValues, c);
    }
    return table;
  }();
  if (cp < low.size()) return static_cast<GeneralCategory>(low[cp]);
  if (cp > kMaxCodePoint) return GeneralCategory::Cn;
  return static_cast<GeneralCategory>(
      range_value(data::kCategoryStarts, data::kCategoryStartsSize, data::kCategoryValues, cp));
}

char32_t simple_fold(char32_t cp) {
  if (cp < 0x80) return (cp >= 'A' && cp <= 'Z') ? cp + ('a' - 'A') : cp;
  const std::uint32_t* end = data::kFoldKeys + data::kFoldKeysSize;
  const std::uint32_t* it = std::lower_bound(data::kFoldKeys, end, static_cast<std::uint32_t>(cp));
  return (it != end && *it == cp) ? data::kFoldValues[it - data::kFoldKeys] : cp;
}

GraphemeBreak grapheme_break(char32_t cp) {
  if (cp > kMaxCodePoint) return GraphemeBreak::Other;
  return static_cast<GraphemeBreak>(
      range_value(data::kGraphemeStarts, data::kGraphemeStartsSize, data::kGraphemeValues, cp));
}

std::size_t grapheme_length(std::u32string_view text) {
  using B = GraphemeBreak;
  if (text.empty()) return 0;
  B prev = grapheme_break(text[0]);
  std::size_t regional_run = prev == B::RegionalIndicator ? 1 : 0;  // RIs ending at prev
  // GB11: an Extended_Pictographic, then Extend*, then the ZWJ just before the current character.
  bool pictographic_run = prev == B::ExtendedPictographic;
  bool zwj_after_pictographic = false;
  std::size_t i = 1;
  for (; i < text.size(); ++i) {
    const B next = grapheme_break(text[i]);
    bool join;
    if (prev == B::CR && next == B::LF) {
      join = true;                                                    // GB3
    } else if (prev == B::Control || prev == B::CR || prev == B::LF ||
               next == B::Control || next == B::CR || next == B::LF) {
      join = false;                                                   // GB4, GB5
    } else if (prev == B::L && (next == B::L || next == B::V || next == B::LV || next == B::LVT)) {
      join = true;                                                    // GB6
    } else if ((prev == B::LV || prev == B::V) && (next == B::V || next == B::T)) {
      join = true;                                                    // GB7
    } else if ((prev == B::LVT || prev == B::T) && next == B::T) {
      join = true;                                                    // GB8
    } else if (next == B::Extend || next == B::ZWJ || next == B::SpacingMark || prev == B::Prepend) {
      join = true;                                                    // GB9, GB9a, GB9b
    } else if (zwj_after_pictographic && next == B::ExtendedPictographic) {
      join = true;                                                    // GB11
    } else if (prev == B::RegionalIndicator && next == B::RegionalIndicator) {
      join = regional_run % 2 == 1;                                   // GB12, GB13
    } else {
      join = false;                                                   // GB999
    }
    if (!join) break;
    zwj_after_pictographic = pictographic_run && next == B::ZWJ;
    if (next == B::ExtendedPictographic) {
      pictographic_run = true;
    } else if (next != B::Extend) {
      pictographic_run = false;
    }
    regional_run = next == B::RegionalIndicator ? regional_run + 1 : 0;
    prev = next;
  }
  return i;
}

}  // namespace attnscope::tokenizers::unicode
