#include "util/checks.hpp"

#include <cmath>
#include <limits>
#include <string>

#include "util/error.hpp"

namespace attnscope::checks {
namespace {

[[noreturn]] void fail(std::string_view where, std::string message) {
  throw InvalidArgument(std::string(where) + ": " + message);
}

}  // namespace

void require_size(std::string_view where, std::string_view name, std::size_t value) {
  if (value == 0 || value > kMaxElements) {
    fail(where, std::string(name) + " is " + std::to_string(value) + ", expected 1.." +
                    std::to_string(kMaxElements));
  }
}

std::size_t checked_product(std::string_view where, std::string_view name, std::size_t a,
                            std::size_t b) {
  if (a != 0 && b > kMaxElements / a) {
    fail(where, std::string(name) + " = " + std::to_string(a) + " x " + std::to_string(b) +
                    " elements is too large, expected at most " + std::to_string(kMaxElements));
  }
  return a * b;
}

std::size_t checked_product(std::string_view where, std::string_view name, std::size_t a,
                            std::size_t b, std::size_t c) {
  if ((a != 0 && b > kMaxElements / a) || (a * b != 0 && c > kMaxElements / (a * b))) {
    fail(where, std::string(name) + " = " + std::to_string(a) + " x " + std::to_string(b) + " x " +
                    std::to_string(c) + " elements is too large, expected at most " +
                    std::to_string(kMaxElements));
  }
  return a * b * c;
}

void require_length(std::string_view where, std::string_view name, std::size_t length,
                    std::size_t expected, std::string_view shape) {
  if (length != expected) {
    fail(where, std::string(name) + " has length " + std::to_string(length) + ", expected " +
                    std::to_string(expected) + " (" + std::string(shape) + ")");
  }
}

void require_finite(std::string_view where, std::string_view name, std::span<const float> values) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i])) {
      const char* what = std::isnan(values[i]) ? "NaN" : (values[i] > 0 ? "+Inf" : "-Inf");
      fail(where, std::string(name) + "[" + std::to_string(i) + "] is " + what +
                      ", expected a finite number");
    }
  }
}

std::size_t require_attention_layers(std::string_view where, std::string_view name,
                                     std::span<const std::span<const float>> layers, std::size_t num_heads,
                                     std::size_t n) {
  require_size(where, "num_heads", num_heads);
  require_size(where, "n", n);
  const std::size_t nn = checked_product(where, "n x n", n, n);
  const std::size_t per_layer = checked_product(where, "num_heads x n x n", num_heads, n, n);
  for (std::size_t l = 0; l < layers.size(); ++l) {
    const std::string layer = std::string(name) + "[" + std::to_string(l) + "]";
    require_length(where, layer, layers[l].size(), per_layer, "[num_heads, n, n]");
    require_finite(where, layer, layers[l]);
  }
  return nn;
}

}  // namespace attnscope::checks
