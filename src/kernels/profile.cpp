#include "kernels/profile.hpp"

#include <atomic>
#include <chrono>
#include <mutex>

namespace attnscope::kernels::profile {
namespace {

std::atomic<bool> recording{false};
std::atomic<Clock> clock_ms{nullptr};
std::mutex totals_mutex;  // kernels may run inside parallel tasks
std::vector<Total> recorded;

double wall_ms() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double now_ms() {
  const Clock clock = clock_ms.load(std::memory_order_relaxed);
  return clock != nullptr ? clock() : wall_ms();
}

}  // namespace

void enable(bool on, Clock clock) {
  std::lock_guard lock(totals_mutex);
  if (on) {
    recorded.clear();
    clock_ms.store(clock, std::memory_order_relaxed);
  }
  recording.store(on, std::memory_order_relaxed);
}

bool enabled() noexcept { return recording.load(std::memory_order_relaxed); }

std::vector<Total> totals() {
  std::lock_guard lock(totals_mutex);
  return recorded;
}

Scope::Scope(const char* op, std::size_t m, std::size_t n, std::size_t k) noexcept : op_(op), m_(m), n_(n), k_(k) {
  if (enabled()) start_ms_ = now_ms();
}

Scope::~Scope() {
  if (start_ms_ < 0.0) return;
  try {
    record(now_ms() - start_ms_);
  } catch (...) {
    // Out of memory while profiling: this call goes unrecorded.
  }
}

void Scope::record(double ms) const {
  std::string label = op_;
  if (m_ != 0) label += " " + std::to_string(m_) + "×" + std::to_string(n_) + "×" + std::to_string(k_);
  std::lock_guard lock(totals_mutex);
  Total* total = nullptr;
  for (Total& t : recorded) {
    if (t.label == label) total = &t;
  }
  if (total == nullptr) total = &recorded.emplace_back(Total{label});
  total->calls += 1;
  total->ms += ms;
  total->flops += 2.0 * static_cast<double>(m_) * static_cast<double>(n_) * static_cast<double>(k_);
}

}  // namespace attnscope::kernels::profile
