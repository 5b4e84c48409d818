#include "tokenizers/loader.hpp"

#include <utility>

#include "tokenizers/byte_level_bpe.hpp"
#include "tokenizers/wordpiece.hpp"
#include "util/error.hpp"
#include "util/json.hpp"

namespace attnscope::tokenizers {
namespace {

constexpr std::int64_t kMaxVocab = 10'000'000;  // far above any real vocabulary; bounds allocation

// Parses `text` as JSON, naming `file` in any error.
json::Value parse_file(std::string_view file, std::string_view text) {
  try {
    return json::parse(text);
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(std::string(file) + ": " + e.what());
  }
}

// A special token in tokenizer_config.json: a string, or an AddedToken object {"content": ...}.
std::optional<SpecialToken> config_token(const json::Value* config, std::string_view key) {
  if (config == nullptr) return std::nullopt;
  const json::Value* v = config->find(key);
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (v->is_string()) return SpecialToken{v->as_string()};
  if (v->is_object()) {
    SpecialToken t{v->at("content").as_string()};
    if (const json::Value* l = v->find("lstrip"); l && l->is_bool()) t.strip_left = l->as_bool();
    if (const json::Value* r = v->find("rstrip"); r && r->is_bool()) t.strip_right = r->as_bool();
    return t;
  }
  throw InvalidArgument("tokenizer_config.json: '" + std::string(key) + "' must be a string or an object");
}

std::optional<bool> config_bool(const json::Value* config, std::string_view key) {
  if (config == nullptr) return std::nullopt;
  const json::Value* v = config->find(key);
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (!v->is_bool()) throw InvalidArgument("tokenizer_config.json: '" + std::string(key) + "' must be true, false or null");
  return v->as_bool();
}

std::vector<std::string> vocab_from_object(std::string_view file, const json::Value& object) {
  if (!object.is_object()) throw InvalidArgument(std::string(file) + ": the vocabulary must be an object {token: id}");
  std::vector<std::string> vocab;
  for (const json::Member& m : object.as_object()) {
    std::int64_t id = 0;
    try {
      id = m.value.as_int(0, kMaxVocab - 1);
    } catch (const InvalidArgument& e) {
      throw InvalidArgument(std::string(file) + ": id of token '" + m.key + "': " + e.what());
    }
    if (static_cast<std::size_t>(id) >= vocab.size()) vocab.resize(static_cast<std::size_t>(id) + 1);
    vocab[static_cast<std::size_t>(id)] = m.key;
  }
  if (vocab.empty()) throw InvalidArgument(std::string(file) + ": the vocabulary is empty");
  return vocab;
}

std::unique_ptr<Tokenizer> wordpiece_from_files(const TokenizerFiles& files, const json::Value* config) {
  WordPieceOptions options;
  if (auto v = config_bool(config, "do_lower_case")) options.do_lower_case = *v;
  options.strip_accents = config_bool(config, "strip_accents");
  if (auto v = config_bool(config, "tokenize_chinese_chars")) options.tokenize_chinese_chars = *v;
  const auto named = [&](std::string_view key, std::string fallback) {
    auto t = config_token(config, key);
    return t ? t->content : fallback;
  };
  options.unk_token = named("unk_token", "[UNK]");
  const std::string cls = named("cls_token", "[CLS]"), sep = named("sep_token", "[SEP]");
  options.special_tokens = {named("pad_token", "[PAD]"), options.unk_token, cls, sep, named("mask_token", "[MASK]")};
  options.prefix = {cls};
  options.suffix = {sep};
  return std::make_unique<WordPieceTokenizer>(WordPieceTokenizer::parse_vocab_txt(*files.vocab_txt), options);
}

std::unique_ptr<Tokenizer> bpe_from_files(std::string_view model_type, const TokenizerFiles& files,
                                          const json::Value* config) {
  std::vector<std::string> vocab = vocab_from_object("vocab.json", parse_file("vocab.json", *files.vocab_json));
  auto merges = ByteLevelBpeTokenizer::parse_merges_txt(*files.merges_txt);
  ByteLevelBpeOptions options;
  if (config_bool(config, "add_prefix_space").value_or(false)) {
    options.add_prefix_space = true;
  }
  const auto token_or = [&](std::string_view key, SpecialToken fallback) {
    auto t = config_token(config, key);
    return t ? *t : fallback;
  };
  std::vector<SpecialToken> special;
  if (model_type == "roberta") {
    const SpecialToken bos = token_or("bos_token", {"<s>"}), eos = token_or("eos_token", {"</s>"});
    const SpecialToken unk = token_or("unk_token", {"<unk>"});
    special = {bos, token_or("pad_token", {"<pad>"}), eos, unk, token_or("mask_token", {"<mask>", true, false})};
    options.unk_token = unk.content;
    options.roberta_wrapping = true;
    options.cls = token_or("cls_token", bos).content;
    options.sep = token_or("sep_token", eos).content;
  } else {
    const SpecialToken eot = token_or("eos_token", {"<|endoftext|>"});
    special = {token_or("bos_token", eot), eot};
    options.unk_token = token_or("unk_token", eot).content;
  }
  const auto in_vocab = [&](const std::string& token) {
    for (const std::string& v : vocab) {
      if (v == token) return true;
    }
    return false;
  };
  // Tokens the vocabulary lacks are not special for this checkpoint (e.g. a GPT-2 fine-tune whose
  // config names a pad token it never added); without an unk token a missing piece is an error.
  for (const SpecialToken& t : special) {
    if (in_vocab(t.content)) options.special_tokens.push_back(t);
  }
  if (options.unk_token && !in_vocab(*options.unk_token)) options.unk_token.reset();
  return std::make_unique<ByteLevelBpeTokenizer>(std::move(vocab), std::move(merges), std::move(options));
}

}  // namespace

std::vector<std::string> parse_vocab_json(std::string_view text) {
  return vocab_from_object("vocab.json", parse_file("vocab.json", text));
}

std::unique_ptr<Tokenizer> load_tokenizer(std::string_view model_type, const TokenizerFiles& files) {
  std::optional<json::Value> config;
  if (files.tokenizer_config_json) config = parse_file("tokenizer_config.json", *files.tokenizer_config_json);
  if (config && !config->is_object()) throw InvalidArgument("tokenizer_config.json: expected a JSON object");
  const json::Value* cfg = config ? &*config : nullptr;

  const bool wordpiece_family = model_type == "bert" || model_type == "distilbert";
  const bool bpe_family = model_type == "roberta" || model_type == "gpt2";
  if (wordpiece_family && files.vocab_txt) return wordpiece_from_files(files, cfg);
  if (bpe_family && files.vocab_json && files.merges_txt) return bpe_from_files(model_type, files, cfg);
  if (files.tokenizer_json) {
    std::optional<std::string_view> config_text;
    if (files.tokenizer_config_json) config_text = *files.tokenizer_config_json;
    return tokenizer_from_json(*files.tokenizer_json, config_text);
  }
  if (!wordpiece_family && !bpe_family) {
    throw InvalidArgument("tokenizer: model_type '" + std::string(model_type) +
                          "' needs a tokenizer.json (tokenizers from vocabulary files alone are supported: bert, "
                          "distilbert, roberta, gpt2)");
  }
  throw InvalidArgument(std::string("tokenizer: the folder has no tokenizer files for model_type '") +
                        std::string(model_type) + "' (expected " +
                        (wordpiece_family ? "vocab.txt" : "vocab.json and merges.txt") + ", or tokenizer.json)");
}

}  // namespace attnscope::tokenizers
