#include "tokenizers/tokenizer.hpp"

#include <utility>

#include "tokenizers/unicode.hpp"
#include "util/error.hpp"

namespace attnscope::tokenizers {

Tokenizer::Tokenizer(std::vector<std::string> vocab) : id_to_token_(std::move(vocab)), post_(PostProcessor::plain()) {
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

void Tokenizer::set_special_tokens(std::vector<AddedToken> tokens) {
  for (const AddedToken& t : tokens) {
    if (t.content.empty()) throw InvalidArgument("tokenizer: an added token is the empty string");
    if (token_to_id(t.content) < 0) {
      throw InvalidArgument("tokenizer: added token '" + t.content + "' is not in the vocabulary");
    }
  }
  added_ = std::move(tokens);
  added_text_.clear();
  for (const AddedToken& t : added_) added_text_.push_back(unicode::decode_utf8(t.content));
  refresh_added_tokens();
}

void Tokenizer::refresh_added_tokens() {
  std::vector<std::u32string> raw, normalized;
  std::vector<const AddedToken*> raw_tokens, normalized_tokens;
  raw_ids_.clear();
  normalized_ids_.clear();
  for (std::size_t i = 0; i < added_.size(); ++i) {
    const AddedToken& t = added_[i];
    std::u32string pattern = added_text_[i];
    if (t.normalized) {
      normalize(pattern);
      normalized.push_back(std::move(pattern));
      normalized_tokens.push_back(&t);
      normalized_ids_.push_back(token_to_id(t.content));
    } else {
      raw.push_back(std::move(pattern));
      raw_tokens.push_back(&t);
      raw_ids_.push_back(token_to_id(t.content));
    }
  }
  raw_matcher_.reset(raw, raw_tokens);
  normalized_matcher_.reset(normalized, normalized_tokens);
}

void Tokenizer::set_sequence_wrapping(std::vector<std::string> prefix, std::vector<std::string> suffix) {
  PostProcessor p;
  const auto add = [&](std::vector<TemplatePiece>& pieces, const std::vector<std::string>& tokens, std::int32_t type) {
    for (const std::string& t : tokens) {
      const std::int32_t id = token_to_id(t);
      if (id < 0) throw InvalidArgument("tokenizer: sequence token '" + t + "' is not in the vocabulary");
      pieces.push_back(PostProcessor::special(t, id, type));
    }
  };
  using Kind = TemplatePiece::Kind;
  add(p.single, prefix, 0);
  p.single.push_back(PostProcessor::sequence(Kind::sequence_a, 0));
  add(p.single, suffix, 0);
  p.pair = p.single;
  p.pair.push_back(PostProcessor::sequence(Kind::sequence_b, 1));
  add(p.pair, suffix, 1);
  post_ = std::move(p);
}

void Tokenizer::set_post_processor(PostProcessor post_processor) { post_ = std::move(post_processor); }

void Tokenizer::append_id(std::int32_t id, Encoding& out) const {
  const std::string& token = id_to_token(id);
  out.ids.push_back(id);
  out.tokens.push_back(token);
  out.display.push_back(display_token(token));
}

void Tokenizer::append_token(std::string token, Encoding& out) const {
  const std::int32_t id = token_to_id(token);
  if (id < 0) throw InvalidArgument("tokenizer: token '" + token + "' is not in the vocabulary");
  out.ids.push_back(id);
  out.display.push_back(display_token(token));
  out.tokens.push_back(std::move(token));
}

bool Tokenizer::is_special(std::u32string_view token) const {
  for (const std::u32string& t : added_text_) {
    if (t == token) return true;
  }
  return false;
}

Encoding Tokenizer::encode_sequence(std::string_view text) const {
  Encoding out;
  std::u32string full = unicode::decode_utf8(text);
  prepare(full);
  const auto append_added = [&](std::int32_t id) {
    out.ids.push_back(id);
    out.tokens.push_back(id_to_token(id));
    out.display.push_back(out.tokens.back());
  };
  for (const auto& section : raw_matcher_.split(full, python_whitespace_)) {
    if (section.pattern >= 0) {
      append_added(raw_ids_[static_cast<std::size_t>(section.pattern)]);
      continue;
    }
    std::u32string piece = full.substr(section.start, section.end - section.start);
    normalize(piece);
    const std::u32string_view view(piece);
    for (const auto& sub : normalized_matcher_.split(view, python_whitespace_)) {
      if (sub.pattern >= 0) {
        append_added(normalized_ids_[static_cast<std::size_t>(sub.pattern)]);
      } else {
        tokenize_segment(view.substr(sub.start, sub.end - sub.start), section.start == 0 && sub.start == 0, out);
      }
    }
  }
  return out;
}

Encoding Tokenizer::assemble(Encoding a, const Encoding* b, bool add_special_tokens) const {
  using Kind = TemplatePiece::Kind;
  const std::vector<TemplatePiece>& pieces = b ? post_.pair : post_.single;
  std::int32_t a_type = 0, b_type = 0;
  bool has_a = false, has_b = false;
  for (const TemplatePiece& p : pieces) {
    if (p.kind == Kind::sequence_a) has_a = true, a_type = p.type_id;
    if (p.kind == Kind::sequence_b) has_b = true, b_type = p.type_id;
  }
  if (!has_a || (b && !has_b)) {
    throw InvalidArgument(b ? "tokenizer: the post-processor has no pair template ($A ... $B): this tokenizer "
                              "cannot encode sentence pairs"
                            : "tokenizer: the post-processor's single template has no $A");
  }
  Encoding out;
  const auto append = [&](const Encoding& e, std::int32_t type) {
    out.ids.insert(out.ids.end(), e.ids.begin(), e.ids.end());
    out.tokens.insert(out.tokens.end(), e.tokens.begin(), e.tokens.end());
    out.display.insert(out.display.end(), e.display.begin(), e.display.end());
    out.type_ids.insert(out.type_ids.end(), e.ids.size(), type);
  };
  for (const TemplatePiece& p : pieces) {
    const auto here = static_cast<std::int32_t>(out.ids.size());
    const bool marks_b = b && out.sentence_b_start < 0 &&
                         (b_type != a_type ? p.type_id == b_type : p.kind == Kind::sequence_b);
    if (p.kind == Kind::special) {
      if (!add_special_tokens) continue;
      if (marks_b) out.sentence_b_start = here;
      for (std::size_t k = 0; k < p.ids.size(); ++k) {
        out.ids.push_back(p.ids[k]);
        out.tokens.push_back(p.tokens[k]);
        out.display.push_back(p.tokens[k]);
        out.type_ids.push_back(p.type_id);
      }
    } else {
      if (marks_b) out.sentence_b_start = here;
      append(p.kind == Kind::sequence_a ? a : *b, p.type_id);
    }
  }
  return out;
}

Encoding Tokenizer::encode(std::string_view text, bool add_special_tokens) const {
  return assemble(encode_sequence(text), nullptr, add_special_tokens);
}

Encoding Tokenizer::encode_pair(std::string_view a, std::string_view b, bool add_special_tokens) const {
  const Encoding second = encode_sequence(b);
  return assemble(encode_sequence(a), &second, add_special_tokens);
}

}  // namespace attnscope::tokenizers
