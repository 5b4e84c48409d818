// Entry of the single-file bundle web/dist/attnscope-embed.js: the attnscope module with both wasm
// builds inlined (base64, decoded on first use), the views, and <attnscope-view>, defined on import.
// Nothing is fetched: docs pages load it with one <script type="module"> tag, notebooks inline it.
//   import { load } from './attnscope-embed.js';   // the module's load(), no wasm file needed
import { load as loadModule, simdSupported, version } from '../src/index.js';
import { SCALAR_WASM_BASE64, SIMD_WASM_BASE64 } from 'attnscope-embed:wasm';
import VIEWS_CSS from 'attnscope-embed:views-css';
import { AttnscopeView, defineAttnscopeView } from './attnscope-view.js';

export { AttnscopeView, version };

function decodeBase64(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

let corePromise = null;

/**
 * The attnscope core (see web/attnscope.d.ts) from the inlined wasm: SIMD where supported, else
 * scalar. One instance per bundle copy, shared by every element; options.simd as in the module.
 */
export function load(options = {}) {
  const custom = options && (options.simd !== undefined && options.simd !== 'auto');
  const simd = custom ? options.simd === true : simdSupported();
  const start = () => loadModule({ ...options, simd, wasmBinary: decodeBase64(simd ? SIMD_WASM_BASE64 : SCALAR_WASM_BASE64) });
  if (custom) return start();
  // A failed load is not cached: the next call tries again.
  corePromise ??= start().catch((error) => { corePromise = null; throw error; });
  return corePromise;
}

defineAttnscopeView({ loadCore: load, viewsCss: VIEWS_CSS });
