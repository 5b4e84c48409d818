// Hostile tokenizer.json files: each is an InvalidArgument that names the file and the key, never a
// crash (this suite also runs under ASan/UBSan in build/asan).
#include <gtest/gtest.h>

#include <string>

#include "tokenizers/loader.hpp"
#include "tokenizers/precompiled_charsmap.hpp"
#include "util/error.hpp"

namespace {

using namespace attnscope::tokenizers;
using attnscope::InvalidArgument;

std::string error_of(const std::string& json, const std::string& text = "abc") {
  try {
    tokenizer_from_json(json)->encode(text);
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  return "no error";
}

std::string bpe(const std::string& model_extra, const std::string& rest = "") {
  return R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"])" + model_extra + "}" + rest + "}";
}

#define EXPECT_ERROR(json, expected)                                            \
  do {                                                                          \
    const std::string message = error_of(json);                                 \
    EXPECT_NE(message.find(expected), std::string::npos) << message;            \
  } while (0)

TEST(TokenizerHostile, BrokenAndUnsupportedRegexes) {
  const auto split = [](const std::string& pattern) {
    return bpe("", R"(, "pre_tokenizer": {"type": "Sequence", "pretokenizers": [{"type": "Split", "pattern": {"Regex": )" +
                       pattern + R"(}, "behavior": "Isolated"}]})");
  };
  EXPECT_ERROR(split(R"("(a")"), "tokenizer.json: pre_tokenizer.pretokenizers[0].pattern.Regex: missing ')'");
  EXPECT_ERROR(split(R"("(?<=a)b")"), "pretokenizers[0].pattern.Regex: lookbehind");
  EXPECT_ERROR(split(R"("\\p{Greek}")"), "property 'greek' is not supported");
  EXPECT_ERROR(split(R"("(a{1000}){1000}")"), "more than 100000 instructions");
  EXPECT_ERROR(split("42"), "pattern.Regex: expected a string");
  EXPECT_ERROR(bpe("", R"(, "pre_tokenizer": {"type": "Split", "pattern": {"String": "a", "Regex": "b"}, "behavior": "Isolated"})"),
               "pre_tokenizer.pattern: expected {\"String\": ...} or {\"Regex\": ...}");
  EXPECT_ERROR(bpe("", R"(, "pre_tokenizer": {"type": "Split", "pattern": {"String": "a"}, "behavior": "Sideways"})"),
               "pre_tokenizer.behavior: 'Sideways' is not supported (supported: Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous)");
  EXPECT_ERROR(bpe("", R"(, "normalizer": {"type": "Replace", "pattern": {"Regex": "[z-a]"}, "content": ""})"),
               "normalizer.pattern.Regex: character range is out of order");
}

TEST(TokenizerHostile, MergesAndVocabularies) {
  EXPECT_ERROR(R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": ["a b"]}})",
               "tokenizer.json: model.merges[0]: merged token 'ab' is not in model.vocab");
  EXPECT_ERROR(R"({"model": {"type": "BPE", "vocab": {"a": 0, "ab": 1}, "merges": ["a b"]}})",
               "model.merges[0]: merge side 'b' is not in model.vocab");
  EXPECT_ERROR(R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a b c"]}})",
               "model.merges[0]: 'a b c' is not two tokens separated by one space");
  EXPECT_ERROR(R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": [["a"]]}})", "model.merges[0]: a merge must be two tokens");
  EXPECT_ERROR(R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": 0}, "merges": []}})",
               "model.vocab[\"b\"]: id 0 is given to both 'a' and 'b'");
  EXPECT_ERROR(R"({"model": {"type": "BPE", "vocab": {"a": 1e12}, "merges": []}})", "model.vocab[\"a\"]: json: expected an integer");
  EXPECT_ERROR(R"({"model": {"type": "BPE", "vocab": {"a": -1}, "merges": []}})", "model.vocab[\"a\"]");
  EXPECT_ERROR(R"({"model": {"type": "BPE", "vocab": {}, "merges": []}})", "model.vocab: is empty");
  EXPECT_ERROR(bpe(R"(, "dropout": 0.1)"), "model.dropout: BPE dropout is not supported (only null)");
  EXPECT_ERROR(bpe(R"(, "unk_token": "<unk>")"), "model.unk_token: '<unk>' is not in model.vocab");
  EXPECT_ERROR(bpe("", R"(, "added_tokens": [{"id": 1, "content": "<x>", "special": true}])"),
               "added_tokens[0].id: id 1 is given to both 'b' and '<x>'");
  EXPECT_ERROR(bpe("", R"(, "added_tokens": [{"id": 99999999999, "content": "<x>"}])"), "added_tokens[0].id");
  EXPECT_ERROR(bpe("", R"(, "added_tokens": [{"id": 3, "content": ""}])"), "added_tokens[0].content: an added token is the empty string");
  EXPECT_ERROR(R"({"model": {"type": "Unigram", "vocab": [["a", -1.0]], "unk_id": 5}})",
               "model.unk_id 5 is outside the 1 pieces of model.vocab");
  EXPECT_ERROR(R"({"model": {"type": "Unigram", "vocab": [["a", "high"]]}})", "model.vocab[0][1]: expected a number");
  EXPECT_ERROR(R"({"model": {"type": "Unigram", "vocab": [["a", -1.0]]}})", "Unigram model has no unk_id");
  EXPECT_ERROR(R"({"model": {"type": "WordLevel", "vocab": {}}})",
               "model.type: 'WordLevel' is not supported (supported: WordPiece, BPE, Unigram)");
}

TEST(TokenizerHostile, UnsupportedComponentsNameTheSupportedOnes) {
  EXPECT_ERROR(bpe("", R"(, "normalizer": {"type": "BertNormalizer"})"),
               "tokenizer.json: normalizer.type: 'BertNormalizer' is not supported (supported: NFC, NFD, NFKC, NFKD, "
               "Lowercase, Strip, StripAccents, Replace, Prepend, Precompiled, Sequence)");
  EXPECT_ERROR(bpe("", R"(, "normalizer": {"type": "Sequence", "normalizers": [{"type": "NFC"}, {"type": "X"}]})"),
               "normalizer.normalizers[1].type: 'X' is not supported");
  EXPECT_ERROR(bpe("", R"(, "pre_tokenizer": {"type": "Whitespace"})"), "pre_tokenizer.type: 'Whitespace' is not supported");
  EXPECT_ERROR(bpe("", R"(, "post_processor": {"type": "Magic"})"),
               "post_processor.type: 'Magic' is not supported (supported: TemplateProcessing, BertProcessing, RobertaProcessing, ByteLevel, Sequence)");
  EXPECT_ERROR(bpe("", R"(, "decoder": {"type": "CTC"})"), "decoder.type: 'CTC' is not supported");
  EXPECT_ERROR(bpe("", R"(, "post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}]})"),
               "post_processor.single[0].SpecialToken: special token '<s>' is neither in post_processor.special_tokens nor in the vocabulary");
  EXPECT_ERROR(bpe("", R"(, "post_processor": {"type": "TemplateProcessing", "single": [{"Sequence": {"id": "C", "type_id": 0}}]})"),
               "post_processor.single[0].Sequence: sequence 'C' is neither A nor B");
  EXPECT_ERROR(bpe("", R"(, "post_processor": {"type": "TemplateProcessing", "single": [{"Sequence": {"id": "A", "type_id": 0}}],
      "special_tokens": {"x": {"id": "x", "ids": [7], "tokens": ["x"]}}, "pair": "x $A $B"})"),
               "post_processor.special_tokens.x.ids[0]: json: expected an integer in [0, 2]");
  EXPECT_ERROR(bpe("", R"(, "pre_tokenizer": {"type": "Metaspace", "replacement": "ab"})"),
               "pre_tokenizer.replacement: expected a single character");
  // A pair without a pair template is an error at encode_pair, not a crash.
  const auto t = tokenizer_from_json(bpe("", R"(, "post_processor": {"type": "TemplateProcessing", "single": "$A"})"));
  EXPECT_THROW(t->encode_pair("a", "b"), InvalidArgument);
  EXPECT_EQ(t->encode("ab").ids, (std::vector<std::int32_t>{2}));  // still usable
}

TEST(TokenizerHostile, BadPrecompiledCharsmaps) {
  const auto charsmap_error = [](const std::string& blob) {
    try {
      PrecompiledCharsmap(blob, "tokenizer.json: normalizer.precompiled_charsmap");
    } catch (const InvalidArgument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const auto u32le = [](std::uint32_t v) {
    return std::string{static_cast<char>(v & 0xFF), static_cast<char>((v >> 8) & 0xFF), static_cast<char>((v >> 16) & 0xFF),
                       static_cast<char>(v >> 24)};
  };
  EXPECT_NE(charsmap_error("ab").find("normalizer.precompiled_charsmap: charsmap of 2 bytes is truncated"), std::string::npos);
  EXPECT_NE(charsmap_error(u32le(400) + "xxxx").find("trie of 400 bytes but only 4 bytes follow (truncated)"), std::string::npos);
  EXPECT_NE(charsmap_error(u32le(6) + "xxxxxx").find("is not a positive multiple of 4"), std::string::npos);
  // Root unit whose offset points past the array.
  EXPECT_NE(charsmap_error(u32le(4) + u32le(0x7FFFFu << 10)).find("a trie offset points outside its 1 units"), std::string::npos);
  // A one-key trie ("a" -> offset 0) whose leaf value points past the replacement strings.
  const std::string units = u32le(1u << 10) + u32le(0) + u32le(0) + u32le(0);  // a root and nothing else
  EXPECT_EQ(charsmap_error(u32le(16) + units + "x"), "no error");
  std::string trie(4 * 128, '\0');
  const auto put = [&](std::size_t at, std::uint32_t v) { trie.replace(4 * at, 4, u32le(v)); };
  put(0, 1u << 10);                    // root: offset 1
  put(1 ^ 'a', 'a' | (1u << 8));       // 'a' with a leaf, offset 0 -> leaf unit at 1 ^ 'a'
  EXPECT_NE(charsmap_error(u32le(4 * 128) + trie + "x\0").find("a replacement offset ("), std::string::npos);
  put(1 ^ 'a', 'a' | (1u << 8) | (0x1FFFFu << 10));  // offset far outside
  EXPECT_NE(charsmap_error(u32le(4 * 128) + trie + "x").find("a trie offset points outside its 128 units"), std::string::npos);
  // Through tokenizer.json: base64 that does not decode.
  EXPECT_ERROR(bpe("", R"(, "normalizer": {"type": "Precompiled", "precompiled_charsmap": "@@@@"})"),
               "normalizer.precompiled_charsmap: invalid base64 at character 0");
  EXPECT_ERROR(bpe("", R"(, "normalizer": {"type": "Precompiled", "precompiled_charsmap": "AAA"})"),
               "normalizer.precompiled_charsmap: base64 length is not a multiple of 4");
}

TEST(TokenizerHostile, HugeAndDeepInputsStayBounded) {
  // A long text through a real-shaped pipeline: linear in the text, no deep recursion.
  const auto t = tokenizer_from_json(bpe("", R"(, "pre_tokenizer": {"type": "Split", "pattern": {"Regex": "\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+|[ab]+"}, "behavior": "Isolated"})"));
  std::string abab;
  for (int i = 0; i < 100000; ++i) abab += "ab";
  EXPECT_EQ(t->encode(abab).ids, std::vector<std::int32_t>(100000, 2));
  EXPECT_EQ(t->encode(std::string(100000, ' ')).ids.size(), 0u);  // spaces are not in the vocabulary: dropped
}

}  // namespace
