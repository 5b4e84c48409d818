// Streaming single-head attention: output = softmax(mask(Q·Kᵀ/√d_k))·V computed FlashAttention-style,
// block by block with an online softmax, so the [n, m] weights matrix never exists.
//
// Use it when the attention weights are not wanted (e.g. long inputs): the extra memory is
// O(query_block · (d_k + d_v) + key_block · (d_k + d_v)) floats instead of O(n·m), so 16,384 tokens
// fit in well under a MB beyond the inputs. Same conventions as scaled_dot_product_attention: a query row whose keys are all
// masked gets an all-zero output, non-finite inputs and bad shapes throw InvalidArgument naming the
// argument. Results agree with the regular path to float rounding (the sums are reassociated).
#pragma once
#include <cstddef>
#include <span>
#include <vector>

#include "attention/head.hpp"
#include "attention/mask.hpp"
#include "attention/scaled_dot_product.hpp"

namespace attnscope {

// q [n*d_k], k [m*d_k], v [m*d_v] row-major; output [n*d_v] (caller-owned, overwritten).
void streaming_attention(std::span<const float> q, std::span<const float> k, std::span<const float> v,
                         const AttentionShape& shape, const Mask& mask, std::span<float> output);

// Allocating convenience form: returns output [n*d_v].
std::vector<float> streaming_attention(std::span<const float> q, std::span<const float> k,
                                       std::span<const float> v, const AttentionShape& shape,
                                       const Mask& mask);

namespace detail {

// Query rows per call of the streaming kernel (kernels::online_softmax_attention): the unit of
// work (and of parallelism). Its K/V block packing is shared by this many rows.
inline constexpr std::size_t kStreamQueryBlock = 64;

}  // namespace detail
}  // namespace attnscope
