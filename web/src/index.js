// attnscope: transformer attention in WebAssembly (SIMD with a scalar fallback).
//   import { load } from 'attnscope';
//   const core = await load();
//   const { output, weights } = core.attention({ q, k, v, n: 4, dK: 8 });
// The contract is documented in ../attnscope.d.ts. Results are always fresh Float32Arrays owned by
// the caller (copies out of the wasm heap): they stay valid whatever the module does afterwards.
import { attention, createMultiHeadAttention, multiHeadAttention } from './attention.js';
import { chooseFlavour, chooseThreads, instantiateFlavour, simdSupported, threadsSupported } from './loader.js';
import { describe } from './validate.js';
import { VERSION } from './version.js';

export { VERSION as version, simdSupported, threadsSupported };

/**
 * Loads the wasm (SIMD build where supported, else scalar; with threads where SharedArrayBuffer is
 * usable: cross-origin isolated pages, Node) and returns the core object.
 * options: { simd?: 'auto' | true | false, threads?: 'auto' | true | false | count, wasmBinary?, locateFile? }
 */
export async function load(options = {}) {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`load: expected an options object or nothing, got ${describe(options)}`);
  }
  const flavour = chooseFlavour(options.simd);
  const threads = await chooseThreads(options.threads, flavour, options);
  if (threads > 1) {
    try {
      return createCore(await instantiateFlavour('simd-threads', options, threads));
    } catch (error) {
      // Asked for threads explicitly: say why not. 'auto': one thread, silently (e.g. a package
      // installed without the threads files, or a page whose workers are blocked).
      if (options.threads !== undefined && options.threads !== 'auto') throw error;
    }
  }
  const wasm = await instantiateFlavour(flavour, options);
  return createCore(wasm);
}

const threadReaper = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry((pthreads) => pthreads.terminateAllThreads()) : null;

function createCore(wasm) {
  const core = {
    /** True when the SIMD build is running. */
    simd: wasm.simdBuild(),
    /** Threads the kernels use: 1, or more with the threads build. */
    threads: typeof wasm.numThreads === 'function' ? wasm.numThreads() : 1,
    version: VERSION,
    attention: (options) => attention(wasm, options),
    multiHeadAttention: (options) => multiHeadAttention(wasm, options),
    createMultiHeadAttention: (options) => createMultiHeadAttention(wasm, options),
    /** Wasm memory: heapBytes = size of the wasm memory, bytesInUse = bytes malloc'd right now. */
    memory: () => ({ heapBytes: wasm.HEAPU8.byteLength, bytesInUse: wasm.heapBytesInUse() }),
  };
  // The threads build's workers stay with their core: when it is garbage collected, they end.
  if (core.threads > 1) threadReaper?.register(core, wasm.PThread);
  // Extensions attach here, one line each, e.g. core.loadModel from ./model.js.
  core.loadModel = async (source, options) => (await import('./model.js')).loadModel(wasm, source, options);
  return core;
}
