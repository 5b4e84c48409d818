// Where a checkpoint's files come from, behind one small interface used by model.js:
//   const folder = await openFolder(source);
//   await folder.text(name)          -> string, or null when the folder has no such file
//   await folder.open(name)          -> { size, read(onChunk) } or null; size is null when unknown
//   folder.describe                  -> "folder URL https://…/" etc., for error messages
// Sources: a folder URL (string or URL), a FileList or File[] (files matched by their base name, the
// shallowest wins), a plain object { 'config.json': string | Uint8Array | ArrayBuffer | Blob, ... },
// or, in Node, a directory path.
import { describe } from './validate.js';

const CHUNK_BYTES = 8 * 1024 * 1024;  // reading Files / Node files in pieces keeps JS memory flat

const isNode = typeof process === 'object' && typeof process.versions?.node === 'string' &&
  typeof window === 'undefined' && typeof WorkerGlobalScope === 'undefined';

const decoder = new TextDecoder('utf-8');
const isBlob = (v) => typeof Blob === 'function' && v instanceof Blob;
const baseName = (path) => path.slice(path.lastIndexOf('/') + 1);
const depth = (file) => (file.webkitRelativePath || file.name).split('/').length;

export async function openFolder(source, what) {
  if (typeof source === 'string' || source instanceof URL) {
    const text = String(source);
    if (isNode && (source instanceof URL ? source.protocol === 'file:' : !/^[a-z][a-z0-9+.-]*:/i.test(text))) {
      return nodeDirectory(source, what);
    }
    if (isNode && /^file:/i.test(text)) return nodeDirectory(new URL(text), what);
    return urlFolder(text, what);
  }
  if (typeof FileList === 'function' && source instanceof FileList) return fileList(Array.from(source), what);
  if (Array.isArray(source)) return fileList(source, what);
  if (source !== null && typeof source === 'object' &&
      [Object.prototype, null].includes(Object.getPrototypeOf(source))) {
    return objectFolder(source, what);
  }
  throw new TypeError(`${what}: source must be a folder URL, a FileList or File[], an object ` +
    `{ 'config.json': …, 'model.safetensors': … }${isNode ? ' or a directory path' : ''}; got ${describe(source)}`);
}

function blobFile(blob) {
  return {
    size: blob.size,
    async read(onChunk) {
      for (let pos = 0; pos < blob.size; pos += CHUNK_BYTES) {
        onChunk(new Uint8Array(await blob.slice(pos, pos + CHUNK_BYTES).arrayBuffer()));
      }
    },
  };
}

function bytesFile(bytes) {
  return { size: bytes.length, async read(onChunk) { onChunk(bytes); } };
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
    async text(name) { return byName.has(name) ? byName.get(name).text() : null; },
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
    async text(name) {
      if (!has(name)) return null;
      const v = object[name];
      if (typeof v === 'string') return v;
      return isBlob(v) ? v.text() : decoder.decode(bytesOf(name));
    },
    async open(name) {
      if (!has(name)) return null;
      return isBlob(object[name]) ? blobFile(object[name]) : bytesFile(bytesOf(name));
    },
  };
}

async function nodeDirectory(path, what) {
  // Hidden from bundlers: this branch only runs in Node.
  const fsName = 'node:fs/promises', pathName = 'node:path', urlName = 'node:url';
  const fs = await import(/* @vite-ignore */ fsName);
  const { join } = await import(/* @vite-ignore */ pathName);
  const dir = path instanceof URL ? (await import(/* @vite-ignore */ urlName)).fileURLToPath(path) : path;
  let names;
  try {
    names = await fs.readdir(dir);
  } catch (error) {
    throw new Error(`${what}: cannot read the directory ${dir}: ${error.message}`, { cause: error });
  }
  const has = (name) => names.includes(name);
  return {
    describe: `directory ${dir}`,
    names: () => names,
    async text(name) { return has(name) ? fs.readFile(join(dir, name), 'utf8') : null; },
    async open(name) {
      if (!has(name)) return null;
      const file = join(dir, name);
      const { size } = await fs.stat(file);
      return {
        size,
        async read(onChunk) {
          const handle = await fs.open(file, 'r');
          try {
            const buffer = new Uint8Array(Math.min(CHUNK_BYTES, Math.max(size, 1)));
            for (let pos = 0; pos < size;) {
              const { bytesRead } = await handle.read(buffer, 0, buffer.length, pos);
              if (bytesRead === 0) throw new Error(`${what}: ${file} shrank while it was being read`);
              onChunk(buffer.subarray(0, bytesRead));
              pos += bytesRead;
            }
          } finally {
            await handle.close();
          }
        },
      };
    },
  };
}

function urlFolder(text, what) {
  let base;
  try {
    base = new URL(text.endsWith('/') ? text : `${text}/`, globalThis.location?.href);
  } catch {
    throw new TypeError(`${what}: source ${JSON.stringify(text)} is not a valid folder URL`);
  }
  // A Hugging Face hub repository page (https://huggingface.co/<id>/) serves its files under resolve/main/.
  if (base.hostname === 'huggingface.co' && !base.pathname.includes('/resolve/')) {
    base = new URL('resolve/main/', base);
  }
  const get = async (name) => {
    const url = new URL(name, base).href;
    let response;
    try {
      response = await fetch(url);
    } catch (error) {
      throw new Error(`${what}: could not fetch ${url}: ${error.message}`, { cause: error });
    }
    if (response.status === 404 || response.status === 410) return null;
    if (!response.ok) throw new Error(`${what}: HTTP ${response.status} for ${url}`);
    return response;
  };
  return {
    describe: `folder URL ${base.href}`,
    names: () => null,  // a URL folder cannot be listed
    async text(name) {
      const response = await get(name);
      return response ? response.text() : null;
    },
    async open(name) {
      const response = await get(name);
      if (!response) return null;
      const length = response.headers.get('Content-Length');
      // Compressed responses report the compressed length: the size is then unknown.
      const encoded = (response.headers.get('Content-Encoding') ?? 'identity') !== 'identity';
      return {
        size: length !== null && !encoded ? Number(length) : null,
        async read(onChunk) {
          if (!response.body) {
            onChunk(new Uint8Array(await response.arrayBuffer()));
            return;
          }
          const reader = response.body.getReader();
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            onChunk(value);
          }
        },
      };
    },
  };
}
