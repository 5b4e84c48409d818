// attnscope: transformer attention in WebAssembly (SIMD with a scalar fallback).
//   import { load } from 'attnscope';
//   const core = await load();
//   const { output, weights } = core.attention({ q, k, v, n: 4, dK: 8 });
// The contract is documented in ../attnscope.d.ts. Results are always fresh Float32Arrays owned by
// the caller (copies out of the wasm heap): they stay valid whatever the module does afterwards.
import { attention, createMultiHeadAttention, multiHeadAttention } from './attention.js';
import { chooseFlavour, instantiateFlavour, simdSupported } from './loader.js';
import { describe } from './validate.js';
import { VERSION } from './version.js';

export { VERSION as version, simdSupported };

/**
 * Loads the wasm (SIMD build where supported, else scalar) and returns the core object.
 * options: { simd?: 'auto' | true | false, wasmBinary?, locateFile? }
 */
export async function load(options = {}) {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`load: expected an options object or nothing, got ${describe(options)}`);
  }
  const flavour = chooseFlavour(options.simd);
  const wasm = await instantiateFlavour(flavour, options);
  return createCore(wasm);
}

function createCore(wasm) {
  const core = {
    /** True when the SIMD build is running. */
    simd: wasm.simdBuild(),
    version: VERSION,
    attention: (options) => attention(wasm, options),
    multiHeadAttention: (options) => multiHeadAttention(wasm, options),
    createMultiHeadAttention: (options) => createMultiHeadAttention(wasm, options),
    /** Wasm memory: heapBytes = size of the wasm memory, bytesInUse = bytes malloc'd right now. */
    memory: () => ({ heapBytes: wasm.HEAPU8.byteLength, bytesInUse: wasm.heapBytesInUse() }),
  };
  // Extensions attach here, one line each, e.g. core.loadModel from ./model.js.
  core.loadModel = async (source, options) => (await import('./model.js')).loadModel(wasm, source, options);
  return core;
}
