// Unigram as SentencePiece's unigram_model.cc (EncodeOptimized) runs it, and Hugging Face's
// tokenizers after it: the Viterbi path over every piece the text can start with at each character
// (ties: the earlier start wins); a character no piece covers alone is an unknown scored
// min_score - 10; consecutive unknowns are fused into one.
#include <algorithm>
#include <limits>
#include <string>

#include "tokenizers/models.hpp"
#include "util/error.hpp"

namespace attnscope::tokenizers {
namespace {

constexpr double kUnknownPenalty = 10.0;

std::size_t utf8_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead < 0xE0) return 2;
  if (lead < 0xF0) return 3;
  return 4;
}

}  // namespace

UnigramModel::UnigramModel(std::vector<std::pair<std::string, double>> pieces, std::int32_t unk_id, bool byte_fallback,
                           std::string_view where)
    : pieces_(std::move(pieces)), unk_id_(unk_id), byte_fallback_(byte_fallback) {
  if (pieces_.empty()) throw InvalidArgument(std::string(where) + ".vocab is empty");
  if (unk_id_ >= static_cast<std::int64_t>(pieces_.size())) {
    throw InvalidArgument(std::string(where) + ".unk_id " + std::to_string(unk_id_) + " is outside the " +
                          std::to_string(pieces_.size()) + " pieces of model.vocab");
  }
  ids_.reserve(pieces_.size());
  min_score_ = std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < pieces_.size(); ++i) {
    // A repeated piece keeps its last id, as tokenizers' token_to_ids map does.
    ids_[pieces_[i].first] = static_cast<std::int32_t>(i);
    min_score_ = std::min(min_score_, pieces_[i].second);
  }
  sorted_.resize(pieces_.size());
  for (std::size_t i = 0; i < sorted_.size(); ++i) sorted_[i] = static_cast<std::uint32_t>(i);
  std::sort(sorted_.begin(), sorted_.end(), [&](std::uint32_t a, std::uint32_t b) { return pieces_[a].first < pieces_[b].first; });
}

// The pieces that share their first k bytes with the text form one run of `sorted_`; each further
// byte narrows it by binary search, and a piece exactly k bytes long is first in its run.
template <typename F>
void UnigramModel::for_each_prefix(std::string_view text, std::size_t at, F&& found) const {
  auto lo = sorted_.begin(), hi = sorted_.end();
  for (std::size_t k = 0; at + k < text.size() && lo != hi; ++k) {
    const char c = text[at + k];
    const auto byte_at = [&](std::uint32_t id) { return static_cast<unsigned char>(pieces_[id].first[k]); };
    // Skip the pieces exactly k bytes long (they sort first), then the run whose byte k is c.
    auto first = std::partition_point(lo, hi, [&](std::uint32_t id) {
      return pieces_[id].first.size() <= k || byte_at(id) < static_cast<unsigned char>(c);
    });
    auto last = std::partition_point(first, hi, [&](std::uint32_t id) { return byte_at(id) == static_cast<unsigned char>(c); });
    lo = first;
    hi = last;
    if (lo != hi && pieces_[*lo].first.size() == k + 1) found(k + 1);
  }
}

std::vector<std::string> UnigramModel::segment(std::string_view text) const {
  // SentencePiece's arithmetic, which decides between segmentations whose scores tie in single
  // precision: path scores are stored as floats, a piece's candidate is computed in double (the
  // float score plus the stored path score) and compared with the stored float; an unknown's
  // candidate is a float sum. (tokenizers adds doubles throughout and can pick the other one.)
  struct Node {
    std::int32_t id = -1;
    float score = 0;
    std::ptrdiff_t starts_at = -1;
  };
  const std::size_t size = text.size();
  const float unknown_score = static_cast<float>(min_score_) - static_cast<float>(kUnknownPenalty);
  std::vector<Node> best(size + 1);
  for (std::size_t start = 0; start < size;) {
    const float here = best[start].score;
    const std::size_t char_len = std::min(utf8_length(static_cast<unsigned char>(text[start])), size - start);
    bool single_char_piece = false;
    for_each_prefix(text, start, [&](std::size_t length) {
      const std::int32_t id = ids_.at(std::string(text.substr(start, length)));
      const double candidate = static_cast<double>(static_cast<float>(pieces_[static_cast<std::size_t>(id)].second)) + here;
      Node& target = best[start + length];
      if (target.starts_at < 0 || candidate > static_cast<double>(target.score)) {
        target = {id, static_cast<float>(candidate), static_cast<std::ptrdiff_t>(start)};
      }
      if (length == char_len) single_char_piece = true;
    });
    if (!single_char_piece) {
      Node& target = best[start + char_len];
      const float candidate = unknown_score + here;
      if (target.starts_at < 0 || candidate > target.score) {
        if (unk_id_ < 0) throw InvalidArgument("tokenizer: Unigram model has no unk_id but the text has a character no piece covers");
        target = {unk_id_, candidate, static_cast<std::ptrdiff_t>(start)};
      }
    }
    start += char_len;
  }
  std::vector<std::string> results;
  std::string unknown;  // fused run of unknown pieces, read backwards
  for (std::size_t end = size; end > 0;) {
    const Node& node = best[end];
    const auto start = static_cast<std::size_t>(node.starts_at);
    const std::string_view piece = text.substr(start, end - start);
    if (unk_id_ >= 0 && node.id == unk_id_) {
      unknown.insert(0, piece);
    } else {
      if (!unknown.empty()) results.push_back(std::move(unknown));
      unknown.clear();
      results.emplace_back(piece);
    }
    end = start;
  }
  if (!unknown.empty()) results.push_back(std::move(unknown));
  std::reverse(results.begin(), results.end());
  return results;
}

void UnigramModel::tokenize(std::string_view piece, std::vector<std::int32_t>& ids) const {
  if (piece.empty()) return;
  for (const std::string& s : segment(piece)) {
    if (const auto it = ids_.find(s); it != ids_.end()) {
      ids.push_back(it->second);
      continue;
    }
    if (byte_fallback_ && byte_fallback_ids(ids_, s, ids)) continue;
    if (unk_id_ < 0) throw InvalidArgument("tokenizer: Unigram model has no unk_id but the text has a character no piece covers");
    ids.push_back(unk_id_);
  }
}

}  // namespace attnscope::tokenizers
