#include "model/tensor_store.hpp"

#include <utility>

#include "util/error.hpp"

namespace attnscope::model {

kernels::ElementType element_type(Dtype dtype) {
  switch (dtype) {
    case Dtype::f32: return kernels::ElementType::f32;
    case Dtype::f16: return kernels::ElementType::f16;
    case Dtype::bf16: return kernels::ElementType::bf16;
    case Dtype::other: break;
  }
  throw InvalidArgument("element_type: not a float dtype");
}

TensorStore::TensorStore(std::vector<std::string> names, std::string source) : source_(std::move(source)) {
  for (std::size_t i = 0; i < names.size() && i < 3; ++i) sample_.push_back(names[i]);
  names_.insert(std::make_move_iterator(names.begin()), std::make_move_iterator(names.end()));
}

std::string TensorStore::contents() const {
  std::string text = "the " + std::string(source_.find("index") != std::string::npos ? "index names " : "file holds ") +
                     std::to_string(names_.size()) + " tensors";
  for (std::size_t i = 0; i < sample_.size(); ++i) text += (i ? ", '" : ", e.g. '") + sample_[i] + "'";
  return text;
}

const std::string& TensorStore::first_present(const std::vector<std::string>& names) const {
  for (const auto& name : names) {
    if (has(name)) return name;
  }
  std::string tried;
  for (const auto& name : names) tried += (tried.empty() ? "'" : " or '") + name + "'";
  throw InvalidArgument(source_ + ": missing tensor " + tried);
}

StoredTensor& TensorStore::request(const std::vector<std::string>& names, std::vector<std::size_t> shape,
                                   bool keep) {
  const std::string& name = first_present(names);
  if (planning_) {
    auto [it, inserted] = wanted_.try_emplace(name);
    if (inserted) order_.push_back(name);
    StoredTensor& t = it->second;
    if (!inserted && t.expected_shape != shape) {
      throw InvalidArgument(source_ + ": tensor '" + name + "' is read with two shapes, " +
                            shape_text(t.expected_shape) + " and " + shape_text(shape) + " from config.json");
    }
    t.expected_shape = std::move(shape);
    t.keep = inserted ? keep : t.keep || keep;  // asked twice (a tied head is the embeddings): kept if either keeps
    return t;
  }
  const auto found = wanted_.find(name);
  if (found == wanted_.end() || found->second.expected_shape != shape) {
    throw InvalidArgument(source_ + ": tensor '" + name + "' was not planned with this shape (internal)");
  }
  return found->second;
}

WeightMatrix TensorStore::matrix(const std::vector<std::string>& names, std::size_t rows, std::size_t cols,
                                 kernels::WeightLayout layout) {
  StoredTensor& t = request(names, {rows, cols}, true);
  if (planning_) return {};
  const bool out_in = layout == kernels::WeightLayout::out_in;
  return WeightMatrix(t.bytes, t.bytes.get(), element_type(t.info.dtype), layout, out_in ? cols : rows,
                      out_in ? rows : cols, cols);
}

std::vector<float> TensorStore::floats(const std::vector<std::string>& names, std::size_t count) {
  StoredTensor& t = request(names, {count}, true);
  std::vector<float> out(count);
  if (!planning_ && count > 0) {
    kernels::widen_rows(1, count, {t.bytes.get(), count, element_type(t.info.dtype)}, out.data(), count);
  }
  return out;
}

void TensorStore::check(const std::string& name, std::vector<std::size_t> shape) {
  if (planning_) request({name}, std::move(shape), false);
}

}  // namespace attnscope::model
