#include "tokenizers/added_tokens.hpp"

#include <algorithm>

#include "tokenizers/regex_program.hpp"
#include "tokenizers/unicode.hpp"

namespace attnscope::tokenizers {

void AddedTokenMatcher::reset(const std::vector<std::u32string>& patterns,
                              const std::vector<const AddedToken*>& tokens) {
  nodes_.assign(1, Node{});
  tokens_ = tokens;
  for (std::size_t p = 0; p < patterns.size(); ++p) {
    if (patterns[p].empty()) continue;
    std::uint32_t node = 0;
    for (char32_t c : patterns[p]) {
      auto& kids = nodes_[node].children;
      const auto it = std::lower_bound(kids.begin(), kids.end(), c,
                                       [](const auto& kid, char32_t key) { return kid.first < key; });
      if (it != kids.end() && it->first == c) {
        node = it->second;
      } else {
        const auto next = static_cast<std::uint32_t>(nodes_.size());
        kids.insert(it, {c, next});
        nodes_.emplace_back();
        node = next;
      }
    }
    // Two tokens with the same pattern: the first one given wins, as in a leftmost-longest automaton.
    if (nodes_[node].pattern < 0) nodes_[node].pattern = static_cast<int>(p);
  }
}

std::pair<int, std::size_t> AddedTokenMatcher::longest_at(std::u32string_view text, std::size_t at) const {
  std::pair<int, std::size_t> best{-1, 0};
  std::uint32_t node = 0;
  for (std::size_t i = at; i < text.size(); ++i) {
    const auto& kids = nodes_[node].children;
    const auto it = std::lower_bound(kids.begin(), kids.end(), text[i],
                                     [](const auto& kid, char32_t key) { return kid.first < key; });
    if (it == kids.end() || it->first != text[i]) break;
    node = it->second;
    if (nodes_[node].pattern >= 0) best = {nodes_[node].pattern, i + 1 - at};
  }
  return best;
}

std::vector<AddedTokenMatcher::Piece> AddedTokenMatcher::split(std::u32string_view text, bool python_whitespace) const {
  const auto is_space = [&](char32_t c) {
    return unicode::has(c, python_whitespace ? unicode::kPythonSpace : unicode::kWhiteSpace);
  };
  std::vector<Piece> pieces;
  std::size_t done = 0;  // end of the last piece
  std::size_t i = 0;
  while (!empty() && i < text.size()) {
    const auto [pattern, length] = longest_at(text, i);
    if (pattern < 0) {
      ++i;
      continue;
    }
    std::size_t start = i, stop = i + length;
    i = stop;
    const AddedToken& token = *tokens_[static_cast<std::size_t>(pattern)];
    if (token.single_word) {
      const bool word_before = start > 0 && is_regex_word_char(text[start - 1]);
      const bool word_after = stop < text.size() && is_regex_word_char(text[stop]);
      if (word_before || word_after) continue;
    }
    if (token.strip_left) {
      while (start > done && is_space(text[start - 1])) --start;
    }
    if (token.strip_right) {
      while (stop < text.size() && is_space(text[stop])) ++stop;
      i = stop;  // the next match starts after the stripped whitespace, never inside it
    }
    if (done < start) pieces.push_back({done, start, -1});
    pieces.push_back({start, stop, pattern});
    done = stop;
  }
  if (done < text.size()) pieces.push_back({done, text.size(), -1});
  return pieces;
}

}  // namespace attnscope::tokenizers
