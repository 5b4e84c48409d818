#include "model/lm_head.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <utility>

#include "kernels/kernels.hpp"
#include "model/forward_parts.hpp"
#include "util/parallel.hpp"

namespace attnscope::model {
namespace {

// The tensor names of one family's head (alternatives in order; empty = the family has no such part).
struct HeadNames {
  std::vector<std::string> dense, dense_bias, norm_gamma, norm_beta, decoder, bias;
  const char* checkpoint_hint;  // which checkpoints carry the head
};

HeadNames names_of(Architecture a) {
  switch (a) {
    case Architecture::bert:
      return {{"cls.predictions.transform.dense.weight"}, {"cls.predictions.transform.dense.bias"},
              {"cls.predictions.transform.LayerNorm.weight", "cls.predictions.transform.LayerNorm.gamma"},
              {"cls.predictions.transform.LayerNorm.bias", "cls.predictions.transform.LayerNorm.beta"},
              {"cls.predictions.decoder.weight"}, {"cls.predictions.bias", "cls.predictions.decoder.bias"},
              "BertForMaskedLM or BertForPreTraining checkpoints have one"};
    case Architecture::roberta:
      return {{"lm_head.dense.weight"}, {"lm_head.dense.bias"}, {"lm_head.layer_norm.weight"},
              {"lm_head.layer_norm.bias"}, {"lm_head.decoder.weight"}, {"lm_head.bias", "lm_head.decoder.bias"},
              "RobertaForMaskedLM checkpoints have one"};
    case Architecture::distilbert:
      return {{"vocab_transform.weight"}, {"vocab_transform.bias"}, {"vocab_layer_norm.weight"},
              {"vocab_layer_norm.bias"}, {"vocab_projector.weight"}, {"vocab_projector.bias"},
              "DistilBertForMaskedLM checkpoints have one"};
    case Architecture::gpt2:
      return {{}, {}, {}, {}, {"lm_head.weight"}, {}, "GPT2LMHeadModel checkpoints have one"};
    default:  // the Llama family
      return {{}, {}, {}, {}, {"lm_head.weight"}, {}, "the ...ForCausalLM checkpoints have one"};
  }
}

// The first of `names` the checkpoint holds, or "" (also for a part the family does not have).
std::string present(const TensorStore& store, const std::vector<std::string>& names) {
  for (const auto& name : names) {
    if (store.has(name)) return name;
  }
  return "";
}

// "a is more probable than b": higher logit, ties to the lower id.
struct Candidate {
  float logit;
  std::int32_t id;
};
bool better(const Candidate& a, const Candidate& b) {
  return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
}

// One position's running state over the vocabulary chunks.
struct PositionState {
  float max = -std::numeric_limits<float>::infinity();
  double sum = 0.0;  // Σ exp(logit - max) over the chunks seen
  float target_logit = std::numeric_limits<float>::quiet_NaN();
  std::vector<Candidate> heap;  // the best k so far; front = the worst of them (std heap under `better`)

  void add_chunk(const float* logits, std::size_t count, std::int32_t first_id, std::size_t k,
                 std::int32_t target) {
    const float chunk_max = *std::max_element(logits, logits + count);
    if (chunk_max > max) {
      sum *= std::exp(static_cast<double>(max) - chunk_max);
      max = chunk_max;
    }
    double chunk_sum = 0.0;
    for (std::size_t j = 0; j < count; ++j) chunk_sum += std::exp(logits[j] - max);
    sum += chunk_sum;
    if (target >= first_id && target - first_id < static_cast<std::int64_t>(count)) {
      target_logit = logits[target - first_id];
    }
    for (std::size_t j = 0; j < count && k > 0; ++j) {
      const Candidate c{logits[j], first_id + static_cast<std::int32_t>(j)};
      if (heap.size() < k) {
        heap.push_back(c);
        std::push_heap(heap.begin(), heap.end(), better);
      } else if (better(c, heap.front())) {
        std::pop_heap(heap.begin(), heap.end(), better);
        heap.back() = c;
        std::push_heap(heap.begin(), heap.end(), better);
      }
    }
  }
};

}  // namespace

LmHeadWeights read_lm_head(const ModelConfig& c, TensorStore& store, const WeightMatrix& word_embeddings,
                           bool keep_untied) {
  if (c.encoder_decoder) {
    LmHeadWeights head;
    head.problem = std::string("predictions of ") + architecture_name(c.architecture) +
                   " (encoder–decoder) models are not supported; their attention and hidden states are";
    return head;
  }
  const HeadNames names = names_of(c.architecture);
  const std::size_t d = c.d_model, vocab = c.vocab_size;
  // Every part the family's head has must be there; a head with parts missing is not asked for at
  // all, so none of it is kept.
  std::vector<const std::vector<std::string>*> parts = {&names.dense, &names.dense_bias, &names.norm_gamma,
                                                        &names.norm_beta, &names.bias};
  if (!c.tie_word_embeddings) parts.push_back(&names.decoder);
  std::size_t found = 0;
  std::string missing;
  for (const auto* part : parts) {
    if (part->empty()) continue;
    if (present(store, *part).empty()) {
      if (missing.empty()) missing = part->front();
    } else {
      ++found;
    }
  }
  LmHeadWeights head;
  if (!missing.empty()) {
    head.problem = std::string("this ") + architecture_name(c.architecture) + " checkpoint (" + store.source() +
                   ") " + (found ? "has an incomplete" : "has no") + " language-model head (missing tensor '" +
                   missing + "'; " + names.checkpoint_hint + ")";
    return head;
  }
  if (!names.dense.empty()) {
    head.transform = store.matrix({present(store, names.dense)}, d, d, kernels::WeightLayout::out_in);
    head.transform_bias = store.floats({present(store, names.dense_bias)}, d);
    head.norm_gamma = store.floats({present(store, names.norm_gamma)}, d);
    head.norm_beta = store.floats({present(store, names.norm_beta)}, d);
  }
  if (!names.bias.empty()) head.bias = store.floats({present(store, names.bias)}, vocab);
  // RoBERTa's head applies gelu whatever hidden_act says; BERT and DistilBERT their configured one.
  head.activation = c.architecture == Architecture::roberta ? Activation::gelu_erf : c.activation;
  head.norm_eps = c.architecture == Architecture::distilbert ? 1e-12f : c.layer_norm_eps;
  if (c.tie_word_embeddings) {
    head.decoder = word_embeddings;
  } else if (keep_untied) {
    head.decoder = store.matrix({present(store, names.decoder)}, vocab, d, kernels::WeightLayout::out_in);
  } else {
    const std::string name = present(store, names.decoder);
    store.check(name, {vocab, d});  // a broken head is an error even when it is not kept
    head.problem = "the untied language-model head ('" + name + "') was not kept in memory (LoadOptions::keep_lm_head)";
    return head;
  }
  head.usable = true;
  head.problem.clear();
  return head;
}

std::uint64_t lm_head_parameter_count(const ModelConfig& c, bool keep_untied) noexcept {
  const std::uint64_t d = c.d_model, vocab = c.vocab_size;
  if (c.encoder_decoder) return 0;
  std::uint64_t count = c.tie_word_embeddings || !keep_untied ? 0 : vocab * d;
  if (c.architecture == Architecture::bert || c.architecture == Architecture::roberta ||
      c.architecture == Architecture::distilbert) {
    count += d * d + 3 * d + vocab;
  }
  return count;
}

VocabularyResult predict_vocabulary(const LmHeadWeights& head, const ModelConfig& c,
                                    std::span<const float> hidden, std::size_t n, const VocabularyRequest& request) {
  const std::size_t d = c.d_model, vocab = c.vocab_size, k = std::min(request.top_k, vocab);
  // The positions projected: every one for top-k; for log-probabilities alone only those with a target.
  std::vector<std::size_t> rows;
  for (std::size_t i = 0; i < n; ++i) {
    if (k > 0 || request.targets[i] >= 0) rows.push_back(i);
  }
  const std::size_t r_count = rows.size();
  std::vector<float> x(r_count * d);
  for (std::size_t r = 0; r < r_count; ++r) std::copy_n(hidden.data() + rows[r] * d, d, x.data() + r * d);
  // The transform, T(h) = LayerNorm(act(h·Wᵀ + b)) with W as nn.Linear stores it ([out, in]).
  if (!head.transform.empty() && r_count > 0) {
    const std::vector<float> h = x;
    head.transform.apply(r_count, h.data(), d, x.data(), d);
    kernels::add_bias(r_count, d, head.transform_bias.data(), x.data(), d);
    kernels::activation(detail::kernel_activation(head.activation), x.data(), r_count * d);
    kernels::layer_norm(r_count, d, x.data(), d, head.norm_gamma.data(), head.norm_beta.data(), head.norm_eps,
                        x.data(), d);
  }
  // Chunks of the vocabulary small enough that their logits stay a few MiB at any n.
  const std::size_t chunk =
      std::min(vocab, std::clamp<std::size_t>((std::size_t{1} << 20) / std::max<std::size_t>(r_count, 1), 256, 8192));
  std::vector<float> logits(r_count * chunk);
  std::vector<PositionState> states(r_count);
  for (std::size_t first = 0; first < vocab && r_count > 0; first += chunk) {
    const std::size_t count = std::min(chunk, vocab - first);
    head.decoder.output_slice(first, count).apply(r_count, x.data(), d, logits.data(), count);
    if (!head.bias.empty()) kernels::add_bias(r_count, count, head.bias.data() + first, logits.data(), count);
    parallel::parallel_for(r_count, [&](std::size_t r) {
      const std::int32_t target = request.targets.empty() ? -1 : request.targets[rows[r]];
      states[r].add_chunk(logits.data() + r * count, count, static_cast<std::int32_t>(first), k, target);
    });
  }

  VocabularyResult result;
  result.k = k;
  result.top_ids.resize(n * k);
  result.top_probs.resize(n * k);
  if (!request.targets.empty()) result.target_log_probs.assign(n, std::numeric_limits<float>::quiet_NaN());
  for (std::size_t r = 0; r < r_count; ++r) {
    PositionState& s = states[r];
    const std::size_t i = rows[r];
    std::sort_heap(s.heap.begin(), s.heap.end(), better);  // most probable first
    for (std::size_t j = 0; j < s.heap.size(); ++j) {
      result.top_ids[i * k + j] = s.heap[j].id;
      result.top_probs[i * k + j] = static_cast<float>(std::exp(static_cast<double>(s.heap[j].logit) - s.max) / s.sum);
    }
    if (!request.targets.empty()) {
      result.target_log_probs[i] = static_cast<float>(static_cast<double>(s.target_logit) - s.max - std::log(s.sum));
    }
  }
  return result;
}

}  // namespace attnscope::model
