#include "tokenizers/pipeline.hpp"

#include <utility>

#include "tokenizers/byte_level.hpp"
#include "tokenizers/display.hpp"
#include "tokenizers/unicode.hpp"

namespace attnscope::tokenizers {

PipelineTokenizer::PipelineTokenizer(PipelineParts parts)
    : Tokenizer(std::move(parts.vocab)),
      normalizer_(std::move(parts.normalizer)),
      pre_tokenizer_(std::move(parts.pre_tokenizer)),
      model_(std::move(parts.model)),
      display_(std::move(parts.display)) {
  set_special_tokens(std::move(parts.added_tokens));  // after the normalizer: normalized tokens need it
  set_post_processor(std::move(parts.post_processor));
}

void PipelineTokenizer::normalize(std::u32string& text) const {
  if (normalizer_) normalizer_->apply(text);
}

void PipelineTokenizer::tokenize_segment(std::u32string_view text, bool at_start, Encoding& out) const {
  std::vector<PrePiece> pieces{{std::u32string(text), at_start}};
  if (pre_tokenizer_) pre_tokenizer_->apply(pieces);
  std::vector<std::int32_t> ids;
  for (const PrePiece& piece : pieces) {
    ids.clear();
    model_->tokenize(unicode::encode_utf8(piece.text), ids);
    for (std::int32_t id : ids) append_id(id, out);
  }
}

std::string PipelineTokenizer::display_token(const std::string& token) const {
  std::string s = token;
  for (const DisplayStep& step : display_) {
    switch (step.kind) {
      case DisplayStep::Kind::byte_level: {
        std::string bytes;
        if (byte_level::from_alphabet(s, bytes)) s = std::move(bytes);
        break;
      }
      case DisplayStep::Kind::byte_fallback:
        if (const int b = byte_fallback_value(s); b >= 0) s = std::string(1, static_cast<char>(b));
        break;
      case DisplayStep::Kind::replace: {
        if (step.from.empty()) break;
        std::string out;
        std::size_t done = 0;
        for (std::size_t at = s.find(step.from); at != std::string::npos; at = s.find(step.from, at + step.from.size())) {
          out.append(s, done, at - done);
          out += step.to;
          done = at + step.from.size();
        }
        out.append(s, done);
        s = std::move(out);
        break;
      }
    }
  }
  return display_bytes(s);
}

}  // namespace attnscope::tokenizers
