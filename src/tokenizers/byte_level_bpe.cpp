#include "tokenizers/byte_level_bpe.hpp"

#include <limits>
#include <utility>

#include "tokenizers/byte_level.hpp"
#include "tokenizers/display.hpp"
#include "tokenizers/pre_tokenizers.hpp"
#include "tokenizers/regex.hpp"
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

constexpr std::size_t kCacheLimit = 1 << 16;  // pieces; the cache is cleared when it fills up

}  // namespace

ByteLevelBpeTokenizer::ByteLevelBpeTokenizer(std::vector<std::string> vocab,
                                             std::vector<std::pair<std::string, std::string>> merges,
                                             ByteLevelBpeOptions options)
    : Tokenizer(std::move(vocab)), options_(std::move(options)) {
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
  use_python_whitespace_for_stripping();
  set_special_tokens(options_.special_tokens);
  if (options_.roberta_wrapping) {
    for (const std::string* t : {&options_.cls, &options_.sep}) {
      if (token_to_id(*t) < 0) throw InvalidArgument("tokenizer: sequence token '" + *t + "' is not in the vocabulary");
    }
    set_post_processor(PostProcessor::roberta(options_.cls, token_to_id(options_.cls), options_.sep,
                                              token_to_id(options_.sep)));
  }
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
  static const Regex gpt2(kGpt2Pattern, "GPT-2 pre-tokenizer");
  std::vector<std::u32string> pieces;
  for (const RegexMatch& m : gpt2.find_all(text)) pieces.emplace_back(text.substr(m.start, m.end - m.start));
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
  if (options_.add_prefix_space) text.insert(text.begin(), U' ');
}

void ByteLevelBpeTokenizer::tokenize_segment(std::u32string_view text, bool /*at_start*/, Encoding& out) const {
  for (const std::u32string& piece : pre_tokenize(text)) {
    const std::string mapped = byte_level::to_alphabet(unicode::encode_utf8(piece));
    for (std::string& token : merge(mapped)) {
      if (token_to_id(token) < 0 && options_.unk_token) {
        append_token(*options_.unk_token, out);
      } else {
        append_token(std::move(token), out);  // throws, naming the token, if there is no unk_token
      }
    }
  }
}

std::string ByteLevelBpeTokenizer::display_token(const std::string& token) const {
  return display_byte_level(token);
}

}  // namespace attnscope::tokenizers
