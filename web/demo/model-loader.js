// The "Load model" control: a Hugging Face model id or URL, a folder picker, drag-and-drop of a folder,
// or a folder URL on this site. setupModelLoader gathers the source (File[], 'hf:<id>' or a URL) and
// hands it to onLoad(source, label); startModelLoad gives the options of one core.loadModel call (the
// page's Hub endpoint, the token, a Cancel button, progress per file) and shows them.
//
// Nothing is fetched from the Hub until the user asks: the endpoint is only named on the page, and
// the list of cached models reads the browser's Cache API, not the network.
import { formatBytes, showCachedModels } from './model-cache-list.js';

const $ = (id) => document.getElementById(id);
const HUB_ID = /^[A-Za-z0-9_][\w.-]*(\/[A-Za-z0-9_][\w.-]*)?$/;

/** The Hub this page may download from (its CSP's connect-src allows it): set by the page's meta tag. */
export const hubEndpoint = () => document.querySelector('meta[name="attnscope-hub-endpoint"]')?.content || undefined;

/** What the model field means: 'hf:<id>' for a Hub id, else a URL or a folder on this site (with a '/'). */
export function sourceOfInput(value) {
  if (/^hf:/i.test(value)) return value;
  if (HUB_ID.test(value) && !value.startsWith('.')) return `hf:${value}`;
  return value.endsWith('/') ? value : `${value}/`;
}

export function setupModelLoader({ folderInput, dropZone, urlInput, urlButton, onLoad }) {
  $('hub-endpoint').textContent = hubEndpoint() ?? 'the Hugging Face Hub';
  const details = $('model-loader');
  const refresh = () => showCachedModels($('cached-models'), { endpoint: hubEndpoint(), onLoad: load });
  details.addEventListener('toggle', () => { if (details.open) refresh(); });
  const load = async (source, label) => {
    await onLoad(source, label);
    if (details.open) await refresh();
  };
  folderInput.addEventListener('change', () => {
    const files = [...folderInput.files];
    if (files.length) load(files, `folder “${topFolder(files)}”`);
    folderInput.value = '';
  });
  urlButton.addEventListener('click', () => {
    const value = urlInput.value.trim();
    if (value) load(sourceOfInput(value), value);
  });
  urlInput.addEventListener('keydown', (e) => { if (e.key === 'Enter') urlButton.click(); });
  dropZone.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); folderInput.click(); }
  });
  for (const type of ['dragenter', 'dragover']) {
    dropZone.addEventListener(type, (e) => { e.preventDefault(); dropZone.classList.add('dragging'); });
  }
  dropZone.addEventListener('dragleave', () => dropZone.classList.remove('dragging'));
  dropZone.addEventListener('drop', async (e) => {
    e.preventDefault();
    dropZone.classList.remove('dragging');
    const entries = [...e.dataTransfer.items].map((it) => it.webkitGetAsEntry?.()).filter(Boolean);
    const files = entries.length ? (await Promise.all(entries.map(filesOf))).flat() : [...e.dataTransfer.files];
    if (files.length) load(files, entries.length === 1 ? `folder “${entries[0].name}”` : `${files.length} dropped files`);
  });
}

/**
 * One load's options for core.loadModel and their display: the overall progress bar, a row per file
 * (bytes, and whether it came from the cache), warnings, and a Cancel button. Call finish() after.
 */
export function startModelLoad() {
  const bar = $('model-progress'), list = $('model-files'), cancel = $('model-cancel'), warning = $('model-warning');
  const controller = new AbortController();
  const onCancel = () => controller.abort(new DOMException('the load was cancelled', 'AbortError'));
  bar.hidden = false;
  bar.removeAttribute('value');
  list.replaceChildren();
  warning.textContent = '';
  cancel.hidden = false;
  cancel.addEventListener('click', onCancel);
  const rows = new Map();
  const token = $('hub-token').value.trim();
  return {
    options: {
      endpoint: hubEndpoint(),
      signal: controller.signal,
      ...(token ? { token } : {}),
      onWarning: (message) => { warning.textContent = message; },
      onProgress(loaded, total, info) {
        if (total > 0) { bar.max = total; bar.value = loaded; }
        if (!rows.has(info.file)) {
          rows.set(info.file, fileRow(info.file));
          list.append(rows.get(info.file).row);
        }
        rows.get(info.file).update(info);
      },
    },
    finish() {
      bar.hidden = true;
      cancel.hidden = true;
      cancel.removeEventListener('click', onCancel);
    },
  };
}

function fileRow(name) {
  const row = document.createElement('li');
  const label = Object.assign(document.createElement('span'), { className: 'name', textContent: name });
  const bar = document.createElement('progress');
  bar.setAttribute('aria-label', name);
  const bytes = document.createElement('span');
  row.append(label, bar, bytes);
  return {
    row,
    update({ fileLoaded, fileTotal, fromCache }) {
      if (fileTotal) { bar.max = fileTotal; bar.value = fileLoaded; }
      bytes.textContent = `${formatBytes(fileLoaded)}${fileTotal ? ` of ${formatBytes(fileTotal)}` : ''}` +
        `${fromCache ? ' · from the cache' : ''}`;
    },
  };
}

function topFolder(files) {
  return files[0].webkitRelativePath?.split('/')[0] || files[0].name;
}

// All files under a dropped entry (a folder is read recursively; readEntries returns batches).
async function filesOf(entry) {
  if (entry.isFile) return [await new Promise((resolve, reject) => entry.file(resolve, reject))];
  const reader = entry.createReader();
  const out = [];
  for (;;) {
    const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
    if (!batch.length) break;
    for (const child of batch) out.push(...(await filesOf(child)));
  }
  return out;
}
