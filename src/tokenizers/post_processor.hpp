// The post-processor: what a tokenizer puts around one sequence or a sentence pair, and the type
// ids, as a template (Hugging Face's TemplateProcessing; BertProcessing and RobertaProcessing are
// fixed templates of it).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace attnscope::tokenizers {

struct TemplatePiece {
  enum class Kind : std::uint8_t { sequence_a, sequence_b, special };
  Kind kind = Kind::sequence_a;
  std::int32_t type_id = 0;
  std::vector<std::int32_t> ids;     // special: the tokens it stands for (usually one)
  std::vector<std::string> tokens;
};

struct PostProcessor {
  std::vector<TemplatePiece> single;  // must hold sequence_a
  std::vector<TemplatePiece> pair;    // sequence_a and sequence_b; empty: pairs are not supported

  // $A:0 for one sequence, $A:0 $B:1 for a pair, nothing added (GPT-2, ByteLevel post-processor).
  static PostProcessor plain();
  static TemplatePiece sequence(TemplatePiece::Kind kind, std::int32_t type_id);
  static TemplatePiece special(std::string token, std::int32_t id, std::int32_t type_id);
  // BertProcessing: [CLS] A [SEP] and [CLS] A [SEP] B [SEP], B and its [SEP] of type 1.
  static PostProcessor bert(std::string cls, std::int32_t cls_id, std::string sep, std::int32_t sep_id);
  // RobertaProcessing: <s> A </s> and <s> A </s> </s> B </s>, every type id 0.
  static PostProcessor roberta(std::string cls, std::int32_t cls_id, std::string sep, std::int32_t sep_id);
};

}  // namespace attnscope::tokenizers
