#include "attention/rollout.hpp"

#include <string>

#include "kernels/kernels.hpp"
#include "util/checks.hpp"

namespace attnscope {
namespace {

constexpr std::string_view kWhere = "attention_rollout";

// Ã = ½·mean over heads + ½·I, rows renormalised (a fully masked row becomes the identity row).
void mix_residual(std::span<const float> weights, std::size_t heads, std::size_t n, float* out) {
  const std::size_t nn = n * n;
  for (std::size_t i = 0; i < nn; ++i) {
    float sum = 0.0f;
    for (std::size_t h = 0; h < heads; ++h) sum += weights[h * nn + i];
    out[i] = 0.5f * sum / static_cast<float>(heads);
  }
  for (std::size_t r = 0; r < n; ++r) {
    float* row = out + r * n;
    row[r] += 0.5f;
    float total = 0.0f;
    for (std::size_t c = 0; c < n; ++c) total += row[c];
    for (std::size_t c = 0; c < n; ++c) row[c] /= total;
  }
}

}  // namespace

std::vector<std::vector<float>> attention_rollout(std::span<const std::span<const float>> layers,
                                                  std::size_t num_heads, std::size_t n) {
  checks::require_size(kWhere, "num_heads", num_heads);
  checks::require_size(kWhere, "n", n);
  const std::size_t nn = checks::checked_product(kWhere, "rollout", n, n);
  const std::size_t per_layer = checks::checked_product(kWhere, "weights", num_heads, n, n);
  for (std::size_t l = 0; l < layers.size(); ++l) {
    const std::string name = "layers[" + std::to_string(l) + "]";
    checks::require_length(kWhere, name, layers[l].size(), per_layer, "[num_heads, n, n]");
    checks::require_finite(kWhere, name, layers[l]);
  }
  std::vector<std::vector<float>> rollout;
  std::vector<float> mixed(nn);
  for (std::size_t l = 0; l < layers.size(); ++l) {
    mix_residual(layers[l], num_heads, n, mixed.data());
    if (l == 0) {
      rollout.push_back(mixed);
    } else {
      std::vector<float>& next = rollout.emplace_back(nn);
      kernels::gemm_nn(n, n, n, mixed.data(), n, rollout[l - 1].data(), n, next.data(), n);
    }
  }
  return rollout;
}

}  // namespace attnscope
