// Reading a checkpoint's weights as their bytes arrive, one file (model.safetensors) or the shards
// of model.safetensors.index.json in turn. Each file is streamed: its header is parsed as soon as
// it is complete, the tensors the model needs (TensorStore's plan) get buffers of their stored size
// and dtype, and every later chunk is copied straight into them; tensors nothing reads are skipped.
// So loading never holds a file and a converted copy at once: peak memory is the kept weights plus
// one chunk, and 16-bit weights stay 16-bit.
//
//   CheckpointLoader loader(config, options);            // or (config, index, options)
//   for (name : loader.files()) { loader.begin_file(name, size, budget); loader.feed(chunk)...; loader.end_file(); }
//   TransformerModel model = loader.finish();
//
// Every problem is an InvalidArgument naming the file and the tensor or key: headers as
// SafetensorsFile checks them, shards against the index (a tensor in a shard the index does not name
// for it, in two shards, or missing from its shard), shapes and dtypes against config.json, values
// that are not finite. Going over the memory budget is a MemoryBudgetExceeded.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/config.hpp"
#include "model/shard_index.hpp"
#include "model/tensor_store.hpp"
#include "util/error.hpp"

namespace attnscope::model {

class TransformerModel;

struct LoadOptions {
  // Refuse to load when the kept weights would need more than this.
  std::uint64_t max_weight_bytes = std::uint64_t{3} << 29;  // 1.5 GiB
  // Keep an untied LM head (lm_head.weight) in memory; it is always checked, and a tied head costs
  // nothing (it is the embedding matrix).
  bool keep_lm_head = false;
};

// Bytes the weights of a model with this config take as stored: at least (2 bytes per weight) when
// config.json does not say torch_dtype. 64-bit: a hostile config must not wrap around in wasm.
std::uint64_t weight_bytes(const ModelConfig& config) noexcept;

class CheckpointLoader {
 public:
  // One file, model.safetensors.
  CheckpointLoader(ModelConfig config, LoadOptions options = {});
  // The shards of an index.
  CheckpointLoader(ModelConfig config, ShardIndex index, LoadOptions options = {});
  ~CheckpointLoader();

  // The files to stream, each once, in any order.
  const std::vector<std::string>& files() const noexcept { return files_; }

  // Starts file `name` of `size` bytes. `budget_bytes`: memory the caller can still give the
  // weights (the tensors of this file must fit in it).
  void begin_file(std::string_view name, std::uint64_t size, std::uint64_t budget_bytes = UINT64_MAX);
  // The next bytes of the current file, in order.
  void feed(std::span<const std::uint8_t> bytes);
  // Ends the current file (all its bytes must have arrived).
  void end_file();
  // After every file: checks the values and builds the model. The loader is spent afterwards.
  TransformerModel finish();

  // Bytes kept so far (the weights' buffers).
  std::uint64_t kept_bytes() const noexcept { return kept_bytes_; }

 private:
  void plan(std::vector<std::string> names, std::string source);
  void on_header(const SafetensorsFile& header);
  void copy_data(std::span<const std::uint8_t> bytes);

  ModelConfig config_;
  LoadOptions options_;
  std::optional<ShardIndex> index_;
  std::vector<std::string> files_;
  std::set<std::string> done_;
  std::unique_ptr<TensorStore> store_;
  std::set<std::string> seen_tensors_;      // every tensor of the files read so far (for duplicates)
  std::uint64_t kept_bytes_ = 0;

  // The file being streamed.
  std::string file_;
  std::uint64_t file_size_ = 0, position_ = 0, budget_ = 0;
  bool in_file_ = false;
  std::vector<std::uint8_t> header_;        // bytes until the header is complete
  std::size_t data_start_ = 0;              // 8 + header length, once known
  bool header_done_ = false;
  std::vector<StoredTensor*> file_tensors_; // kept tensors of this file, by offset
  std::size_t next_tensor_ = 0;
};

// Convenience for whole files in memory (tests, native tools): one file, or an index and its shards.
TransformerModel load_transformer(std::string_view config_json, std::span<const std::uint8_t> safetensors,
                                  const LoadOptions& options = {});
struct ShardBytes {
  std::string name;
  std::span<const std::uint8_t> bytes;
};
TransformerModel load_transformer(std::string_view config_json, std::string_view index_json,
                                  std::span<const ShardBytes> shards, const LoadOptions& options = {});

}  // namespace attnscope::model
