// This process's CPU time in ms, for the benches: on a shared machine it excludes the time spent
// waiting for a core. Under Emscripten clock() counts wall time, so the wasm build asks Node, which
// runs the benches, for process.cpuUsage().
#pragma once

#include <ctime>

#ifdef __EMSCRIPTEN__
#include <emscripten.h>

EM_JS(double, cpu_now_ms, (), {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
});
#else
inline double cpu_now_ms() { return 1000.0 * double(std::clock()) / CLOCKS_PER_SEC; }
#endif
