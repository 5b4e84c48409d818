// The element's display attributes, checked against the data they apply to, as the views' options;
// and sentence B's start, from the attribute or the data.
import { KINDS, normalizeData, PAIR_FILTERS } from '../views/attention-data.js';
import { parseJsonAttribute } from './data.js';

/**
 * One sequence's data with sentenceBStart: the attribute, else the data's field (null when neither is
 * set). Other data takes no sentence B.
 */
export function withSentenceB(el, data, input) {
  const attribute = el.getAttribute('sentence-b-start');
  const value = attribute !== null ? Number(attribute) : input.sentenceBStart ?? null;
  const where = attribute !== null ? 'attribute "sentence-b-start"' : 'data.sentenceBStart';
  if (!data.tokens) {
    if (value === null) return { ...data, sentenceBStart: null };
    throw new RangeError(`<attnscope-view> ${where}: a sentence pair is marked in one token list ("tokens"); ` +
      'this data has separate query and key tokens or encoder–decoder parts');
  }
  if (value === null) return { ...data, sentenceBStart: null };
  const n = data.tokens.length;
  if (!Number.isInteger(value) || value < 0 || value >= n) {
    const given = attribute !== null ? `"${attribute}"` : JSON.stringify(input.sentenceBStart);
    throw new RangeError(`<attnscope-view> ${where}: expected an integer from 0 to ${n - 1} (a token index), got ${given}`);
  }
  return { ...data, sentenceBStart: value };
}

/** The views' options from the element's display attributes, each checked against `data` (views' layout). */
export function viewOptions(el, data) {
  const int = (name) => {
    const v = el.getAttribute(name);
    if (v === null) return undefined;
    const x = Number(v);
    if (!Number.isInteger(x) || x < 0) throw new RangeError(`<attnscope-view> attribute "${name}": expected an integer >= 0, got "${v}"`);
    return x;
  };
  const kind = el.getAttribute('kind');
  if (kind !== null && !(kind in KINDS)) {
    throw new RangeError(`<attnscope-view> attribute "kind": expected ${Object.keys(KINDS).join(', ')}, got "${kind}"`);
  }
  const d = normalizeData(data, 'weights', kind);  // the part drawn first, its parts checked together
  const layer = int('layer') ?? 0;
  if (layer >= d.numLayers) {
    throw new RangeError(`<attnscope-view> attribute "layer": expected 0 to ${d.numLayers - 1}, got ${layer}`);
  }
  const head = int('head');
  if (head !== undefined && head >= d.numHeads) {
    throw new RangeError(`<attnscope-view> attribute "head": expected 0 to ${d.numHeads - 1}, got ${head}`);
  }
  const options = { layer, hideSpecial: el.hasAttribute('hide-special'), averageHeads: el.hasAttribute('average-heads'),
    kind: d.kind };
  const pairFilter = el.getAttribute('pair-filter');
  if (pairFilter !== null) {
    if (!(pairFilter in PAIR_FILTERS)) {
      throw new RangeError(`<attnscope-view> attribute "pair-filter": expected ${Object.keys(PAIR_FILTERS).join(', ')}, got "${pairFilter}"`);
    }
    if (pairFilter !== 'all' && d.sentenceBStart === null) {
      throw new RangeError(`<attnscope-view> attribute "pair-filter": "${pairFilter}" needs a sentence pair ("sentence-b-start" or data.sentenceBStart)`);
    }
    options.pairFilter = pairFilter;
  }
  if (head !== undefined) options.head = head;
  const threshold = el.getAttribute('threshold');
  if (threshold !== null) {
    const t = Number(threshold);
    if (!(t > 0 && t <= 100)) throw new RangeError(`<attnscope-view> attribute "threshold": expected a percentage in (0, 100], got "${threshold}"`);
    options.threshold = t;
  }
  const normalize = el.getAttribute('normalize');
  if (normalize !== null) {
    if (normalize !== 'global' && normalize !== 'row') throw new RangeError(`<attnscope-view> attribute "normalize": expected global or row, got "${normalize}"`);
    options.normalize = normalize;
  }
  const visibleHeads = el.getAttribute('visible-heads');
  if (visibleHeads !== null) {
    const heads = parseJsonAttribute(visibleHeads, 'visible-heads');
    if (!Array.isArray(heads) || heads.some((h) => !Number.isInteger(h) || h < 0 || h >= d.numHeads)) {
      throw new RangeError(`<attnscope-view> attribute "visible-heads": expected a JSON array of head indices from 0 to ${d.numHeads - 1}, got ${visibleHeads}`);
    }
    options.visibleHeads = heads;
  }
  return options;
}
