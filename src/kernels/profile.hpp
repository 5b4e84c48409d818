// Opt-in timing of every kernel call, for benchmarks that ask where a whole forward's time goes
// (tests/bench/model_profile.cpp). Off by default: then a kernel call pays one relaxed atomic load.
// While on, each operation of kernels.hpp adds its wall time to a total per label, the operation's
// name and, for matrix products, its m×n×k (so the projections, the feed-forward and the per-head
// products show apart). Time is taken on the calling thread: profile on one thread.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace attnscope::kernels::profile {

struct Total {
  std::string label;
  std::size_t calls = 0;
  double ms = 0.0;
  double flops = 0.0;  // matrix products only: 2·m·n·k per call
};

// Milliseconds from any fixed origin. The default is the wall clock; on a shared machine a benchmark
// passes this process's CPU time instead, which excludes the time it waited for a core.
using Clock = double (*)();

// Turns recording on (clearing the totals, timing with `clock`, or the wall clock when null) or off.
void enable(bool on, Clock clock = nullptr);
bool enabled() noexcept;
// The totals since enable(true), in the order the labels first appeared.
std::vector<Total> totals();

// Records the enclosing operation's time when profiling is on (kernels.cpp puts one in each).
class Scope {
 public:
  explicit Scope(const char* op) noexcept : Scope(op, 0, 0, 0) {}
  Scope(const char* op, std::size_t m, std::size_t n, std::size_t k) noexcept;
  ~Scope();
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

 private:
  void record(double ms) const;

  const char* op_;
  std::size_t m_ = 0, n_ = 0, k_ = 0;
  double start_ms_ = -1.0;  // < 0: not recording
};

}  // namespace attnscope::kernels::profile
