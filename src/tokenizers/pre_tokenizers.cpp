#include "tokenizers/pre_tokenizers.hpp"

#include <functional>
#include <utility>

#include "tokenizers/byte_level.hpp"
#include "tokenizers/normalizers.hpp"
#include "tokenizers/unicode.hpp"

namespace attnscope::tokenizers {

const char32_t kGpt2Pattern[] = U"'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

namespace {

struct Span {
  std::size_t start, end;
  bool is_match;
};

// The text cut at `matches` into matched and unmatched spans, as tokenizers' Pattern::find_matches.
std::vector<Span> spans_of(std::size_t length, const std::vector<RegexMatch>& matches) {
  if (length == 0) return {{0, 0, false}};
  std::vector<Span> spans;
  std::size_t prev = 0;
  for (const RegexMatch& m : matches) {
    if (prev != m.start) spans.push_back({prev, m.start, false});
    spans.push_back({m.start, m.end, true});
    prev = m.end;
  }
  if (prev != length) spans.push_back({prev, length, false});
  return spans;
}

// NormalizedString::split: spans → the pieces to keep, per behavior (is_match = "remove" for Removed).
std::vector<Span> apply_behavior(std::vector<Span> spans, SplitBehavior behavior) {
  std::vector<Span> out;
  bool previous_match = false;
  switch (behavior) {
    case SplitBehavior::isolated:
      for (Span& s : spans) s.is_match = false;
      return spans;
    case SplitBehavior::removed:
      return spans;
    case SplitBehavior::contiguous:
      for (const Span& s : spans) {
        if (s.is_match == previous_match && !out.empty()) {
          out.back().end = s.end;
        } else {
          out.push_back({s.start, s.end, false});
        }
        previous_match = s.is_match;
      }
      return out;
    case SplitBehavior::merged_with_previous:
      for (const Span& s : spans) {
        if (s.is_match && !previous_match && !out.empty()) {
          out.back().end = s.end;
        } else {
          out.push_back({s.start, s.end, false});
        }
        previous_match = s.is_match;
      }
      return out;
    case SplitBehavior::merged_with_next:
      for (std::size_t k = spans.size(); k-- > 0;) {
        const Span& s = spans[k];
        if (s.is_match && !previous_match && !out.empty()) {
          out.back().start = s.start;
        } else {
          out.push_back({s.start, s.end, false});
        }
        previous_match = s.is_match;
      }
      return {out.rbegin(), out.rend()};
  }
  return out;
}

using Finder = std::function<std::vector<RegexMatch>(std::u32string_view)>;

// Splits every piece at the finder's matches.
void split_pieces(std::vector<PrePiece>& pieces, const Finder& find, SplitBehavior behavior, bool invert) {
  std::vector<PrePiece> out;
  for (PrePiece& piece : pieces) {
    std::vector<Span> spans = spans_of(piece.text.size(), find(piece.text));
    if (invert) {
      for (Span& s : spans) s.is_match = !s.is_match;
    }
    for (const Span& s : apply_behavior(std::move(spans), behavior)) {
      if (s.is_match || s.start == s.end) continue;
      out.push_back({piece.text.substr(s.start, s.end - s.start), piece.at_start && s.start == 0});
    }
  }
  pieces = std::move(out);
}

class Split final : public PreTokenizer {
 public:
  Split(Finder find, SplitBehavior behavior, bool invert) : find_(std::move(find)), behavior_(behavior), invert_(invert) {}
  void apply(std::vector<PrePiece>& pieces) const override { split_pieces(pieces, find_, behavior_, invert_); }

 private:
  Finder find_;
  SplitBehavior behavior_;
  bool invert_;
};

Finder literal_finder(std::u32string literal) {
  return [literal = std::move(literal)](std::u32string_view text) {
    std::vector<RegexMatch> matches;
    for (std::size_t at : find_literal(text, literal)) matches.push_back({at, at + literal.size()});
    return matches;
  };
}

Finder predicate_finder(bool (*pred)(char32_t)) {
  return [pred](std::u32string_view text) {
    std::vector<RegexMatch> matches;
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (pred(text[i])) matches.push_back({i, i + 1});
    }
    return matches;
  };
}

class ByteLevel final : public PreTokenizer {
 public:
  ByteLevel(bool add_prefix_space, bool use_regex) : add_prefix_space_(add_prefix_space), use_regex_(use_regex) {}
  void apply(std::vector<PrePiece>& pieces) const override {
    for (PrePiece& piece : pieces) {
      if (add_prefix_space_ && (piece.text.empty() || piece.text.front() != U' ')) piece.text.insert(0, 1, U' ');
    }
    if (use_regex_) {
      static const Regex gpt2(kGpt2Pattern, "ByteLevel pre-tokenizer");
      split_pieces(pieces, [](std::u32string_view t) { return gpt2.find_all(t); }, SplitBehavior::isolated, false);
    }
    for (PrePiece& piece : pieces) {
      std::u32string mapped;
      for (unsigned char b : unicode::encode_utf8(piece.text)) mapped.push_back(byte_level::char_of(b));
      piece.text = std::move(mapped);
    }
  }

 private:
  bool add_prefix_space_, use_regex_;
};

class Metaspace final : public PreTokenizer {
 public:
  Metaspace(char32_t replacement, PrependScheme scheme, bool split) : replacement_(replacement), scheme_(scheme), split_(split) {}
  void apply(std::vector<PrePiece>& pieces) const override {
    for (PrePiece& piece : pieces) {
      for (char32_t& c : piece.text) {
        if (c == U' ') c = replacement_;
      }
      const bool starts = !piece.text.empty() && piece.text.front() == replacement_;
      if (!starts && (scheme_ == PrependScheme::always || (scheme_ == PrependScheme::first && piece.at_start))) {
        piece.text.insert(0, 1, replacement_);
      }
    }
    if (split_) {
      const char32_t r = replacement_;
      split_pieces(pieces, [r](std::u32string_view text) {
        std::vector<RegexMatch> matches;
        for (std::size_t i = 0; i < text.size(); ++i) {
          if (text[i] == r) matches.push_back({i, i + 1});
        }
        return matches;
      }, SplitBehavior::merged_with_next, false);
    }
  }

 private:
  char32_t replacement_;
  PrependScheme scheme_;
  bool split_;
};

class Sequence final : public PreTokenizer {
 public:
  explicit Sequence(std::vector<std::unique_ptr<PreTokenizer>> steps) : steps_(std::move(steps)) {}
  void apply(std::vector<PrePiece>& pieces) const override {
    for (const auto& step : steps_) step->apply(pieces);
  }

 private:
  std::vector<std::unique_ptr<PreTokenizer>> steps_;
};

bool is_numeric(char32_t c) {
  using GC = unicode::GeneralCategory;
  const GC g = unicode::general_category(c);
  return g == GC::Nd || g == GC::Nl || g == GC::No;
}

}  // namespace

std::unique_ptr<PreTokenizer> make_split_pre_tokenizer(Regex pattern, SplitBehavior behavior, bool invert) {
  auto shared = std::make_shared<Regex>(std::move(pattern));
  return std::make_unique<Split>([shared](std::u32string_view t) { return shared->find_all(t); }, behavior, invert);
}

std::unique_ptr<PreTokenizer> make_split_pre_tokenizer(std::u32string literal, SplitBehavior behavior, bool invert) {
  return std::make_unique<Split>(literal_finder(std::move(literal)), behavior, invert);
}

std::unique_ptr<PreTokenizer> make_byte_level_pre_tokenizer(bool add_prefix_space, bool use_regex) {
  return std::make_unique<ByteLevel>(add_prefix_space, use_regex);
}

std::unique_ptr<PreTokenizer> make_metaspace_pre_tokenizer(char32_t replacement, PrependScheme scheme, bool split) {
  return std::make_unique<Metaspace>(replacement, scheme, split);
}

std::unique_ptr<PreTokenizer> make_whitespace_split_pre_tokenizer() {
  return std::make_unique<Split>(predicate_finder([](char32_t c) { return unicode::has(c, unicode::kWhiteSpace); }),
                                 SplitBehavior::removed, false);
}

std::unique_ptr<PreTokenizer> make_digits_pre_tokenizer(bool individual_digits) {
  return std::make_unique<Split>(predicate_finder(is_numeric),
                                 individual_digits ? SplitBehavior::isolated : SplitBehavior::contiguous, false);
}

std::unique_ptr<PreTokenizer> make_sequence_pre_tokenizer(std::vector<std::unique_ptr<PreTokenizer>> steps) {
  return std::make_unique<Sequence>(std::move(steps));
}

}  // namespace attnscope::tokenizers
