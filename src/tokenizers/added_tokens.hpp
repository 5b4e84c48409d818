// Added tokens (tokenizer.json's "added_tokens", the special tokens of the classic files): found
// in the text before the model runs and kept whole, as Hugging Face's AddedVocabulary does it.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace attnscope::tokenizers {

struct AddedToken {
  std::string content;
  bool strip_left = false;   // lstrip: also take the whitespace before it (RoBERTa's <mask>)
  bool strip_right = false;  // rstrip: ... and after it
  bool single_word = false;  // only where no word character touches it on either side
  bool normalized = false;   // looked for in the normalized text, as its own normalized form
  bool special = true;
};
using SpecialToken = AddedToken;

// Leftmost-longest search over a set of patterns (a trie), with AddedVocabulary's rules.
class AddedTokenMatcher {
 public:
  struct Piece {
    std::size_t start = 0, end = 0;  // code points
    int pattern = -1;                // index of the matched pattern, -1 for text between matches
  };

  // `patterns[i]` belongs to `tokens[i]` (its content, or its normalized form). Empty patterns
  // never match.
  void reset(const std::vector<std::u32string>& patterns, const std::vector<const AddedToken*>& tokens);
  bool empty() const { return tokens_.empty(); }

  // `text` cut into added tokens and the text between them (never empty pieces). A match
  // rejected by single_word is skipped, and the search resumes after it. lstrip/rstrip widen a
  // match over whitespace: Unicode White_Space, or Python's str.isspace() with python_whitespace.
  std::vector<Piece> split(std::u32string_view text, bool python_whitespace) const;

 private:
  struct Node {
    std::vector<std::pair<char32_t, std::uint32_t>> children;  // sorted by character
    int pattern = -1;
  };
  // Longest pattern starting at `at`: (pattern, length), pattern -1 when none.
  std::pair<int, std::size_t> longest_at(std::u32string_view text, std::size_t at) const;

  std::vector<Node> nodes_;
  std::vector<const AddedToken*> tokens_;
};

}  // namespace attnscope::tokenizers
