#include "tokenizers/wordpiece.hpp"

#include <algorithm>
#include <utility>

#include "tokenizers/unicode.hpp"
#include "util/error.hpp"

namespace attnscope::tokenizers {
namespace {

using unicode::has;

// BERT treats all non-alphanumeric ASCII as punctuation ("$", "+", "^", "`" are symbols in Unicode).
bool is_bert_punctuation(char32_t c) {
  if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126)) {
    return true;
  }
  return has(c, unicode::kPunctuation);
}

bool is_bert_whitespace(char32_t c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || has(c, unicode::kSpaceSeparator);
}

bool is_bert_control(char32_t c) {
  if (c == '\t' || c == '\n' || c == '\r') return false;
  return has(c, unicode::kOther);
}

// The CJK Unified Ideograph blocks BERT splits into single characters (not Hangul, kana, ...).
bool is_cjk_ideograph(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
         (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B820 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

// Python's str.split() with no argument.
std::vector<std::u32string> split_on_python_space(std::u32string_view text) {
  std::vector<std::u32string> words;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && has(text[i], unicode::kPythonSpace)) ++i;
    const std::size_t start = i;
    while (i < text.size() && !has(text[i], unicode::kPythonSpace)) ++i;
    if (i > start) words.emplace_back(text.substr(start, i - start));
  }
  return words;
}

std::u32string strip_accents(std::u32string_view word) {
  std::u32string out;
  for (char32_t c : unicode::nfd(word)) {
    if (!has(c, unicode::kNonspacingMark)) out.push_back(c);
  }
  return out;
}

}  // namespace

WordPieceTokenizer::WordPieceTokenizer(std::vector<std::string> vocab, WordPieceOptions options)
    : Tokenizer(std::move(vocab)), options_(std::move(options)) {
  strip_accents_ = options_.strip_accents.value_or(options_.do_lower_case);
  if (token_to_id(options_.unk_token) < 0) {
    throw InvalidArgument("WordPiece: unk_token '" + options_.unk_token + "' is not in the vocabulary");
  }
  if (options_.max_input_chars_per_word == 0) {
    throw InvalidArgument("WordPiece: max_input_chars_per_word must be at least 1");
  }
  std::vector<AddedToken> special;
  for (const std::string& t : options_.special_tokens) {
    if (token_to_id(t) >= 0) special.push_back({t});
  }
  set_special_tokens(std::move(special));
  set_sequence_wrapping(options_.prefix, options_.suffix);
  for (std::size_t id = 0; id < vocab_size(); ++id) {
    std::size_t chars = 0;  // code points: bytes that do not continue a UTF-8 sequence
    for (unsigned char byte : id_to_token(static_cast<std::int32_t>(id))) chars += (byte & 0xC0) != 0x80;
    longest_token_chars_ = std::max(longest_token_chars_, chars);
  }
}

std::vector<std::string> WordPieceTokenizer::parse_vocab_txt(std::string_view text) {
  std::vector<std::string> vocab;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    vocab.emplace_back(line);
    start = end + 1;
  }
  if (vocab.empty()) throw InvalidArgument("vocab.txt: the file is empty (expected one token per line)");
  return vocab;
}

std::vector<std::u32string> WordPieceTokenizer::basic_tokenize(std::u32string_view text) const {
  std::u32string cleaned;
  cleaned.reserve(text.size());
  for (char32_t c : text) {
    if (c == 0 || c == 0xFFFD || is_bert_control(c)) continue;
    const char32_t kept = is_bert_whitespace(c) ? U' ' : c;
    if (options_.tokenize_chinese_chars && is_cjk_ideograph(kept)) {
      cleaned.push_back(U' ');
      cleaned.push_back(kept);
      cleaned.push_back(U' ');
    } else {
      cleaned.push_back(kept);
    }
  }
  if (options_.nfc) cleaned = unicode::nfc(cleaned);

  std::vector<std::u32string> words;
  for (std::u32string& word : split_on_python_space(cleaned)) {
    if (is_special(word)) {
      words.push_back(std::move(word));
      continue;
    }
    if (options_.do_lower_case) word = unicode::to_lower(word);
    if (strip_accents_) word = strip_accents(word);
    std::u32string current;
    for (char32_t c : word) {
      if (is_bert_punctuation(c)) {
        if (!current.empty()) words.push_back(std::move(current));
        current.clear();
        words.emplace_back(1, c);
      } else {
        current.push_back(c);
      }
    }
    if (!current.empty()) words.push_back(std::move(current));
  }
  return words;
}

void WordPieceTokenizer::tokenize_segment(std::u32string_view text, bool /*at_start*/, Encoding& out) const {
  // The reference lower-cases all text outside special tokens before its basic tokenizer runs.
  const std::u32string lowered = options_.do_lower_case ? unicode::to_lower(text) : std::u32string(text);
  for (const std::u32string& word : basic_tokenize(lowered)) word_piece(word, out);
}

void WordPieceTokenizer::word_piece(std::u32string_view word, Encoding& out) const {
  if (word.size() > options_.max_input_chars_per_word) {
    append_token(options_.unk_token, out);
    return;
  }
  std::vector<std::string> pieces;
  std::size_t start = 0;
  while (start < word.size()) {
    const std::string prefix = start > 0 ? options_.continuing_prefix : std::string();
    std::size_t end = std::min(word.size(), start + longest_token_chars_);
    bool found = false;
    for (; end > start; --end) {
      std::string candidate = prefix + unicode::encode_utf8(word.substr(start, end - start));
      if (token_to_id(candidate) >= 0) {
        pieces.push_back(std::move(candidate));
        found = true;
        break;
      }
    }
    if (!found) {
      append_token(options_.unk_token, out);
      return;
    }
    start = end;
  }
  for (std::string& piece : pieces) append_token(std::move(piece), out);
}

}  // namespace attnscope::tokenizers
