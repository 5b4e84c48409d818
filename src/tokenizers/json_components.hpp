// Readers for the components of a tokenizer.json (normalizer, pre_tokenizer, post_processor,
// decoder). Each unsupported "type" is an error naming the key and the supported types.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tokenizers/json_field.hpp"
#include "tokenizers/normalizers.hpp"
#include "tokenizers/pipeline.hpp"
#include "tokenizers/post_processor.hpp"
#include "tokenizers/pre_tokenizers.hpp"

namespace attnscope::tokenizers {

std::unique_ptr<Normalizer> read_normalizer(const JsonField& f);
std::unique_ptr<PreTokenizer> read_pre_tokenizer(const JsonField& f);
// `id_of` gives a token's id (-1 when it is not in the vocabulary), `vocab_size` bounds ids.
PostProcessor read_post_processor(const JsonField& f, const std::function<std::int32_t(const std::string&)>& id_of,
                                  std::size_t vocab_size);
std::vector<DisplayStep> read_decoder(const JsonField& f);

}  // namespace attnscope::tokenizers
