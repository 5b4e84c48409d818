// A small persistent thread pool for the kernels: parallel_for(count, fn) runs fn(0) .. fn(count-1)
// on the calling thread plus num_threads() - 1 pool threads, handing out task indices one at a
// time.
//
// Builds without threads (ATTNSCOPE_THREADS=0: the single-thread wasm flavours) compile it to a
// plain loop. In threaded builds the pool threads are started by set_num_threads() and then sleep
// between regions (after a short spin, so back-to-back regions cost microseconds, not a thread
// start).
//
// Rules that keep it safe to call from anywhere:
//   - A parallel_for inside a task, or while another thread's region is running, runs serially on
//     the calling thread (no nesting, no deadlock).
//   - An exception thrown by a task stops the hand-out of further tasks, and the first one is
//     rethrown on the calling thread once every started task has finished (never std::terminate).
#pragma once
#include <cstddef>
#include <type_traits>
#include <utility>

#ifndef ATTNSCOPE_THREADS
#define ATTNSCOPE_THREADS 0
#endif

namespace attnscope::parallel {

// True when this build has the thread pool (ATTNSCOPE_THREADS=1).
bool threads_available() noexcept;

// Largest value set_num_threads() accepts: 1 without threads.
std::size_t max_threads() noexcept;

// Threads a parallel_for uses, the caller included. 1 until set_num_threads() says otherwise.
std::size_t num_threads() noexcept;

// Starts or stops pool threads so that regions use `count` threads. Throws InvalidArgument when
// count is 0 or above max_threads() (in a build without threads, anything but 1). Must not be
// called from inside a task. Under Emscripten each pool thread needs a pre-started Web Worker
// (PTHREAD_POOL_SIZE).
void set_num_threads(std::size_t count);

namespace detail {
using TaskFn = void (*)(void* context, std::size_t index);
void run(std::size_t count, TaskFn fn, void* context);
}  // namespace detail

// Calls fn(i) for every i in [0, count), in any order and on any of the threads; returns when all
// have run. fn must be safe to call concurrently for different i.
template <typename Fn>
void parallel_for(std::size_t count, Fn&& fn) {
#if ATTNSCOPE_THREADS
  using Callable = std::remove_reference_t<Fn>;
  detail::run(
      count, [](void* context, std::size_t index) { (*static_cast<Callable*>(context))(index); },
      const_cast<void*>(static_cast<const void*>(&fn)));
#else
  for (std::size_t i = 0; i < count; ++i) fn(i);
#endif
}

}  // namespace attnscope::parallel
