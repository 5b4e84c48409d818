// The models kept in this browser's cache (core.cachedModels, the Cache API; no network), each with
// its size, revision and date, a Load button and a Delete button (core.deleteCachedModel).

export function formatBytes(bytes) {
  const units = ['B', 'kB', 'MB', 'GB'];
  let unit = 0;
  while (bytes >= 1000 && unit < units.length - 1) { bytes /= 1000; unit++; }
  return `${unit === 0 ? bytes : bytes.toFixed(1)} ${units[unit]}`;
}

/** Fills `list` with the cached models of `endpoint`; onLoad(source, label) loads one. */
export async function showCachedModels(list, { endpoint, onLoad }) {
  let models;
  try {
    const { cachedModels } = await import('../attnscope/src/index.js');
    models = (await cachedModels()).filter((m) => endpoint === undefined || m.endpoint === endpoint.replace(/\/+$/, ''));
  } catch (error) {
    list.replaceChildren(item(`The cache cannot be read: ${error.message}`));
    return;
  }
  if (models.length === 0) {
    list.replaceChildren(item('None yet: a model loaded by its Hub id is kept here for the next visit, also offline.'));
    return;
  }
  list.replaceChildren(...models.map((model) => entry(model, list, { endpoint, onLoad })));
}

function item(text) {
  return Object.assign(document.createElement('li'), { textContent: text });
}

function entry(model, list, options) {
  const row = document.createElement('li');
  row.dataset.id = model.id;
  const name = Object.assign(document.createElement('span'), { className: 'name', textContent: model.id });
  const revision = model.refs.length ? model.refs.join(', ') : `commit ${model.revision.slice(0, 7)}`;
  const about = Object.assign(document.createElement('span'), {
    className: 'about',
    textContent: `${revision} · ${formatBytes(model.bytes)} in ${model.files.length} files · ${model.date.slice(0, 10)}`,
  });
  about.title = model.files.map((f) => `${f.name}: ${formatBytes(f.bytes)}`).join('\n');
  const load = button('Load', `Load ${model.id}`, () => options.onLoad(`hf:${model.id}`, `hf:${model.id}`));
  const remove = button('Delete', `Delete ${model.id} from the cache`, async () => {
    remove.disabled = true;
    const { deleteCachedModel } = await import('../attnscope/src/index.js');
    await deleteCachedModel(model.id, { endpoint: model.endpoint });
    await showCachedModels(list, options);
  });
  row.append(name, about, load, remove);
  return row;
}

function button(text, label, onClick) {
  const b = Object.assign(document.createElement('button'), { type: 'button', textContent: text });
  b.setAttribute('aria-label', label);
  b.addEventListener('click', onClick);
  return b;
}
