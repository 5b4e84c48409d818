// The numeric kernels every higher layer (attention, model forward) goes through.
//
// Each kernel has two implementations with identical semantics: a SIMD one written with xsimd
// (SSE/AVX natively, wasm SIMD128 under Emscripten) and a scalar twin. The SIMD one is compiled only
// when ATTNSCOPE_SIMD is 1 (the scalar wasm build has no xsimd at all). The active path is a
// process-wide switch so that tests run every operation through both.
//
// All matrices are float32, row-major, with an explicit leading dimension (elements between rows),
// so per-head column slices of a [n, d_model] buffer are used in place without copies.
#pragma once
#include <cstddef>
#include <cstdint>

namespace attnscope::kernels {

enum class Path : std::uint8_t { scalar, simd };

// True when the SIMD implementations were compiled into this build.
bool simd_available() noexcept;
// The path used by the dispatching functions below. Defaults to simd when available.
Path active_path() noexcept;
// Throws InvalidArgument when asked for simd in a build without it.
void set_active_path(Path path);

// Restores the previous path on scope exit (tests).
class ScopedPath {
 public:
  explicit ScopedPath(Path path) : previous_(active_path()) { set_active_path(path); }
  ~ScopedPath() { set_active_path(previous_); }
  ScopedPath(const ScopedPath&) = delete;
  ScopedPath& operator=(const ScopedPath&) = delete;

 private:
  Path previous_;
};

}  // namespace attnscope::kernels
