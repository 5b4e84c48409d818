// Where a whole model forward's time goes (scripts/bench --core runs it natively and as wasm):
//   attnscope_model_profile [bert|gpt2] [tokens ...] [--threads N]
// builds a bert-base- or GPT-2-small-shaped checkpoint in memory (seeded N(0, 0.02) weights, as
// tests/bench/random_bert.mjs), times load_transformer on its bytes, then one forward per length
// with every layer's attentions and one without, each with the kernels' profile on
// (kernels/profile.hpp): every operation's calls, CPU time and GFLOP/s, and the time the forward
// spends outside the kernels (embeddings, residual adds, copies, allocation).
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "cpu_time.hpp"

#include "kernels/profile.hpp"
#include "model/transformer.hpp"
#include "util/parallel.hpp"

namespace {

using namespace attnscope;
using Clock = std::chrono::steady_clock;

struct Shape {
  const char* family;
  std::size_t layers, d, heads, ff, vocab, positions;
};

constexpr Shape kBertBase{"bert", 12, 768, 12, 3072, 30522, 512};
constexpr Shape kGpt2Small{"gpt2", 12, 768, 12, 3072, 50257, 1024};

struct Tensor {
  std::string name;
  std::vector<std::size_t> shape;
  char init;  // 'n' N(0, 0.02), 'z' zeros, 'o' ones
};

std::vector<Tensor> tensors_of(const Shape& s) {
  std::vector<Tensor> t;
  const std::size_t d = s.d, ff = s.ff;
  auto norm = [&](const std::string& name) {
    t.push_back({name + ".weight", {d}, 'o'});
    t.push_back({name + ".bias", {d}, 'z'});
  };
  // BERT: nn.Linear [out, in]; GPT-2: Conv1D [in, out].
  auto linear = [&](const std::string& name, std::size_t in, std::size_t out) {
    const bool conv = std::strcmp(s.family, "gpt2") == 0;
    t.push_back({name + ".weight", conv ? std::vector<std::size_t>{in, out} : std::vector<std::size_t>{out, in}, 'n'});
    t.push_back({name + ".bias", {out}, 'z'});
  };
  if (std::strcmp(s.family, "bert") == 0) {
    t.push_back({"embeddings.word_embeddings.weight", {s.vocab, d}, 'n'});
    t.push_back({"embeddings.position_embeddings.weight", {s.positions, d}, 'n'});
    t.push_back({"embeddings.token_type_embeddings.weight", {2, d}, 'n'});
    norm("embeddings.LayerNorm");
    for (std::size_t l = 0; l < s.layers; ++l) {
      const std::string p = "encoder.layer." + std::to_string(l) + ".";
      for (const char* w : {"attention.self.query", "attention.self.key", "attention.self.value",
                            "attention.output.dense"}) {
        linear(p + w, d, d);
      }
      norm(p + "attention.output.LayerNorm");
      linear(p + "intermediate.dense", d, ff);
      linear(p + "output.dense", ff, d);
      norm(p + "output.LayerNorm");
    }
  } else {
    t.push_back({"wte.weight", {s.vocab, d}, 'n'});
    t.push_back({"wpe.weight", {s.positions, d}, 'n'});
    for (std::size_t l = 0; l < s.layers; ++l) {
      const std::string p = "h." + std::to_string(l) + ".";
      norm(p + "ln_1");
      linear(p + "attn.c_attn", d, 3 * d);
      linear(p + "attn.c_proj", d, d);
      norm(p + "ln_2");
      linear(p + "mlp.c_fc", d, ff);
      linear(p + "mlp.c_proj", ff, d);
    }
    norm("ln_f");
  }
  return t;
}

std::vector<std::uint8_t> safetensors_of(const std::vector<Tensor>& tensors) {
  std::string header = "{";
  std::size_t offset = 0;
  for (const Tensor& t : tensors) {
    std::size_t count = 1;
    std::string shape;
    for (std::size_t dim : t.shape) {
      count *= dim;
      shape += (shape.empty() ? "" : ",") + std::to_string(dim);
    }
    header += (header.size() > 1 ? "," : "") + std::string("\"") + t.name + "\":{\"dtype\":\"F32\",\"shape\":[" +
              shape + "],\"data_offsets\":[" + std::to_string(offset) + "," + std::to_string(offset + 4 * count) + "]}";
    offset += 4 * count;
  }
  header += "}";
  header.append((8 - header.size() % 8) % 8, ' ');
  std::vector<std::uint8_t> file(8 + header.size() + offset);
  const std::uint64_t length = header.size();
  std::memcpy(file.data(), &length, 8);  // little-endian hosts (x86, wasm)
  std::memcpy(file.data() + 8, header.data(), header.size());
  std::mt19937 gen(1234);
  std::normal_distribution<float> normal(0.0f, 0.02f);
  float* values = reinterpret_cast<float*>(file.data() + 8 + header.size());
  for (const Tensor& t : tensors) {
    std::size_t count = 1;
    for (std::size_t dim : t.shape) count *= dim;
    for (std::size_t i = 0; i < count; ++i) values[i] = t.init == 'n' ? normal(gen) : t.init == 'o' ? 1.0f : 0.0f;
    values += count;
  }
  return file;
}

std::string config_of(const Shape& s) {
  if (std::strcmp(s.family, "bert") == 0) {
    return "{\"model_type\":\"bert\",\"hidden_size\":" + std::to_string(s.d) + ",\"num_hidden_layers\":" +
           std::to_string(s.layers) + ",\"num_attention_heads\":" + std::to_string(s.heads) +
           ",\"intermediate_size\":" + std::to_string(s.ff) + ",\"vocab_size\":" + std::to_string(s.vocab) +
           ",\"max_position_embeddings\":" + std::to_string(s.positions) +
           ",\"type_vocab_size\":2,\"layer_norm_eps\":1e-12,\"hidden_act\":\"gelu\"}";
  }
  return "{\"model_type\":\"gpt2\",\"n_embd\":" + std::to_string(s.d) + ",\"n_layer\":" + std::to_string(s.layers) +
         ",\"n_head\":" + std::to_string(s.heads) + ",\"n_inner\":" + std::to_string(s.ff) + ",\"vocab_size\":" +
         std::to_string(s.vocab) + ",\"n_positions\":" + std::to_string(s.positions) +
         ",\"layer_norm_epsilon\":1e-5,\"activation_function\":\"gelu_new\"}";
}


double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

void profile_forward(const model::TransformerModel& m, std::size_t n, bool attentions) {
  std::vector<std::int32_t> ids(n);
  for (std::size_t i = 0; i < n; ++i) ids[i] = static_cast<std::int32_t>(5 + (i * 7919) % (m.config().vocab_size - 5));
  model::ForwardRequest request;
  request.attentions = attentions;
  (void)m.forward(ids, request);  // warm: buffers, pack workspaces, pool threads
  kernels::profile::enable(true, cpu_now_ms);
  const auto t0 = Clock::now();
  const double c0 = cpu_now_ms();
  const model::ForwardResult result = m.forward(ids, request);
  const double total = cpu_now_ms() - c0, wall = ms_since(t0);
  kernels::profile::enable(false);
  double in_kernels = 0.0, flops = 0.0;
  std::printf("forward, %zu tokens, attentions %s: %.1f ms CPU, %.1f ms wall (%.0f tokens/s of CPU time)\n", n,
              attentions ? "all" : "none", total, wall, 1000.0 * n / total);
  std::printf("  %-34s %7s %10s %8s %7s\n", "kernel (m×n×k)", "calls", "ms", "GFLOP/s", "share");
  for (const kernels::profile::Total& t : kernels::profile::totals()) {
    in_kernels += t.ms;
    flops += t.flops;
    std::printf("  %-34s %7zu %10.2f %8.1f %6.1f %%\n", t.label.c_str(), t.calls, t.ms,
                t.flops > 0 ? t.flops / (t.ms * 1e6) : 0.0, 100.0 * t.ms / total);
  }
  std::printf("  %-34s %7s %10.2f %8s %6.1f %%\n", "outside the kernels", "", total - in_kernels, "",
              100.0 * (total - in_kernels) / total);
  std::printf("  matrix products: %.1f GFLOP at %.1f GFLOP/s of forward time\n", flops / 1e9, flops / (total * 1e6));
  (void)result;
}

}  // namespace

int main(int argc, char** argv) {
  Shape shape = kBertBase;
  std::vector<std::size_t> lengths;
  std::size_t threads = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "bert") shape = kBertBase;
    else if (arg == "gpt2") shape = kGpt2Small;
    else if (arg == "--threads" && i + 1 < argc) threads = std::stoul(argv[++i]);
    else if (!arg.empty() && arg.find_first_not_of("0123456789") == std::string::npos) lengths.push_back(std::stoul(arg));
    else {
      std::fprintf(stderr, "attnscope_model_profile: unknown argument %s (bert | gpt2, token counts, --threads N)\n",
                   argv[i]);
      return 2;
    }
  }
  if (lengths.empty()) lengths = {128, 512};
  parallel::set_num_threads(threads);
  const std::vector<std::uint8_t> file = safetensors_of(tensors_of(shape));
  const auto t0 = Clock::now();
  const model::TransformerModel model = model::load_transformer(config_of(shape), file);
  std::printf("%s-shaped checkpoint, %.0f MiB F32: load_transformer %.0f ms; %zu thread(s)\n", shape.family,
              file.size() / 1048576.0, ms_since(t0), threads);
  for (std::size_t n : lengths) {
    for (bool attentions : {true, false}) profile_forward(model, n, attentions);
  }
  return 0;
}
