// The cache of Hub models: in pages and workers the Cache API, in Node a folder (model-cache-node.js).
// Files are kept per endpoint, model id, commit and file name; a branch or tag maps to the commit it
// had when it was last loaded (so a load with the network off finds it). An entry becomes visible
// only once it is whole: the Cache API stores a response when its body has been read to the end,
// and the body is ended only after its length was checked (a failed write leaves nothing).
//
// A store (openModelCache) has: ref(revision) → commit | null, setRef(revision, commit),
// file(commit, name) → undefined (not cached) | null (absent from the repository) | a file object,
// markMissing(commit, name), writer(commit, name, expectedBytes) → { write(chunk), commit(bytes), discard() }.
// Failures to write warn and leave the model loading uncached; they never fail a load.
import { responseFile } from './file-readers.js';
import { isNode } from './platform.js';

const CACHE_NAME = 'attnscope-models';
const KEY_BASE = 'https://attnscope.invalid/';  // keys only: the Cache API never fetches them
const COMMIT = /^[0-9a-f]{40}$/;

const nodeCache = () => import('./model-cache-node.js');

/** The store for one model, or null when there is no cache here (a warning says why). */
export async function openModelCache({ endpoint, id, cacheDir, warn, what }) {
  if (isNode) return (await nodeCache()).openNodeCache({ endpoint, id, cacheDir, warn, what });
  if (typeof globalThis.caches?.open !== 'function') {
    warn('this page has no Cache API (it needs a secure context: https or localhost), so the model is not cached');
    return null;
  }
  let cache;
  try {
    cache = await caches.open(CACHE_NAME);
  } catch (error) {
    warn(`the browser refused the Cache API (${error.message}), so the model is not cached`);
    return null;
  }
  return browserStore(cache, endpoint, id, warn);
}

/** What is cached: one entry per model and commit, newest first. */
export async function cachedModels(options = {}) {
  if (isNode) return (await nodeCache()).nodeCachedModels(options);
  const cache = await existingCache();
  if (!cache) return [];
  const models = new Map();
  const refs = [];
  for (const request of await cache.keys()) {
    const key = parseKey(request.url);
    if (key?.kind === 'ref') refs.push(key);
    if (key?.kind !== 'file') continue;
    const response = await cache.match(request);
    if (!response) continue;
    const id = `${key.endpoint} ${key.id} ${key.commit}`;
    if (!models.has(id)) {
      models.set(id, { id: key.id, endpoint: key.endpoint, revision: key.commit, refs: [], files: [], bytes: 0, date: '' });
    }
    const model = models.get(id);
    const bytes = await entryBytes(response);
    model.files.push({ name: key.file, bytes });
    model.bytes += bytes;
    const date = response.headers.get('X-Attnscope-Date') ?? '';
    if (date > model.date) model.date = date;
  }
  for (const ref of refs) {
    const commit = await (await cache.match(ref.url))?.text();
    models.get(`${ref.endpoint} ${ref.id} ${commit}`)?.refs.push(ref.revision);
  }
  return sortModels([...models.values()]);
}

/** Removes every cached commit of model `id` (of `endpoint` only, when given); resolves to the bytes freed. */
export async function deleteCachedModel(id, options = {}) {
  if (isNode) return (await nodeCache()).nodeDeleteCachedModel(id, options);
  const cache = await existingCache();
  if (!cache) return 0;
  let bytes = 0;
  for (const request of await cache.keys()) {
    const key = parseKey(request.url);
    if (!key || key.id !== id || (options.endpoint !== undefined && key.endpoint !== options.endpoint)) continue;
    if (key.kind === 'file') {
      const response = await cache.match(request);
      if (response) bytes += await entryBytes(response);
    }
    await cache.delete(request);
  }
  return bytes;
}

export function sortModels(models) {
  for (const model of models) model.files.sort((a, b) => a.name.localeCompare(b.name));
  return models.sort((a, b) => b.date.localeCompare(a.date) || a.id.localeCompare(b.id));
}

const entryBytes = async (response) => Number(response.headers.get('X-Attnscope-Size') ?? (await response.blob()).size);

async function existingCache() {
  if (typeof globalThis.caches?.has !== 'function' || !(await caches.has(CACHE_NAME))) return null;
  return caches.open(CACHE_NAME);
}

const keyOf = (kind, fields) => {
  const url = new URL(kind, KEY_BASE);
  for (const [name, value] of Object.entries(fields)) url.searchParams.set(name, value);
  return url.href;
};

function parseKey(href) {
  if (!href.startsWith(KEY_BASE)) return null;
  const url = new URL(href);
  const kind = url.pathname.slice(1);
  const get = (name) => url.searchParams.get(name) ?? '';
  return { kind, url: href, endpoint: get('endpoint'), id: get('id'), commit: get('commit'), file: get('file'), revision: get('revision') };
}

function browserStore(cache, endpoint, id, warn) {
  const fileKey = (commit, file) => keyOf('file', { endpoint, id, commit, file });
  const missingKey = (commit, file) => keyOf('missing', { endpoint, id, commit, file });
  const put = async (key, response, name) => {
    try {
      await cache.put(key, response);
      return true;
    } catch (error) {
      warn(`could not cache ${name} of ${id} (${error.name}: ${error.message}): the model is loaded, ` +
        'but it will be downloaded again next time');
      return false;
    }
  };
  const stamp = () => ({ 'X-Attnscope-Date': new Date().toISOString() });
  return {
    async ref(revision) {
      const commit = await (await cache.match(keyOf('ref', { endpoint, id, revision })))?.text();
      return COMMIT.test(commit ?? '') ? commit : null;
    },
    async setRef(revision, commit) {
      if (revision !== commit) await put(keyOf('ref', { endpoint, id, revision }), new Response(commit, { headers: stamp() }), 'the revision');
    },
    async file(commit, name) {
      if (await cache.match(missingKey(commit, name))) return null;
      const response = await cache.match(fileKey(commit, name));
      if (!response) return undefined;
      const header = response.headers.get('X-Attnscope-Size');
      const size = header === null ? null : Number(header);
      return verifiedFile(responseFile(response, size), size, `${name} of ${id}`, () => cache.delete(fileKey(commit, name)));
    },
    async markMissing(commit, name) {
      await put(missingKey(commit, name), new Response('', { headers: stamp() }), name);
    },
    writer(commit, name, expected) {
      // The entry's body is this stream: the Cache API keeps it only if the stream ends normally.
      const stream = new TransformStream();
      const writer = stream.writable.getWriter();
      const headers = { 'Content-Type': 'application/octet-stream', ...stamp() };
      if (expected !== null) headers['X-Attnscope-Size'] = String(expected);
      let failed = false, discarded = false;
      const stored = cache.put(fileKey(commit, name), new Response(stream.readable, { headers })).catch((error) => {
        failed = true;
        if (!discarded) {
          warn(`could not cache ${name} of ${id} (${error.name}: ${error.message}): the model is loaded, ` +
            'but it will be downloaded again next time');
        }
      });
      return {
        async write(chunk) {
          if (!failed) await writer.write(chunk).catch(() => { failed = true; });
        },
        async commit(bytes) {
          if (expected !== null && bytes !== expected) return this.discard();
          await writer.close().catch(() => {});
          await stored;
        },
        async discard() {
          discarded = true;
          await writer.abort(new Error('not cached')).catch(() => {});
          await stored;
        },
      };
    },
  };
}

/** A cached file read back: its bytes are counted, and a copy of the wrong length is dropped. */
export function verifiedFile(file, size, what, drop) {
  return {
    size,
    fromCache: true,
    async read(onChunk) {
      let bytes = 0;
      await file.read((chunk) => { bytes += chunk.length; onChunk(chunk); });
      if (size !== null && bytes !== size) {
        await drop();
        throw new Error(`the cached copy of ${what} has ${bytes} bytes instead of ${size}; it was deleted: load the model again`);
      }
    },
  };
}
