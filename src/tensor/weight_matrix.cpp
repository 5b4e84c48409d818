#include "tensor/weight_matrix.hpp"

#include <utility>

namespace attnscope {

using kernels::WeightLayout;

WeightMatrix::WeightMatrix(std::shared_ptr<const void> owner, const void* data, kernels::ElementType type,
                           WeightLayout layout, std::size_t inputs, std::size_t outputs, std::size_t ld)
    : owner_(std::move(owner)), data_(data), type_(type), layout_(layout), inputs_(inputs),
      outputs_(outputs), ld_(ld) {}

WeightMatrix WeightMatrix::from_floats(std::vector<float> values, WeightLayout layout, std::size_t inputs,
                                       std::size_t outputs) {
  auto owner = std::make_shared<const std::vector<float>>(std::move(values));
  const float* data = owner->data();
  const std::size_t ld = layout == WeightLayout::in_out ? outputs : inputs;
  return {std::move(owner), data, kernels::ElementType::f32, layout, inputs, outputs, ld};
}

void WeightMatrix::apply(std::size_t n, const float* x, std::size_t ld_x, float* y, std::size_t ld_y,
                         bool accumulate) const {
  kernels::gemm_weight(n, outputs_, inputs_, x, ld_x, ref(), layout_, y, ld_y, accumulate);
}

WeightMatrix WeightMatrix::output_slice(std::size_t first, std::size_t count) const {
  if (empty()) return {};
  WeightMatrix slice = *this;
  slice.data_ = layout_ == WeightLayout::in_out ? ref().at(0, first).data : ref().at(first, 0).data;
  slice.outputs_ = count;
  return slice;
}

WeightMatrix WeightMatrix::input_slice(std::size_t first, std::size_t count) const {
  if (empty()) return {};
  WeightMatrix slice = *this;
  slice.data_ = layout_ == WeightLayout::in_out ? ref().at(first, 0).data : ref().at(0, first).data;
  slice.inputs_ = count;
  return slice;
}

void WeightMatrix::gather_rows(std::span<const std::int32_t> ids, float* out, std::size_t ld_out) const {
  for (std::size_t i = 0; i < ids.size(); ++i) {
    kernels::widen_rows(1, inputs_, ref().at(static_cast<std::size_t>(ids[i]), 0), out + i * ld_out, ld_out);
  }
}

}  // namespace attnscope
