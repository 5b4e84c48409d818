// Internal to weights*.cpp: tensor names under a family's prefix, and the family readers.
#pragma once
#include <string>
#include <vector>

#include "model/config.hpp"
#include "model/tensor_store.hpp"
#include "model/weights.hpp"

namespace attnscope::model::detail {

// The tensors under one prefix ("bert.", "model.", or "" for bare base models).
class PrefixedTensors {
 public:
  PrefixedTensors(TensorStore& store, std::string prefix) : store_(store), prefix_(std::move(prefix)) {}

  TensorStore& store() const noexcept { return store_; }
  const std::string& prefix() const noexcept { return prefix_; }
  bool has(const std::string& name) const { return store_.has(prefix_ + name); }

  // nn.Linear [out, in] weight: y = x·Wᵀ.
  WeightMatrix linear(const std::string& name, std::size_t in, std::size_t out) const {
    return store_.matrix({prefix_ + name}, out, in, kernels::WeightLayout::out_in);
  }
  // Conv1D [in, out] weight: y = x·W.
  WeightMatrix conv1d(const std::string& name, std::size_t in, std::size_t out) const {
    return store_.matrix({prefix_ + name}, in, out, kernels::WeightLayout::in_out);
  }
  // An embedding table [rows, d].
  WeightMatrix table(const std::string& name, std::size_t rows, std::size_t d) const {
    return store_.matrix({prefix_ + name}, rows, d, kernels::WeightLayout::out_in);
  }
  std::vector<float> floats(const std::vector<std::string>& names, std::size_t count) const {
    std::vector<std::string> full;
    for (const auto& name : names) full.push_back(prefix_ + name);
    return store_.floats(full, count);
  }
  std::vector<float> floats(const std::string& name, std::size_t count) const { return floats(std::vector{name}, count); }

 private:
  TensorStore& store_;
  std::string prefix_;
};

// The prefix under which `probe` exists (`family_prefix` or none), or an error naming both names
// and what the checkpoint holds.
std::string detect_prefix(const TensorStore& store, const std::string& family_prefix, const std::string& probe);

void read_bert_family(const ModelConfig& c, TensorStore& store, ModelWeights& w);
void read_gpt2(const ModelConfig& c, TensorStore& store, ModelWeights& w);
void read_decoder(const ModelConfig& c, TensorStore& store, ModelWeights& w);
void read_bart_family(const ModelConfig& c, TensorStore& store, ModelWeights& w);
void read_t5(const ModelConfig& c, TensorStore& store, ModelWeights& w);

}  // namespace attnscope::model::detail
