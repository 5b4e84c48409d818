#include "model/rope.hpp"

#include <cmath>
#include <numbers>

namespace attnscope::model {

std::vector<double> rope_inverse_frequencies(const RopeConfig& rope) {
  const std::size_t half = rope.rotary_dim / 2;
  std::vector<double> inv(half);
  for (std::size_t i = 0; i < half; ++i) {
    inv[i] = 1.0 / std::pow(rope.theta, static_cast<double>(2 * i) / static_cast<double>(rope.rotary_dim));
  }
  switch (rope.scaling) {
    case RopeScaling::none: break;
    case RopeScaling::linear:
      for (double& f : inv) f /= rope.factor;
      break;
    case RopeScaling::llama3: {
      // Wavelengths shorter than original/high_freq_factor keep their frequency, longer than
      // original/low_freq_factor are divided by factor, and those between are blended linearly in
      // original/wavelength.
      const double low_wavelen = rope.original_max_positions / rope.low_freq_factor;
      const double high_wavelen = rope.original_max_positions / rope.high_freq_factor;
      for (double& f : inv) {
        const double wavelen = 2.0 * std::numbers::pi / f;
        if (wavelen < high_wavelen) continue;
        if (wavelen > low_wavelen) {
          f /= rope.factor;
          continue;
        }
        const double smooth = (rope.original_max_positions / wavelen - rope.low_freq_factor) /
                              (rope.high_freq_factor - rope.low_freq_factor);
        f = (1.0 - smooth) * f / rope.factor + smooth * f;
      }
      break;
    }
  }
  return inv;
}

RopeTables rope_tables(const RopeConfig& rope, std::size_t positions) {
  const std::vector<double> inv = rope_inverse_frequencies(rope);
  const std::size_t half = inv.size();
  RopeTables t;
  t.cos.resize(positions * half);
  t.sin.resize(positions * half);
  for (std::size_t p = 0; p < positions; ++p) {
    for (std::size_t i = 0; i < half; ++i) {
      const double angle = static_cast<double>(p) * inv[i];
      t.cos[p * half + i] = static_cast<float>(std::cos(angle));
      t.sin[p * half + i] = static_cast<float>(std::sin(angle));
    }
  }
  return t;
}

}  // namespace attnscope::model
