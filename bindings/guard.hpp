// Shared by every bindings/*.cpp: runs a call and turns any C++ exception into a returned string,
// so no exception ever crosses into JavaScript (the wasm stays consistent and usable) and the JS
// layer (web/attnscope/src/heap.js, throwIfFailed) rethrows it as a JS error carrying the core's message.
//   ""                       success
//   "invalid:<message>"      attnscope::InvalidArgument (bad input the JS checks did not catch)
//   "memory:<message>"       std::bad_alloc / std::length_error (the wasm heap could not grow),
//                            attnscope::MemoryBudgetExceeded (a request beyond the memory left)
//   "internal:<message>"     anything else (a bug)
#pragma once
#include <cstddef>
#include <cstdint>
#include <exception>
#include <new>
#include <stdexcept>
#include <string>

#include "util/error.hpp"

namespace attnscope::bindings {

template <typename Call>
std::string guarded(Call&& call) {
  try {
    call();
    return {};
  } catch (const attnscope::MemoryBudgetExceeded& e) {
    return std::string("memory:") + e.what();
  } catch (const attnscope::InvalidArgument& e) {
    return std::string("invalid:") + e.what();
  } catch (const std::bad_alloc&) {
    return "memory:out of wasm memory (the heap could not grow to fit this call)";
  } catch (const std::length_error& e) {
    return std::string("memory:") + e.what();
  } catch (const std::exception& e) {
    return std::string("internal:") + e.what();
  } catch (...) {
    return "internal:unknown C++ exception";
  }
}

// Heap addresses arrive from JS as unsigned 32-bit numbers.
template <typename T>
T* from_address(std::uintptr_t address) {
  return reinterpret_cast<T*>(address);
}

}  // namespace attnscope::bindings
