// Internal: the textbook steps for one head on strided views, shared by the single-head entry point
// and every head of multi-head attention (attention/heads.cpp passes column slices of its projection
// buffers). Arguments are trusted here; the public entry points validate them first.
#pragma once
#include <cstddef>
#include <string_view>

#include "attention/mask.hpp"
#include "attention/scaled_dot_product.hpp"
#include "kernels/kernels.hpp"

namespace attnscope::detail {

struct StridedInput {
  const float* data;
  std::size_t ld;  // elements between rows
};

struct HeadDestinations {
  float* weights;      // [n, m], leading dimension m (required)
  float* output;       // [n, d_v] with leading dimension ld_output (required)
  std::size_t ld_output;
  float* scores;       // [n, m] or nullptr
  float* scaled;       // [n, m] or nullptr
};

// scores = Q·Kᵀ; scaled = scores·scale (+ bias); weights = softmax(mask(scaled)); output = weights·V.
// `bias`: an additive [n, m] position bias (T5's relative position buckets), or nullptr.
void attend_one_head(StridedInput q, StridedInput k, StridedInput v, const AttentionShape& shape,
                     float scale, const Mask& mask, const HeadDestinations& out, const float* bias = nullptr);

// The same result without the [n, m] matrix: online softmax over key blocks (streaming.hpp), query
// blocks split over the thread pool.
void stream_one_head(StridedInput q, StridedInput k, StridedInput v, const AttentionShape& shape,
                     float scale, const Mask& mask, float* output, std::size_t ld_output);

// 1/√d_k, the textbook scale.
float default_scale(std::size_t d_k);

// The kernels' form of a mask kind (the one place that maps them).
kernels::SoftmaxMask softmax_mask_of(MaskKind kind);

// Throws InvalidArgument unless the mask is usable for n queries and m keys.
void validate_mask(std::string_view where, const Mask& mask, std::size_t n, std::size_t m);

}  // namespace attnscope::detail
