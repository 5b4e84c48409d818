// A whole checkpoint from fuzzed bytes: config.json and model.safetensors (split at the first
// 0xFF byte, which valid JSON cannot contain), loaded with a small memory budget, then one forward
// pass over a few token ids taken from the config's own vocabulary range (as source and target for
// encoder-decoder models); when the file holds a usable language-model head (read from the same bytes,
// lm_head.hpp), its top-k too.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "fuzz_common.hpp"
#include "model/transformer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::uint8_t* split = std::find(data, data + size, std::uint8_t{0xFF});
  if (split == data + size) return 0;
  const std::string_view config(reinterpret_cast<const char*>(data), static_cast<std::size_t>(split - data));
  const std::span<const std::uint8_t> weights(split + 1, data + size);
  attnscope::fuzz::guard([&] {
    const auto model = attnscope::model::load_transformer(config, weights, {.max_weight_bytes = 8u << 20, .keep_lm_head = true});
    const auto& c = model.config();
    std::vector<std::int32_t> ids;
    const std::size_t n = std::min<std::size_t>(c.max_tokens(), 5);
    for (std::size_t i = 0; i < n; ++i) ids.push_back(static_cast<std::int32_t>(i % c.vocab_size));
    if (c.encoder_decoder) {
      (void)model.forward_seq2seq(ids, ids);  // source and target
      return;
    }
    (void)model.forward(ids);
    if (model.lm_head().usable) {
      attnscope::model::ForwardRequest request;
      request.attentions = false;
      request.top_k = std::min<std::size_t>(c.vocab_size, 3);
      (void)model.forward(ids, request);
    }
  });
  return 0;
}
