#include "model/relative_position.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace attnscope::model {

std::size_t relative_position_bucket(std::int64_t relative, bool bidirectional, std::size_t num_buckets,
                                     std::size_t max_distance) {
  std::int64_t buckets = static_cast<std::int64_t>(num_buckets);
  std::int64_t bucket = 0;
  if (bidirectional) {
    buckets /= 2;
    if (relative > 0) bucket += buckets;
    relative = relative < 0 ? -relative : relative;
  } else {
    relative = relative < 0 ? -relative : 0;
  }
  const std::int64_t max_exact = buckets / 2;
  if (relative < max_exact) return static_cast<std::size_t>(bucket + relative);
  // float32 as torch computes it on relative_position.float(); the divisor is math.log's double
  // rounded to float32 as torch does for a Python scalar on a float32 tensor.
  const float ratio = static_cast<float>(relative) / static_cast<float>(max_exact);
  const float span = static_cast<float>(std::log(static_cast<double>(max_distance) / static_cast<double>(max_exact)));
  const float bins = std::log(ratio) / span * static_cast<float>(buckets - max_exact);
  const std::int64_t large = std::min<std::int64_t>(max_exact + static_cast<std::int64_t>(bins), buckets - 1);
  return static_cast<std::size_t>(bucket + large);
}

std::vector<float> relative_position_bias(const WeightMatrix& table, std::size_t n, std::size_t m,
                                          bool bidirectional, std::size_t max_distance) {
  const std::size_t buckets = table.outputs(), heads = table.inputs();
  // The table as floats [buckets, heads] (it may be stored in 16 bits).
  std::vector<std::int32_t> rows(buckets);
  std::iota(rows.begin(), rows.end(), 0);
  std::vector<float> values(buckets * heads);
  table.gather_rows(rows, values.data(), heads);
  std::vector<float> bias(heads * n * m);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < m; ++j) {
      const std::int64_t relative = static_cast<std::int64_t>(j) - static_cast<std::int64_t>(i);
      const std::size_t b = relative_position_bucket(relative, bidirectional, buckets, max_distance);
      for (std::size_t h = 0; h < heads; ++h) bias[(h * n + i) * m + j] = values[b * heads + h];
    }
  }
  return bias;
}

}  // namespace attnscope::model
