// attnscope: transformer attention in WebAssembly (SIMD with a scalar fallback).
//   import { load } from 'attnscope';
//   const core = await load();
//   const { output, weights } = core.attention({ q, k, v, n: 4, dK: 8 });
// The contract is documented in ../attnscope.d.ts. Results are always fresh Float32Arrays owned by
// the caller (copies out of the wasm heap): they stay valid whatever the module does afterwards.
import { attention, attentionRollout, createMultiHeadAttention, multiHeadAttention } from './attention.js';
import {
  chooseFlavour, chooseRelaxedSimd, chooseThreads, instantiateFlavour, relaxedSimdSupported, simdSupported,
  threadsSupported,
} from './loader.js';
import { describe } from './validate.js';
import { VERSION } from './version.js';

export { VERSION as version, relaxedSimdSupported, simdSupported, threadsSupported };

/** What the model cache holds (models loaded from the Hugging Face Hub); also core.cachedModels. */
export const cachedModels = async (options) => (await import('./hub.js')).listCachedModels(options);
/** Removes a model from the cache; resolves to the bytes freed. Also core.deleteCachedModel. */
export const deleteCachedModel = async (id, options) => (await import('./hub.js')).removeCachedModel(id, options);

/**
 * Loads the wasm (SIMD build where supported, else scalar; its relaxed-SIMD twin where the engine
 * has relaxed SIMD; with threads where SharedArrayBuffer is usable: cross-origin isolated pages,
 * Node) and returns the core object.
 * options: { simd?: 'auto' | true | false, relaxedSimd?: 'auto' | true | false,
 *            threads?: 'auto' | true | false | count, wasmBinary?, locateFile? }
 */
export async function load(options = {}) {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`load: expected an options object or nothing, got ${describe(options)}`);
  }
  const flavour = chooseFlavour(options.simd);
  const relaxed = chooseRelaxedSimd(options.relaxedSimd, flavour, options);
  const threads = await chooseThreads(options.threads, flavour, options);
  const explicit = (option) => option !== undefined && option !== 'auto';
  // Best first: threads before one thread, relaxed SIMD before SIMD128. A candidate that fails to
  // load (e.g. a package installed without those files, or a page whose workers are blocked) gives
  // way silently to the next; the last one's error is thrown. An explicit relaxedSimd: true or
  // threads count keeps only the candidates that honour it.
  const candidates = [];
  for (const count of threads > 1 ? [threads, 1] : [1]) {
    if (count === 1 && threads > 1 && explicit(options.threads)) continue;
    const base = count > 1 ? 'simd-threads' : flavour;
    if (relaxed) candidates.push({ flavour: `relaxed-${base}`, threads: count });
    if (!(relaxed && explicit(options.relaxedSimd))) candidates.push({ flavour: base, threads: count });
  }
  for (const [i, candidate] of candidates.entries()) {
    try {
      return createCore(await instantiateFlavour(candidate.flavour, options, candidate.threads), candidate.flavour);
    } catch (error) {
      if (i === candidates.length - 1) throw error;
    }
  }
}

const threadReaper = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry((pthreads) => pthreads.terminateAllThreads()) : null;

function createCore(wasm, flavour) {
  const core = {
    /** True when a SIMD build is running. */
    simd: wasm.simdBuild(),
    /** True when a relaxed-SIMD build (fused multiply-add) is running. */
    relaxedSimd: flavour.startsWith('relaxed-'),
    /** Threads the kernels use: 1, or more with the threads build. */
    threads: typeof wasm.numThreads === 'function' ? wasm.numThreads() : 1,
    version: VERSION,
    attention: (options) => attention(wasm, options),
    multiHeadAttention: (options) => multiHeadAttention(wasm, options),
    createMultiHeadAttention: (options) => createMultiHeadAttention(wasm, options),
    attentionRollout: (attentions, options) => attentionRollout(wasm, attentions, options),
    /** Wasm memory: heapBytes = size of the wasm memory, bytesInUse = bytes malloc'd right now. */
    memory: () => ({ heapBytes: wasm.HEAPU8.byteLength, bytesInUse: wasm.heapBytesInUse() }),
  };
  // The threads build's workers stay with their core: when it is garbage collected, they end.
  if (core.threads > 1) threadReaper?.register(core, wasm.PThread);
  // Extensions attach here, one line each, e.g. core.loadModel from ./model.js.
  core.loadModel = async (source, options) => (await import('./model.js')).loadModel(wasm, source, options);
  core.cachedModels = cachedModels;
  core.deleteCachedModel = deleteCachedModel;
  return core;
}
