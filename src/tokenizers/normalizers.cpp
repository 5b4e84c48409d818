#include "tokenizers/normalizers.hpp"

#include <utility>

#include "tokenizers/unicode.hpp"

namespace attnscope::tokenizers {
namespace {

class UnicodeNormalizer final : public Normalizer {
 public:
  explicit UnicodeNormalizer(UnicodeForm form) : form_(form) {}
  void apply(std::u32string& text) const override {
    switch (form_) {
      case UnicodeForm::nfc: text = unicode::nfc(text); break;
      case UnicodeForm::nfd: text = unicode::nfd(text); break;
      case UnicodeForm::nfkc: text = unicode::nfkc(text); break;
      case UnicodeForm::nfkd: text = unicode::nfkd(text); break;
    }
  }

 private:
  UnicodeForm form_;
};

// Rust's char::to_lowercase per character: the full Unicode mapping, as Python's str.lower().
class Lowercase final : public Normalizer {
 public:
  void apply(std::u32string& text) const override { text = unicode::to_lower(text); }
};

class Strip final : public Normalizer {
 public:
  Strip(bool left, bool right) : left_(left), right_(right) {}
  void apply(std::u32string& text) const override {
    const auto space = [](char32_t c) { return unicode::has(c, unicode::kWhiteSpace); };
    std::size_t begin = 0, end = text.size();
    if (left_) {
      while (begin < end && space(text[begin])) ++begin;
    }
    if (right_) {
      while (end > begin && space(text[end - 1])) --end;
    }
    text = text.substr(begin, end - begin);
  }

 private:
  bool left_, right_;
};

// Removes nonspacing marks (category Mn), whatever form the text is in (as tokenizers does).
class StripAccents final : public Normalizer {
 public:
  void apply(std::u32string& text) const override {
    std::u32string out;
    out.reserve(text.size());
    for (char32_t c : text) {
      if (!unicode::has(c, unicode::kNonspacingMark)) out.push_back(c);
    }
    text = std::move(out);
  }
};

// Replaces the given spans [start, end) of `text` with `content`.
std::u32string replace_spans(std::u32string_view text, const std::vector<RegexMatch>& spans,
                             std::u32string_view content) {
  std::u32string out;
  std::size_t done = 0;
  for (const RegexMatch& m : spans) {
    out.append(text.substr(done, m.start - done));
    out.append(content);
    done = m.end;
  }
  out.append(text.substr(done));
  return out;
}

class ReplaceLiteral final : public Normalizer {
 public:
  ReplaceLiteral(std::u32string literal, std::u32string content) : literal_(std::move(literal)), content_(std::move(content)) {}
  void apply(std::u32string& text) const override {
    if (literal_.empty()) return;
    std::vector<RegexMatch> spans;
    for (std::size_t at : find_literal(text, literal_)) spans.push_back({at, at + literal_.size()});
    if (!spans.empty()) text = replace_spans(text, spans, content_);
  }

 private:
  std::u32string literal_, content_;
};

class ReplaceRegex final : public Normalizer {
 public:
  ReplaceRegex(Regex pattern, std::u32string content) : pattern_(std::move(pattern)), content_(std::move(content)) {}
  void apply(std::u32string& text) const override {
    const std::vector<RegexMatch> spans = pattern_.find_all(text);
    if (!spans.empty()) text = replace_spans(text, spans, content_);
  }

 private:
  Regex pattern_;
  std::u32string content_;
};

class Prepend final : public Normalizer {
 public:
  explicit Prepend(std::u32string prefix) : prefix_(std::move(prefix)) {}
  void apply(std::u32string& text) const override {
    if (!text.empty()) text.insert(0, prefix_);
  }

 private:
  std::u32string prefix_;
};

class Precompiled final : public Normalizer {
 public:
  explicit Precompiled(PrecompiledCharsmap charsmap) : charsmap_(std::move(charsmap)) {}
  void apply(std::u32string& text) const override { text = charsmap_.normalize(text); }

 private:
  PrecompiledCharsmap charsmap_;
};

class Sequence final : public Normalizer {
 public:
  explicit Sequence(std::vector<std::unique_ptr<Normalizer>> steps) : steps_(std::move(steps)) {}
  void apply(std::u32string& text) const override {
    for (const auto& step : steps_) step->apply(text);
  }

 private:
  std::vector<std::unique_ptr<Normalizer>> steps_;
};

}  // namespace

std::vector<std::size_t> find_literal(std::u32string_view text, std::u32string_view needle) {
  std::vector<std::size_t> at;
  if (needle.empty()) return at;
  for (std::size_t i = text.find(needle); i != std::u32string_view::npos; i = text.find(needle, i + needle.size())) {
    at.push_back(i);
  }
  return at;
}

std::unique_ptr<Normalizer> make_unicode_normalizer(UnicodeForm form) { return std::make_unique<UnicodeNormalizer>(form); }
std::unique_ptr<Normalizer> make_lowercase_normalizer() { return std::make_unique<Lowercase>(); }
std::unique_ptr<Normalizer> make_strip_normalizer(bool left, bool right) { return std::make_unique<Strip>(left, right); }
std::unique_ptr<Normalizer> make_strip_accents_normalizer() { return std::make_unique<StripAccents>(); }
std::unique_ptr<Normalizer> make_replace_normalizer(std::u32string literal, std::u32string content) {
  return std::make_unique<ReplaceLiteral>(std::move(literal), std::move(content));
}
std::unique_ptr<Normalizer> make_replace_normalizer(Regex pattern, std::u32string content) {
  return std::make_unique<ReplaceRegex>(std::move(pattern), std::move(content));
}
std::unique_ptr<Normalizer> make_prepend_normalizer(std::u32string prefix) {
  return std::make_unique<Prepend>(std::move(prefix));
}
std::unique_ptr<Normalizer> make_precompiled_normalizer(PrecompiledCharsmap charsmap) {
  return std::make_unique<Precompiled>(std::move(charsmap));
}
std::unique_ptr<Normalizer> make_sequence_normalizer(std::vector<std::unique_ptr<Normalizer>> steps) {
  return std::make_unique<Sequence>(std::move(steps));
}

}  // namespace attnscope::tokenizers
