// The head atlas of what <attnscope-view view="model" atlas> draws: data.atlas as given (headAtlas's
// result), else computed in the page by the core from the attentions (core.headAtlas), with the
// induction scores when the data carries a probe's attentions ({ attentions, start, length }); a
// model="folder/" source uses the model's own atlas (model.headAtlas with its probe).
import { isSpecialToken } from '../views/attention-data.js';
import { parseJsonAttribute, toViewData } from './data.js';

/** The atlas for `data` (the views' layout) and the element's input; null without the atlas attribute. */
export async function elementAtlas(el, input, data, loadCore) {
  if (!el.hasAttribute('atlas')) return null;
  if (input.atlas) return input.atlas;
  if (typeof input.modelAtlas === 'function') return input.modelAtlas();
  if (!data.tokens) {
    throw new TypeError('<attnscope-view atlas>: the head atlas scores one sequence\'s self-attention ("tokens" and ' +
      '"attentions"); this data has separate query and key tokens or encoder–decoder parts');
  }
  if (!loadCore) throw new Error('<attnscope-view atlas>: this build has no attnscope core to score the heads; use the attnscope-embed.js bundle');
  const core = await loadCore();
  let probe;
  const given = input.probe ?? probeAttributes(el);
  if (given) {
    const { start = 0, length } = given;
    const n = probeLength(given, data.numHeads);
    // toViewData checks and packs the layers as it does the attentions (the probe's tokens are unnamed).
    probe = { attentions: toViewData({ tokens: Array(n).fill('·'), attentions: given.attentions }).attentions, start, length };
  }
  return core.headAtlas({ attentions: data.attentions, numHeads: data.numHeads, causal: el.hasAttribute('causal'),
    special: data.tokens.map((t) => isSpecialToken(t)), probe });
}

// The probe's token count from its first layer (nested heads × n × n arrays, or Float32Array [heads*n*n]).
function probeLength(probe, numHeads) {
  const first = probe.attentions?.[0];
  if (first instanceof Float32Array) return Math.round(Math.sqrt(first.length / numHeads));
  if (Array.isArray(first?.[0])) return first[0].length;
  throw new TypeError('<attnscope-view atlas>: data.probe.attentions must be layers × heads × n × n, like attentions');
}

// probe-attentions (JSON, layers × heads × n × n), probe-start, probe-length: what the Python helper writes.
function probeAttributes(el) {
  const attentions = el.getAttribute('probe-attentions');
  if (attentions === null) return null;
  const int = (name, fallback) => {
    const v = el.getAttribute(name);
    if (v === null && fallback !== undefined) return fallback;
    const x = Number(v);
    if (v === null || !Number.isInteger(x) || x < 0) throw new RangeError(`<attnscope-view> attribute "${name}": expected an integer >= 0, got ${v === null ? 'none' : `"${v}"`}`);
    return x;
  };
  return { attentions: parseJsonAttribute(attentions, 'probe-attentions'), start: int('probe-start', 0), length: int('probe-length') };
}

/** The model view's sortBy and atlasFilter from the sort-by and atlas-filter attributes (they need the atlas). */
export function atlasOptions(el, data) {
  const options = {};
  for (const [attribute, option] of [['sort-by', 'sortBy'], ['atlas-filter', 'atlasFilter']]) {
    const v = el.getAttribute(attribute);
    if (v === null) continue;
    if (!data.atlas) throw new TypeError(`<attnscope-view> attribute "${attribute}" needs the "atlas" attribute (and view="model")`);
    options[option] = v;
  }
  return options;
}
