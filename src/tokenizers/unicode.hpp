// Unicode helpers for the tokenizers: UTF-8 decoding, character classes, lower-casing and NFD/NFC,
// all from tables generated out of Python's unicodedata (see scripts/generate/make_unicode_tables.py) so that they
// agree with the Python reference tokenizers.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace attnscope::tokenizers::unicode {

// Character class bits (the generator's FLAG_NAMES, same order).
enum CharClass : std::uint8_t {
  kOther = 1 << 0,            // general category C*: control, format, unassigned, private use
  kPunctuation = 1 << 1,      // P*
  kLetter = 1 << 2,           // L*
  kNumber = 1 << 3,           // N*
  kNonspacingMark = 1 << 4,   // Mn
  kSpaceSeparator = 1 << 5,   // Zs
  kPythonSpace = 1 << 6,      // Python's str.isspace()
  kWhiteSpace = 1 << 7,       // Unicode White_Space (the `regex` module's \s)
};

// Index of the range that contains `cp` in a table of ascending range starts (the first is 0).
std::size_t range_index(const std::uint32_t* starts, std::size_t size, char32_t cp);

// The Unicode version the tables come from, e.g. "14.0.0".
const char* table_version();

std::uint8_t classes(char32_t cp);
inline bool has(char32_t cp, CharClass c) { return (classes(cp) & c) != 0; }
std::uint8_t combining_class(char32_t cp);

// Decodes UTF-8 as the WHATWG Encoding standard (and so JavaScript's TextDecoder) does: every
// maximal ill-formed subsequence becomes one U+FFFD. Never throws.
std::u32string decode_utf8(std::string_view bytes);
void append_utf8(char32_t cp, std::string& out);
std::string encode_utf8(std::u32string_view text);

// Python's str.lower() of one character, appended to `out` (one or more code points).
void append_lower(char32_t cp, std::u32string& out);
std::u32string to_lower(std::u32string_view text);

// Unicode normalisation forms D and C (canonical decomposition, canonical ordering, composition),
// and KD / KC (compatibility decomposition first).
std::u32string nfd(std::u32string_view text);
std::u32string nfc(std::u32string_view text);
std::u32string nfkd(std::u32string_view text);
std::u32string nfkc(std::u32string_view text);

// General category (unicodedata.category); the order matches the generator's CATEGORIES.
enum class GeneralCategory : std::uint8_t {
  Lu, Ll, Lt, Lm, Lo, Mn, Mc, Me, Nd, Nl, No, Pc, Pd, Ps, Pe, Pi, Pf, Po, Sm, Sc, Sk, So, Zs, Zl, Zp,
  Cc, Cf, Cs, Co, Cn
};
GeneralCategory general_category(char32_t cp);

// Simple case folding (CaseFolding.txt C + S): 'A' -> 'a', U+017F (long s) -> 's'.
char32_t simple_fold(char32_t cp);

// Grapheme_Cluster_Break (UAX #29), with Extended_Pictographic folded in (it is only used where
// the break property is Other). Unicode 15.0.
enum class GraphemeBreak : std::uint8_t {
  Other, CR, LF, Control, Extend, ZWJ, RegionalIndicator, Prepend, SpacingMark, L, V, T, LV, LVT,
  ExtendedPictographic
};
GraphemeBreak grapheme_break(char32_t cp);
// Length in code points of the extended grapheme cluster that starts at text[0] (0 for empty text).
std::size_t grapheme_length(std::u32string_view text);

}  // namespace attnscope::tokenizers::unicode
