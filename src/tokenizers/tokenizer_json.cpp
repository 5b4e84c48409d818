// tokenizer.json (Hugging Face tokenizers' serialisation): WordPiece with a BertNormalizer (the
// WordPiece tokenizer of wordpiece.hpp), and BPE or Unigram models through PipelineTokenizer with
// the components of json_components.hpp. tokenizer_config.json adds add_bos_token /
// add_eos_token for the tokenizer classes whose fast version rebuilds its template from them.
#include <stdexcept>
#include <unordered_map>
#include <utility>

#include "tokenizers/json_components.hpp"
#include "tokenizers/json_field.hpp"
#include "tokenizers/loader.hpp"
#include "tokenizers/pipeline.hpp"
#include "tokenizers/wordpiece.hpp"
#include "util/error.hpp"
#include "util/json.hpp"

namespace attnscope::tokenizers {
namespace {

constexpr std::int64_t kMaxVocab = 10'000'000;  // far above any real vocabulary; bounds allocation
const char* const kFile = "tokenizer.json";

// The id -> token table: model.vocab and then added_tokens, with their ids.
struct Vocabulary {
  std::vector<std::string> tokens;
  std::unordered_map<std::string, std::int32_t> model;  // model.vocab only
  std::vector<AddedToken> added;

  std::int32_t id_of(const std::string& token) const {
    const auto it = model.find(token);
    if (it != model.end()) return it->second;
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      if (tokens[i] == token) return static_cast<std::int32_t>(i);
    }
    return -1;
  }
};

void place(Vocabulary& v, std::size_t id, const std::string& token, const JsonField& at) {
  if (id >= v.tokens.size()) v.tokens.resize(id + 1);
  if (!v.tokens[id].empty() && v.tokens[id] != token) {
    at.fail("id " + std::to_string(id) + " is given to both '" + v.tokens[id] + "' and '" + token + "'");
  }
  v.tokens[id] = token;
}

void read_added_tokens(const JsonField& root, Vocabulary& v) {
  const auto added = root.find("added_tokens");
  if (!added) return;
  for (std::size_t i = 0; i < added->size(); ++i) {
    const JsonField t = added->item(i);
    AddedToken token;
    token.content = t.at("content").string();
    if (token.content.empty()) t.at("content").fail("an added token is the empty string");
    token.single_word = t.flag("single_word", false);
    token.strip_left = t.flag("lstrip", false);
    token.strip_right = t.flag("rstrip", false);
    token.special = t.flag("special", false);
    token.normalized = t.flag("normalized", !token.special);
    // A token that the model already has keeps the model's id, as tokenizers does.
    if (v.model.find(token.content) == v.model.end()) {
      place(v, static_cast<std::size_t>(t.at("id").integer(0, kMaxVocab - 1)), token.content, t.at("id"));
    }
    v.added.push_back(std::move(token));
  }
}

Vocabulary read_object_vocab(const JsonField& model) {
  Vocabulary v;
  const JsonField vocab = model.at("vocab");
  v.model.reserve(vocab.object().size());
  for (const json::Member& m : vocab.object()) {
    const JsonField id_field(m.value, kFile, vocab.path() + "[\"" + m.key + "\"]");
    const auto id = static_cast<std::size_t>(id_field.integer(0, kMaxVocab - 1));
    place(v, id, m.key, id_field);
    v.model.emplace(m.key, static_cast<std::int32_t>(id));
  }
  if (v.model.empty()) vocab.fail("is empty");
  return v;
}

std::vector<std::pair<std::string, std::string>> read_merges(const JsonField& model) {
  std::vector<std::pair<std::string, std::string>> merges;
  const auto list = model.find("merges");
  if (!list) return merges;
  merges.reserve(list->size());
  for (std::size_t i = 0; i < list->size(); ++i) {
    const JsonField m = list->item(i);
    if (m.value().is_array()) {  // newer files: ["a", "b"]
      if (m.size() != 2) m.fail("a merge must be two tokens");
      merges.emplace_back(m.item(0).string(), m.item(1).string());
    } else {  // older files: "a b"
      const std::string& s = m.string();
      const std::size_t space = s.find(' ');
      if (space == std::string::npos || s.find(' ', space + 1) != std::string::npos) {
        m.fail("'" + s + "' is not two tokens separated by one space");
      }
      merges.emplace_back(s.substr(0, space), s.substr(space + 1));
    }
  }
  return merges;
}

std::optional<std::string> optional_string(const JsonField& f, std::string_view key) {
  const auto v = f.find(key);
  return v ? std::optional<std::string>(v->string()) : std::nullopt;
}

std::unique_ptr<TokenModel> bpe_model(const JsonField& model, const Vocabulary& v) {
  if (const auto dropout = model.find("dropout")) dropout->fail("BPE dropout is not supported (only null)");
  BpeOptions options;
  options.unk_token = optional_string(model, "unk_token");
  options.fuse_unk = model.flag("fuse_unk", false);
  options.byte_fallback = model.flag("byte_fallback", false);
  options.ignore_merges = model.flag("ignore_merges", false);
  options.continuing_subword_prefix = model.text("continuing_subword_prefix", "");
  options.end_of_word_suffix = model.text("end_of_word_suffix", "");
  return std::make_unique<BpeModel>(v.model, read_merges(model), std::move(options), model.where() + ".merges");
}

std::unique_ptr<TokenModel> unigram_model(const JsonField& model, Vocabulary& v) {
  const JsonField vocab = model.at("vocab");
  if (static_cast<std::int64_t>(vocab.size()) > kMaxVocab) vocab.fail("more than " + std::to_string(kMaxVocab) + " pieces");
  std::vector<std::pair<std::string, double>> pieces;
  pieces.reserve(vocab.size());
  for (std::size_t i = 0; i < vocab.size(); ++i) {
    const JsonField entry = vocab.item(i);
    if (entry.size() != 2) entry.fail("expected [piece, score]");
    pieces.emplace_back(entry.item(0).string(), entry.item(1).number());
    v.tokens.push_back(pieces.back().first);
    v.model.emplace(pieces.back().first, static_cast<std::int32_t>(i));
  }
  std::int32_t unk_id = -1;
  if (const auto unk = model.find("unk_id")) unk_id = static_cast<std::int32_t>(unk->integer(0, kMaxVocab - 1));
  return std::make_unique<UnigramModel>(std::move(pieces), unk_id, model.flag("byte_fallback", false), model.where());
}

// The display steps of a WordPiece-less pipeline without a decoder: none.
std::vector<DisplayStep> decoder_of(const JsonField& root) {
  const auto d = root.find("decoder");
  return d ? read_decoder(*d) : std::vector<DisplayStep>{};
}

// tokenizer_config.json's bos_token / eos_token: a string or {"content": ...}.
std::string config_token(const JsonField& config, std::string_view key) {
  const JsonField t = config.at(key);
  return t.value().is_object() ? t.at("content").string() : t.string();
}

// LlamaTokenizerFast, GemmaTokenizerFast, ...: the template is rebuilt from add_bos_token /
// add_eos_token when the config has them: [bos] $A [eos], and [bos] $A [eos] [bos] $B:1 [eos]:1.
void apply_bos_eos(const JsonField& config, PipelineParts& parts, const Vocabulary& v) {
  const std::string cls = config.text("tokenizer_class", "");
  static const char* const kClasses[] = {"LlamaTokenizer", "LlamaTokenizerFast", "GemmaTokenizer", "GemmaTokenizerFast",
                                         "CodeLlamaTokenizer", "CodeLlamaTokenizerFast"};
  bool rebuilds = false;
  for (const char* c : kClasses) rebuilds = rebuilds || cls == c;
  if (!rebuilds || (!config.find("add_bos_token") && !config.find("add_eos_token"))) return;
  const bool bos = config.flag("add_bos_token", true), eos = config.flag("add_eos_token", false);
  const auto special = [&](std::string_view key, std::int32_t type) {
    const std::string token = config_token(config, key);
    const std::int32_t id = v.id_of(token);
    if (id < 0) config.at(key).fail("token '" + token + "' is not in the vocabulary");
    return PostProcessor::special(token, id, type);
  };
  using Kind = TemplatePiece::Kind;
  PostProcessor p;
  for (std::int32_t type : {0, 1}) {
    std::vector<TemplatePiece>& pieces = p.pair;
    if (bos) pieces.push_back(special("bos_token", type));
    pieces.push_back(PostProcessor::sequence(type == 0 ? Kind::sequence_a : Kind::sequence_b, type));
    if (eos) pieces.push_back(special("eos_token", type));
    if (type == 0) p.single = pieces;
  }
  parts.post_processor = std::move(p);
}

std::unique_ptr<Tokenizer> pipeline(const JsonField& root, const JsonField& model, const std::string& type,
                                    const std::optional<JsonField>& config) {
  Vocabulary v;
  PipelineParts parts;
  if (type == "BPE") {
    v = read_object_vocab(model);
    parts.model = bpe_model(model, v);
  } else {
    parts.model = unigram_model(model, v);
  }
  read_added_tokens(root, v);
  if (const auto n = root.find("normalizer")) parts.normalizer = read_normalizer(*n);
  if (const auto p = root.find("pre_tokenizer")) parts.pre_tokenizer = read_pre_tokenizer(*p);
  if (const auto p = root.find("post_processor")) {
    parts.post_processor = read_post_processor(*p, [&](const std::string& t) { return v.id_of(t); }, v.tokens.size());
  }
  if (config) apply_bos_eos(*config, parts, v);
  parts.display = decoder_of(root);
  parts.added_tokens = std::move(v.added);
  parts.vocab = std::move(v.tokens);
  return std::make_unique<PipelineTokenizer>(std::move(parts));
}

std::unique_ptr<Tokenizer> wordpiece(const JsonField& root, const JsonField& model) {
  WordPieceOptions options;
  options.nfc = false;  // the tokenizers library's BertNormalizer does not compose
  const auto normalizer = root.find("normalizer");
  if (!normalizer) {
    options.do_lower_case = false;
    options.strip_accents = false;
    options.tokenize_chinese_chars = false;
  } else if (normalizer->type() == "BertNormalizer") {
    options.do_lower_case = normalizer->flag("lowercase", true);
    if (const auto s = normalizer->find("strip_accents")) options.strip_accents = s->boolean();
    options.tokenize_chinese_chars = normalizer->flag("handle_chinese_chars", true);
  } else {
    normalizer->at("type").fail("'" + normalizer->type() + "' is not supported with WordPiece (supported: BertNormalizer, none)");
  }
  if (const auto unk = optional_string(model, "unk_token")) options.unk_token = *unk;
  if (const auto p = optional_string(model, "continuing_subword_prefix")) options.continuing_prefix = *p;
  if (const auto m = model.find("max_input_chars_per_word")) {
    options.max_input_chars_per_word = static_cast<std::size_t>(m->integer(1, 1'000'000));
  }
  Vocabulary v = read_object_vocab(model);
  read_added_tokens(root, v);
  options.special_tokens.clear();
  for (const AddedToken& t : v.added) options.special_tokens.push_back(t.content);
  PostProcessor post = PostProcessor::plain();
  if (const auto p = root.find("post_processor")) {
    post = read_post_processor(*p, [&](const std::string& t) { return v.id_of(t); }, v.tokens.size());
  }
  options.prefix.clear();
  options.suffix.clear();
  auto tokenizer = std::make_unique<WordPieceTokenizer>(std::move(v.tokens), std::move(options));
  tokenizer->set_post_processor(std::move(post));
  return tokenizer;
}

std::unique_ptr<Tokenizer> from_root(const JsonField& root, const std::optional<JsonField>& config) {
  const JsonField model = root.at("model");
  const std::string& type = model.type();
  if (type == "WordPiece") return wordpiece(root, model);
  if (type == "BPE" || type == "Unigram") return pipeline(root, model, type, config);
  model.unsupported_type("WordPiece, BPE, Unigram");
}

json::Value parse(std::string_view text, const char* file) {
  try {
    return json::parse(text);
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(std::string(file) + ": " + e.what());
  }
}

}  // namespace

std::unique_ptr<Tokenizer> tokenizer_from_json(std::string_view tokenizer_json, std::optional<std::string_view> tokenizer_config_json) {
  const json::Value root = parse(tokenizer_json, kFile);
  if (!root.is_object()) throw InvalidArgument("tokenizer.json: expected a JSON object at the top level");
  std::optional<json::Value> config_value;
  std::optional<JsonField> config;
  if (tokenizer_config_json) {
    config_value = parse(*tokenizer_config_json, "tokenizer_config.json");
    if (!config_value->is_object()) throw InvalidArgument("tokenizer_config.json: expected a JSON object");
    config.emplace(*config_value, "tokenizer_config.json", "");
  }
  try {
    return from_root(JsonField(root, kFile, ""), config);
  } catch (const InvalidArgument& e) {
    const std::string what = e.what();
    if (what.rfind("tokenizer.json", 0) == 0 || what.rfind("tokenizer_config.json", 0) == 0) throw;
    throw InvalidArgument("tokenizer.json: " + what);
  }
}

}  // namespace attnscope::tokenizers
