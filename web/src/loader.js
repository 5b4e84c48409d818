// Finding, fetching and instantiating one of the two wasm builds.
//
// The URLs are written as `new URL('<literal>', import.meta.url)` and the glue as `import('<literal>')`
// so bundlers (Vite, webpack, esbuild) see them and ship both files. We instantiate the wasm ourselves
// (Emscripten's `instantiateWasm` hook): in Node from the file's bytes (Emscripten 3.1.6's glue would
// fetch() a file path there), in browsers and workers with instantiateStreaming.

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
};

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

// Node (main thread or worker_threads); not a browser page or Web Worker, even with a `process` shim.
const isNode = typeof process === 'object' && typeof process.versions?.node === 'string' &&
  typeof window === 'undefined' && typeof WorkerGlobalScope === 'undefined';

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

async function readWasmBytes(flavour, locateFile) {
  const located = locateFile ? locateFile(FLAVOURS[flavour].file, '') : null;
  if (isNode) {
    // Hidden from bundlers: this branch only runs in Node.
    const fsName = 'node:fs/promises';
    const { readFile } = await import(/* @vite-ignore */ fsName);
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
 */
export async function instantiateFlavour(flavour, { wasmBinary, locateFile } = {}) {
  if (wasmBinary !== undefined && !(wasmBinary instanceof ArrayBuffer) && !ArrayBuffer.isView(wasmBinary)) {
    throw new TypeError(`load: wasmBinary must be an ArrayBuffer or Uint8Array with ${FLAVOURS[flavour].file}, got ${typeof wasmBinary}`);
  }
  if (locateFile !== undefined && typeof locateFile !== 'function') {
    throw new TypeError(`load: locateFile must be a function (file, prefix) => url, got ${typeof locateFile}`);
  }
  const { default: createWasm } = await FLAVOURS[flavour].glue();
  // Emscripten waits forever when instantiateWasm fails asynchronously: race it with the failure.
  let rejectInstantiation;
  const instantiationFailed = new Promise((_, reject) => { rejectInstantiation = reject; });
  const ready = createWasm({
    instantiateWasm(imports, receiveInstance) {
      Promise.resolve(wasmBinary ?? readWasmBytes(flavour, locateFile))
        .then((source) => instantiate(source, imports))
        .then((result) => receiveInstance(result.instance ?? result, result.module))
        .catch(rejectInstantiation);
      return {};  // asynchronous: the exports arrive through receiveInstance
    },
    print: () => {},
    printErr: (text) => { if (typeof console === 'object') console.warn(`attnscope: ${text}`); },
  });
  try {
    return await Promise.race([ready, instantiationFailed]);
  } catch (error) {
    throw new Error(`load: could not instantiate ${FLAVOURS[flavour].file}: ${error?.message ?? error}`, { cause: error });
  }
}
