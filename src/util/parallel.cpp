// The thread pool behind parallel_for (see parallel.hpp).
//
// One job at a time. The caller publishes a job (function, context, task count) and then claims
// tasks like any pool thread; it returns when every task has completed. Tasks are claimed with a
// CAS on one 64-bit word holding (job generation, task count, next index), so a pool thread that
// wakes late can never claim a task of a newer job, and the caller never waits for a thread that
// has not started (it would do every task itself): an Emscripten worker that is slow to start
// cannot deadlock the page's main thread.
#include "util/parallel.hpp"

#include <string>

#include "util/error.hpp"

#if ATTNSCOPE_THREADS
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>
#endif

namespace attnscope::parallel {

#if !ATTNSCOPE_THREADS

bool threads_available() noexcept { return false; }
std::size_t max_threads() noexcept { return 1; }
std::size_t num_threads() noexcept { return 1; }

void set_num_threads(std::size_t count) {
  if (count != 1) {
    throw InvalidArgument("set_num_threads: count is " + std::to_string(count) +
                          ", expected 1 (this build has no threads)");
  }
}

#else

namespace {

constexpr std::size_t kMaxThreads = 64;

// The claim word: generation (24 bits) | task count (20 bits) | next task index (20 bits).
constexpr unsigned kIndexBits = 20;
constexpr std::uint64_t kIndexMask = (std::uint64_t{1} << kIndexBits) - 1;
constexpr std::size_t kMaxTasksPerJob = kIndexMask;  // index kIndexMask = "all claimed"
constexpr std::uint64_t kGenerationMask = (std::uint64_t{1} << 24) - 1;

constexpr std::uint64_t pack(std::uint64_t generation, std::uint64_t count, std::uint64_t index) {
  return (generation << (2 * kIndexBits)) | (count << kIndexBits) | index;
}
constexpr std::uint64_t generation_of(std::uint64_t word) { return word >> (2 * kIndexBits); }
constexpr std::uint64_t count_of(std::uint64_t word) { return (word >> kIndexBits) & kIndexMask; }
constexpr std::uint64_t index_of(std::uint64_t word) { return word & kIndexMask; }

// How long a thread polls before sleeping on a condition variable. Consecutive regions (the kernels
// of one attention head) follow each other within microseconds; sleeping and waking costs more.
constexpr auto kSpin = std::chrono::microseconds(100);

thread_local bool t_inside_task = false;

template <typename Done>
bool spin_until(Done done) {
  const auto deadline = std::chrono::steady_clock::now() + kSpin;
  for (unsigned i = 1;; ++i) {
    if (done()) return true;
    if (i % 64 == 0 && std::chrono::steady_clock::now() > deadline) return false;
  }
}

class Pool {
 public:
  ~Pool() { resize_workers(0); }

  std::size_t num_threads() const noexcept { return threads_.load(std::memory_order_relaxed); }

  void set_num_threads(std::size_t count) {
    std::lock_guard region(region_mutex_);  // no job is running while threads come and go
    resize_workers(count - 1);
    threads_.store(count, std::memory_order_relaxed);
  }

  // Runs the job when it can have the pool; returns false when the caller must run it serially.
  bool try_run(std::size_t count, detail::TaskFn fn, void* context) {
    // A quick no without the lock (workers_ itself is only read under region_mutex_).
    if (threads_.load(std::memory_order_relaxed) < 2) return false;
    std::unique_lock region(region_mutex_, std::try_to_lock);
    if (!region.owns_lock() || workers_.empty()) return false;

    fn_ = fn;
    context_ = context;
    completed_.store(0, std::memory_order_relaxed);
    failed_.store(false, std::memory_order_relaxed);
    error_ = nullptr;
    generation_ = (generation_ + 1) & kGenerationMask;
    {
      std::lock_guard lock(mutex_);
      claim_.store(pack(generation_, count, 0), std::memory_order_release);
    }
    wake_.notify_all();

    work_on(generation_);
    const auto all_done = [&] { return completed_.load(std::memory_order_acquire) == count; };
    if (!spin_until(all_done)) {
      std::unique_lock lock(mutex_);
      done_.wait(lock, all_done);
    }
    if (error_) std::rethrow_exception(error_);
    return true;
  }

 private:
  // Claims and runs tasks of job `generation` until none is left; false when the job is not
  // current.
  void work_on(std::uint64_t generation) {
    std::uint64_t word = claim_.load(std::memory_order_acquire);
    for (;;) {
      if (generation_of(word) != generation || index_of(word) >= count_of(word)) return;
      if (!claim_.compare_exchange_weak(word, word + 1, std::memory_order_acq_rel,
                                        std::memory_order_acquire)) {
        continue;
      }
      run_task(index_of(word), count_of(word));
      word = claim_.load(std::memory_order_acquire);
    }
  }

  void run_task(std::size_t index, std::size_t count) {
    if (!failed_.load(std::memory_order_relaxed)) {
      try {
        fn_(context_, index);
      } catch (...) {
        std::lock_guard lock(error_mutex_);
        if (!error_) error_ = std::current_exception();
        failed_.store(true, std::memory_order_relaxed);
      }
    }
    if (completed_.fetch_add(1, std::memory_order_acq_rel) + 1 == count) {
      std::lock_guard lock(
          mutex_);  // the caller checks its predicate under this lock: no lost wake-up
      done_.notify_all();
    }
  }

  // `seen`: the generation when the thread was started; jobs published after it are new to it.
  void worker_loop(std::uint64_t seen) {
    t_inside_task = true;  // a parallel_for inside a task runs serially
    for (;;) {
      const auto changed = [&] {
        return stop_.load(std::memory_order_acquire) ||
               generation_of(claim_.load(std::memory_order_acquire)) != seen;
      };
      if (!spin_until(changed)) {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, changed);
      }
      if (stop_.load(std::memory_order_acquire)) return;
      seen = generation_of(claim_.load(std::memory_order_acquire));
      work_on(seen);
    }
  }

  void resize_workers(std::size_t count) {
    if (count == workers_.size()) return;
    if (!workers_.empty()) {
      {
        std::lock_guard lock(mutex_);
        stop_.store(true, std::memory_order_release);
      }
      wake_.notify_all();
      for (std::thread& worker : workers_) worker.join();
      workers_.clear();
      stop_.store(false, std::memory_order_release);
    }
    workers_.reserve(count);
    const std::uint64_t current = generation_of(claim_.load(std::memory_order_acquire));
    for (std::size_t i = 0; i < count; ++i) {
      workers_.emplace_back([this, current] { worker_loop(current); });
    }
  }

  std::mutex region_mutex_;  // one job at a time; held by the caller for the whole region
  std::mutex mutex_;         // with wake_/done_: sleeping and waking
  std::condition_variable wake_, done_;
  std::atomic<std::uint64_t> claim_{0};
  std::atomic<std::size_t> completed_{0};
  std::atomic<bool> failed_{false}, stop_{false};
  std::atomic<std::size_t> threads_{1};
  std::uint64_t generation_ = 0;  // written by the region owner only
  detail::TaskFn fn_ = nullptr;   // the current job, stable while any of its tasks is unfinished
  void* context_ = nullptr;
  std::mutex error_mutex_;
  std::exception_ptr error_;
  std::vector<std::thread> workers_;
};

Pool& pool() {
  static Pool instance;
  return instance;
}

// Runs tasks [first, first + count) of a larger job as one job's tasks (jobs hold < 2^20 tasks).
struct Slice {
  detail::TaskFn fn;
  void* context;
  std::size_t first;
};

}  // namespace

bool threads_available() noexcept { return true; }
std::size_t max_threads() noexcept { return kMaxThreads; }
std::size_t num_threads() noexcept { return pool().num_threads(); }

void set_num_threads(std::size_t count) {
  if (count == 0 || count > kMaxThreads) {
    throw InvalidArgument("set_num_threads: count is " + std::to_string(count) +
                          ", expected 1 to " + std::to_string(kMaxThreads));
  }
  if (t_inside_task) {
    throw InvalidArgument(
        "set_num_threads: called from inside a parallel_for task, expected the "
        "thread that started the region or any other");
  }
  pool().set_num_threads(count);
}

namespace detail {

void run(std::size_t count, TaskFn fn, void* context) {
  if (count == 0) return;
  if (t_inside_task) {  // nested: serially, on this thread
    for (std::size_t i = 0; i < count; ++i) fn(context, i);
    return;
  }
  struct InsideTask {  // also while the caller runs tasks, and when an exception leaves
    InsideTask() { t_inside_task = true; }
    ~InsideTask() { t_inside_task = false; }
  } inside;
  if (count > 1) {
    for (std::size_t first = 0; first < count; first += kMaxTasksPerJob) {
      const std::size_t tasks = std::min(kMaxTasksPerJob, count - first);
      Slice slice{fn, context, first};
      const TaskFn sliced = [](void* c, std::size_t i) {
        const Slice& s = *static_cast<Slice*>(c);
        s.fn(s.context, s.first + i);
      };
      if (!pool().try_run(tasks, sliced, &slice)) {
        for (std::size_t i = 0; i < tasks; ++i) fn(context, first + i);
      }
    }
    return;
  }
  fn(context, 0);
}

}  // namespace detail

#endif

}  // namespace attnscope::parallel
