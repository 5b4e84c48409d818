// The subword models of a tokenizer.json: BPE (Hugging Face's, with merges by rank, byte fallback,
// unk fusing, ignore_merges, continuing_subword_prefix / end_of_word_suffix) and Unigram
// (SentencePiece's Viterbi segmentation over the pieces' scores). Each maps one pre-tokenized
// piece (UTF-8) to ids.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace attnscope::tokenizers {

// SentencePiece's byte fallback: the ids of "<0xAB>" for every byte of `text`; false (and `ids`
// unchanged) when one of them is not in `vocab`.
bool byte_fallback_ids(const std::unordered_map<std::string, std::int32_t>& vocab, std::string_view text,
                       std::vector<std::int32_t>& ids);

class TokenModel {
 public:
  virtual ~TokenModel() = default;
  virtual void tokenize(std::string_view piece, std::vector<std::int32_t>& ids) const = 0;
};

struct BpeOptions {
  std::optional<std::string> unk_token;
  bool fuse_unk = false;
  bool byte_fallback = false;   // characters missing from the vocabulary become <0xAB> tokens
  bool ignore_merges = false;   // a piece that is a vocabulary token stays whole
  std::string continuing_subword_prefix;  // before every character but the first ("##")
  std::string end_of_word_suffix;         // after the last character ("</w>")
};

class BpeModel final : public TokenModel {
 public:
  // `merges[i]` has rank i. Every side of a merge and every merged token must be in `vocab`;
  // errors name `where` (e.g. "tokenizer.json: model.merges") and the merge's index.
  BpeModel(std::unordered_map<std::string, std::int32_t> vocab,
           const std::vector<std::pair<std::string, std::string>>& merges, BpeOptions options,
           std::string_view where);
  void tokenize(std::string_view piece, std::vector<std::int32_t>& ids) const override;

 private:
  struct Merge {
    std::uint32_t rank;
    std::int32_t result;
  };
  std::vector<std::int32_t> merge_word(std::string_view piece) const;
  const Merge* find_merge(std::int32_t a, std::int32_t b) const;

  std::unordered_map<std::string, std::int32_t> vocab_;
  std::unordered_map<std::uint64_t, Merge> merges_;  // key: a << 32 | b
  BpeOptions options_;
  std::int32_t unk_id_ = -1;
  // Merged pieces by input piece. Makes tokenize() unsafe to call from two threads at once (the
  // module has one tokenizer per wasm instance, and wasm instances are single-threaded).
  mutable std::unordered_map<std::string, std::vector<std::int32_t>> cache_;
};

class UnigramModel final : public TokenModel {
 public:
  // `pieces[i]` is the token with id i and its log-probability. unk_id < 0: none.
  UnigramModel(std::vector<std::pair<std::string, double>> pieces, std::int32_t unk_id, bool byte_fallback,
               std::string_view where);
  void tokenize(std::string_view piece, std::vector<std::int32_t>& ids) const override;

  // The best segmentation of `text` as strings (unknown runs fused), as tokenizers' encode().
  std::vector<std::string> segment(std::string_view text) const;

 private:
  // Calls `found(length)` for every piece that `text[at..]` begins with.
  template <typename F>
  void for_each_prefix(std::string_view text, std::size_t at, F&& found) const;

  std::vector<std::pair<std::string, double>> pieces_;
  std::unordered_map<std::string, std::int32_t> ids_;
  std::vector<std::uint32_t> sorted_;  // piece ids in byte order of their strings
  std::int32_t unk_id_;
  bool byte_fallback_;
  double min_score_ = 0;
};

}  // namespace attnscope::tokenizers
