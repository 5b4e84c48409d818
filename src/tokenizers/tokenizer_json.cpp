// tokenizer.json (Hugging Face tokenizers' serialisation) for the two model kinds attnscope's
// checkpoints use: WordPiece with a BertNormalizer, and BPE with a ByteLevel pre-tokenizer.
#include <stdexcept>
#include <utility>

#include "tokenizers/byte_level_bpe.hpp"
#include "tokenizers/loader.hpp"
#include "tokenizers/wordpiece.hpp"
#include "util/error.hpp"
#include "util/json.hpp"

namespace attnscope::tokenizers {
namespace {

[[noreturn]] void fail(const std::string& what) { throw InvalidArgument("tokenizer.json: " + what); }

const json::Value* member(const json::Value& object, std::string_view key) {
  const json::Value* v = object.find(key);
  return (v == nullptr || v->is_null()) ? nullptr : v;
}

std::string type_of(const json::Value* v) {
  if (v == nullptr) return "null";
  if (!v->is_object()) fail("expected an object with a \"type\"");
  return v->at("type").as_string();
}

bool flag(const json::Value& object, std::string_view key, bool fallback) {
  const json::Value* v = member(object, key);
  return v ? v->as_bool() : fallback;
}

struct Wrapping {
  std::vector<std::string> prefix, suffix;
};

// Special tokens the post-processor puts around a single sequence.
Wrapping wrapping_of(const json::Value* post) {
  Wrapping w;
  const std::string type = type_of(post);
  if (type == "null" || type == "ByteLevel") return w;
  if (type == "BertProcessing" || type == "RobertaProcessing") {
    w.prefix = {post->at("cls").as_array().at(0).as_string()};
    w.suffix = {post->at("sep").as_array().at(0).as_string()};
    return w;
  }
  const json::Value* template_processing = post;
  if (type == "Sequence") {  // e.g. [ByteLevel, TemplateProcessing]
    template_processing = nullptr;
    for (const json::Value& p : post->at("processors").as_array()) {
      const std::string inner = type_of(&p);
      if (inner == "TemplateProcessing" || inner == "BertProcessing" || inner == "RobertaProcessing") {
        return wrapping_of(&p);
      }
    }
    return w;
  }
  if (type != "TemplateProcessing") {
    fail("post_processor type '" + type +
         "' is not supported (supported: BertProcessing, RobertaProcessing, TemplateProcessing, ByteLevel)");
  }
  bool after_sequence = false;
  for (const json::Value& item : template_processing->at("single").as_array()) {
    if (const json::Value* s = item.find("SpecialToken")) {
      (after_sequence ? w.suffix : w.prefix).push_back(s->at("id").as_string());
    } else if (item.find("Sequence") != nullptr) {
      after_sequence = true;
    }
  }
  return w;
}

std::vector<std::string> vocab_with_added(const json::Value& model, const json::Value& root,
                                          std::vector<SpecialToken>& special) {
  std::vector<std::string> vocab;
  for (const json::Member& m : model.at("vocab").as_object()) {
    const auto id = static_cast<std::size_t>(m.value.as_int(0, 9'999'999));
    if (id >= vocab.size()) vocab.resize(id + 1);
    vocab[id] = m.key;
  }
  if (const json::Value* added = member(root, "added_tokens")) {
    for (const json::Value& t : added->as_array()) {
      const auto id = static_cast<std::size_t>(t.at("id").as_int(0, 9'999'999));
      const std::string& content = t.at("content").as_string();
      if (id >= vocab.size()) vocab.resize(id + 1);
      vocab[id] = content;
      special.push_back({content, flag(t, "lstrip", false), flag(t, "rstrip", false)});
    }
  }
  if (vocab.empty()) fail("model.vocab is empty");
  return vocab;
}

std::unique_ptr<Tokenizer> wordpiece(const json::Value& root, const json::Value& model) {
  WordPieceOptions options;
  options.nfc = false;  // the tokenizers library's BertNormalizer does not compose
  const json::Value* normalizer = member(root, "normalizer");
  const std::string normalizer_type = type_of(normalizer);
  if (normalizer_type == "BertNormalizer") {
    options.do_lower_case = flag(*normalizer, "lowercase", true);
    if (const json::Value* s = member(*normalizer, "strip_accents")) options.strip_accents = s->as_bool();
    options.tokenize_chinese_chars = flag(*normalizer, "handle_chinese_chars", true);
  } else if (normalizer_type == "null") {
    options.do_lower_case = false;
    options.strip_accents = false;
    options.tokenize_chinese_chars = false;
  } else {
    fail("normalizer type '" + normalizer_type + "' is not supported with WordPiece (supported: BertNormalizer, none)");
  }
  if (const json::Value* unk = member(model, "unk_token")) options.unk_token = unk->as_string();
  if (const json::Value* p = member(model, "continuing_subword_prefix")) options.continuing_prefix = p->as_string();
  if (const json::Value* m = member(model, "max_input_chars_per_word")) {
    options.max_input_chars_per_word = static_cast<std::size_t>(m->as_int(1, 1'000'000));
  }
  std::vector<SpecialToken> special;
  std::vector<std::string> vocab = vocab_with_added(model, root, special);
  options.special_tokens.clear();
  for (const SpecialToken& t : special) options.special_tokens.push_back(t.content);
  Wrapping w = wrapping_of(member(root, "post_processor"));
  options.prefix = std::move(w.prefix);
  options.suffix = std::move(w.suffix);
  return std::make_unique<WordPieceTokenizer>(std::move(vocab), std::move(options));
}

std::unique_ptr<Tokenizer> byte_level_bpe(const json::Value& root, const json::Value& model) {
  const json::Value* pre = member(root, "pre_tokenizer");
  if (type_of(pre) != "ByteLevel") {
    fail("BPE models are supported with the ByteLevel pre_tokenizer only (GPT-2, RoBERTa); found '" +
         type_of(pre) + "'");
  }
  if (!flag(*pre, "use_regex", true)) fail("ByteLevel pre_tokenizer with use_regex false is not supported");
  ByteLevelBpeOptions options;
  if (flag(*pre, "add_prefix_space", false)) options.add_prefix_space = ByteLevelBpeOptions::PrefixSpace::if_missing;
  if (const json::Value* unk = member(model, "unk_token")) options.unk_token = unk->as_string();
  std::vector<std::string> vocab = vocab_with_added(model, root, options.special_tokens);
  std::vector<std::pair<std::string, std::string>> merges;
  for (const json::Value& m : model.at("merges").as_array()) {
    if (m.is_array() && m.as_array().size() == 2) {  // newer files: ["a", "b"]
      merges.emplace_back(m.as_array()[0].as_string(), m.as_array()[1].as_string());
    } else if (m.is_string()) {  // older files: "a b"
      const std::string& s = m.as_string();
      const std::size_t space = s.find(' ');
      if (space == std::string::npos || s.find(' ', space + 1) != std::string::npos) {
        fail("merge '" + s + "' is not two tokens separated by one space");
      }
      merges.emplace_back(s.substr(0, space), s.substr(space + 1));
    } else {
      fail("model.merges entries must be \"a b\" strings or [\"a\", \"b\"] pairs");
    }
  }
  Wrapping w = wrapping_of(member(root, "post_processor"));
  options.prefix = std::move(w.prefix);
  options.suffix = std::move(w.suffix);
  return std::make_unique<ByteLevelBpeTokenizer>(std::move(vocab), std::move(merges), std::move(options));
}

}  // namespace

std::unique_ptr<Tokenizer> tokenizer_from_json(std::string_view tokenizer_json) {
  json::Value root;
  try {
    root = json::parse(tokenizer_json);
    if (!root.is_object()) fail("expected a JSON object at the top level");
    const json::Value& model = root.at("model");
    const std::string type = type_of(&model);
    if (type == "WordPiece") return wordpiece(root, model);
    if (type == "BPE") return byte_level_bpe(root, model);
    fail("model type '" + type + "' is not supported (supported: WordPiece, BPE)");
  } catch (const std::out_of_range&) {
    fail("post_processor: cls and sep must be [token, id] pairs");
  } catch (const InvalidArgument& e) {
    const std::string what = e.what();
    if (what.rfind("tokenizer.json: ", 0) == 0) throw;
    throw InvalidArgument("tokenizer.json: " + what);
  }
}

}  // namespace attnscope::tokenizers
