// SentencePiece's precompiled normalization map (the .model file's normalizer_spec
// .precompiled_charsmap, base64 in tokenizer.json's Precompiled normalizer), read as Hugging Face's
// tokenizers reads it (the spm_precompiled crate):
//   u32 little-endian: size in bytes of the trie that follows
//   the trie: a Darts double array of u32 units (label, leaf flag, offset, value) over UTF-8 bytes
//   the replacement strings: NUL-terminated UTF-8; a trie leaf's value is the offset of one
// Normalizing walks the text by extended grapheme clusters: a cluster shorter than 6 bytes whose
// bytes begin with a key of the trie is replaced whole by the shortest such key's string;
// otherwise each character is replaced by its own entry, if it has one.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace attnscope::tokenizers {

class PrecompiledCharsmap {
 public:
  // `blob` is the decoded charsmap; `where` names it in errors ("tokenizer.json:
  // normalizer.precompiled_charsmap"). Every unit the trie can reach is checked here, so a
  // truncated map or an offset out of range is an InvalidArgument now, not a bad read later.
  PrecompiledCharsmap(std::string_view blob, std::string_view where);

  std::u32string normalize(std::u32string_view text) const;

  // The replacement of the shortest key that `bytes` begins with; false when none.
  bool shortest_prefix(std::string_view bytes, std::string_view& replacement) const;

 private:
  void validate(std::string_view where) const;

  std::vector<std::uint32_t> units_;
  std::string normalized_;
};

// Standard base64 (RFC 4648, with padding); throws InvalidArgument naming `where`.
std::string decode_base64(std::string_view text, std::string_view where);

}  // namespace attnscope::tokenizers
