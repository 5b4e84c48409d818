// What the demo draws, computed with the attnscope module: the seeded transformer or a loaded model
// on the current text. One result object for every view:
//   { tokens, attentions, numHeads, numKvHeads, numLayers, causal, valueNorms?, steps? (one layer, step-data.js),
//     rollout? (filled on demand) }
import { runSeeded, SEEDED_LIMITS, tokenize } from '../attnscope/embed/seeded-model.js';

/** The most tokens whose steps the demo computes (every head's n×n scores, scaled and weights). */
export const STEPS_MAX_TOKENS = SEEDED_LIMITS.stepsMaxTokens;

/** The seeded transformer: every layer's attention, value norms and one layer's steps. */
export function computeSeeded(core, text, state) {
  const tokens = tokenize(text);
  if (!tokens.length) throw new Error('no words or punctuation found in the sentence');
  const numLayers = state.numLayers;
  const seeded = runSeeded(core, tokens, { seed: state.seed, dModel: state.dModel, numHeads: state.numHeads,
    numLayers, causal: state.causal, stepLayer: Math.min(state.layer, numLayers - 1) });
  return { ...seeded, numLayers: seeded.attentions.length, causal: state.causal };
}

/** A loaded model: every layer's attention, value norms when the measure needs them, one layer's steps. */
export function computeModel(model, text, state) {
  const c = model.config;
  const layer = Math.min(state.layer, c.numLayers - 1);
  const out = model.run(text, { attentions: true, hidden: false, valueNorms: state.measure === 'value' });
  const n = out.tokens.length;
  const result = { tokens: out.tokens, attentions: out.attentions, valueNorms: out.valueNorms, numHeads: c.numHeads,
    numKvHeads: c.numKvHeads, numLayers: c.numLayers, causal: c.causal, steps: null };
  if (n <= STEPS_MAX_TOKENS) result.steps = modelSteps(model, text, result, layer);
  return result;
}

/** One layer's steps of a loaded model (every head), in the form the Step view takes. */
export function modelSteps(model, text, result, layer) {
  const out = model.run(text, { attentions: false, hidden: false, steps: { layer } });
  return { ...out.steps, tokens: result.tokens, dModel: model.config.dModel, causal: model.config.causal,
    inputFormula: model.config.preLayerNorm
      ? `X = ${model.config.normalization === 'rms' ? 'RMSNorm' : 'LayerNorm'}(x) at the input of layer ${layer}`
      : layer === 0 ? 'X = LayerNorm(token + position embeddings)' : `X = the output of layer ${layer - 1}` };
}

/** The data the Matrix, Head and Model views draw for a measure (rollout computed once per result). */
export function viewData(core, result, measure) {
  if (measure === 'rollout' && !result.rollout) {
    result.rollout = core.attentionRollout(result.attentions, { numHeads: result.numHeads });
  }
  return result;
}

export { tokenize, SEEDED_LIMITS };
