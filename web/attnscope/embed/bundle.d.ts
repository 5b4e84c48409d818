// Type declarations for `attnscope/embed/bundle` (dist/attnscope-embed.js): the same element and
// exports as `attnscope/embed`, in one file with the SIMD and scalar wasm inlined (no threads or
// relaxed-SIMD builds; load() ignores wasmBinary and locateFile).
export * from './index.js';
