// Embind glue over the attention core. No logic: heap addresses + sizes in, the core called,
// an error string out (see guard.hpp). Argument checks, heap copies and the public API live in
// web/attnscope/src/ (the JS layer); the core re-validates everything anyway.
#include <emscripten/bind.h>
#include <malloc.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "attention/mask.hpp"
#include "attention/multi_head.hpp"
#include "attention/rollout.hpp"
#include "attention/scaled_dot_product.hpp"
#include "attention/streaming.hpp"
#include "guard.hpp"
#include "kernels/kernels.hpp"

namespace attnscope::bindings {
namespace {

using Address = std::uintptr_t;

// mask_kind: 0 none, 1 causal, 2 allowed ([count] bytes at mask_address).
Mask make_mask(int mask_kind, Address mask_address, std::size_t count) {
  switch (mask_kind) {
    case 0: return Mask::none();
    case 1: return Mask::causal();
    case 2: return Mask::from_allowed({from_address<const std::uint8_t>(mask_address), count});
    default: throw InvalidArgument("mask: kind must be 0 (none), 1 (causal) or 2 (allowed)");
  }
}

std::span<const float> input(Address address, std::size_t count) {
  return {from_address<const float>(address), address ? count : 0};
}

// address 0 = "not requested" (an empty span, which the core skips).
std::span<float> output(Address address, std::size_t count) {
  return {from_address<float>(address), address ? count : 0};
}

std::vector<float> copy_or_empty(Address address, std::size_t count) {
  if (!address) return {};
  const float* begin = from_address<const float>(address);
  return {begin, begin + count};
}

std::string attention(Address q, Address k, Address v, std::size_t n, std::size_t m,
                      std::size_t d_k, std::size_t d_v, int mask_kind, Address mask,
                      Address out, Address weights, Address scores, Address scaled) {
  return guarded([&] {
    const AttentionShape shape{n, m, d_k, d_v};
    scaled_dot_product_attention(input(q, n * d_k), input(k, m * d_k), input(v, m * d_v), shape,
                                 make_mask(mask_kind, mask, n * m),
                                 {output(out, n * d_v), output(weights, n * m),
                                  output(scores, n * m), output(scaled, n * m)});
  });
}

// The same without the weights: streaming (online softmax), memory O((n + m)·d) instead of O(n·m).
std::string streaming_attention_binding(Address q, Address k, Address v, std::size_t n, std::size_t m,
                                        std::size_t d_k, std::size_t d_v, int mask_kind, Address mask,
                                        Address out) {
  return guarded([&] {
    const AttentionShape shape{n, m, d_k, d_v};
    streaming_attention(input(q, n * d_k), input(k, m * d_k), input(v, m * d_v), shape,
                        make_mask(mask_kind, mask, n * m), output(out, n * d_v));
  });
}

// Multi-head attention with its weights resident in wasm memory between calls.
class MultiHeadAttentionHandle {
 public:
  // Biases at address 0 are absent.
  std::string init(std::size_t d_model, std::size_t num_heads, Address wq, Address wk, Address wv,
                   Address wo, Address bq, Address bk, Address bv, Address bo) {
    return guarded([&] {
      const std::size_t w = d_model * d_model;
      MultiHeadAttentionParams params{d_model, num_heads,
                                      copy_or_empty(wq, w), copy_or_empty(wk, w),
                                      copy_or_empty(wv, w), copy_or_empty(wo, w),
                                      copy_or_empty(bq, d_model), copy_or_empty(bk, d_model),
                                      copy_or_empty(bv, d_model), copy_or_empty(bo, d_model)};
      attention_ = std::make_unique<MultiHeadAttention>(std::move(params));
    });
  }

  // context 0 = self-attention. Output addresses 0 are not requested (output itself is required).
  std::string forward(Address x, std::size_t n, Address context, std::size_t m, int mask_kind,
                      Address mask, Address out, Address weights, Address heads, Address q,
                      Address k, Address v, Address scores, Address scaled, Address value_norms) {
    return guarded([&] {
      if (!attention_) throw InvalidArgument("MultiHeadAttention: not initialised");
      const std::size_t d = attention_->d_model();
      const std::size_t h = attention_->num_heads();
      const std::size_t keys = context ? m : n;
      MultiHeadOutputs outs{output(out, n * d), output(weights, h * n * keys), output(heads, n * d),
                            output(q, n * d), output(k, keys * d), output(v, keys * d),
                            output(scores, h * n * keys), output(scaled, h * n * keys)};
      outs.value_norms = output(value_norms, h * keys);
      attention_->forward(input(x, n * d), n, input(context, m * d), context ? m : 0,
                          make_mask(mask_kind, mask, n * keys), outs);
    });
  }

 private:
  std::unique_ptr<MultiHeadAttention> attention_;
};

// num_layers consecutive [num_heads, n, n] blocks at `layers`; the rollout of each layer into `out`.
std::string attention_rollout_binding(Address layers, std::size_t num_layers, std::size_t num_heads,
                                      std::size_t n, Address out) {
  return guarded([&] {
    const std::size_t per_layer = num_heads * n * n;
    std::vector<std::span<const float>> spans;
    for (std::size_t l = 0; l < num_layers; ++l) spans.push_back(input(layers + l * per_layer * sizeof(float), per_layer));
    const auto rollout = attention_rollout(spans, num_heads, n);
    float* dst = from_address<float>(out);
    for (const auto& layer : rollout) dst = std::copy(layer.begin(), layer.end(), dst);
  });
}

bool simd_build() { return kernels::simd_available(); }

// Bytes currently allocated by malloc (for leak checks and the memory report).
double heap_bytes_in_use() { return static_cast<double>(mallinfo().uordblks); }

}  // namespace
}  // namespace attnscope::bindings

EMSCRIPTEN_BINDINGS(attnscope_core) {
  using namespace attnscope::bindings;
  emscripten::function("attention", &attention);
  emscripten::function("streamingAttention", &streaming_attention_binding);
  emscripten::function("attentionRollout", &attention_rollout_binding);
  emscripten::function("simdBuild", &simd_build);
  emscripten::function("heapBytesInUse", &heap_bytes_in_use);
  emscripten::class_<MultiHeadAttentionHandle>("MultiHeadAttentionHandle")
      .constructor<>()
      .function("init", &MultiHeadAttentionHandle::init)
      .function("forward", &MultiHeadAttentionHandle::forward);
}
