// Embind glue for the kernels' thread pool (src/util/parallel.hpp). The JS loader sets the count
// once after instantiating the threads flavour, never above the Web Workers Emscripten pre-started
// (PTHREAD_POOL_SIZE, see bindings/CMakeLists.txt): a pool thread without a ready worker would only
// start once the page's main thread returned to its event loop.
#include <emscripten/bind.h>

#include <cstddef>
#include <string>

#include "guard.hpp"
#include "util/parallel.hpp"

namespace attnscope::bindings {
namespace {

std::string set_num_threads(double count) {
  return guarded([&] {
    if (!(count >= 1 && count <= static_cast<double>(parallel::max_threads())) ||
        count != static_cast<double>(static_cast<std::size_t>(count))) {
      throw InvalidArgument("setNumThreads: count is " + std::to_string(count) +
                            ", expected an integer from 1 to " +
                            std::to_string(parallel::max_threads()));
    }
    parallel::set_num_threads(static_cast<std::size_t>(count));
  });
}

std::size_t num_threads() { return parallel::num_threads(); }
bool threads_build() { return parallel::threads_available(); }

}  // namespace

EMSCRIPTEN_BINDINGS(attnscope_threads) {
  emscripten::function("setNumThreads", &set_num_threads);
  emscripten::function("numThreads", &num_threads);
  emscripten::function("threadsBuild", &threads_build);
}

}  // namespace attnscope::bindings
