// The "Load model" control: a folder picker, drag-and-drop of a folder, or a same-origin folder URL.
// It only gathers the source (File[] or URL string) and hands it to onLoad(source, label).

export function setupModelLoader({ folderInput, dropZone, urlInput, urlButton, onLoad }) {
  folderInput.addEventListener('change', () => {
    const files = [...folderInput.files];
    if (files.length) onLoad(files, `folder “${topFolder(files)}”`);
    folderInput.value = '';
  });
  urlButton.addEventListener('click', () => {
    const url = urlInput.value.trim();
    if (url) onLoad(url.endsWith('/') ? url : `${url}/`, url);
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
    if (files.length) onLoad(files, entries.length === 1 ? `folder “${entries[0].name}”` : `${files.length} dropped files`);
  });
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
