// Which keys each query may attend to.
#pragma once
#include <cstdint>
#include <span>

namespace attnscope {

enum class MaskKind : std::uint8_t {
  none,     // every query attends every key
  causal,   // query i attends key j only when j <= i (as torch.triu(ones(n, m), 1) masks)
  allowed,  // an explicit [n, m] row-major matrix: nonzero = query i may attend key j (padding is a case)
};

struct Mask {
  MaskKind kind = MaskKind::none;
  std::span<const std::uint8_t> allowed;  // [n*m], read only when kind == allowed

  static Mask none() { return {}; }
  static Mask causal() { return {MaskKind::causal, {}}; }
  static Mask from_allowed(std::span<const std::uint8_t> allowed) { return {MaskKind::allowed, allowed}; }
};

}  // namespace attnscope
