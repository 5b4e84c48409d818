// The page state lives in the URL query so a view can be shared. Only values that differ from the
// defaults are written; everything read is validated and clamped (the URL is user input).
export const DEFAULT_SENTENCE = 'Mark told Sam that he was leaving.';
export const VIEWS = ['step', 'matrix', 'head', 'model'];

export const DEFAULTS = Object.freeze({
  text: DEFAULT_SENTENCE, textB: '', view: 'step', layer: 0, head: 'all', heads: null, seed: 1, dModel: 16, numHeads: 4,
  numLayers: 3, causal: false, threshold: 100, hideSpecial: false, average: false, norm: 'global',
  source: 'auto', model: '', measure: 'weights', query: null, pairFilter: 'all', kind: null,
});

export const MEASURE_NAMES = ['weights', 'value', 'rollout'];
export const PAIR_FILTER_NAMES = ['all', 'aa', 'ab', 'ba', 'bb'];
export const KIND_NAMES = ['encoder', 'decoder', 'cross'];

const D_MODELS = [8, 16, 32, 64, 128];
const HEAD_COUNTS = [1, 2, 4, 8];

function int(v, lo, hi, fallback) {
  if (v === null || v === '' || !/^\d+$/.test(v)) return fallback;
  return Math.min(hi, Math.max(lo, Number(v)));
}

export function readState(search) {
  const p = new URLSearchParams(search);
  const s = { ...DEFAULTS };
  if (p.has('text')) s.text = p.get('text').slice(0, 100000);
  if (p.has('textb')) s.textB = p.get('textb').slice(0, 100000);
  if (VIEWS.includes(p.get('view'))) s.view = p.get('view');
  s.layer = int(p.get('layer'), 0, 63, s.layer);
  s.head = p.get('head') === 'all' || !p.has('head') ? 'all' : int(p.get('head'), 0, 63, 'all');
  if (p.has('heads')) s.heads = p.get('heads').split(',').filter((x) => /^\d+$/.test(x)).map(Number);
  s.seed = int(p.get('seed'), 0, 4294967295, s.seed);
  const d = int(p.get('d'), 1, 4096, s.dModel);
  s.dModel = D_MODELS.includes(d) ? d : s.dModel;
  const h = int(p.get('h'), 1, 64, s.numHeads);
  s.numHeads = HEAD_COUNTS.includes(h) && s.dModel % h === 0 ? h : s.numHeads;
  s.numLayers = int(p.get('layers'), 1, 8, s.numLayers);
  s.causal = p.get('causal') === '1';
  s.threshold = int(p.get('top'), 1, 100, s.threshold);
  s.hideSpecial = p.get('hide') === '1';
  s.average = p.get('avg') === '1';
  if (p.get('norm') === 'row') s.norm = 'row';
  if (['seeded', 'model'].includes(p.get('source'))) s.source = p.get('source');
  if (p.has('model')) s.model = p.get('model').slice(0, 2000);
  if (MEASURE_NAMES.includes(p.get('measure'))) s.measure = p.get('measure');
  s.query = int(p.get('query'), 0, 100000, null);
  if (PAIR_FILTER_NAMES.includes(p.get('filter'))) s.pairFilter = p.get('filter');
  if (KIND_NAMES.includes(p.get('kind'))) s.kind = p.get('kind');
  s.explicitHead = p.has('head') || p.has('layer');
  s.explicitView = p.has('view');
  return s;
}

export function writeState(s) {
  const p = new URLSearchParams();
  const put = (key, value, def) => { if (value !== def && value !== null && value !== undefined) p.set(key, String(value)); };
  put('text', s.text, DEFAULTS.text);
  put('textb', s.textB, DEFAULTS.textB);
  put('view', s.view, DEFAULTS.view);
  put('layer', s.layer, DEFAULTS.layer);
  put('head', s.head, DEFAULTS.head);
  if (s.heads) p.set('heads', s.heads.join(','));
  put('seed', s.seed, DEFAULTS.seed);
  put('d', s.dModel, DEFAULTS.dModel);
  put('h', s.numHeads, DEFAULTS.numHeads);
  put('layers', s.numLayers, DEFAULTS.numLayers);
  if (s.causal) p.set('causal', '1');
  put('top', s.threshold, DEFAULTS.threshold);
  if (s.hideSpecial) p.set('hide', '1');
  if (s.average) p.set('avg', '1');
  put('norm', s.norm, DEFAULTS.norm);
  put('source', s.source, DEFAULTS.source);
  put('model', s.model, DEFAULTS.model);
  put('measure', s.measure, DEFAULTS.measure);
  put('query', s.query, DEFAULTS.query);
  put('filter', s.pairFilter, DEFAULTS.pairFilter);
  put('kind', s.kind, DEFAULTS.kind);
  const query = p.toString();
  const url = `${location.pathname}${query ? `?${query}` : ''}${location.hash}`;
  if (url !== `${location.pathname}${location.search}${location.hash}`) history.replaceState(null, '', url);
}
