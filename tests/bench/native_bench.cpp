// The core's own timings, for context next to the JS benchmark (scripts/bench runs it natively and
// as wasm under Node):
//   mha        MultiHeadAttention::forward with the weights returned, at the bench's shapes
//   profile    where the time goes at 512×768×12 (or profile=NxDxH[c], c = causal): the kernels
//              one by one as a forward calls them, with GFLOP/s
//   streaming  streaming_attention at 16,384 × 64, one head (no weights matrix)
// Usage: attnscope_bench [mha] [profile[=NxDxH[c]]] [streaming] [--quick]   (no section: all three)
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "cpu_time.hpp"

#include "attention/multi_head.hpp"
#include "attention/streaming.hpp"
#include "kernels/kernels.hpp"
#include "util/parallel.hpp"

namespace {

using namespace attnscope;
using Clock = std::chrono::steady_clock;

std::vector<float> random_values(std::size_t count, std::mt19937& gen, float spread) {
  std::uniform_real_distribution<float> dist(-spread, spread);
  std::vector<float> out(count);
  for (float& x : out) x = dist(gen);
  return out;
}

struct Timing {
  double wall_ms, cpu_ms;  // medians
};


// Medians of `reps` calls after one warm-up call; reps shrinks for slow calls so that each
// measurement takes about `budget_ms`. A call slower than the budget is timed once, cold. CPU time is
// reported beside wall time because this machine may be shared: it excludes waiting for a core.
Timing median_ms(const std::function<void()>& call, double budget_ms = 1500.0, int max_reps = 51) {
  const double c0 = cpu_now_ms();
  const auto t0 = Clock::now();
  call();
  const double first = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  if (first > budget_ms) return {first, cpu_now_ms() - c0};  // slow enough that warming up is moot
  const int reps = std::clamp(int(budget_ms / std::max(first, 1e-3)), 3, max_reps) | 1;
  std::vector<double> wall, cpu;
  for (int r = 0; r < reps; ++r) {
    const double c0 = cpu_now_ms();
    const auto s = Clock::now();
    call();
    wall.push_back(std::chrono::duration<double, std::milli>(Clock::now() - s).count());
    cpu.push_back(cpu_now_ms() - c0);
  }
  std::nth_element(wall.begin(), wall.begin() + reps / 2, wall.end());
  std::nth_element(cpu.begin(), cpu.begin() + reps / 2, cpu.end());
  return {wall[reps / 2], cpu[reps / 2]};
}

struct Shape {
  std::size_t n, d, h;
  bool causal;
};

MultiHeadAttention make_mha(std::size_t d, std::size_t h, std::mt19937& gen) {
  MultiHeadAttentionParams p;
  p.d_model = d;
  p.num_heads = h;
  const float a = 1.0f / std::sqrt(float(d));
  for (auto* w : {&p.wq, &p.wk, &p.wv, &p.wo}) *w = random_values(d * d, gen, a);
  for (auto* b : {&p.bq, &p.bk, &p.bv, &p.bo}) *b = random_values(d, gen, 0.1f);
  return MultiHeadAttention(std::move(p));
}

void bench_mha(bool quick) {
  const std::vector<Shape> shapes = quick ? std::vector<Shape>{{16, 64, 4, false}, {128, 256, 4, true}}
                                          : std::vector<Shape>{{16, 64, 4, false},    {128, 256, 4, false},
                                                               {128, 768, 12, false}, {512, 768, 12, false},
                                                               {512, 768, 12, true},  {1024, 768, 12, false},
                                                               {2048, 64, 1, false}};
  std::printf("multi-head self-attention forward, weights returned (FLOPs = 8nd² + 4n²d)\n");
  std::printf("  %-20s %10s %10s %9s\n", "n×d×h", "wall ms", "cpu ms", "GFLOP/s");
  std::mt19937 gen(7);
  for (const Shape& s : shapes) {
    MultiHeadAttention mha = make_mha(s.d, s.h, gen);
    const auto x = random_values(s.n * s.d, gen, 1.0f);
    std::vector<float> output(s.n * s.d), weights(s.h * s.n * s.n);
    MultiHeadOutputs out;
    out.output = output;
    out.weights = weights;
    const Mask mask = s.causal ? Mask::causal() : Mask::none();
    const Timing t = median_ms([&] { mha.forward(x, s.n, {}, 0, mask, out); });
    const double flops = 8.0 * s.n * s.d * s.d + 4.0 * s.n * s.n * s.d;
    std::printf("  %-20s %10.3f %10.3f %9.1f\n",
                (std::to_string(s.n) + "×" + std::to_string(s.d) + "×" + std::to_string(s.h) +
                 (s.causal ? " causal" : "")).c_str(),
                t.wall_ms, t.cpu_ms, flops / (t.cpu_ms * 1e6));
  }
  std::printf("  (GFLOP/s from the CPU time)\n");
}

// The pipeline's kernels one by one at n×d×h, called as MultiHeadAttention::forward calls them
// (one fused [n, 3d] Q/K/V projection, per-head strided Q·Kᵀ and P·V, the W_O projection), with
// the time a whole forward would spend in each.
void bench_profile(std::size_t n, std::size_t d, std::size_t h, bool causal) {
  std::mt19937 gen(11);
  const std::size_t dh = d / h;
  const auto x = random_values(n * d, gen, 1.0f), w_qkv = random_values(d * 3 * d, gen, 0.05f);
  const auto bias = random_values(3 * d, gen, 0.1f), w_o = random_values(d * d, gen, 0.05f);
  std::vector<float> qkv(n * 3 * d), scores(n * n), probs(n * n), output(n * d);
  // Every head's columns filled, as in a forward (the GEMM skips all-zero tails of A's rows).
  std::vector<float> heads = random_values(n * d, gen, 1.0f);
  const auto mask = causal ? kernels::SoftmaxMask::causal : kernels::SoftmaxMask::none;
  auto cpu = [](const std::function<void()>& call) { return median_ms(call).cpu_ms; };
  const double t_qkv = cpu([&] { kernels::gemm_nn(n, 3 * d, d, x.data(), d, w_qkv.data(), 3 * d, qkv.data(), 3 * d); });
  const double t_bias = cpu([&] { kernels::add_bias(n, 3 * d, bias.data(), qkv.data(), 3 * d); });
  const double t_qk = cpu([&] {
    kernels::gemm_nt(n, n, dh, qkv.data(), 3 * d, qkv.data() + d, 3 * d, scores.data(), n);
  });
  const double t_softmax = cpu([&] {
    kernels::scale_mask_softmax(n, n, 0.125f, scores.data(), n, probs.data(), n, mask);
  });
  const double t_pv = cpu([&] {
    kernels::gemm_nn(n, dh, n, probs.data(), n, qkv.data() + 2 * d, 3 * d, heads.data(), d);
  });
  const double t_out = cpu([&] { kernels::gemm_nn(n, d, d, heads.data(), d, w_o.data(), d, output.data(), d); });
  const double total = t_qkv + t_bias + h * (t_qk + t_softmax + t_pv) + t_out;
  std::printf("profile at %zu×%zu×%zu%s: kernels one by one (CPU ms per call, median)\n", n, d, h,
              causal ? " causal" : "");
  std::printf("  %-38s %9s %9s %9s\n", "kernel", "ms/call", "GFLOP/s", "share");
  auto row = [&](const char* what, double ms, double flops, int calls) {
    std::printf("  %-38s %9.3f %9.1f %8.0f %%\n", what, ms, flops > 0 ? flops / (ms * 1e6) : 0.0,
                100.0 * ms * calls / total);
  };
  row("Q/K/V gemm_nn [n,d]·[d,3d]", t_qkv, 6.0 * n * d * d, 1);
  row("bias add [n,3d]", t_bias, 0.0, 1);
  row("Q·Kᵀ gemm_nt [n,dh]·[n,dh]ᵀ (×h)", t_qk, 2.0 * n * n * dh, int(h));
  row("scale+mask+softmax [n,n] (×h)", t_softmax, 0.0, int(h));
  std::printf("    (softmax: %.2f ns per entry)\n", 1e6 * t_softmax / double(n * n));
  row("P·V gemm_nn [n,n]·[n,dh] (×h)", t_pv, 2.0 * n * n * dh, int(h));
  row("W_O gemm_nn [n,d]·[d,d]", t_out, 2.0 * n * d * d, 1);
  std::printf("  sum of kernels: %.2f ms, %.1f GFLOP/s (a forward adds copies)\n", total,
              (8.0 * n * d * d + 4.0 * n * n * d) / (total * 1e6));
}

constexpr int kStreamingRuns = 3;

void bench_streaming(bool quick) {
  const std::size_t n = quick ? 2048 : 16384, d = 64;
  std::mt19937 gen(5);
  const auto q = random_values(n * d, gen, 1.0f), k = random_values(n * d, gen, 1.0f),
             v = random_values(n * d, gen, 1.0f);
  std::vector<float> out(n * d);
  const AttentionShape shape{n, n, d, d};
  std::printf("streaming attention, one head, %zu × %zu (no [n,n] weights; FLOPs = 4n²d dense)\n", n, d);
  std::printf("  CPU time of %d runs each, best and median: on a shared machine the best is the least disturbed\n",
              kStreamingRuns);
  // One thread, then (in builds with the thread pool) two: query blocks are spread over the threads.
  std::vector<std::size_t> thread_counts{1};
  if (parallel::max_threads() >= 2) thread_counts.push_back(2);
  for (const std::size_t threads : thread_counts) {
    parallel::set_num_threads(threads);
    for (bool causal : {false, true}) {
      const Mask mask = causal ? Mask::causal() : Mask::none();
      std::vector<double> wall, cpu;
      for (int run = 0; run < kStreamingRuns; ++run) {
        const double c0 = cpu_now_ms();
        const auto t0 = Clock::now();
        streaming_attention(q, k, v, shape, mask, out);
        wall.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
        cpu.push_back(cpu_now_ms() - c0);
      }
      std::sort(wall.begin(), wall.end());
      std::sort(cpu.begin(), cpu.end());
      const double flops = 4.0 * n * n * d * (causal ? 0.5 : 1.0);
      std::printf("  %zu thread%s %-8s cpu best %8.1f ms (%5.1f GFLOP/s) median %8.1f ms; wall best %8.1f ms (%5.1f GFLOP/s)\n",
                  threads, threads == 1 ? " " : "s", causal ? "causal" : "no mask", cpu[0], flops / (cpu[0] * 1e6),
                  cpu[kStreamingRuns / 2], wall[0], flops / (wall[0] * 1e6));
    }
  }
  parallel::set_num_threads(1);
#ifdef __EMSCRIPTEN__
  // The whole wasm memory (inputs, output, everything the runtime holds), the figure a browser tab pays.
  std::printf("  wasm memory after the runs: %.1f MB\n", double(__builtin_wasm_memory_size(0)) * 65536.0 / 1e6);
#endif
  const double mb = 4.0 * n * d * sizeof(float) / 1e6;
  std::printf("  memory: q, k, v, output %.1f MB; the kernel's buffers beyond them O(block · d) ≈ %.2f MB\n", mb,
              (detail::kStreamQueryBlock * 2 * d + 2 * kernels::kOnlineSoftmaxKeyBlock * d +
               4 * kernels::kOnlineSoftmaxKeyBlock) * sizeof(float) / 1e6);
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false, mha = false, profile = false, streaming = false;
  Shape profile_shape{512, 768, 12, false};
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    unsigned long n = 0, d = 0, h = 0;
    char causal = 0;
    if (arg == "--quick") quick = true;
    else if (arg == "mha") mha = true;
    else if (arg == "profile") profile = true;
    else if (arg.rfind("profile=", 0) == 0 &&
             std::sscanf(arg.c_str() + 8, "%lux%lux%lu%c", &n, &d, &h, &causal) >= 3 && n > 0 && h > 0 &&
             d % h == 0 && (causal == 0 || causal == 'c')) {
      profile = true;
      profile_shape = {n, d, h, causal == 'c'};
    }
    else if (arg == "streaming") streaming = true;
    else {
      std::fprintf(stderr, "attnscope_bench: unknown argument %s (mha, profile, profile=NxDxH[c] with "
                   "H dividing D, streaming, --quick)\n", argv[i]);
      return 2;
    }
  }
  if (!mha && !profile && !streaming) mha = profile = streaming = true;
  std::printf("kernel path: %s\n", kernels::active_path() == kernels::Path::simd ? "simd" : "scalar");
  if (mha) bench_mha(quick);
  if (profile) {
    if (quick) profile_shape = {128, 256, 4, false};
    bench_profile(profile_shape.n, profile_shape.d, profile_shape.h, profile_shape.causal);
  }
  if (streaming) bench_streaming(quick);
  return 0;
}
