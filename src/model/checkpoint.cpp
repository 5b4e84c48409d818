#include "model/checkpoint.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

#include "model/transformer.hpp"
#include "model/weights.hpp"

namespace attnscope::model {
namespace {

std::string mib(std::uint64_t bytes) { return std::to_string(bytes >> 20) + " MiB"; }

const char* dtype_words(std::size_t bytes_hint) {
  return bytes_hint == 4 ? "as float32" : bytes_hint == 2 ? "as 16-bit floats" : "at least (16-bit floats)";
}

// Index of the first element that is NaN or infinite, or npos.
std::size_t first_non_finite(const StoredTensor& t) {
  const std::uint8_t* p = t.bytes.get();
  const std::size_t count = t.info.element_count;
  auto scan = [&](auto load, auto mask) -> std::size_t {
    for (std::size_t i = 0; i < count; ++i) {
      if ((load(i) & mask) == mask) return i;
    }
    return std::string::npos;
  };
  switch (t.info.dtype) {
    case Dtype::f32:
      return scan([&](std::size_t i) { std::uint32_t b; std::memcpy(&b, p + 4 * i, 4); return b; }, 0x7F800000u);
    case Dtype::f16:
      return scan([&](std::size_t i) { std::uint16_t b; std::memcpy(&b, p + 2 * i, 2); return b; }, std::uint16_t{0x7C00});
    case Dtype::bf16:
      return scan([&](std::size_t i) { std::uint16_t b; std::memcpy(&b, p + 2 * i, 2); return b; }, std::uint16_t{0x7F80});
    case Dtype::other: break;
  }
  return std::string::npos;
}

}  // namespace

std::uint64_t weight_bytes(const ModelConfig& config) noexcept {
  return parameter_count(config) * (config.stored_bytes_hint != 0 ? config.stored_bytes_hint : 2);
}

CheckpointLoader::CheckpointLoader(ModelConfig config, LoadOptions options)
    : config_(std::move(config)), options_(options), files_{"model.safetensors"} {}

CheckpointLoader::CheckpointLoader(ModelConfig config, ShardIndex index, LoadOptions options)
    : config_(std::move(config)), options_(options), index_(std::move(index)) {
  files_ = index_->shards;
  std::vector<std::string> names;
  for (const auto& [name, shard] : index_->weight_map) names.push_back(name);
  plan(std::move(names), index_->file_name);
}

CheckpointLoader::~CheckpointLoader() = default;

void CheckpointLoader::plan(std::vector<std::string> names, std::string source) {
  store_ = std::make_unique<TensorStore>(std::move(names), std::move(source));
  (void)read_weights(config_, *store_, options_.keep_lm_head);
  store_->finish_planning();
}

void CheckpointLoader::begin_file(std::string_view name, std::uint64_t size, std::uint64_t budget_bytes) {
  const std::string file(name);
  if (in_file_) throw InvalidArgument("loader: " + file_ + " was not finished before " + file);
  if (std::find(files_.begin(), files_.end(), file) == files_.end()) {
    throw InvalidArgument("loader: '" + file + "' is not one of the checkpoint's files");
  }
  if (done_.count(file)) throw InvalidArgument("loader: " + file + " was already read");
  if (size > std::numeric_limits<std::size_t>::max()) {
    throw MemoryBudgetExceeded(file + ": " + std::to_string(size) + " bytes, more than this build can address");
  }
  if (size < 8) (void)SafetensorsFile::header_length({}, static_cast<std::size_t>(size), file);  // says it is too short
  file_ = file;
  file_size_ = size;
  budget_ = budget_bytes;
  position_ = 0;
  in_file_ = true;
  header_done_ = false;
  header_.clear();
  file_tensors_.clear();
  next_tensor_ = 0;
}

void CheckpointLoader::feed(std::span<const std::uint8_t> bytes) {
  if (!in_file_) throw InvalidArgument("loader: no file was begun");
  if (bytes.size() > file_size_ - position_) {
    throw InvalidArgument(file_ + ": more bytes than its declared " + std::to_string(file_size_));
  }
  while (!header_done_ && !bytes.empty()) {
    // The 8-byte length first, then the header itself.
    const std::size_t target = header_.size() < 8 ? 8 : data_start_;
    const std::size_t take = std::min(bytes.size(), target - header_.size());
    header_.insert(header_.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(take));
    bytes = bytes.subspan(take);
    position_ += take;
    if (header_.size() == 8 && target == 8) {
      data_start_ = 8 + SafetensorsFile::header_length(header_, static_cast<std::size_t>(file_size_), file_);
    }
    if (header_.size() >= 8 && header_.size() == data_start_) {
      on_header(SafetensorsFile(header_, static_cast<std::size_t>(file_size_), file_));
      header_done_ = true;
      header_ = {};
    }
  }
  if (!bytes.empty()) copy_data(bytes);
}

void CheckpointLoader::on_header(const SafetensorsFile& header) {
  if (!index_) {
    std::vector<std::string> names;
    for (const auto& t : header.tensors()) names.push_back(t.name);
    plan(std::move(names), file_);
  }
  // Shards against the index: each tensor once, where the index says.
  for (const auto& t : header.tensors()) {
    if (!seen_tensors_.insert(t.name).second) {
      throw InvalidArgument(file_ + ": tensor '" + t.name + "' is also in another shard");
    }
    if (!index_) continue;
    const auto mapped = index_->weight_map.find(t.name);
    if (mapped == index_->weight_map.end()) {
      throw InvalidArgument(file_ + ": tensor '" + t.name + "' is not in " + index_->file_name);
    }
    if (mapped->second != file_) {
      throw InvalidArgument(file_ + ": tensor '" + t.name + "' is here, but " + index_->file_name +
                            " puts it in " + mapped->second);
    }
  }
  if (index_) {
    for (const auto& [name, shard] : index_->weight_map) {
      if (shard == file_ && !header.find(name)) {
        throw InvalidArgument(index_->file_name + ": tensor '" + name + "' should be in " + file_ +
                              ", which does not hold it");
      }
    }
  }
  // The tensors the model reads: shape and dtype as config.json implies, then their buffers.
  std::uint64_t needed = 0;
  for (const auto& name : store_->planned_order()) {
    const TensorInfo* found = header.find(name);
    if (!found) continue;
    const TensorInfo& info = *found;
    StoredTensor& t = store_->tensors().at(name);
    if (info.shape != t.expected_shape) {
      throw InvalidArgument(file_ + ": tensor '" + info.name + "' has shape " + shape_text(info.shape) +
                            ", expected " + shape_text(t.expected_shape) + " from config.json");
    }
    if (info.dtype == Dtype::other) {
      throw InvalidArgument(file_ + ": tensor '" + info.name + "' has dtype " + info.dtype_name +
                            " (supported: F32, F16, BF16)");
    }
    t.file = file_;
    t.info = info;
    if (t.keep) needed += info.end - info.begin;
  }
  const std::uint64_t limit = std::min(budget_, options_.max_weight_bytes - std::min(options_.max_weight_bytes, kept_bytes_));
  if (needed > limit) {
    throw MemoryBudgetExceeded("model: the weights in " + file_ + " need " + mib(needed) + ", more than the " +
                               mib(limit) + " of memory left for them");
  }
  for (auto& [name, t] : store_->tensors()) {
    if (t.file != file_ || !t.keep) continue;
    t.bytes = std::shared_ptr<std::uint8_t[]>(new std::uint8_t[std::max<std::size_t>(t.info.end - t.info.begin, 1)]);
    file_tensors_.push_back(&t);
  }
  kept_bytes_ += needed;
  std::sort(file_tensors_.begin(), file_tensors_.end(),
            [](const StoredTensor* a, const StoredTensor* b) { return a->info.begin < b->info.begin; });
}

void CheckpointLoader::copy_data(std::span<const std::uint8_t> bytes) {
  // [chunk_begin, chunk_end): these bytes' offsets in the data section.
  const std::uint64_t chunk_begin = position_ - data_start_, chunk_end = chunk_begin + bytes.size();
  while (next_tensor_ < file_tensors_.size()) {
    StoredTensor& t = *file_tensors_[next_tensor_];
    if (t.info.begin >= chunk_end) break;
    const std::uint64_t from = std::max<std::uint64_t>(t.info.begin, chunk_begin);
    const std::uint64_t to = std::min<std::uint64_t>(t.info.end, chunk_end);
    if (to > from) std::memcpy(t.bytes.get() + (from - t.info.begin), bytes.data() + (from - chunk_begin), to - from);
    if (t.info.end > chunk_end) break;  // continues in the next chunk
    ++next_tensor_;
  }
  position_ += bytes.size();
}

void CheckpointLoader::end_file() {
  if (!in_file_) throw InvalidArgument("loader: no file was begun");
  if (position_ != file_size_) {
    throw InvalidArgument(file_ + ": ended after " + std::to_string(position_) + " of " + std::to_string(file_size_) +
                          " bytes (truncated?)");
  }
  if (!header_done_) throw InvalidArgument(file_ + ": ended inside its header");
  done_.insert(file_);
  in_file_ = false;
}

TransformerModel CheckpointLoader::finish() {
  if (in_file_) throw InvalidArgument("loader: " + file_ + " was not finished");
  for (const auto& file : files_) {
    if (!done_.count(file)) throw InvalidArgument("loader: " + file + " was not read");
  }
  for (const auto& [name, t] : store_->tensors()) {
    if (!t.keep) continue;
    if (const std::size_t at = first_non_finite(t); at != std::string::npos) {
      throw InvalidArgument(t.file + ": tensor '" + name + "' holds a NaN or an infinity (element " +
                            std::to_string(at) + ")");
    }
  }
  ModelWeights weights = read_weights(config_, *store_, options_.keep_lm_head);
  weights.stored_bytes = kept_bytes_;
  store_.reset();  // frees what was only read into float32 (norms, biases)
  return TransformerModel(config_, std::move(weights));
}

namespace {

void check_estimate(const ModelConfig& config, const LoadOptions& options) {
  const std::uint64_t needed = weight_bytes(config);
  if (needed > options.max_weight_bytes) {
    throw MemoryBudgetExceeded("model: the weights need " + mib(needed) + " " + dtype_words(config.stored_bytes_hint) +
                               ", more than the " + mib(options.max_weight_bytes) +
                               " this build can hold (config.json: " + std::to_string(config.num_layers) +
                               " layers, hidden size " + std::to_string(config.d_model) + ", vocabulary " +
                               std::to_string(config.vocab_size) + ")");
  }
}

void stream_whole(CheckpointLoader& loader, const std::string& name, std::span<const std::uint8_t> bytes) {
  loader.begin_file(name, bytes.size());
  loader.feed(bytes);
  loader.end_file();
}

}  // namespace

TransformerModel load_transformer(std::string_view config_json, std::span<const std::uint8_t> safetensors,
                                  const LoadOptions& options) {
  ModelConfig config = parse_config(config_json);
  check_estimate(config, options);
  CheckpointLoader loader(std::move(config), options);
  stream_whole(loader, "model.safetensors", safetensors);
  return loader.finish();
}

TransformerModel load_transformer(std::string_view config_json, std::string_view index_json,
                                  std::span<const ShardBytes> shards, const LoadOptions& options) {
  ModelConfig config = parse_config(config_json);
  check_estimate(config, options);
  CheckpointLoader loader(std::move(config), parse_shard_index(index_json), options);
  for (const auto& file : loader.files()) {
    const auto shard = std::find_if(shards.begin(), shards.end(), [&](const ShardBytes& s) { return s.name == file; });
    if (shard == shards.end()) throw InvalidArgument(std::string(kShardIndexFile) + ": shard '" + file + "' is missing");
    stream_whole(loader, file, shard->bytes);
  }
  return loader.finish();
}

}  // namespace attnscope::model
