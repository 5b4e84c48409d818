// A weight matrix as it is stored: element type (f32, f16 or bf16), bytes, shape and layout. The
// linear maps of attention, MLPs and embeddings read their weights through it, so 16-bit checkpoint
// weights stay 16-bit in memory (the GEMM widens them while it packs its panels) and nn.Linear's
// [out, in] weights are used without a transposed copy.
//
// A WeightMatrix is a view: `owner` keeps the bytes alive (a tensor's own buffer, or the fused
// matrix a slice was cut from), so slices and copies share storage.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "kernels/kernels.hpp"

namespace attnscope {

class WeightMatrix {
 public:
  WeightMatrix() = default;  // empty: no weight

  // `inputs` × `outputs` weights at `data` (kept alive by `owner`), row-major with `ld` elements
  // between the starts of consecutive stored rows ([inputs, outputs] for in_out, [outputs, inputs]
  // for out_in). Arguments are trusted: the loader checked them against the file.
  WeightMatrix(std::shared_ptr<const void> owner, const void* data, kernels::ElementType type,
               kernels::WeightLayout layout, std::size_t inputs, std::size_t outputs, std::size_t ld);

  // Owns `values`, a row-major float matrix in `layout` (inputs × outputs weights).
  static WeightMatrix from_floats(std::vector<float> values, kernels::WeightLayout layout,
                                  std::size_t inputs, std::size_t outputs);

  bool empty() const noexcept { return data_ == nullptr; }
  std::size_t inputs() const noexcept { return inputs_; }
  std::size_t outputs() const noexcept { return outputs_; }
  kernels::ElementType type() const noexcept { return type_; }
  kernels::WeightLayout layout() const noexcept { return layout_; }
  kernels::MatrixRef ref() const noexcept { return {data_, ld_, type_}; }
  // Bytes of the elements this matrix reads.
  std::size_t bytes() const noexcept {
    return inputs_ * outputs_ * kernels::element_bytes(type_);
  }

  // y[n, outputs] = x[n, inputs]·W (accumulate: y += x·W).
  void apply(std::size_t n, const float* x, std::size_t ld_x, float* y, std::size_t ld_y,
             bool accumulate = false) const;

  // The weights of outputs [first, first + count) (e.g. Q of a fused Q|K|V) and of inputs
  // [first, first + count) (e.g. head h's rows of W_O): views of the same storage (empty if this is).
  WeightMatrix output_slice(std::size_t first, std::size_t count) const;
  WeightMatrix input_slice(std::size_t first, std::size_t count) const;

  // Embedding lookup on an out_in table [rows, inputs] (nn.Embedding's weight, also a tied LM head):
  // out row i = stored row ids[i], widened to float32.
  void gather_rows(std::span<const std::int32_t> ids, float* out, std::size_t ld_out) const;

 private:
  std::shared_ptr<const void> owner_;
  const void* data_ = nullptr;
  kernels::ElementType type_ = kernels::ElementType::f32;
  kernels::WeightLayout layout_ = kernels::WeightLayout::in_out;
  std::size_t inputs_ = 0, outputs_ = 0, ld_ = 0;
};

}  // namespace attnscope
