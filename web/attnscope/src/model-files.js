// Where a checkpoint's files come from, behind one small interface used by model.js:
//   const folder = await openFolder(source, what, options);
//   await folder.text(name)          -> string, or null when the folder has no such file
//   await folder.open(name)          -> { size, fromCache, read(onChunk) } or null; size is null when unknown
//   folder.names()                   -> the file names, or null when the folder cannot be listed
//   folder.describe                  -> "folder URL https://…/" etc., for error messages
// Sources: a Hugging Face Hub model ('hf:<id>' or an https://huggingface.co/<id> URL: hub.js), a folder
// URL (string or URL), a FileList or File[] (files matched by their base name, the shallowest wins), a
// plain object { 'config.json': string | Uint8Array | ArrayBuffer | Blob, ... }, or, in Node, a directory path.
//
// Whatever the source, names are checked before anything is read (a plain file name: the names in a
// sharded checkpoint's index come from the file), options.onProgress(loadedBytes, totalBytes,
// { file, fromCache, fileLoaded, fileTotal }) is called as bytes arrive, and options.signal stops a read.
import { blobFile, bytesFile, nodeFile, responseFile } from './file-readers.js';
import { hubFolder, parseHubSource } from './hub.js';
import { isNode, nodeModule } from './platform.js';
import { describe } from './validate.js';

const decoder = new TextDecoder('utf-8');
const isBlob = (v) => typeof Blob === 'function' && v instanceof Blob;
const baseName = (path) => path.slice(path.lastIndexOf('/') + 1);
const depth = (file) => (file.webkitRelativePath || file.name).split('/').length;

export async function openFolder(source, what, options = {}) {
  const { onProgress, signal } = options;
  if (signal !== undefined && !(typeof AbortSignal === 'function' && signal instanceof AbortSignal)) {
    throw new TypeError(`${what}: signal must be an AbortSignal (from an AbortController), got ${describe(signal)}`);
  }
  signal?.throwIfAborted();
  const hub = parseHubSource(source, options, what);
  const folder = hub ? await hubFolder(hub, options, what) : await sourceFolder(source, what, signal);
  return checkedFolder(folder, what, onProgress, signal);
}

async function sourceFolder(source, what, signal) {
  if (typeof source === 'string' || source instanceof URL) {
    const text = String(source);
    if (isNode && (source instanceof URL ? source.protocol === 'file:' : !/^[a-z][a-z0-9+.-]*:/i.test(text))) {
      return nodeDirectory(source, what);
    }
    if (isNode && /^file:/i.test(text)) return nodeDirectory(new URL(text), what);
    return urlFolder(text, what, signal);
  }
  if (typeof FileList === 'function' && source instanceof FileList) return fileList(Array.from(source), what);
  if (Array.isArray(source)) return fileList(source, what);
  if (source !== null && typeof source === 'object' &&
      [Object.prototype, null].includes(Object.getPrototypeOf(source))) {
    return objectFolder(source, what);
  }
  throw new TypeError(`${what}: source must be a folder URL, a FileList or File[], an object { 'config.json': …, ` +
    `'model.safetensors': … }, a Hugging Face model ('hf:<id>' or https://huggingface.co/<id>)` +
    `${isNode ? ' or a directory path' : ''}; got ${describe(source)}`);
}

/** A plain file name: letters, digits, '.', '_', '-', '+'; not '.' or '..' (so never a path or a URL). */
function checkFileName(name, folder, what) {
  if (typeof name !== 'string' || !/^[\w.+-]{1,255}$/.test(name) || /^\.+$/.test(name)) {
    throw new Error(`${what}: ${folder.describe}: ${describe(name)} is not a plain file name (letters, digits, ` +
      "'.', '_', '-'; no '/', '..' or URL), so it is not read");
  }
}

// Every folder through one wrapper: names checked, progress counted over all files, the signal obeyed.
function checkedFolder(folder, what, onProgress, signal) {
  let loaded = 0, total = 0;
  const open = async (name) => {
    checkFileName(name, folder, what);
    signal?.throwIfAborted();
    const file = await folder.open(name);
    if (file === null) return null;
    const fromCache = file.fromCache === true;
    if (file.size !== null) total += file.size;
    let fileLoaded = 0;
    return {
      size: file.size,
      fromCache,
      async read(onChunk) {
        try {
          await file.read((chunk) => {
            signal?.throwIfAborted();
            onChunk(chunk);
            loaded += chunk.length;
            fileLoaded += chunk.length;
            onProgress?.(loaded, Math.max(total, loaded), { file: name, fromCache, fileLoaded, fileTotal: file.size });
          });
        } catch (error) {
          signal?.throwIfAborted();
          throw error;
        }
      },
    };
  };
  return {
    describe: folder.describe,
    names: () => folder.names(),
    open,
    async text(name) {
      const file = await open(name);
      if (file === null) return null;
      const chunks = [];
      await file.read((chunk) => chunks.push(chunk.slice()));
      const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
      chunks.reduce((pos, c) => { bytes.set(c, pos); return pos + c.length; }, 0);
      return decoder.decode(bytes);
    },
  };
}

function fileList(files, what) {
  const byName = new Map();
  files.forEach((file, i) => {
    if (!isBlob(file) || typeof file.name !== 'string') {
      throw new TypeError(`${what}: source[${i}] must be a File, got ${describe(file)}`);
    }
    const name = baseName(file.name);
    const known = byName.get(name);
    if (!known || depth(file) < depth(known)) byName.set(name, file);
  });
  return {
    describe: `${files.length} files`,
    names: () => [...byName.keys()],
    async open(name) { return byName.has(name) ? blobFile(byName.get(name)) : null; },
  };
}

function objectFolder(object, what) {
  const bytesOf = (name) => {
    const v = object[name];
    if (typeof v === 'string') return new TextEncoder().encode(v);
    if (v instanceof Uint8Array) return v;
    if (v instanceof ArrayBuffer) return new Uint8Array(v);
    if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    throw new TypeError(`${what}: source['${name}'] must be a string, Uint8Array, ArrayBuffer or Blob, got ${describe(v)}`);
  };
  const has = (name) => Object.hasOwn(object, name) && object[name] !== undefined && object[name] !== null;
  return {
    describe: 'the given object',
    names: () => Object.keys(object),
    async open(name) {
      if (!has(name)) return null;
      return isBlob(object[name]) ? blobFile(object[name]) : bytesFile(bytesOf(name));
    },
  };
}

async function nodeDirectory(path, what) {
  const fs = await nodeModule('fs/promises');
  const { join } = await nodeModule('path');
  const dir = path instanceof URL ? (await nodeModule('url')).fileURLToPath(path) : path;
  let names;
  try {
    names = await fs.readdir(dir);
  } catch (error) {
    throw new Error(`${what}: cannot read the directory ${dir}: ${error.message}`, { cause: error });
  }
  return {
    describe: `directory ${dir}`,
    names: () => names,
    async open(name) {
      if (!names.includes(name)) return null;
      const file = join(dir, name);
      return nodeFile(file, (await fs.stat(file)).size);
    },
  };
}

function urlFolder(text, what, signal) {
  let base;
  try {
    base = new URL(text.endsWith('/') ? text : `${text}/`, globalThis.location?.href);
  } catch {
    throw new TypeError(`${what}: source ${JSON.stringify(text)} is not a valid folder URL`);
  }
  return {
    describe: `folder URL ${base.href}`,
    names: () => null,  // a URL folder cannot be listed
    async open(name) {
      const url = new URL(name, base).href;
      let response;
      try {
        response = await fetch(url, { signal });
      } catch (error) {
        if (error?.name === 'AbortError') throw error;
        throw new Error(`${what}: could not fetch ${url}: ${error.message}`, { cause: error });
      }
      if (response.status === 404 || response.status === 410) return null;
      if (!response.ok) throw new Error(`${what}: HTTP ${response.status} for ${url}`);
      const length = response.headers.get('Content-Length');
      // Compressed responses report the compressed length: the size is then unknown.
      const encoded = (response.headers.get('Content-Encoding') ?? 'identity') !== 'identity';
      return responseFile(response, length !== null && !encoded ? Number(length) : null);
    },
  };
}
