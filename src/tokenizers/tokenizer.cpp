#include "tokenizers/tokenizer.hpp"

#include <utility>

#include "tokenizers/unicode.hpp"
#include "util/error.hpp"

namespace attnscope::tokenizers {

Tokenizer::Tokenizer(std::vector<std::string> vocab) : id_to_token_(std::move(vocab)) {
  if (id_to_token_.empty()) throw InvalidArgument("tokenizer: vocabulary is empty");
  if (id_to_token_.size() > static_cast<std::size_t>(INT32_MAX)) {
    throw InvalidArgument("tokenizer: vocabulary has more than 2^31-1 entries");
  }
  token_to_id_.reserve(id_to_token_.size());
  for (std::size_t i = 0; i < id_to_token_.size(); ++i) {
    // A repeated token keeps its last id, as Python's dict-building loaders do.
    if (!id_to_token_[i].empty()) token_to_id_[id_to_token_[i]] = static_cast<std::int32_t>(i);
  }
}

std::int32_t Tokenizer::token_to_id(std::string_view token) const {
  const auto it = token_to_id_.find(std::string(token));
  return it == token_to_id_.end() ? -1 : it->second;
}

const std::string& Tokenizer::id_to_token(std::int32_t id) const {
  if (id < 0 || static_cast<std::size_t>(id) >= id_to_token_.size()) {
    throw InvalidArgument("tokenizer: id " + std::to_string(id) + " is outside the vocabulary [0, " +
                          std::to_string(id_to_token_.size()) + ")");
  }
  return id_to_token_[static_cast<std::size_t>(id)];
}

void Tokenizer::set_special_tokens(std::vector<SpecialToken> tokens) {
  special_u32_.clear();
  for (const SpecialToken& t : tokens) {
    if (t.content.empty()) throw InvalidArgument("tokenizer: a special token is the empty string");
    if (token_to_id(t.content) < 0) {
      throw InvalidArgument("tokenizer: special token '" + t.content + "' is not in the vocabulary");
    }
    special_u32_.push_back(unicode::decode_utf8(t.content));
  }
  special_ = std::move(tokens);
}

void Tokenizer::set_sequence_wrapping(std::vector<std::string> prefix, std::vector<std::string> suffix) {
  for (const auto* list : {&prefix, &suffix}) {
    for (const std::string& t : *list) {
      if (token_to_id(t) < 0) {
        throw InvalidArgument("tokenizer: sequence token '" + t + "' is not in the vocabulary");
      }
    }
  }
  prefix_ = std::move(prefix);
  suffix_ = std::move(suffix);
}

void Tokenizer::append_token(std::string token, Encoding& out) const {
  const std::int32_t id = token_to_id(token);
  if (id < 0) throw InvalidArgument("tokenizer: token '" + token + "' is not in the vocabulary");
  out.ids.push_back(id);
  out.tokens.push_back(std::move(token));
}

bool Tokenizer::is_special(std::u32string_view token) const {
  for (const std::u32string& s : special_u32_) {
    if (s == token) return true;
  }
  return false;
}

Encoding Tokenizer::encode(std::string_view text, bool add_special_tokens) const {
  Encoding out;
  if (add_special_tokens) {
    for (const std::string& t : prefix_) append_token(t, out);
  }
  std::u32string full = unicode::decode_utf8(text);
  prepare(full);
  const std::u32string_view view(full);
  const auto is_space = [](char32_t c) { return unicode::has(c, unicode::kPythonSpace); };

  // Split at special tokens (leftmost, then longest), as the reference's added-token trie does.
  std::size_t segment_start = 0, i = 0;
  while (i < view.size()) {
    std::size_t best = special_u32_.size();
    for (std::size_t s = 0; s < special_u32_.size(); ++s) {
      const std::u32string& cand = special_u32_[s];
      if (cand.front() == view[i] && view.substr(i, cand.size()) == cand &&
          (best == special_u32_.size() || cand.size() > special_u32_[best].size())) {
        best = s;
      }
    }
    if (best == special_u32_.size()) {
      ++i;
      continue;
    }
    std::size_t segment_end = i;
    if (special_[best].strip_left) {
      while (segment_end > segment_start && is_space(view[segment_end - 1])) --segment_end;
    }
    if (segment_end > segment_start) {
      tokenize_segment(view.substr(segment_start, segment_end - segment_start), out);
    }
    append_token(special_[best].content, out);
    i += special_u32_[best].size();
    if (special_[best].strip_right) {
      while (i < view.size() && is_space(view[i])) ++i;
    }
    segment_start = i;
  }
  if (segment_start < view.size()) tokenize_segment(view.substr(segment_start), out);

  if (add_special_tokens) {
    for (const std::string& t : suffix_) append_token(t, out);
  }
  return out;
}

}  // namespace attnscope::tokenizers
