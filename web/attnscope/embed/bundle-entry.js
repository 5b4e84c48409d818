// Entry of the single-file bundle dist/attnscope-embed.js (`attnscope/embed/bundle`): the attnscope module with both wasm
// builds inlined (gzip + base64, inflated on first use), the views, and <attnscope-view>, defined on import.
// Nothing is fetched: docs pages load it with one <script type="module"> tag, notebooks inline it.
//   import { load } from './attnscope-embed.js';   // the module's load(), no wasm file needed
import { load as loadModule, simdSupported, version } from '../src/index.js';
import { SCALAR_WASM_BASE64, SIMD_WASM_BASE64 } from 'attnscope-embed:wasm';
import VIEWS_CSS from 'attnscope-embed:views-css';
import { AttnscopeView, defineAttnscopeView } from './attnscope-view.js';

export { AttnscopeView, defineAttnscopeView, version };

// The wasm is inlined gzipped; the browser's own DecompressionStream inflates it.
async function inflateBase64(text) {
  if (typeof DecompressionStream !== 'function') {
    throw new Error('attnscope-embed: this browser has no DecompressionStream (Chrome 80+, Firefox 113+, Safari 16.4+)');
  }
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

let corePromise = null;

/**
 * The attnscope core (see attnscope.d.ts) from the inlined wasm: SIMD where supported, else
 * scalar. One instance per bundle copy, shared by every element; options.simd as in the module.
 */
export function load(options = {}) {
  const custom = options && (options.simd !== undefined && options.simd !== 'auto');
  const simd = custom ? options.simd === true : simdSupported();
  const start = async () => loadModule({ ...options, simd, wasmBinary: await inflateBase64(simd ? SIMD_WASM_BASE64 : SCALAR_WASM_BASE64) });
  if (custom) return start();
  // A failed load is not cached: the next call tries again.
  corePromise ??= start().catch((error) => { corePromise = null; throw error; });
  return corePromise;
}

defineAttnscopeView({ loadCore: load, viewsCss: VIEWS_CSS });
