#include "tokenizers/json_components.hpp"

#include <utility>

#include "tokenizers/precompiled_charsmap.hpp"
#include "tokenizers/unicode.hpp"
#include "util/error.hpp"

namespace attnscope::tokenizers {
namespace {

std::u32string u32(const std::string& s) { return unicode::decode_utf8(s); }

// A {"String": "..."} or {"Regex": "..."} pattern: exactly one of the two.
struct Pattern {
  std::optional<std::u32string> literal;
  std::optional<Regex> regex;
};

Pattern read_pattern(const JsonField& f) {
  const auto literal = f.find("String");
  const auto regex = f.find("Regex");
  if (literal.has_value() == regex.has_value()) f.fail("expected {\"String\": ...} or {\"Regex\": ...}");
  Pattern p;
  if (literal) p.literal = u32(literal->string());
  if (regex) p.regex.emplace(u32(regex->string()), regex->where());
  return p;
}

char32_t single_character(const JsonField& f) {
  const std::u32string s = u32(f.string());
  if (s.size() != 1) f.fail("expected a single character");
  return s.front();
}

}  // namespace

std::unique_ptr<Normalizer> read_normalizer(const JsonField& f) {
  const std::string& type = f.type();
  if (type == "NFC") return make_unicode_normalizer(UnicodeForm::nfc);
  if (type == "NFD") return make_unicode_normalizer(UnicodeForm::nfd);
  if (type == "NFKC") return make_unicode_normalizer(UnicodeForm::nfkc);
  if (type == "NFKD") return make_unicode_normalizer(UnicodeForm::nfkd);
  if (type == "Lowercase") return make_lowercase_normalizer();
  if (type == "StripAccents") return make_strip_accents_normalizer();
  if (type == "Strip") return make_strip_normalizer(f.flag("strip_left", true), f.flag("strip_right", true));
  if (type == "Prepend") return make_prepend_normalizer(u32(f.at("prepend").string()));
  if (type == "Replace") {
    Pattern p = read_pattern(f.at("pattern"));
    std::u32string content = u32(f.at("content").string());
    if (p.regex) return make_replace_normalizer(std::move(*p.regex), std::move(content));
    return make_replace_normalizer(std::move(*p.literal), std::move(content));
  }
  if (type == "Precompiled") {
    const JsonField map = f.at("precompiled_charsmap");
    return make_precompiled_normalizer(PrecompiledCharsmap(decode_base64(map.string(), map.where()), map.where()));
  }
  if (type == "Sequence") {
    const JsonField list = f.at("normalizers");
    std::vector<std::unique_ptr<Normalizer>> steps;
    for (std::size_t i = 0; i < list.size(); ++i) steps.push_back(read_normalizer(list.item(i)));
    return make_sequence_normalizer(std::move(steps));
  }
  f.unsupported_type("NFC, NFD, NFKC, NFKD, Lowercase, Strip, StripAccents, Replace, Prepend, Precompiled, Sequence");
}

std::unique_ptr<PreTokenizer> read_pre_tokenizer(const JsonField& f) {
  const std::string& type = f.type();
  if (type == "ByteLevel") return make_byte_level_pre_tokenizer(f.flag("add_prefix_space", true), f.flag("use_regex", true));
  if (type == "Split") {
    const JsonField behavior_field = f.at("behavior");
    const std::string& name = behavior_field.string();
    SplitBehavior behavior;
    if (name == "Removed") behavior = SplitBehavior::removed;
    else if (name == "Isolated") behavior = SplitBehavior::isolated;
    else if (name == "MergedWithPrevious") behavior = SplitBehavior::merged_with_previous;
    else if (name == "MergedWithNext") behavior = SplitBehavior::merged_with_next;
    else if (name == "Contiguous") behavior = SplitBehavior::contiguous;
    else behavior_field.fail("'" + name + "' is not supported (supported: Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous)");
    const bool invert = f.flag("invert", false);
    Pattern p = read_pattern(f.at("pattern"));
    if (p.regex) return make_split_pre_tokenizer(std::move(*p.regex), behavior, invert);
    return make_split_pre_tokenizer(std::move(*p.literal), behavior, invert);
  }
  if (type == "Metaspace") {
    const char32_t replacement = f.find("replacement") ? single_character(f.at("replacement")) : U'\u2581';
    PrependScheme scheme = f.flag("add_prefix_space", true) ? PrependScheme::always : PrependScheme::never;
    if (const auto s = f.find("prepend_scheme")) {
      const std::string& name = s->string();
      if (name == "always") scheme = PrependScheme::always;
      else if (name == "first") scheme = PrependScheme::first;
      else if (name == "never") scheme = PrependScheme::never;
      else s->fail("'" + name + "' is not supported (supported: always, first, never)");
    }
    return make_metaspace_pre_tokenizer(replacement, scheme, f.flag("split", true));
  }
  if (type == "Digits") return make_digits_pre_tokenizer(f.flag("individual_digits", false));
  if (type == "WhitespaceSplit") return make_whitespace_split_pre_tokenizer();
  if (type == "Sequence") {
    const JsonField list = f.at("pretokenizers");
    std::vector<std::unique_ptr<PreTokenizer>> steps;
    for (std::size_t i = 0; i < list.size(); ++i) steps.push_back(read_pre_tokenizer(list.item(i)));
    return make_sequence_pre_tokenizer(std::move(steps));
  }
  f.unsupported_type("ByteLevel, Split, Metaspace, WhitespaceSplit, Digits, Sequence");
}

namespace {

using IdOf = std::function<std::int32_t(const std::string&)>;

TemplatePiece token_piece(const JsonField& f, const IdOf& id_of, std::int32_t type_id) {
  const std::string& token = f.string();
  const std::int32_t id = id_of(token);
  if (id < 0) f.fail("token '" + token + "' is not in the vocabulary");
  return PostProcessor::special(token, id, type_id);
}

// "[CLS]:0 $A:0 [SEP]:0" (a string), or [{"SpecialToken": {"id", "type_id"}}, {"Sequence": {"id", "type_id"}}].
// A special token missing from "special_tokens" stands for the vocabulary token of that name.
std::vector<TemplatePiece> read_template(const JsonField& f, const JsonField* specials, const IdOf& id_of,
                                         std::size_t vocab_size) {
  std::vector<TemplatePiece> pieces;
  const auto special_named = [&](const std::string& name, std::int32_t type_id, const JsonField& at) {
    const auto entry = specials ? specials->find(name) : std::nullopt;
    if (!entry) {
      const std::int32_t id = id_of(name);
      if (id < 0) at.fail("special token '" + name + "' is neither in post_processor.special_tokens nor in the vocabulary");
      return PostProcessor::special(name, id, type_id);
    }
    TemplatePiece p;
    p.kind = TemplatePiece::Kind::special;
    p.type_id = type_id;
    const JsonField ids = entry->at("ids"), tokens = entry->at("tokens");
    if (ids.size() != tokens.size()) entry->fail("'ids' and 'tokens' differ in length");
    for (std::size_t k = 0; k < ids.size(); ++k) {
      p.ids.push_back(static_cast<std::int32_t>(ids.item(k).integer(0, static_cast<std::int64_t>(vocab_size) - 1)));
      p.tokens.push_back(tokens.item(k).string());
    }
    return p;
  };
  const auto sequence_named = [&](const std::string& name, std::int32_t type_id, const JsonField& at) {
    if (name == "A" || name == "$A" || name == "$") return PostProcessor::sequence(TemplatePiece::Kind::sequence_a, type_id);
    if (name == "B" || name == "$B") return PostProcessor::sequence(TemplatePiece::Kind::sequence_b, type_id);
    at.fail("sequence '" + name + "' is neither A nor B");
  };
  if (f.value().is_string()) {
    const std::string& text = f.string();
    std::size_t start = 0;
    while (start < text.size()) {
      std::size_t end = text.find(' ', start);
      if (end == std::string::npos) end = text.size();
      std::string item = text.substr(start, end - start);
      start = end + 1;
      if (item.empty()) continue;
      std::int32_t type_id = 0;
      if (const std::size_t colon = item.rfind(':'); colon != std::string::npos && colon + 1 < item.size() &&
                                                     item.find_first_not_of("0123456789", colon + 1) == std::string::npos &&
                                                     item.size() - colon <= 9) {
        type_id = std::stoi(item.substr(colon + 1));
        item.resize(colon);
      }
      pieces.push_back(item.front() == '$' ? sequence_named(item, type_id, f) : special_named(item, type_id, f));
    }
    return pieces;
  }
  for (std::size_t i = 0; i < f.size(); ++i) {
    const JsonField item = f.item(i);
    if (const auto s = item.find("SpecialToken")) {
      pieces.push_back(special_named(s->at("id").string(), static_cast<std::int32_t>(s->at("type_id").integer(0, 1 << 20)), *s));
    } else if (const auto q = item.find("Sequence")) {
      pieces.push_back(sequence_named(q->at("id").string(), static_cast<std::int32_t>(q->at("type_id").integer(0, 1 << 20)), *q));
    } else {
      item.fail("expected {\"SpecialToken\": ...} or {\"Sequence\": ...}");
    }
  }
  return pieces;
}

bool adds_tokens(const std::string& type) {
  return type == "TemplateProcessing" || type == "BertProcessing" || type == "RobertaProcessing";
}

}  // namespace

PostProcessor read_post_processor(const JsonField& f, const IdOf& id_of, std::size_t vocab_size) {
  const std::string& type = f.type();
  if (type == "ByteLevel") return PostProcessor::plain();
  if (type == "BertProcessing" || type == "RobertaProcessing") {
    const JsonField cls = f.at("cls"), sep = f.at("sep");
    if (cls.size() != 2 || sep.size() != 2) f.fail("cls and sep must be [token, id] pairs");
    const TemplatePiece c = token_piece(cls.item(0), id_of, 0), s = token_piece(sep.item(0), id_of, 0);
    return type == "BertProcessing" ? PostProcessor::bert(c.tokens[0], c.ids[0], s.tokens[0], s.ids[0])
                                    : PostProcessor::roberta(c.tokens[0], c.ids[0], s.tokens[0], s.ids[0]);
  }
  if (type == "TemplateProcessing") {
    const auto specials = f.find("special_tokens");
    PostProcessor p;
    const JsonField* table = specials ? &*specials : nullptr;
    p.single = read_template(f.at("single"), table, id_of, vocab_size);
    if (const auto pair = f.find("pair")) p.pair = read_template(*pair, table, id_of, vocab_size);
    return p;
  }
  if (type == "Sequence") {
    const JsonField list = f.at("processors");
    std::optional<PostProcessor> chosen;
    for (std::size_t i = 0; i < list.size(); ++i) {
      const JsonField item = list.item(i);
      PostProcessor p = read_post_processor(item, id_of, vocab_size);
      if (!adds_tokens(item.type())) continue;
      if (chosen) item.fail("a second processor that adds tokens is not supported");
      chosen = std::move(p);
    }
    return chosen ? std::move(*chosen) : PostProcessor::plain();
  }
  f.unsupported_type("TemplateProcessing, BertProcessing, RobertaProcessing, ByteLevel, Sequence");
}

std::vector<DisplayStep> read_decoder(const JsonField& f) {
  const std::string& type = f.type();
  const auto replace = [](std::string from, std::string to) {
    DisplayStep s;
    s.kind = DisplayStep::Kind::replace;
    s.from = std::move(from);
    s.to = std::move(to);
    return std::vector<DisplayStep>{s};
  };
  if (type == "ByteLevel") return {DisplayStep{DisplayStep::Kind::byte_level, {}, {}}};
  if (type == "ByteFallback") return {DisplayStep{DisplayStep::Kind::byte_fallback, {}, {}}};
  if (type == "Fuse" || type == "Strip" || type == "WordPiece") return {};  // no effect on one token's text
  if (type == "Metaspace") {
    const char32_t replacement = f.find("replacement") ? single_character(f.at("replacement")) : U'\u2581';
    return replace(unicode::encode_utf8(std::u32string(1, replacement)), " ");
  }
  if (type == "BPEDecoder") return replace(f.text("suffix", "</w>"), " ");
  if (type == "Replace") {
    const JsonField pattern = f.at("pattern");
    const auto literal = pattern.find("String");
    if (!literal) pattern.fail("only {\"String\": ...} patterns are supported in decoders");
    return replace(literal->string(), f.at("content").string());
  }
  if (type == "Sequence") {
    const JsonField list = f.at("decoders");
    std::vector<DisplayStep> steps;
    for (std::size_t i = 0; i < list.size(); ++i) {
      for (DisplayStep& s : read_decoder(list.item(i))) steps.push_back(std::move(s));
    }
    return steps;
  }
  f.unsupported_type("ByteLevel, ByteFallback, Fuse, Strip, Replace, Metaspace, WordPiece, BPEDecoder, Sequence");
}

}  // namespace attnscope::tokenizers
