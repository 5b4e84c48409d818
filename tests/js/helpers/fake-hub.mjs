// A local imitation of the Hugging Face Hub for the tests, on 127.0.0.1 only: two origins, as the Hub
// has. The hub answers /<id>/resolve/<revision>/<file> the way huggingface.co does: small files with
// a relative 307 to /api/resolve-cache/… on the same origin, stored files (*.safetensors) with a 302
// to the second origin (the "CDN"), every answer with X-Repo-Commit, ETag, Content-Length and CORS
// headers (Access-Control-Expose-Headers as the Hub sends them); errors with X-Error-Code:
// RepoNotFound (401, as the Hub answers an anonymous request), GatedRepo (401 without the right
// token), RevisionNotFound and EntryNotFound (404). Per repository: `token` (gated), `cors: false`
// (no CORS headers: a page's fetch fails), `drop: 'file'` (the connection is cut half-way through that
// file). Every request is logged with its Authorization header.
//
//   const hub = await startFakeHub({ repos: { 'org/name': { dir }, ... } });
//   hub.endpoint, hub.cdnOrigin, hub.requests, hub.commitOf(id), hub.move(id), hub.stall(id, file),
//   await hub.stop(); await hub.start();  (same ports)  await hub.close();
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';

import { MODELS } from './model-reference.mjs';

const EXPOSED = 'X-Repo-Commit,X-Request-Id,X-Error-Code,X-Error-Message,ETag,Link,Accept-Ranges,Content-Range,X-Linked-Size,X-Linked-ETag';
const sha = (algorithm, data) => createHash(algorithm).update(data).digest('hex');

/** The files of a golden checkpoint folder (without the reference outputs). */
export function goldenFiles(name) {
  const dir = join(MODELS, name);
  return Object.fromEntries(readdirSync(dir).filter((f) => f !== 'reference.safetensors')
    .map((f) => [f, readFileSync(join(dir, f))]));
}

export async function startFakeHub({ repos }) {
  const state = new Map();  // id -> { options, commits: Map(commit -> files), head }
  const blobs = new Map();  // sha256 -> { id, file, bytes }
  const stalls = new Map(); // `${id}/${file}` -> { reached, resolveReached, released, release }
  const requests = [];
  let generation = 0;

  const addCommit = (id, given) => {
    const files = Object.fromEntries(Object.entries(given).map(([name, data]) => [name, Buffer.from(data)]));
    const commit = sha('sha1', `${id}\n${generation++}`);
    for (const [file, bytes] of Object.entries(files)) blobs.set(sha('sha256', bytes), { id, file, bytes });
    state.get(id).commits.set(commit, files);
    state.get(id).head = commit;
    return commit;
  };
  for (const [id, options] of Object.entries(repos)) {
    state.set(id, { options, commits: new Map(), head: null });
    addCommit(id, options.files ?? goldenFiles(options.golden));
  }

  const cors = (repo) => (repo?.options.cors === false ? {} : {
    'Access-Control-Allow-Origin': '*', 'Access-Control-Expose-Headers': EXPOSED, Vary: 'Origin',
  });
  const error = (res, status, code, message, headers = {}) => {
    res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'X-Error-Message': message,
      ...(code ? { 'X-Error-Code': code } : {}) });
    res.end(message);
  };

  function send(req, res, bytes, headers, key) {
    res.writeHead(200, { ...headers, 'Content-Length': bytes.length, 'Content-Type': 'application/octet-stream' });
    if (req.method === 'HEAD') return res.end();
    const half = bytes.subarray(0, bytes.length >> 1);
    const [id, file] = key;
    const stall = stalls.get(`${id}/${file}`);
    if (state.get(id)?.options.drop === file) {
      res.write(half, () => setTimeout(() => res.socket?.destroy(), 50));
    } else if (stall) {
      res.write(half, () => stall.resolveReached());
      stall.released.then(() => { if (!res.destroyed) res.end(bytes.subarray(half.length)); });
    } else {
      res.end(bytes);
    }
  }

  function hubHandler(req, res) {
    const url = new URL(req.url, 'http://hub');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const cached = parts[0] === 'api' && parts[1] === 'resolve-cache';
    const at = cached ? -1 : parts.indexOf('resolve');
    const id = cached ? parts.slice(3, -2).join('/') : parts.slice(0, at).join('/');
    const repo = state.get(id);
    requests.push({ origin: 'hub', method: req.method, path: url.pathname, authorization: req.headers.authorization ?? null });
    const headers = cors(repo);
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...headers, ...(repo?.options.cors === false ? {} : {
        'Access-Control-Allow-Headers': 'authorization, range', 'Access-Control-Allow-Methods': 'GET, HEAD', 'Access-Control-Max-Age': '600',
      }) }).end();
      return;
    }
    if ((!cached && (at < 1 || parts.length !== at + 3)) || (cached && parts.length < 6)) {
      return error(res, 404, 'EntryNotFound', 'Not found', headers);
    }
    if (!repo) return error(res, 401, 'RepoNotFound', 'Repository not found', headers);
    if (repo.options.token && req.headers.authorization !== `Bearer ${repo.options.token}`) {
      return error(res, 401, req.headers.authorization ? undefined : 'GatedRepo',
        req.headers.authorization ? 'Invalid credentials in Authorization header'
          : `Access to model ${id} is restricted. You must have access to it and be authenticated to access it. Please log in.`, headers);
    }
    const [revision, file] = cached ? parts.slice(-2) : parts.slice(at + 1);
    const commit = revision === 'main' ? repo.head : repo.commits.has(revision) ? revision : null;
    if (!commit) return error(res, 404, 'RevisionNotFound', `Invalid rev id: ${revision}`, headers);
    const bytes = repo.commits.get(commit)[file];
    Object.assign(headers, { 'X-Repo-Commit': commit });
    if (!bytes) return error(res, 404, 'EntryNotFound', `Entry not found`, headers);
    const etag = `"${sha('sha1', bytes)}"`;
    if (cached) return send(req, res, bytes, { ...headers, ETag: etag }, [id, file]);
    if (file.endsWith('.safetensors')) {
      const blob = sha('sha256', bytes);
      res.writeHead(302, { ...headers, ETag: `"${blob}"`, 'X-Linked-Size': bytes.length, 'X-Linked-ETag': `"${blob}"`,
        Location: `${cdnOrigin}/blobs/${blob}?signature=${sha('sha1', blob).slice(0, 16)}`, 'Content-Length': 0 }).end();
      return;
    }
    res.writeHead(307, { ...headers, ETag: etag, 'X-Linked-ETag': etag, 'Content-Length': 0,
      Location: `/api/resolve-cache/models/${id}/${commit}/${encodeURIComponent(file)}` }).end();
  }

  function cdnHandler(req, res) {
    const url = new URL(req.url, 'http://cdn');
    requests.push({ origin: 'cdn', method: req.method, path: url.pathname, authorization: req.headers.authorization ?? null });
    const headers = { 'Access-Control-Allow-Origin': '*', 'Access-Control-Expose-Headers': '*' };
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...headers, 'Access-Control-Allow-Headers': 'range', 'Access-Control-Allow-Methods': 'GET, HEAD' }).end();
      return;
    }
    const blob = blobs.get(url.pathname.split('/').pop());
    if (!blob) return error(res, 404, 'EntryNotFound', 'No such blob', headers);
    send(req, res, blob.bytes, { ...headers, ETag: `"${url.pathname.split('/').pop()}"` }, [blob.id, blob.file]);
  }

  const hub = createServer(hubHandler);
  const cdn = createServer(cdnHandler);
  const sockets = new Set();
  for (const server of [hub, cdn]) server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  const listen = (server, port = 0) => new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server.address().port));
  });
  const hubPort = await listen(hub);
  const cdnPort = await listen(cdn);
  const cdnOrigin = `http://127.0.0.1:${cdnPort}`;
  const closeBoth = () => {
    for (const s of sockets) s.destroy();
    return Promise.all([hub, cdn].map((server) => new Promise((resolve) => server.close(resolve))));
  };

  return {
    endpoint: `http://127.0.0.1:${hubPort}`,
    cdnOrigin,
    requests,
    commitOf: (id) => state.get(id).head,
    /** A new commit on main (same files unless others are given): what `main` moving on looks like. */
    move: (id, files = state.get(id).commits.get(state.get(id).head)) => addCommit(id, files),
    /** The next downloads of this file stop half-way until release(); reached resolves when they do. */
    stall(id, file) {
      const stall = {};
      stall.reached = new Promise((resolve) => { stall.resolveReached = resolve; });
      stall.released = new Promise((resolve) => { stall.release = () => { stalls.delete(`${id}/${file}`); resolve(); }; });
      stalls.set(`${id}/${file}`, stall);
      return stall;
    },
    /** Files fetched (hub paths of resolve requests), e.g. to check what a load asked for. */
    resolved: () => requests.filter((r) => r.origin === 'hub' && r.method === 'GET' && r.path.includes('/resolve/'))
      .map((r) => decodeURIComponent(r.path.split('/').pop())),
    stop: closeBoth,
    async start() { await listen(hub, hubPort); await listen(cdn, cdnPort); },
    close: closeBoth,
  };
}

/**
 * Wraps globalThis.fetch for this process: every URL is recorded, and any URL not on 127.0.0.1 is
 * refused (the tests never leave the machine). Returns the list of URLs asked for.
 */
export function guardFetch() {
  const urls = [];
  const original = globalThis.fetch;
  globalThis.fetch = (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    urls.push(url);
    if (new URL(url).hostname !== '127.0.0.1') return Promise.reject(new TypeError(`test: refused to fetch ${url}`));
    return original(input, init);
  };
  return urls;
}
