// Models from the Hugging Face Hub by name: 'hf:<id>' or an https://huggingface.co/<id> URL becomes a
// folder of the kind model-files.js makes (text(name), open(name), names(), describe), whose files are
// <endpoint>/<id>/resolve/<revision>/<file>, fetched only when model.js asks for them and kept in the
// model cache (model-cache.js) under the commit the Hub reports.
//
// One load reads one commit: the first file's X-Repo-Commit pins it, and every later file is asked
// for by that commit, so a branch moving during a load cannot mix two snapshots. A branch is looked up
// on the network first (so `main` moving on is noticed) and falls back to the cached commit when the
// network is down; a commit id as revision is read from the cache without any request.
import { hubErrorMessage, networkErrorMessage, cutOffMessage } from './hub-errors.js';
import { responseFile } from './file-readers.js';
import { cachedModels, deleteCachedModel, openModelCache } from './model-cache.js';
import { isNode } from './platform.js';
import { describe as show, optionalBoolean, requireOptions } from './validate.js';

export const DEFAULT_ENDPOINT = 'https://huggingface.co';
const HUB_HOSTS = ['huggingface.co', 'www.huggingface.co', 'hf.co'];
const COMMIT = /^[0-9a-f]{40}$/;
const REDIRECTS = [301, 302, 303, 307, 308];
const MAX_REDIRECTS = 10;

/** A repository id: 'name' or 'organisation/name', each part as the Hub allows (no '--', no '..'). */
export function checkRepoId(id, what) {
  const part = /^[A-Za-z0-9_](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9_])?$/;
  const parts = typeof id === 'string' ? id.split('/') : [];
  if (parts.length < 1 || parts.length > 2 || !parts.every((p) => part.test(p)) || /--|\.\./.test(id)) {
    throw new TypeError(`${what}: ${show(id)} is not a Hugging Face model id: expected 'name' or 'organisation/name' ` +
      "of letters, digits, '-', '_' and '.' (e.g. 'bert-base-uncased' or 'openai-community/gpt2')");
  }
  return id;
}

/** The endpoint option: an http(s) URL without query or fragment, returned without a trailing '/'. */
export function checkEndpoint(endpoint, what) {
  if (endpoint === undefined) return DEFAULT_ENDPOINT;
  let url;
  try { url = new URL(String(endpoint)); } catch { url = null; }
  if (typeof endpoint !== 'string' || !url || !['http:', 'https:'].includes(url.protocol) || url.search || url.hash ||
      url.username || url.password) {
    throw new TypeError(`${what}: endpoint must be an http(s) URL such as '${DEFAULT_ENDPOINT}', got ${show(endpoint)}`);
  }
  return url.href.replace(/\/+$/, '');
}

function checkRevision(revision, what) {
  if (revision === undefined) return undefined;
  // A git ref name: no empty or '.'-led component, no '..', no control characters.
  if (typeof revision !== 'string' || revision.length === 0 || revision.length > 255 || /[\0-\x1f\x7f\\]|\.\.|(^|\/)\.|\/$/.test(revision)) {
    throw new TypeError(`${what}: revision must be a branch, tag or commit id such as 'main', got ${show(revision)}`);
  }
  return revision;
}

function checkToken(token, what) {
  if (token === undefined || token === null || token === '') return null;
  if (typeof token !== 'string' || !/^[\x21-\x7e]+$/.test(token)) {
    throw new TypeError(`${what}: token must be a Hugging Face access token (printable characters, no spaces), got ${typeof token}`);
  }
  return token;
}

/**
 * When `source` names a Hub model: { id, endpoint, revision } (revision undefined unless the URL
 * names one); otherwise null (another kind of folder). Throws for Hub URLs that are not a model's.
 */
export function parseHubSource(source, options, what) {
  const endpoint = checkEndpoint(options.endpoint, what);
  if (typeof source === 'string' && /^hf:/i.test(source)) {
    return { id: checkRepoId(source.slice(3), what), endpoint, revision: undefined };
  }
  if (typeof source !== 'string' && !(source instanceof URL)) return null;
  let url;
  try { url = new URL(String(source)); } catch { return null; }
  const base = `${endpoint}/`;
  let path;
  if (url.href.startsWith(base)) path = url.href.slice(base.length);
  else if (url.protocol === 'https:' && HUB_HOSTS.includes(url.hostname) && !options.endpoint) path = url.pathname.slice(1);
  else if (url.protocol === 'https:' && HUB_HOSTS.includes(url.hostname)) return { ...hubPath(url.pathname.slice(1), source, what), endpoint: DEFAULT_ENDPOINT };
  else return null;
  return { ...hubPath(path.replace(/[?#].*$/, ''), source, what), endpoint };
}

// '<id>', '<id>/tree/<rev>' or '<id>/resolve/<rev>/' (as copied from a model page or a folder URL).
function hubPath(path, source, what) {
  let parts;
  try {
    parts = path.split('/').filter(Boolean).map((p) => decodeURIComponent(p));
  } catch {
    throw new TypeError(`${what}: ${show(String(source))} is not a valid URL (a bad %-escape)`);
  }
  if (['datasets', 'spaces'].includes(parts[0])) {
    throw new TypeError(`${what}: ${show(String(source))} is a Hugging Face ${parts[0].slice(0, -1)}, not a model`);
  }
  const keyword = ['tree', 'resolve', 'blob'].includes(parts[1]) ? 1 : 2;
  const id = checkRepoId(parts.slice(0, keyword).join('/'), what);
  if (parts.length === keyword) return { id, revision: undefined };
  if (['tree', 'resolve'].includes(parts[keyword]) && parts.length === keyword + 2) {
    return { id, revision: checkRevision(parts[keyword + 1], what) };
  }
  throw new TypeError(`${what}: ${show(String(source))} is not a Hugging Face model: expected ` +
    `https://huggingface.co/<id> or …/<id>/tree/<revision> (a file or subfolder cannot be loaded)`);
}

/** core.cachedModels(options): what the model cache holds (options: { cacheDir } in Node). */
export function listCachedModels(options = {}) {
  requireOptions(options, 'cachedModels');
  return cachedModels(options);
}

/** core.deleteCachedModel(id, options): removes a model's cached files; resolves to the bytes freed. */
export function removeCachedModel(id, options = {}) {
  const what = 'deleteCachedModel';
  requireOptions(options, what);
  const repoId = checkRepoId(typeof id === 'string' ? id.replace(/^hf:/i, '') : id, what);
  const endpoint = options.endpoint === undefined ? undefined : checkEndpoint(options.endpoint, what);
  return deleteCachedModel(repoId, { ...options, endpoint });
}

/** The folder of a Hub model; `options` are loadModel's (revision, token, cache, cacheDir, signal, onWarning). */
export async function hubFolder({ id, endpoint, revision: fromUrl }, options, what) {
  const optionRevision = checkRevision(options.revision, what);
  if (fromUrl !== undefined && optionRevision !== undefined && fromUrl !== optionRevision) {
    throw new TypeError(`${what}: the URL names revision ${show(fromUrl)} but the revision option is ${show(optionRevision)}`);
  }
  const revision = fromUrl ?? optionRevision ?? 'main';
  const token = checkToken(options.token, what);
  const useCache = optionalBoolean(options.cache, 'cache', true, what);
  const { signal } = options;
  const warn = (message) => (options.onWarning ?? console.warn)(`${what}: ${message}`);
  const store = useCache ? await openModelCache({ endpoint, id, cacheDir: options.cacheDir, warn, what }) : null;
  const repo = { id, endpoint, revision, what };
  let commit = COMMIT.test(revision) ? revision : null;  // the snapshot this load reads, once known
  let cacheable = store !== null;

  const urlOf = (name) => `${endpoint}/${id.split('/').map(encodeURIComponent).join('/')}/resolve/` +
    `${encodeURIComponent(commit ?? revision)}/${encodeURIComponent(name)}`;

  async function fromCache(name) {
    if (!store || !commit) return undefined;
    return store.file(commit, name);  // undefined: not cached; null: cached as absent from the repository
  }

  async function open(name) {
    const cached = await fromCache(name);
    if (cached !== undefined) return cached;
    let fetched;
    try {
      fetched = await hubFetch(urlOf(name), { endpoint, token, signal });
    } catch (error) {
      if (signal?.aborted || error?.name === 'AbortError') throw signal?.reason ?? error;
      // Offline: a branch falls back to the commit it had when it was last cached.
      const known = !commit && store ? await store.ref(revision) : null;
      if (known) {
        commit = known;
        const offline = await fromCache(name);
        if (offline !== undefined) {
          warn(`${endpoint} cannot be reached (${error.cause?.code ?? error.message}); using the cached copy of ${id} at ` +
            `${revision} = commit ${known.slice(0, 12)}, which may be out of date`);
          return offline;
        }
      }
      throw new Error(networkErrorMessage(repo, name, urlOf(name), error, { cache: store !== null, known: known ?? commit }), { cause: error });
    }
    const { response } = fetched;
    if (!response.ok) {
      await response.body?.cancel().catch(() => {});
      const absent = response.status === 404 && response.headers.get('X-Error-Code') === 'EntryNotFound';
      if (absent || (response.status === 404 && commit && !response.headers.get('X-Error-Code'))) {
        if (commit && cacheable) await store.markMissing(commit, name);
        return null;
      }
      throw new Error(hubErrorMessage(repo, name, response, { token, firstRequest: !commit }));
    }
    if (!commit) {
      const reported = fetched.commit;
      if (reported && COMMIT.test(reported)) {
        commit = reported;
        if (cacheable) await store.setRef(revision, commit);
      } else if (cacheable) {
        cacheable = false;
        warn(`${endpoint} did not report the commit of ${id} at ${revision} (no X-Repo-Commit header): ` +
          'its files are not cached');
      }
    }
    const sink = cacheable ? store.writer(commit, name, expectedLength(response)) : null;
    return { ...networkFile(response, name, sink, repo), fromCache: false };
  }

  return {
    describe: `the Hugging Face model ${id} (revision ${revision}, ${endpoint})`,
    names: () => null,  // the files are asked for by name; the repository is not listed
    open,
  };
}

// Content-Length, unless the body is (visibly) compressed: then the length is not the file's.
function expectedLength(response) {
  const length = response.headers.get('Content-Length');
  const encoding = response.headers.get('Content-Encoding') ?? 'identity';
  return length !== null && encoding === 'identity' && /^\d+$/.test(length) ? Number(length) : null;
}

// A response body read chunk by chunk, checked against its Content-Length (a connection cut mid-file
// is an error, never a shorter file) and copied into the cache as it arrives.
function networkFile(response, name, sink, repo) {
  const size = expectedLength(response);
  const file = responseFile(response, size);
  return {
    size,
    async read(onChunk) {
      let received = 0;
      try {
        await file.read(async (chunk) => {
          received += chunk.length;
          onChunk(chunk);
          await sink?.write(chunk);
        }, (error) => new Error(cutOffMessage(repo, name, received, size, error), { cause: error }));
        // A browser may decompress a body whose Content-Encoding it does not show this script: more
        // bytes than Content-Length then means "compressed", fewer still means "cut off".
        if (size !== null && received < size) throw new Error(cutOffMessage(repo, name, received, size, null));
        await sink?.commit(received);
      } catch (error) {
        await sink?.discard();
        throw error;
      }
    },
  };
}

/**
 * fetch() for the Hub. The token goes to the endpoint's origin only: in Node redirects are followed
 * here, and the Authorization header is added only while the URL is on the endpoint's origin; in
 * pages the browser follows them and drops Authorization on a cross-origin redirect (Fetch standard).
 * Returns { response, commit } where commit is the X-Repo-Commit the endpoint reported on the way
 * (the Hub puts it on the redirect of a stored file, which a page cannot read, and on small files).
 */
export async function hubFetch(url, { endpoint, token, signal }) {
  const origin = new URL(endpoint).origin;
  const headersFor = (target) => (token && new URL(target).origin === origin ? { Authorization: `Bearer ${token}` } : {});
  if (!isNode) {
    const response = await fetch(url, {
      headers: headersFor(url), signal, credentials: 'omit', cache: 'no-store', referrerPolicy: 'no-referrer',
    });
    return { response, commit: response.headers.get('X-Repo-Commit') };
  }
  let commit = null;
  for (let hops = 0; ; hops++) {
    const response = await fetch(url, { headers: headersFor(url), signal, redirect: 'manual' });
    if (new URL(url).origin === origin) commit ??= response.headers.get('X-Repo-Commit');
    if (!REDIRECTS.includes(response.status)) return { response, commit };
    await response.body?.cancel().catch(() => {});
    const location = response.headers.get('Location');
    const next = location ? new URL(location, url) : null;
    if (!next || !['http:', 'https:'].includes(next.protocol) || hops === MAX_REDIRECTS) {
      throw new TypeError(`bad redirect from ${url}: ${location === null ? 'no Location' : show(location)}`);
    }
    url = next.href;
  }
}
