// T5's relative position bias: each (query i, key j) pair falls into a bucket of the distance j - i
// (exact for short distances, logarithmic bins up to max_distance, one bucket beyond), and each
// bucket has a learned bias per head. Bidirectional (the encoder) keeps the sign in the bucket; causal
// (the decoder) keeps only distances to earlier keys. The buckets follow Hugging Face's
// _relative_position_bucket, including its float32 logarithm, so boundary distances land alike.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "tensor/weight_matrix.hpp"

namespace attnscope::model {

// The bucket of relative position `relative` = key - query.
std::size_t relative_position_bucket(std::int64_t relative, bool bidirectional, std::size_t num_buckets,
                                     std::size_t max_distance);

// bias[h, i, j] = table[bucket(j - i), h] for n queries and m keys; `table` [buckets, heads] (out_in).
std::vector<float> relative_position_bias(const WeightMatrix& table, std::size_t n, std::size_t m,
                                          bool bidirectional, std::size_t max_distance);

}  // namespace attnscope::model
