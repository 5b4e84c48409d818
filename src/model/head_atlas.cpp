#include "model/head_atlas.hpp"

#include <cmath>
#include <string>
#include <utility>

#include "util/error.hpp"

namespace attnscope::model {
namespace {

constexpr std::string_view kWhere = "headAtlas";

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::vector<std::span<const float>> spans_of(const std::vector<std::vector<float>>& layers) {
  return {layers.begin(), layers.end()};
}

// The scored positions of the probe and the token expected at each (-1 elsewhere), and the input the
// copying runs see (encoders: the predicted tokens masked).
struct CopyingTask {
  std::vector<std::int32_t> input, targets;
};

CopyingTask copying_task(const ModelConfig& c, const std::vector<std::int32_t>& probe, std::size_t start,
                         std::size_t period, std::int32_t mask_id) {
  CopyingTask task{probe, std::vector<std::int32_t>(probe.size(), -1)};
  const std::size_t second = start + period;
  if (c.causal) {
    for (std::size_t t = 0; t + 1 < period; ++t) task.targets[second + t] = probe[second + t + 1];
  } else {
    for (std::size_t t = 1; t < period; t += 2) {
      task.targets[second + t] = probe[second + t];
      task.input[second + t] = mask_id;
    }
  }
  return task;
}

// Mean of −log p over the scored positions.
float probe_loss(const TransformerModel& model, const CopyingTask& task, std::span<const float> head_mask) {
  ForwardRequest r;
  r.attentions = false;  // every layer streams
  r.hidden = HiddenStates::none;
  r.targets = task.targets;
  r.head_mask = head_mask;
  const ForwardResult result = model.forward(task.input, r);
  double sum = 0;
  std::size_t count = 0;
  for (std::size_t i = 0; i < task.targets.size(); ++i) {
    if (task.targets[i] < 0) continue;
    sum -= result.vocabulary->target_log_probs[i];
    ++count;
  }
  return static_cast<float>(sum / static_cast<double>(count));
}

void check_probe_request(const TransformerModel& model, const ProbeRequest& p) {
  const ModelConfig& c = model.config();
  if (p.period < 2) {
    throw InvalidArgument(std::string(kWhere) + ": the probe's length must be at least 2 tokens, got " +
                          std::to_string(p.period));
  }
  if (!p.excluded.empty() && p.excluded.size() != c.vocab_size) {
    throw InvalidArgument(std::string(kWhere) + ": excluded has " + std::to_string(p.excluded.size()) +
                          " entries, expected one per vocabulary id (" + std::to_string(c.vocab_size) + ")");
  }
  for (const auto* wrap : {&p.prefix, &p.suffix}) {
    for (std::int32_t id : *wrap) {
      if (id < 0 || static_cast<std::size_t>(id) >= c.vocab_size) {
        throw InvalidArgument(std::string(kWhere) + ": the probe's " + (wrap == &p.prefix ? "prefix" : "suffix") +
                              " holds " + std::to_string(id) + ", not an id in [0, " + std::to_string(c.vocab_size) + ")");
      }
    }
  }
  if (!p.copying) return;
  if (!model.lm_head().usable) {
    throw InvalidArgument(std::string(kWhere) + ": the copying scores need the model's language-model head: " +
                          model.lm_head().problem);
  }
  if (!c.causal && (p.mask_id < 0 || static_cast<std::size_t>(p.mask_id) >= c.vocab_size)) {
    throw InvalidArgument(std::string(kWhere) + ": the copying scores of an encoder need its mask token "
                          "(mask_id), and none was given");
  }
}

}  // namespace

bool is_marker_token(std::string_view token) noexcept {
  if (token.empty()) return true;
  if (token.size() < 3) return false;
  return (token.front() == '[' && token.back() == ']') || (token.front() == '<' && token.back() == '>');
}

std::vector<std::int32_t> repeat_probe(const ModelConfig& c, const ProbeRequest& p) {
  const std::size_t wrap = p.prefix.size() + p.suffix.size();
  if (p.period > c.max_tokens() || wrap > c.max_tokens() - p.period || (c.max_tokens() - wrap) / 2 < p.period) {
    throw InvalidArgument(std::string(kWhere) + ": a probe of 2 x " + std::to_string(p.period) + " tokens" +
                          (wrap ? " + " + std::to_string(wrap) + " special tokens" : std::string()) +
                          " does not fit in this model's " + std::to_string(c.max_tokens()) + " positions");
  }
  std::vector<std::int32_t> candidates;
  for (std::size_t id = 0; id < c.vocab_size; ++id) {
    if (p.excluded.empty() || p.excluded[id] == 0) candidates.push_back(static_cast<std::int32_t>(id));
  }
  if (candidates.size() < p.period) {
    throw InvalidArgument(std::string(kWhere) + ": the probe needs " + std::to_string(p.period) +
                          " distinct tokens, but only " + std::to_string(candidates.size()) + " ids can be drawn");
  }
  // A partial Fisher–Yates shuffle: the first `period` candidates become a uniform sample without repeats.
  std::uint64_t state = p.seed;
  for (std::size_t i = 0; i < p.period; ++i) {
    const std::size_t j = i + static_cast<std::size_t>(splitmix64(state) % (candidates.size() - i));
    std::swap(candidates[i], candidates[j]);
  }
  std::vector<std::int32_t> ids(p.prefix);
  for (int copy = 0; copy < 2; ++copy) ids.insert(ids.end(), candidates.begin(), candidates.begin() + p.period);
  ids.insert(ids.end(), p.suffix.begin(), p.suffix.end());
  return ids;
}

HeadAtlas head_atlas(const TransformerModel& model, const HeadAtlasRequest& request) {
  const ModelConfig& c = model.config();
  if (request.ids.empty() && !request.probe) {
    throw InvalidArgument(std::string(kWhere) + ": the input is empty (no tokens to score) and no probe was asked for");
  }
  if (!request.special.empty() && request.special.size() != request.ids.size()) {
    throw InvalidArgument(std::string(kWhere) + ": special has " + std::to_string(request.special.size()) +
                          " entries, expected one per token (" + std::to_string(request.ids.size()) + ")");
  }
  if (request.probe) check_probe_request(model, *request.probe);
  HeadAtlas out;
  if (!request.ids.empty()) {
    ForwardRequest r;
    r.hidden = HiddenStates::none;
    r.token_types = request.token_types;
    const ForwardResult result = model.forward(request.ids, r);
    const auto layers = spans_of(result.attentions);
    out.patterns = atlas::score_patterns(layers, c.num_heads, {request.ids.size(), c.causal, request.special});
  }
  if (!request.probe) return out;

  const ProbeRequest& p = *request.probe;
  out.probe_ids = repeat_probe(c, p);
  out.probe_start = p.prefix.size();
  out.probe_period = p.period;
  {
    ForwardRequest r;
    r.hidden = HiddenStates::none;
    const ForwardResult result = model.forward(out.probe_ids, r);
    out.induction = atlas::score_induction(spans_of(result.attentions), c.num_heads,
                                           {out.probe_ids.size(), out.probe_start, out.probe_period});
  }
  if (!p.copying) return out;
  const CopyingTask task = copying_task(c, out.probe_ids, out.probe_start, p.period, p.mask_id);
  out.probe_targets = task.targets;
  out.probe_loss = probe_loss(model, task, {});
  std::vector<float> head_mask(c.num_layers * c.num_heads, 1.0f);
  out.copying.resize(head_mask.size());
  for (std::size_t i = 0; i < head_mask.size(); ++i) {
    head_mask[i] = 0.0f;
    out.copying[i] = probe_loss(model, task, head_mask) - out.probe_loss;
    head_mask[i] = 1.0f;
  }
  return out;
}

}  // namespace attnscope::model
