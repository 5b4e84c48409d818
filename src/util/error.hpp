// Errors thrown by the attnscope core. Every rejected input throws InvalidArgument with a message
// that names the argument and what was expected, e.g.
//   "multi_head_attention: d_model (10) must be divisible by num_heads (3)".
#pragma once
#include <stdexcept>
#include <string>

namespace attnscope {

class InvalidArgument : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// A valid request that needs more memory than the caller has left (e.g. a model's weights beyond
// the wasm heap's room); JavaScript sees it as a RangeError.
class MemoryBudgetExceeded : public InvalidArgument {
 public:
  using InvalidArgument::InvalidArgument;
};

}  // namespace attnscope
