// Argument checks shared by the core's public entry points. Each throws InvalidArgument with a
// message "<where>: <argument> ... expected ...", so callers (and the JS module above) can show it.
#pragma once
#include <cstddef>
#include <span>
#include <string_view>

namespace attnscope::checks {

// The largest element count any single buffer may have (2^28 floats = 1 GiB). Larger requests are
// certainly mistakes in a browser and would otherwise fail deep inside an allocation.
inline constexpr std::size_t kMaxElements = std::size_t{1} << 28;

// Throws unless 1 <= value <= kMaxElements.
void require_size(std::string_view where, std::string_view name, std::size_t value);

// a*b, throwing (naming `name`) if it overflows size_t or exceeds kMaxElements.
std::size_t checked_product(std::string_view where, std::string_view name, std::size_t a,
                            std::size_t b);
std::size_t checked_product(std::string_view where, std::string_view name, std::size_t a,
                            std::size_t b, std::size_t c);

// Throws unless length == expected ("<name> has length L, expected E (<shape>)").
void require_length(std::string_view where, std::string_view name, std::size_t length,
                    std::size_t expected, std::string_view shape);

// Throws naming the first NaN/±Inf element's index.
void require_finite(std::string_view where, std::string_view name, std::span<const float> values);

// Attention weights of several layers: each `<name>[l]` [num_heads, n, n] long and finite (num_heads
// and n at least 1). Returns n*n.
std::size_t require_attention_layers(std::string_view where, std::string_view name,
                                     std::span<const std::span<const float>> layers, std::size_t num_heads,
                                     std::size_t n);

}  // namespace attnscope::checks
