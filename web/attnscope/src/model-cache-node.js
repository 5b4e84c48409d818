// The model cache in Node: a folder (the cacheDir option; default $XDG_CACHE_HOME/attnscope or
// ~/.cache/attnscope) laid out as
//   hub/<endpoint, URI-encoded>/<organisation>--<name>/refs/<revision, URI-encoded>   (its commit id)
//                                                      snapshots/<commit>/<file>
//                                                      missing/<commit>/<file>        (absent from the repository)
// A file is written to a temporary name beside its place, synced, checked for length and renamed:
// a half-written file is never seen under its own name. See model-cache.js for the store interface.
import { nodeFile } from './file-readers.js';
import { sortModels, verifiedFile } from './model-cache.js';
import { nodeModule } from './platform.js';
import { describe as show } from './validate.js';

const COMMIT = /^[0-9a-f]{40}$/;
let fs, path, os, join;
async function loadNodeModules() {
  [fs, path, os] = await Promise.all(['fs/promises', 'path', 'os'].map(nodeModule));
  ({ join } = path);
}

function cacheRoot(cacheDir, what) {
  if (cacheDir === undefined) {
    const xdg = process.env.XDG_CACHE_HOME;
    return join(xdg && path.isAbsolute(xdg) ? xdg : join(os.homedir(), '.cache'), 'attnscope');
  }
  if (typeof cacheDir !== 'string' || cacheDir === '') {
    throw new TypeError(`${what}: cacheDir must be a directory path, got ${show(cacheDir)}`);
  }
  return path.resolve(cacheDir);
}

const repoFolder = (id) => id.replace('/', '--');
const repoId = (folder) => folder.replace('--', '/');
const exists = (file) => fs.stat(file).then(() => true, () => false);

/** Writes `text` to `file` through a temporary file and a rename. */
async function writeAtomically(file, text) {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.part`;
  try {
    await fs.writeFile(temp, text);
    await fs.rename(temp, file);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
}

export async function openNodeCache({ endpoint, id, cacheDir, warn, what }) {
  await loadNodeModules();
  const dir = join(cacheRoot(cacheDir, what), 'hub', encodeURIComponent(endpoint), repoFolder(id));
  const refFile = (revision) => join(dir, 'refs', encodeURIComponent(revision));
  const cannot = (name, error) => warn(`could not cache ${name} of ${id} in ${dir} (${error.code ?? error.message}): ` +
    'the model is loaded, but it will be downloaded again next time');
  return {
    async ref(revision) {
      const commit = await fs.readFile(refFile(revision), 'utf8').catch(() => '');
      return COMMIT.test(commit) ? commit : null;
    },
    async setRef(revision, commit) {
      if (revision !== commit) await writeAtomically(refFile(revision), commit).catch((error) => cannot('the revision', error));
    },
    async file(commit, name) {
      if (await exists(join(dir, 'missing', commit, name))) return null;
      const file = join(dir, 'snapshots', commit, name);
      const stat = await fs.stat(file).catch(() => null);
      if (!stat?.isFile()) return undefined;
      return verifiedFile(nodeFile(file, stat.size), stat.size, `${name} of ${id}`, () => fs.rm(file, { force: true }));
    },
    async markMissing(commit, name) {
      await writeAtomically(join(dir, 'missing', commit, name), '').catch((error) => cannot(name, error));
    },
    writer(commit, name, expected) {
      const folder = join(dir, 'snapshots', commit);
      const temp = join(folder, `.${name}.${process.pid}.${Math.random().toString(36).slice(2)}.part`);
      let handle = null, failed = false;
      const stop = async (error) => {
        if (error && !failed) cannot(name, error);
        failed = true;
        await handle?.close().catch(() => {});
        handle = null;
        await fs.rm(temp, { force: true }).catch(() => {});
      };
      const opened = async () => {
        if (!handle) {
          await fs.mkdir(folder, { recursive: true });
          handle = await fs.open(temp, 'wx');
        }
        return handle;
      };
      return {
        async write(chunk) {
          if (failed) return;
          try {
            const file = await opened();
            for (let done = 0; done < chunk.length;) done += (await file.write(chunk, done, chunk.length - done)).bytesWritten;
          } catch (error) {
            await stop(error);
          }
        },
        async commit(bytes) {
          if (failed) return;
          try {
            const file = await opened();
            await file.sync();
            const { size } = await file.stat();
            await file.close();
            handle = null;
            if (size !== bytes || (expected !== null && size !== expected)) {
              throw new Error(`wrote ${size} bytes, expected ${expected ?? bytes}`);
            }
            await fs.rename(temp, join(folder, name));
          } catch (error) {
            await stop(error);
          }
        },
        discard: () => stop(null),
      };
    },
  };
}

const list = (dir) => fs.readdir(dir).catch(() => []);

export async function nodeCachedModels({ cacheDir } = {}) {
  await loadNodeModules();
  const root = join(cacheRoot(cacheDir, 'cachedModels'), 'hub');
  const models = [];
  for (const endpointFolder of await list(root)) {
    for (const folder of await list(join(root, endpointFolder))) {
      const dir = join(root, endpointFolder, folder);
      const refs = {};
      for (const ref of await list(join(dir, 'refs'))) {
        const commit = await fs.readFile(join(dir, 'refs', ref), 'utf8').catch(() => '');
        (refs[commit] ??= []).push(decodeURIComponent(ref));
      }
      for (const commit of (await list(join(dir, 'snapshots'))).filter((c) => COMMIT.test(c))) {
        const model = { id: repoId(folder), endpoint: decodeURIComponent(endpointFolder), revision: commit,
          refs: refs[commit] ?? [], files: [], bytes: 0, date: '' };
        for (const name of await list(join(dir, 'snapshots', commit))) {
          if (name.startsWith('.')) continue;  // a file being written
          const stat = await fs.stat(join(dir, 'snapshots', commit, name)).catch(() => null);
          if (!stat?.isFile()) continue;
          model.files.push({ name, bytes: stat.size });
          model.bytes += stat.size;
          const date = stat.mtime.toISOString();
          if (date > model.date) model.date = date;
        }
        if (model.files.length) models.push(model);
      }
    }
  }
  return sortModels(models);
}

export async function nodeDeleteCachedModel(id, { cacheDir, endpoint } = {}) {
  await loadNodeModules();
  const root = join(cacheRoot(cacheDir, 'deleteCachedModel'), 'hub');
  let bytes = 0;
  for (const model of await nodeCachedModels({ cacheDir })) {
    if (model.id === id && (endpoint === undefined || model.endpoint === endpoint)) bytes += model.bytes;
  }
  const endpoints = endpoint === undefined ? await list(root) : [encodeURIComponent(endpoint)];
  for (const endpointFolder of endpoints) {
    await fs.rm(join(root, endpointFolder, repoFolder(id)), { recursive: true, force: true });
  }
  return bytes;
}
