// Builds a model's tokenizer from the files of a Hugging Face checkpoint folder.
//
//   bert, distilbert  vocab.txt (+ tokenizer_config.json: do_lower_case, strip_accents, ...)
//   roberta, gpt2     vocab.json + merges.txt (+ tokenizer_config.json: add_prefix_space)
//   any model_type    tokenizer.json (model WordPiece, BPE or Unigram; + tokenizer_config.json:
//                     add_bos_token / add_eos_token), used when the files above are missing
//
// Every problem (missing file, malformed content, unsupported tokenizer type) throws
// InvalidArgument naming the file and what was expected.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "tokenizers/tokenizer.hpp"

namespace attnscope::tokenizers {

struct TokenizerFiles {
  std::optional<std::string> vocab_txt;
  std::optional<std::string> vocab_json;
  std::optional<std::string> merges_txt;
  std::optional<std::string> tokenizer_json;
  std::optional<std::string> tokenizer_config_json;
};

// `model_type` is config.json's model_type ("bert", "llama", "t5", ...). The classic files are read
// for bert, distilbert, roberta and gpt2; every model type can use a tokenizer.json.
std::unique_ptr<Tokenizer> load_tokenizer(std::string_view model_type, const TokenizerFiles& files);

// The tokenizer described by a tokenizer.json (Hugging Face tokenizers format), with the
// tokenizer_config.json next to it when there is one.
std::unique_ptr<Tokenizer> tokenizer_from_json(std::string_view tokenizer_json,
                                               std::optional<std::string_view> tokenizer_config_json = std::nullopt);

// vocab.json: {"token": id, ...} as a list indexed by id (unused ids are empty strings).
std::vector<std::string> parse_vocab_json(std::string_view text);

}  // namespace attnscope::tokenizers
