// Finding, fetching and instantiating one of the wasm builds: simd, scalar, simd-threads (pthreads;
// used where SharedArrayBuffer is, i.e. cross-origin isolated pages, workers and Node), and the
// relaxed-SIMD twins of the SIMD ones, relaxed-simd and relaxed-simd-threads (the GEMM's multiply-add
// as one f32x4.relaxed_madd, i.e. FMA; used where the engine validates relaxed SIMD).
//
// The URLs are written as `new URL('<literal>', import.meta.url)` and the glue as `import('<literal>')`
// so bundlers (Vite, webpack, esbuild) see them and ship the files. We instantiate the wasm ourselves
// (Emscripten's `instantiateWasm` hook): in Node from the file's bytes (Emscripten 3.1.6's glue would
// fetch() a file path there), in browsers and workers with instantiateStreaming.
import { isNode, nodeModule } from './platform.js';

const FLAVOURS = {
  simd: {
    file: 'attnscope-simd.wasm',
    glue: () => import('../dist/attnscope-simd.js'),
    url: () => new URL('../dist/attnscope-simd.wasm', import.meta.url),
  },
  scalar: {
    file: 'attnscope-scalar.wasm',
    glue: () => import('../dist/attnscope-scalar.js'),
    url: () => new URL('../dist/attnscope-scalar.wasm', import.meta.url),
  },
  // Its glue starts Web Workers from attnscope-simd-threads.worker.js (next to the glue).
  'simd-threads': {
    file: 'attnscope-simd-threads.wasm',
    glue: () => import('../dist/attnscope-simd-threads.js'),
    url: () => new URL('../dist/attnscope-simd-threads.wasm', import.meta.url),
  },
  'relaxed-simd': {
    file: 'attnscope-relaxed-simd.wasm',
    glue: () => import('../dist/attnscope-relaxed-simd.js'),
    url: () => new URL('../dist/attnscope-relaxed-simd.wasm', import.meta.url),
  },
  'relaxed-simd-threads': {
    file: 'attnscope-relaxed-simd-threads.wasm',
    glue: () => import('../dist/attnscope-relaxed-simd-threads.js'),
    url: () => new URL('../dist/attnscope-relaxed-simd-threads.wasm', import.meta.url),
  },
};

/** Threads used when the caller does not say: the cores, at most this many. */
const DEFAULT_MAX_THREADS = 4;
/** What the core's thread pool accepts (src/util/parallel.cpp, kMaxThreads). */
const MAX_THREADS = 64;
/** A worker that has not loaded by then is taken as broken (the load falls back or fails). */
const WORKER_START_TIMEOUT_MS = 30_000;

// (module (func (result v128) v128.const i32x4 0 0 0 0)): valid only where wasm SIMD is supported.
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, //       type section: () -> v128
  0x03, 0x02, 0x01, 0x00, //                         function section: one function of type 0
  0x0a, 0x16, 0x01, 0x14, 0x00, 0xfd, 0x0c, //       code section: body with v128.const ...
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0b,
]);

/** True when this JavaScript engine supports WebAssembly SIMD (128-bit). */
export function simdSupported() {
  return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
}

// (module (func (param v128 v128 v128) (result v128)
//   local.get 0 local.get 1 local.get 2 f32x4.relaxed_madd)): valid only where relaxed SIMD is.
const RELAXED_SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b, // type section: (v128 x3) -> v128
  0x03, 0x02, 0x01, 0x00, //                         function section: one function of type 0
  0x0a, 0x0d, 0x01, 0x0b, 0x00, //                   code section: one body, no locals
  0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfd, 0x85, 0x02, 0x0b,
]);

/**
 * True when this engine supports WebAssembly relaxed SIMD (Chrome and Edge 114+, Node 22+, Node 20
 * with --experimental-wasm-relaxed-simd), whose fused multiply-add the relaxed-simd builds use.
 */
export function relaxedSimdSupported() {
  return simdSupported() && WebAssembly.validate(RELAXED_SIMD_PROBE);
}


/** Chooses the flavour: simd 'auto' (default) | true | false. */
export function chooseFlavour(simd) {
  if (simd === undefined || simd === 'auto') return simdSupported() ? 'simd' : 'scalar';
  if (simd === false) return 'scalar';
  if (simd === true) {
    if (!simdSupported()) throw new Error("load: simd is true but this WebAssembly engine has no SIMD support; use simd: 'auto' or false");
    return 'simd';
  }
  throw new TypeError(`load: simd must be 'auto', true or false, got ${JSON.stringify(simd) ?? String(simd)}`);
}

/**
 * Whether to load a relaxed-SIMD build: relaxedSimd 'auto' (default) | true | false, for the SIMD
 * choice `flavour`. 'auto' uses one where the engine validates relaxed SIMD, except when the caller
 * passes wasmBinary (those bytes are the build they chose).
 */
export function chooseRelaxedSimd(relaxedSimd, flavour, { wasmBinary } = {}) {
  if (relaxedSimd === undefined || relaxedSimd === 'auto') {
    return flavour === 'simd' && wasmBinary === undefined && relaxedSimdSupported();
  }
  if (relaxedSimd === false) return false;
  if (relaxedSimd !== true) {
    throw new TypeError(`load: relaxedSimd must be 'auto', true or false, got ${JSON.stringify(relaxedSimd) ?? String(relaxedSimd)}`);
  }
  if (flavour !== 'simd') throw new Error('load: relaxedSimd is true but simd is false; relaxed SIMD builds are SIMD builds');
  if (!relaxedSimdSupported()) {
    throw new Error("load: relaxedSimd is true but this WebAssembly engine does not support relaxed SIMD " +
      "(Chrome 114+, Node 22+, or Node 20 with --experimental-wasm-relaxed-simd); use relaxedSimd: 'auto' or false");
  }
  return true;
}

/**
 * True when the threads build can run here: shared wasm memory, and (pages) cross-origin isolation,
 * which needs the COOP/COEP headers. Node and workers of an isolated page have it too.
 */
export function threadsSupported() {
  if (typeof SharedArrayBuffer !== 'function' || typeof Atomics !== 'object') return false;
  if (!isNode && globalThis.crossOriginIsolated !== true) return false;
  if (!isNode && typeof Worker !== 'function') return false;
  try {
    return new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }).buffer instanceof SharedArrayBuffer;
  } catch {
    return false;
  }
}

async function availableCores() {
  if (isNode) {
    const os = await nodeModule('os');
    return os.availableParallelism?.() ?? os.cpus().length;
  }
  return globalThis.navigator?.hardwareConcurrency ?? 1;
}

/**
 * How many threads to run: threads 'auto' (default) | true | false | a count >= 1. 1 means the
 * single-thread builds. Throws for bad values and for `true` or a count > 1 where threads cannot run.
 * `flavour` is the SIMD choice: the threads build is a SIMD build.
 */
export async function chooseThreads(threads, flavour, { wasmBinary } = {}) {
  const bad = () => new TypeError(`load: threads must be 'auto', true, false or an integer from 1 to ${MAX_THREADS}, ` +
    `got ${typeof threads === 'bigint' ? `${threads}n` : JSON.stringify(threads) ?? String(threads)}`);
  if (threads === false || threads === 1) return 1;
  const explicit = threads !== undefined && threads !== 'auto';
  if (explicit && threads !== true && !(Number.isInteger(threads) && threads >= 1 && threads <= MAX_THREADS)) {
    throw bad();
  }
  const cannot = flavour !== 'simd' ? 'the threads build needs WebAssembly SIMD (and simd not false)'
    : !threadsSupported() ? 'this page is not cross-origin isolated (crossOriginIsolated is false: serve it with ' +
      'Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp) or has no SharedArrayBuffer'
      : null;
  if (!explicit) {
    // The bytes given are the single-thread flavour's: the caller chose the build.
    if (cannot || wasmBinary !== undefined) return 1;
    return Math.max(1, Math.min(DEFAULT_MAX_THREADS, await availableCores()));
  }
  if (cannot) throw new Error(`load: threads is ${threads} but ${cannot}; use threads: 'auto' or false`);
  return threads === true ? Math.max(2, Math.min(DEFAULT_MAX_THREADS, await availableCores())) : threads;
}

async function readWasmBytes(flavour, locateFile) {
  const located = locateFile ? locateFile(FLAVOURS[flavour].file, '') : null;
  if (isNode) {
    const { readFile } = await nodeModule('fs/promises');
    return readFile(located ? (located.startsWith('file:') ? new URL(located) : located) : FLAVOURS[flavour].url());
  }
  return fetch(located ?? FLAVOURS[flavour].url().href);
}

async function instantiate(source, imports) {
  if (source instanceof Response) {
    if (!source.ok) throw new Error(`HTTP ${source.status} for ${source.url}`);
    if (typeof WebAssembly.instantiateStreaming === 'function' &&
        (source.headers.get('Content-Type') ?? '').startsWith('application/wasm')) {
      return WebAssembly.instantiateStreaming(source, imports);
    }
    const url = source.url;
    const type = source.headers.get('Content-Type');
    source = await source.arrayBuffer();
    const magic = new Uint8Array(source, 0, Math.min(4, source.byteLength));
    if (magic.length < 4 || magic[0] !== 0x00 || magic[1] !== 0x61 || magic[2] !== 0x73 || magic[3] !== 0x6d) {
      // Typically an HTML fallback page: the .wasm is not served next to the module. With the Vite
      // dev server this happens when attnscope is pre-bundled: add optimizeDeps.exclude: ['attnscope'].
      throw new Error(`${url} is not a wasm file (Content-Type ${type}); serve the package's dist/*.wasm ` +
        "there, pass locateFile or wasmBinary, or with Vite's dev server set optimizeDeps: { exclude: ['attnscope'] }");
    }
  }
  return WebAssembly.instantiate(source, imports);
}

/**
 * Instantiates one flavour and returns the Emscripten module (bindings + heap views).
 * options: { wasmBinary?: ArrayBuffer | Uint8Array, locateFile?: (file, prefix) => string }
 * For the '*-threads' flavours, `threads` (>= 2) is how many threads its kernels use: the glue pre-starts
 * threads - 1 workers before it resolves, so no pool thread ever waits for a worker mid-call.
 */
export async function instantiateFlavour(flavour, { wasmBinary, locateFile } = {}, threads = 1) {
  if (wasmBinary !== undefined && !(wasmBinary instanceof ArrayBuffer) && !ArrayBuffer.isView(wasmBinary)) {
    throw new TypeError(`load: wasmBinary must be an ArrayBuffer or Uint8Array with ${FLAVOURS[flavour].file}, got ${typeof wasmBinary}`);
  }
  if (locateFile !== undefined && typeof locateFile !== 'function') {
    throw new TypeError(`load: locateFile must be a function (file, prefix) => url, got ${typeof locateFile}`);
  }
  const { default: createWasm } = await FLAVOURS[flavour].glue();
  const threaded = flavour.endsWith('-threads');
  // In Node the glue's `new Worker(url)` (called synchronously while the factory sets up its pool)
  // gets worker_threads behind the Web Worker interface; the global is put back right after.
  const NodeWebWorker = threaded && isNode ? await importNodeWebWorker() : null;
  // Emscripten waits forever when instantiateWasm fails asynchronously: race it with the failure.
  let rejectInstantiation;
  const instantiationFailed = new Promise((_, reject) => { rejectInstantiation = reject; });
  const hadWorker = Object.prototype.hasOwnProperty.call(globalThis, 'Worker');
  const previousWorker = globalThis.Worker;
  if (NodeWebWorker) globalThis.Worker = NodeWebWorker;
  const moduleOptions = {
      attnscopeWorkers: threaded ? threads - 1 : 0,  // -sPTHREAD_POOL_SIZE=Module.attnscopeWorkers
      instantiateWasm(imports, receiveInstance) {
        Promise.resolve(wasmBinary ?? readWasmBytes(flavour, locateFile))
          .then((source) => instantiate(source, imports))
          // The module too: the threads build posts it to its workers.
          .then((result) => receiveInstance(result.instance ?? result, result.module))
          .catch(rejectInstantiation);
        return {};  // asynchronous: the exports arrive through receiveInstance
      },
      print: () => {},
      printErr: (text) => {
        // A worker that fails to start would leave the factory waiting for it forever.
        if (threaded && String(text).startsWith('worker sent an error')) {
          rejectInstantiation(new Error(text));
          return;
        }
        // Expected: the page's thread waits (briefly) for the kernels' pool threads at each region.
        if (threaded && String(text).startsWith('Blocking on the main thread')) return;
        if (typeof console === 'object') console.warn(`attnscope: ${text}`);
      },
  };
  let ready;
  try {
    ready = createWasm(moduleOptions);
  } finally {
    if (NodeWebWorker) {
      if (hadWorker) globalThis.Worker = previousWorker;
      else delete globalThis.Worker;
    }
  }
  let timer;
  if (threaded) {  // e.g. the worker script found but its glue not: no error event, no 'loaded'
    timer = setTimeout(() => rejectInstantiation(new Error(`its ${threads - 1} worker(s) did not start within ` +
      `${WORKER_START_TIMEOUT_MS / 1000} s`)), WORKER_START_TIMEOUT_MS);
  }
  try {
    const wasm = await Promise.race([ready, instantiationFailed]);
    if (threaded) {
      keepHeapViewsCurrent(wasm);
      const status = wasm.setNumThreads(threads);
      if (status !== '') throw new Error(status.slice(status.indexOf(':') + 1));
    }
    return wasm;
  } catch (error) {
    if (threaded) moduleOptions.PThread?.terminateAllThreads();  // the glue put PThread on our options
    throw new Error(`load: could not instantiate ${FLAVOURS[flavour].file}: ${error?.message ?? error}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}

async function importNodeWebWorker() {
  const name = './node-web-worker.js';  // Node only: hidden from bundlers
  return (await import(/* @vite-ignore */ name)).NodeWebWorker;
}

const HEAP_VIEWS = {
  HEAP8: Int8Array, HEAPU8: Uint8Array, HEAP16: Int16Array, HEAPU16: Uint16Array,
  HEAP32: Int32Array, HEAPU32: Uint32Array, HEAPF32: Float32Array, HEAPF64: Float64Array,
};

/**
 * With threads, a pool thread's malloc can grow the shared memory while the glue's views on this
 * thread still have the old length (it refreshes them only in its own accessors). The JS layer reads
 * wasm.HEAPF32 etc. directly, so these become getters that follow the memory's current buffer.
 */
function keepHeapViewsCurrent(wasm) {
  const memory = wasm.wasmMemory;
  for (const [name, View] of Object.entries(HEAP_VIEWS)) {
    let view = new View(memory.buffer);
    Object.defineProperty(wasm, name, {
      get() {
        if (view.buffer !== memory.buffer) view = new View(memory.buffer);
        return view;
      },
      set() {},  // the glue's own refreshes: the getter already follows the memory
      configurable: true,
    });
  }
}
