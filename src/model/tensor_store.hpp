// The tensors of a checkpoint as a family's weight reader (weights*.cpp) asks for them. The reader
// runs twice over the same store:
//   planning  before any tensor data has arrived: each request records the tensor and the shape
//             config.json implies (a missing tensor is an error now, before downloading), and returns
//             an empty placeholder; the loader then keeps only the recorded tensors' bytes;
//   loaded    after the data: each request returns the stored tensor, 16-bit weights as they are.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "model/safetensors.hpp"
#include "tensor/weight_matrix.hpp"

namespace attnscope::model {

// One tensor the reader asked for: where it is, what shape it must have, and (once loaded) its bytes.
struct StoredTensor {
  std::vector<std::size_t> expected_shape;
  bool keep = true;                        // false: checked against the header but not kept
  std::string file;                        // the file holding it, once its header is read
  TensorInfo info;                         // from that header
  std::shared_ptr<std::uint8_t[]> bytes;   // its data (kept tensors only)
};

class TensorStore {
 public:
  // `names`: every tensor the checkpoint holds; `source`: where that list comes from (the file or
  // the index), for error messages.
  TensorStore(std::vector<std::string> names, std::string source);

  bool planning() const noexcept { return planning_; }
  bool has(const std::string& name) const { return names_.count(name) != 0; }
  const std::string& source() const noexcept { return source_; }
  // "the file holds 42 tensors, e.g. 'a', 'b', 'c'", for messages about a wrong family.
  std::string contents() const;

  // The first of `names` the checkpoint holds (InvalidArgument naming them all when none), of
  // `shape` [rows, cols]: out_in reads it as [outputs, inputs], in_out as [inputs, outputs].
  WeightMatrix matrix(const std::vector<std::string>& names, std::size_t rows, std::size_t cols,
                      kernels::WeightLayout layout);
  // A vector (norm weights, biases) converted to float32.
  std::vector<float> floats(const std::vector<std::string>& names, std::size_t count);
  // Checks a tensor's shape and dtype without keeping its bytes (e.g. an LM head nothing uses yet).
  void check(const std::string& name, std::vector<std::size_t> shape);

  // ---- the loader's side ----
  // Ends planning: requests now return the stored tensors.
  void finish_planning() { planning_ = false; }
  std::map<std::string, StoredTensor>& tensors() noexcept { return wanted_; }
  // The planned tensors' names in the order the reader asked for them (errors follow this order).
  const std::vector<std::string>& planned_order() const noexcept { return order_; }

 private:
  const std::string& first_present(const std::vector<std::string>& names) const;
  StoredTensor& request(const std::vector<std::string>& names, std::vector<std::size_t> shape, bool keep);

  std::set<std::string> names_;
  std::string source_;
  std::vector<std::string> sample_;  // the first few names, for contents()
  std::map<std::string, StoredTensor> wanted_;
  std::vector<std::string> order_;
  bool planning_ = true;
};

// The kernels' element type of a float dtype.
kernels::ElementType element_type(Dtype dtype);

}  // namespace attnscope::model
