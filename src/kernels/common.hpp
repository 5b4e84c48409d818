// Small helpers the kernel files share (both variants): sizes, work buffers, 16-bit element
// conversion. Internal to src/kernels.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include "kernels/kernels.hpp"

namespace attnscope::kernels {

constexpr std::size_t round_up(std::size_t value, std::size_t multiple) noexcept {
  return (value + multiple - 1) / multiple * multiple;
}

// Columns [0, result) that row `row` keeps under a causal mask: min(row + 1, cols).
constexpr std::size_t causal_length(std::size_t row, std::size_t cols) noexcept {
  return row + 1 < cols ? row + 1 : cols;
}

// A work buffer of at least `size` floats. Buffers are thread-local in the kernels and only grow, so
// a steady stream of calls allocates nothing.
inline float* grow(std::vector<float>& buffer, std::size_t size) {
  if (buffer.size() < size) buffer.resize(size);
  return buffer.data();
}

// ---- 16-bit elements ----

// How an element of ElementType `Type` is stored: float, or the 16 raw bits.
template <ElementType Type>
using Stored = std::conditional_t<Type == ElementType::f32, float, std::uint16_t>;

inline float float_from_bits(std::uint32_t bits) noexcept {
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}
inline std::uint32_t bits_of(float f) noexcept {
  std::uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  return bits;
}

// IEEE half to float, exactly, with integer operations only except for subnormal halves (the SIMD
// variant does the same on 4 lanes, see simd_primitives.hpp): the exponent and mantissa move to their
// float positions and the exponent is rebiased by 127 - 15; the all-ones exponent (inf, NaN: payload
// kept) is rebiased once more to 255; a zero exponent (zero, subnormal m·2^-24) is formed as the float
// 2^-14·(1 + m/1024) minus 2^-14, an exact subtraction.
inline constexpr std::uint32_t kF16Rebias = (127 - 15) << 23;
inline constexpr std::uint32_t kF16ExponentMask = 0x7C00u << 13;
inline constexpr std::uint32_t kF16Subnormal2 = (127 - 14) << 23;  // the float 2^-14
inline float f16_to_f32(std::uint16_t h) noexcept {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  std::uint32_t bits = static_cast<std::uint32_t>(h & 0x7FFFu) << 13;
  const std::uint32_t exponent = bits & kF16ExponentMask;
  bits += kF16Rebias;
  if (exponent == kF16ExponentMask) {
    bits += kF16Rebias;
  } else if (exponent == 0) {
    bits = bits_of(float_from_bits(bits + (1u << 23)) - float_from_bits(kF16Subnormal2));
  }
  return float_from_bits(bits | sign);
}

// bfloat16 to float: the 16 bits are the float's upper half.
inline float bf16_to_f32(std::uint16_t b) noexcept {
  return float_from_bits(static_cast<std::uint32_t>(b) << 16);
}

template <ElementType Type>
inline float widen(Stored<Type> x) noexcept {
  if constexpr (Type == ElementType::f16) return f16_to_f32(x);
  else if constexpr (Type == ElementType::bf16) return bf16_to_f32(x);
  else return x;
}

// Calls fn(std::integral_constant<ElementType, type>{}) so that a kernel is instantiated once per
// element type and the type is chosen once per call, outside its loops. The dispatch has checked
// that `type` is one of the enum's values.
template <typename Fn>
decltype(auto) with_element_type(ElementType type, Fn&& fn) {
  switch (type) {
    case ElementType::f16: return fn(std::integral_constant<ElementType, ElementType::f16>{});
    case ElementType::bf16: return fn(std::integral_constant<ElementType, ElementType::bf16>{});
    case ElementType::f32: break;
  }
  return fn(std::integral_constant<ElementType, ElementType::f32>{});
}

// Calls fn(std::integral_constant<Activation, kind>{}): one instantiation per activation, chosen once
// per call. The dispatch has checked that `kind` is one of the enum's values.
template <typename Fn>
void with_activation(Activation kind, Fn&& fn) {
  switch (kind) {
    case Activation::gelu_erf: return fn(std::integral_constant<Activation, Activation::gelu_erf>{});
    case Activation::gelu_tanh: return fn(std::integral_constant<Activation, Activation::gelu_tanh>{});
    case Activation::silu: return fn(std::integral_constant<Activation, Activation::silu>{});
    case Activation::relu: return fn(std::integral_constant<Activation, Activation::relu>{});
  }
}

// Element (row, col) of a matrix of ElementType Type.
template <ElementType Type>
inline const Stored<Type>* element(MatrixRef m, std::size_t row, std::size_t col) noexcept {
  return static_cast<const Stored<Type>*>(m.data) + row * m.ld + col;
}

}  // namespace attnscope::kernels
