#include "tokenizers/byte_level_bpe.hpp"

#include <limits>
#include <utility>

#include "tokenizers/unicode.hpp"
#include "util/error.hpp"

namespace attnscope::tokenizers {
namespace {

// '\xFF' never occurs in UTF-8, so it cannot be part of either side of a merge.
std::string pair_key(std::string_view first, std::string_view second) {
  std::string key;
  key.reserve(first.size() + second.size() + 1);
  key.append(first);
  key.push_back('\xFF');
  key.append(second);
  return key;
}

bool is_space(char32_t c) { return unicode::has(c, unicode::kWhiteSpace); }
bool is_letter(char32_t c) { return unicode::has(c, unicode::kLetter); }
bool is_number(char32_t c) { return unicode::has(c, unicode::kNumber); }
bool is_other(char32_t c) { return !is_space(c) && !is_letter(c) && !is_number(c); }

constexpr std::size_t kCacheLimit = 1 << 16;  // pieces; the cache is cleared when it fills up

}  // namespace

ByteLevelBpeTokenizer::ByteLevelBpeTokenizer(std::vector<std::string> vocab,
                                             std::vector<std::pair<std::string, std::string>> merges,
                                             ByteLevelBpeOptions options)
    : Tokenizer(std::move(vocab)), options_(std::move(options)) {
  // bytes_to_unicode(): printable Latin-1 bytes stand for themselves, the other 68 bytes are
  // shifted to U+0100 onwards in byte order.
  int shifted = 0;
  for (int b = 0; b < 256; ++b) {
    const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    const char32_t cp = printable ? static_cast<char32_t>(b) : static_cast<char32_t>(256 + shifted++);
    unicode::append_utf8(cp, byte_alphabet_[b]);
  }
  ranks_.reserve(merges.size());
  for (std::size_t i = 0; i < merges.size(); ++i) {
    if (merges[i].first.empty() || merges[i].second.empty()) {
      throw InvalidArgument("BPE merges: merge " + std::to_string(i) + " has an empty side");
    }
    // A repeated pair keeps its last rank, as the reference's dict(zip(merges, range(n))) does.
    ranks_[pair_key(merges[i].first, merges[i].second)] = static_cast<std::int32_t>(i);
  }
  if (options_.unk_token && token_to_id(*options_.unk_token) < 0) {
    throw InvalidArgument("BPE: unk_token '" + *options_.unk_token + "' is not in the vocabulary");
  }
  set_special_tokens(options_.special_tokens);
  set_sequence_wrapping(options_.prefix, options_.suffix);
}

std::vector<std::pair<std::string, std::string>> ByteLevelBpeTokenizer::parse_merges_txt(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> merges;
  std::size_t start = 0, line_number = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || (line_number == 1 && line.substr(0, 8) == "#version")) continue;
    const std::size_t space = line.find(' ');
    if (space == std::string_view::npos || space == 0 || space + 1 >= line.size() ||
        line.find(' ', space + 1) != std::string_view::npos) {
      throw InvalidArgument("merges.txt: line " + std::to_string(line_number) +
                            " is not two tokens separated by one space: '" + std::string(line.substr(0, 80)) + "'");
    }
    merges.emplace_back(std::string(line.substr(0, space)), std::string(line.substr(space + 1)));
  }
  return merges;
}

std::vector<std::u32string> ByteLevelBpeTokenizer::pre_tokenize(std::u32string_view text) {
  std::vector<std::u32string> pieces;
  const std::size_t n = text.size();
  std::size_t i = 0;
  // End of the run of characters satisfying `pred` starting at `from`.
  const auto run_end = [&](std::size_t from, bool (*pred)(char32_t)) {
    while (from < n && pred(text[from])) ++from;
    return from;
  };
  while (i < n) {
    const char32_t c = text[i];
    std::size_t end = i;
    // Contractions: 's 't 're 've 'm 'll 'd (case-sensitive, tried in this order).
    if (c == U'\'' && i + 1 < n) {
      const char32_t a = text[i + 1], b = i + 2 < n ? text[i + 2] : 0;
      if (a == U's' || a == U't' || a == U'm' || a == U'd') {
        end = i + 2;
      } else if ((a == U'r' && b == U'e') || (a == U'v' && b == U'e') || (a == U'l' && b == U'l')) {
        end = i + 3;
      }
    }
    if (end == i) {
      // " ?X+" for X = letters, numbers, other: an optional single U+0020 then a run of one class.
      const std::size_t body = (c == U' ' && i + 1 < n) ? i + 1 : i;
      const char32_t head = text[body];
      if (is_letter(head)) {
        end = run_end(body, is_letter);
      } else if (is_number(head)) {
        end = run_end(body, is_number);
      } else if (is_other(head)) {
        end = run_end(body, is_other);
      }
    }
    if (end == i) {
      // Whitespace: "\s+(?!\S)" backs off one character when the run is followed by a non-space,
      // so that the space can start the next word; "\s+" takes a lone space before a word.
      const std::size_t run = run_end(i, is_space);
      end = (run < n && run - i > 1) ? run - 1 : run;
    }
    pieces.emplace_back(text.substr(i, end - i));
    i = end;
  }
  return pieces;
}

std::vector<std::string> ByteLevelBpeTokenizer::merge(const std::string& piece) const {
  if (const auto hit = cache_.find(piece); hit != cache_.end()) return hit->second;
  // Split into characters of the byte alphabet (each 1 or 2 UTF-8 bytes).
  std::vector<std::string> word;
  for (std::size_t i = 0; i < piece.size();) {
    const std::size_t len = (static_cast<unsigned char>(piece[i]) < 0x80) ? 1 : 2;
    word.push_back(piece.substr(i, len));
    i += len;
  }
  while (word.size() > 1) {
    std::int32_t best_rank = std::numeric_limits<std::int32_t>::max();
    std::size_t best = word.size();
    for (std::size_t i = 0; i + 1 < word.size(); ++i) {
      const auto it = ranks_.find(pair_key(word[i], word[i + 1]));
      if (it != ranks_.end() && it->second < best_rank) {
        best_rank = it->second;
        best = i;
      }
    }
    if (best == word.size()) break;
    const std::string first = word[best], second = word[best + 1];
    std::vector<std::string> merged;
    merged.reserve(word.size());
    for (std::size_t i = 0; i < word.size();) {
      if (i + 1 < word.size() && word[i] == first && word[i + 1] == second) {
        merged.push_back(first + second);
        i += 2;
      } else {
        merged.push_back(word[i]);
        ++i;
      }
    }
    word = std::move(merged);
  }
  if (cache_.size() >= kCacheLimit) cache_.clear();
  cache_.emplace(piece, word);
  return word;
}

void ByteLevelBpeTokenizer::prepare(std::u32string& text) const {
  using PrefixSpace = ByteLevelBpeOptions::PrefixSpace;
  const bool missing = text.empty() || text.front() != U' ';
  if (options_.add_prefix_space == PrefixSpace::always ||
      (options_.add_prefix_space == PrefixSpace::if_missing && missing)) {
    text.insert(text.begin(), U' ');
  }
}

void ByteLevelBpeTokenizer::tokenize_segment(std::u32string_view text, Encoding& out) const {
  for (const std::u32string& piece : pre_tokenize(text)) {
    std::string mapped;
    for (unsigned char byte : unicode::encode_utf8(piece)) mapped += byte_alphabet_[byte];
    for (std::string& token : merge(mapped)) {
      if (token_to_id(token) < 0 && options_.unk_token) {
        append_token(*options_.unk_token, out);
      } else {
        append_token(std::move(token), out);  // throws, naming the token, if there is no unk_token
      }
    }
  }
}

}  // namespace attnscope::tokenizers
