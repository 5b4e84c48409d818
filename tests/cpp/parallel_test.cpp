// The thread pool (util/parallel.hpp): every index runs exactly once, two threads really run at the
// same time, exceptions in tasks reach the caller (not std::terminate) and leave the pool usable,
// nesting runs serially, and bad thread counts are refused. Builds without threads (the
// single-thread wasm flavours) check the plain-loop fallback and the refusal of count > 1.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "util/error.hpp"
#include "util/parallel.hpp"

namespace attnscope {
namespace {

// Restores one thread after a test (the suite's other tests expect the default).
class ScopedThreads {
 public:
  explicit ScopedThreads(std::size_t count) { parallel::set_num_threads(count); }
  ~ScopedThreads() { parallel::set_num_threads(1); }
};

// Thread counts this build can run: 1, and 2 and 3 with the pool (the wasm test runner pre-starts
// two workers, see CMakeLists.txt).
std::vector<std::size_t> thread_counts() {
  if (!parallel::threads_available()) return {1};
  return {1, 2, 3};
}

void expect_each_index_once(std::size_t count) {
  std::vector<std::atomic<int>> hits(count);
  parallel::parallel_for(count, [&](std::size_t i) { hits[i].fetch_add(1); });
  for (std::size_t i = 0; i < count; ++i) ASSERT_EQ(hits[i].load(), 1) << "index " << i << " of " << count;
}

TEST(Parallel, EveryIndexRunsExactlyOnce) {
  for (const std::size_t threads : thread_counts()) {
    SCOPED_TRACE("threads " + std::to_string(threads));
    ScopedThreads scoped(threads);
    EXPECT_EQ(parallel::num_threads(), threads);
    for (const std::size_t count : {0u, 1u, 2u, 3u, 7u, 64u, 1000u}) expect_each_index_once(count);
    // Many small regions back to back (the per-head kernels' pattern).
    for (int repeat = 0; repeat < 2000; ++repeat) expect_each_index_once(5);
  }
}

TEST(Parallel, DefaultIsOneThreadAndBadCountsAreRefused) {
  EXPECT_EQ(parallel::num_threads(), 1u);
  try {
    parallel::set_num_threads(0);
    FAIL() << "set_num_threads(0) returned";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("count is 0"), std::string::npos) << e.what();
  }
  const std::size_t too_many = parallel::max_threads() + 1;
  EXPECT_THROW(parallel::set_num_threads(too_many), InvalidArgument);
  EXPECT_EQ(parallel::num_threads(), 1u);
  if (!parallel::threads_available()) {
    EXPECT_EQ(parallel::max_threads(), 1u);
    try {
      parallel::set_num_threads(2);
      FAIL() << "set_num_threads(2) returned in a build without threads";
    } catch (const InvalidArgument& e) {
      EXPECT_NE(std::string(e.what()).find("no threads"), std::string::npos) << e.what();
    }
  }
}

TEST(Parallel, TwoThreadsRunTasksAtTheSameTime) {
  if (!parallel::threads_available()) GTEST_SKIP() << "build without threads";
  ScopedThreads scoped(2);
  // Tasks 0 and 1 each wait for the other to start: only possible when two threads run them.
  // The deadline turns a pool that runs everything on the caller into a failure, not a hang.
  std::atomic<int> started{0};
  std::atomic<bool> met{true};
  parallel::parallel_for(2, [&](std::size_t) {
    started.fetch_add(1);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (started.load() < 2) {
      if (std::chrono::steady_clock::now() > deadline) {
        met = false;
        return;
      }
      std::this_thread::yield();
    }
  });
  EXPECT_TRUE(met.load()) << "the second task did not start while the first one was running";
}

TEST(Parallel, ExceptionInATaskReachesTheCallerAndThePoolStaysUsable) {
  for (const std::size_t threads : thread_counts()) {
    SCOPED_TRACE("threads " + std::to_string(threads));
    ScopedThreads scoped(threads);
    std::atomic<int> ran{0};
    try {
      parallel::parallel_for(100, [&](std::size_t i) {
        ran.fetch_add(1);
        if (i == 37) throw InvalidArgument("task 37: x is bad, expected good");
      });
      FAIL() << "parallel_for returned although a task threw";
    } catch (const InvalidArgument& e) {
      EXPECT_EQ(std::string(e.what()), "task 37: x is bad, expected good");
    }
    EXPECT_GE(ran.load(), 1);
    EXPECT_LE(ran.load(), 100);
    // Not derived from std::exception either.
    EXPECT_THROW(parallel::parallel_for(8, [](std::size_t i) { if (i == 5) throw 42; }), int);
    expect_each_index_once(50);
  }
}

TEST(Parallel, NestedRegionsRunSeriallyInsideTasks) {
  for (const std::size_t threads : thread_counts()) {
    SCOPED_TRACE("threads " + std::to_string(threads));
    ScopedThreads scoped(threads);
    std::vector<std::atomic<int>> hits(8 * 16);
    parallel::parallel_for(8, [&](std::size_t outer) {
      parallel::parallel_for(16, [&](std::size_t inner) { hits[outer * 16 + inner].fetch_add(1); });
    });
    for (std::size_t i = 0; i < hits.size(); ++i) ASSERT_EQ(hits[i].load(), 1) << "index " << i;
    if (parallel::threads_available()) {
      EXPECT_THROW(parallel::parallel_for(2, [](std::size_t) { parallel::set_num_threads(2); }),
                   InvalidArgument);
    }
  }
}

TEST(Parallel, RegionsFromSeveralThreadsAtOnceAllComplete) {
  if (!parallel::threads_available()) GTEST_SKIP() << "build without threads";
#ifdef __EMSCRIPTEN__
  GTEST_SKIP() << "the wasm runner's two workers belong to the pool";
#endif
  ScopedThreads scoped(2);
  std::vector<std::atomic<int>> hits(4 * 500);
  std::vector<std::thread> callers;
  for (std::size_t t = 0; t < 4; ++t) {
    callers.emplace_back([&, t] {
      for (std::size_t r = 0; r < 100; ++r) {
        parallel::parallel_for(5, [&](std::size_t i) { hits[t * 500 + r * 5 + i].fetch_add(1); });
      }
    });
  }
  for (std::thread& caller : callers) caller.join();
  for (std::size_t i = 0; i < hits.size(); ++i) ASSERT_EQ(hits[i].load(), 1) << "index " << i;
}

}  // namespace
}  // namespace attnscope
