// BPE as Hugging Face's tokenizers runs it (models/bpe): a word starts as its characters (or their
// byte-fallback tokens, or fused unknowns), then the lowest-ranked applicable merge is applied
// first, leftmost among equals, until none applies.
#include <cstdio>
#include <queue>
#include <string>

#include "tokenizers/models.hpp"
#include "util/error.hpp"

namespace attnscope::tokenizers {
namespace {

constexpr std::size_t kCacheLimit = 1 << 16;  // pieces; the cache is cleared when it fills up

std::uint64_t pair_key(std::int32_t a, std::int32_t b) {
  return static_cast<std::uint64_t>(static_cast<std::uint32_t>(a)) << 32 | static_cast<std::uint32_t>(b);
}

std::size_t utf8_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead < 0xE0) return 2;
  if (lead < 0xF0) return 3;
  return 4;
}

struct Symbol {
  std::int32_t id;
  std::ptrdiff_t prev, next;
  std::size_t len;  // bytes; 0 once merged into its left neighbour
};

struct QueuedMerge {
  std::size_t pos;
  std::uint32_t rank;
  std::int32_t result;
  bool operator>(const QueuedMerge& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
};

}  // namespace

bool byte_fallback_ids(const std::unordered_map<std::string, std::int32_t>& vocab, std::string_view text,
                       std::vector<std::int32_t>& ids) {
  std::vector<std::int32_t> bytes;
  for (unsigned char b : text) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    const auto it = vocab.find(name);
    if (it == vocab.end()) return false;
    bytes.push_back(it->second);
  }
  ids.insert(ids.end(), bytes.begin(), bytes.end());
  return true;
}

BpeModel::BpeModel(std::unordered_map<std::string, std::int32_t> vocab,
                   const std::vector<std::pair<std::string, std::string>>& merges, BpeOptions options,
                   std::string_view where)
    : vocab_(std::move(vocab)), options_(std::move(options)) {
  const auto id_of = [&](const std::string& token, std::size_t i, const char* what) {
    const auto it = vocab_.find(token);
    if (it == vocab_.end()) {
      throw InvalidArgument(std::string(where) + "[" + std::to_string(i) + "]: " + what + " '" + token +
                            "' is not in model.vocab");
    }
    return it->second;
  };
  const std::size_t prefix_length = options_.continuing_subword_prefix.size();
  merges_.reserve(merges.size());
  for (std::size_t i = 0; i < merges.size(); ++i) {
    const auto& [a, b] = merges[i];
    if (a.empty() || b.empty()) {
      throw InvalidArgument(std::string(where) + "[" + std::to_string(i) + "]: a merge has an empty side");
    }
    const std::int32_t a_id = id_of(a, i, "merge side"), b_id = id_of(b, i, "merge side");
    // The right side carries the continuation prefix, which the merged token has only once.
    const std::string merged = a + (b.compare(0, prefix_length, options_.continuing_subword_prefix) == 0
                                        ? b.substr(prefix_length) : b);
    const std::int32_t result = id_of(merged, i, "merged token");
    // A pair listed twice keeps its last rank, as tokenizers' map of merges does.
    merges_[pair_key(a_id, b_id)] = Merge{static_cast<std::uint32_t>(i), result};
  }
  if (options_.unk_token) {
    const auto it = vocab_.find(*options_.unk_token);
    if (it == vocab_.end()) {
      throw InvalidArgument(std::string(where.substr(0, where.rfind('.'))) + ".unk_token: '" + *options_.unk_token +
                            "' is not in model.vocab");
    }
    unk_id_ = it->second;
  }
}

const BpeModel::Merge* BpeModel::find_merge(std::int32_t a, std::int32_t b) const {
  const auto it = merges_.find(pair_key(a, b));
  return it == merges_.end() ? nullptr : &it->second;
}

std::vector<std::int32_t> BpeModel::merge_word(std::string_view piece) const {
  std::vector<Symbol> symbols;
  const auto add = [&](std::int32_t id, std::size_t len) {
    const auto n = static_cast<std::ptrdiff_t>(symbols.size());
    if (!symbols.empty()) symbols.back().next = n;
    symbols.push_back({id, n - 1, -1, len});
  };
  std::int32_t unk_pending = -1;
  std::size_t unk_len = 0;
  std::string s;
  for (std::size_t i = 0; i < piece.size();) {
    const std::size_t len = std::min(utf8_length(static_cast<unsigned char>(piece[i])), piece.size() - i);
    const bool first = i == 0, last = i + len == piece.size();
    s.clear();
    if (!first) s += options_.continuing_subword_prefix;
    s.append(piece.substr(i, len));
    if (last) s += options_.end_of_word_suffix;
    i += len;
    if (const auto it = vocab_.find(s); it != vocab_.end()) {
      if (unk_pending >= 0) add(unk_pending, unk_len);
      unk_pending = -1;
      add(it->second, len);
      continue;
    }
    if (std::vector<std::int32_t> bytes; options_.byte_fallback && byte_fallback_ids(vocab_, s, bytes)) {
      // As tokenizers does, a pending unknown is not flushed before the bytes.
      for (std::int32_t id : bytes) add(id, 1);
      continue;
    }
    if (unk_id_ >= 0) {
      if (unk_pending >= 0 && options_.fuse_unk) {
        unk_len += len;
      } else {
        if (unk_pending >= 0) add(unk_pending, unk_len);
        unk_pending = unk_id_;
        unk_len = len;
      }
    }
    // Without an unk token a character missing from the vocabulary is dropped, as in tokenizers.
  }
  if (unk_pending >= 0) add(unk_pending, unk_len);

  std::priority_queue<QueuedMerge, std::vector<QueuedMerge>, std::greater<>> queue;
  for (std::size_t k = 0; k + 1 < symbols.size(); ++k) {
    if (const Merge* m = find_merge(symbols[k].id, symbols[k + 1].id)) queue.push({k, m->rank, m->result});
  }
  const auto n = static_cast<std::ptrdiff_t>(symbols.size());
  while (!queue.empty()) {
    const QueuedMerge top = queue.top();
    queue.pop();
    Symbol& cur = symbols[top.pos];
    if (cur.len == 0 || cur.next == -1) continue;
    const auto next_pos = static_cast<std::size_t>(cur.next);
    const Symbol right = symbols[next_pos];
    const Merge* still = find_merge(cur.id, right.id);
    if (still == nullptr || still->result != top.result) continue;  // an outdated entry
    cur.id = top.result;
    cur.len += right.len;
    cur.next = right.next;
    symbols[next_pos].len = 0;
    if (right.next > -1 && right.next < n) symbols[static_cast<std::size_t>(right.next)].prev = static_cast<std::ptrdiff_t>(top.pos);
    if (cur.prev >= 0) {
      if (const Merge* m = find_merge(symbols[static_cast<std::size_t>(cur.prev)].id, cur.id)) {
        queue.push({static_cast<std::size_t>(cur.prev), m->rank, m->result});
      }
    }
    if (cur.next >= 0 && cur.next < n) {
      if (const Merge* m = find_merge(cur.id, symbols[static_cast<std::size_t>(cur.next)].id)) {
        queue.push({top.pos, m->rank, m->result});
      }
    }
  }
  std::vector<std::int32_t> ids;
  for (const Symbol& sym : symbols) {
    if (sym.len != 0) ids.push_back(sym.id);
  }
  return ids;
}

void BpeModel::tokenize(std::string_view piece, std::vector<std::int32_t>& ids) const {
  if (piece.empty()) return;
  if (options_.ignore_merges) {
    if (const auto it = vocab_.find(std::string(piece)); it != vocab_.end()) {
      ids.push_back(it->second);
      return;
    }
  }
  const std::string key(piece);
  auto hit = cache_.find(key);
  if (hit == cache_.end()) {
    if (cache_.size() >= kCacheLimit) cache_.clear();
    hit = cache_.emplace(key, merge_word(piece)).first;
  }
  ids.insert(ids.end(), hit->second.begin(), hit->second.end());
}

}  // namespace attnscope::tokenizers
