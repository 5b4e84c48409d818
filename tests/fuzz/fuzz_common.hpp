// Shared by the libFuzzer targets: the contract every reader and tokenizer must keep on hostile
// bytes is "return normally or throw attnscope::InvalidArgument". Anything else (another exception
// type, which the wasm bindings would report as an "internal" error, a sanitizer report, an abort,
// a hang) is a finding. `guard` runs one call and traps on a foreign exception, printing it first.
#pragma once
#include <cstdio>
#include <exception>

#include "util/error.hpp"

namespace attnscope::fuzz {

template <typename Call>
void guard(Call&& call) {
  try {
    call();
  } catch (const attnscope::InvalidArgument&) {
    // The expected outcome for bad input.
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz: escaped non-InvalidArgument exception: %s\n", e.what());
    __builtin_trap();
  }
}

}  // namespace attnscope::fuzz
