// `attnscope/embed`: defines <attnscope-view> (see attnscope-view.js) over this package's own module,
// whose wasm files load as `attnscope`'s load() finds them (bundlers copy them as assets). The views'
// stylesheet is fetched from beside the views once, before the element is defined. For one file with
// everything inlined (docs pages without a bundler, notebooks) use `attnscope/embed/bundle`.
//   import 'attnscope/embed';                       // then <attnscope-view> works on the page
//   import { load, AttnscopeView } from 'attnscope/embed';
// Imported where there is no DOM (Node), it defines nothing and only exports.
import { load as loadModule, version } from '../src/index.js';
import { AttnscopeView, defineAttnscopeView } from './attnscope-view.js';

export { AttnscopeView, defineAttnscopeView, version };

let corePromise = null;

/** The core shared by every element of the page (options as `attnscope`'s load(); a failed load is retried). */
export function load(options) {
  if (options !== undefined) return loadModule(options);
  corePromise ??= loadModule().catch((error) => { corePromise = null; throw error; });
  return corePromise;
}

if (globalThis.customElements) {
  const cssUrl = new URL('../views/views.css', import.meta.url);
  const response = await fetch(cssUrl);
  if (!response.ok) throw new Error(`attnscope/embed: could not read the views' stylesheet ${cssUrl} (HTTP ${response.status})`);
  defineAttnscopeView({ loadCore: load, viewsCss: await response.text() });
}
