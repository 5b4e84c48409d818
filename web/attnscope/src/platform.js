// Where the module runs, and Node's built-in modules for the branches that only run in Node.

/** Node (main thread or worker_threads); not a browser page or Web Worker, even with a `process` shim. */
export const isNode = typeof process === 'object' && typeof process.versions?.node === 'string' &&
  typeof window === 'undefined' && typeof WorkerGlobalScope === 'undefined';

/**
 * A Node built-in ('fs/promises', 'path', ...). The name is a variable so that bundlers leave it
 * alone: these imports only run in Node, and a page's bundle must not try to resolve them.
 */
export function nodeModule(name) {
  const specifier = 'node:' + name;
  return import(/* @vite-ignore */ specifier);
}
