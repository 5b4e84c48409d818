// Attentions computed client-side from text, for <attnscope-view text="…"> (the seeded transformer of
// the demo) and <attnscope-view model="folder/" text="…"> (a checkpoint loaded with core.loadModel).
import { runSeeded, SEEDED_LIMITS, tokenize, tokenizePair } from './seeded-model.js';

const int = (el, name, fallback, [lo, hi]) => {
  const v = el.getAttribute(name);
  if (v === null) return fallback;
  const x = Number(v);
  if (!Number.isInteger(x) || x < lo || x > hi) {
    throw new RangeError(`<attnscope-view> attribute "${name}": expected an integer from ${lo} to ${hi}, got "${v}"`);
  }
  return x;
};

/** The seeded transformer's settings from the element's attributes (the demo's defaults). */
export function seededOptions(el) {
  const dModel = int(el, 'd-model', 16, SEEDED_LIMITS.dModel);
  const numHeads = int(el, 'heads', 4, SEEDED_LIMITS.numHeads);
  if (dModel % numHeads !== 0) {
    throw new RangeError(`<attnscope-view> attributes "d-model" (${dModel}) and "heads" (${numHeads}): d-model must be a multiple of heads`);
  }
  const numLayers = int(el, 'layers', 3, SEEDED_LIMITS.numLayers);
  return {
    seed: int(el, 'seed', 1, [0, 2 ** 32 - 1]),
    dModel, numHeads, numLayers,
    causal: el.hasAttribute('causal'),
    stepLayer: int(el, 'layer', 0, [0, numLayers - 1]),
  };
}

/**
 * { tokens, attentions, numHeads, steps } of the seeded transformer on `text`, or on the pair `text`,
 * `textPair` (then with sentenceBStart).
 */
export async function seededSource(loadCore, text, options, textPair) {
  const pair = textPair === undefined ? null : tokenizePair(text, textPair);
  const tokens = pair ? pair.tokens : tokenize(text);
  if (tokens.length === 0) throw new TypeError('<attnscope-view> attribute "text": expected some words, got only spaces or symbols');
  const core = await loadCore();
  return { ...runSeeded(core, tokens, options), sentenceBStart: pair?.sentenceBStart ?? null };
}

/** A loader of checkpoint folders, each loaded once per URL and shared by every element. */
export function createModelSource(loadCore) {
  const models = new Map();  // folder URL -> Promise of the loaded model
  return async function modelSource(url, text, layer = 0, textPair = undefined) {
    const core = await loadCore();
    if (!models.has(url)) {
      models.set(url, core.loadModel(url).catch((error) => { models.delete(url); throw error; }));
    }
    const model = await models.get(url);
    const steps = { layer: Math.min(Math.max(0, layer), model.config.numLayers - 1) };
    const out = model.run(textPair === undefined ? text : { text, textPair }, { attentions: true, steps });
    const tokens = Array.from(out.tokens, String);
    return { tokens, attentions: out.attentions, numHeads: model.config.numHeads, numKvHeads: model.config.numKvHeads,
      sentenceBStart: out.sentenceBStart ?? null,
      steps: { ...out.steps, tokens, dModel: model.config.dModel, causal: model.config.causal } };
  };
}
