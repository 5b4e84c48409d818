#include "tokenizers/post_processor.hpp"

#include <utility>

namespace attnscope::tokenizers {

TemplatePiece PostProcessor::sequence(TemplatePiece::Kind kind, std::int32_t type_id) {
  TemplatePiece p;
  p.kind = kind;
  p.type_id = type_id;
  return p;
}

TemplatePiece PostProcessor::special(std::string token, std::int32_t id, std::int32_t type_id) {
  TemplatePiece p;
  p.kind = TemplatePiece::Kind::special;
  p.type_id = type_id;
  p.ids = {id};
  p.tokens = {std::move(token)};
  return p;
}

PostProcessor PostProcessor::plain() {
  PostProcessor p;
  p.single = {sequence(TemplatePiece::Kind::sequence_a, 0)};
  p.pair = {sequence(TemplatePiece::Kind::sequence_a, 0), sequence(TemplatePiece::Kind::sequence_b, 1)};
  return p;
}

PostProcessor PostProcessor::bert(std::string cls, std::int32_t cls_id, std::string sep, std::int32_t sep_id) {
  using Kind = TemplatePiece::Kind;
  PostProcessor p;
  p.single = {special(cls, cls_id, 0), sequence(Kind::sequence_a, 0), special(sep, sep_id, 0)};
  p.pair = p.single;
  p.pair.push_back(sequence(Kind::sequence_b, 1));
  p.pair.push_back(special(sep, sep_id, 1));
  return p;
}

PostProcessor PostProcessor::roberta(std::string cls, std::int32_t cls_id, std::string sep, std::int32_t sep_id) {
  using Kind = TemplatePiece::Kind;
  PostProcessor p;
  p.single = {special(cls, cls_id, 0), sequence(Kind::sequence_a, 0), special(sep, sep_id, 0)};
  p.pair = p.single;
  p.pair.push_back(special(sep, sep_id, 0));
  p.pair.push_back(sequence(Kind::sequence_b, 0));
  p.pair.push_back(special(sep, sep_id, 0));
  return p;
}

}  // namespace attnscope::tokenizers
