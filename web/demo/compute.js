// What the demo draws, computed with the attnscope module: the seeded transformer or a loaded model
// on the current text (state.text, and state.textB when a second sentence is given). One result
// object for every view:
//   { tokens, attentions, numHeads, numKvHeads, numLayers, causal, sentenceBStart (null without sentence B),
//     valueNorms?, steps? (one layer, step-data.js), rollout? and atlas? (filled on demand); loaded models:
//     input and runOptions (what the model ran), topk (its predictions) }
// or, for an encoder–decoder model, { encoder, decoder, cross, tokens, targetTokens, numHeads, numLayers,
//     parts (each part's numLayers and numHeads), steps? (one part's), … }.
import { runSeeded, SEEDED_LIMITS, tokenize, tokenizePair } from '../attnscope/embed/seeded-model.js';

/** The most tokens (per side of an encoder–decoder input) whose steps the demo computes (every head's n×n scores, scaled and weights). */
export const STEPS_MAX_TOKENS = SEEDED_LIMITS.stepsMaxTokens;

/** True when the state holds a second sentence (a pair). */
export function hasSentenceB(state) {
  return Boolean(state.textB?.trim());
}

/** The seeded transformer: every layer's attention, value norms and one layer's steps. */
export function computeSeeded(core, text, state) {
  const pair = hasSentenceB(state) ? tokenizePair(text, state.textB) : null;
  const tokens = pair ? pair.tokens : tokenize(text);
  if (!tokens.length) throw new Error('no words or punctuation found in the sentence');
  const numLayers = state.numLayers;
  const seeded = runSeeded(core, tokens, { seed: state.seed, dModel: state.dModel, numHeads: state.numHeads,
    numLayers, causal: state.causal, stepLayer: Math.min(state.layer, numLayers - 1) });
  return { ...seeded, numLayers: seeded.attentions.length, causal: state.causal, sentenceBStart: pair?.sentenceBStart ?? null };
}

/**
 * An encoder–decoder model (BART, T5, …): the text is the source, sentence B the target (the text
 * itself when there is none), drawn as { encoder, decoder, cross } with both token lists. The layer
 * and head menus cover what every part has (the decoder may have more layers or fewer heads); parts
 * holds each part's own counts, which the Step view's menus follow. Steps: of the part state.kind
 * names (default the encoder) at state.layer, when neither side is longer than STEPS_MAX_TOKENS.
 */
function computeEncoderDecoder(model, text, state) {
  const c = model.config;
  const target = hasSentenceB(state) ? state.textB : text;
  const out = model.run({ source: text, target }, { attentions: true, hidden: false });
  const decoder = { numLayers: c.decoderLayers, numHeads: c.decoderHeads };
  const result = {
    encoder: { tokens: out.sourceTokens, attentions: out.encoderAttentions },
    decoder: { tokens: out.targetTokens, attentions: out.decoderAttentions },
    cross: { queryTokens: out.targetTokens, keyTokens: out.sourceTokens, attentions: out.crossAttentions },
    tokens: out.sourceTokens, targetTokens: out.targetTokens, numHeads: Math.min(c.numHeads, c.decoderHeads),
    numKvHeads: Math.min(c.numHeads, c.decoderHeads), numLayers: Math.min(c.numLayers, c.decoderLayers), causal: false,
    parts: { encoder: { numLayers: c.numLayers, numHeads: c.numHeads }, decoder, cross: decoder },
    sentenceBStart: null, steps: null, encoderDecoder: true, input: { source: text, target },
  };
  const kind = state.kind ?? 'encoder';
  if (stepsFit(result)) result.steps = modelSteps(model, result, Math.min(state.layer, result.parts[kind].numLayers - 1), kind);
  return result;
}

/** Whether a result is short enough for the Step view (both sides of an encoder–decoder input). */
export function stepsFit(result) {
  return result.tokens.length <= STEPS_MAX_TOKENS && (result.targetTokens?.length ?? 0) <= STEPS_MAX_TOKENS;
}

/**
 * A loaded model: every layer's attention, value norms when the measure needs them, one layer's steps,
 * and the language-model head's top 5 at each position when it has one. `state.masked` positions are
 * replaced by the mask token (the input is then token ids, kept as result.input).
 */
export function computeModel(model, text, state) {
  const c = model.config;
  if (c.encoderDecoder) return computeEncoderDecoder(model, text, state);
  const layer = Math.min(state.layer, c.numLayers - 1);
  const { input, options, sentenceBStart } = modelInput(model, text, state);
  const out = model.run(input, { ...options, attentions: true, hidden: false, valueNorms: state.measure === 'value',
    ...(model.lmHead.usable ? { logits: 'topk', k: PREDICTIONS } : {}) });
  const result = { tokens: out.tokens, attentions: out.attentions, valueNorms: out.valueNorms, numHeads: c.numHeads,
    numKvHeads: c.numKvHeads, numLayers: c.numLayers, causal: c.causal,
    sentenceBStart: out.sentenceBStart ?? sentenceBStart, steps: null, topk: out.topk ?? null, input, runOptions: options };
  if (stepsFit(result)) result.steps = modelSteps(model, result, layer);
  return result;
}

/** The predictions shown per position. */
export const PREDICTIONS = 5;

/**
 * What the model runs: the text (or the pair), or with `state.masked` positions its token ids with those
 * replaced by the model's mask token (a pair's token types then go in options.tokenTypes).
 */
function modelInput(model, text, state) {
  const pair = hasSentenceB(state);
  const plain = pair ? { text, textPair: state.textB } : text;
  if (!state.masked?.length || !model.maskToken) return { input: plain, options: {}, sentenceBStart: null };
  const encoded = pair ? model.tokenize(text, state.textB) : model.tokenize(text);
  const ids = encoded.ids.slice();
  for (const p of state.masked) if (p < ids.length) ids[p] = model.maskToken.id;
  const options = pair && model.config.typeVocabSize > 0 ? { tokenTypes: encoded.typeIds } : {};
  return { input: ids, options, sentenceBStart: pair ? encoded.sentenceBStart : null };
}

/** The head atlas of what the views draw: a model's own (with the induction probe), or the seeded attentions'. */
export function computeAtlas(core, model, result) {
  if (model) return model.headAtlas(result.input, { ...result.runOptions, probe: true });
  return core.headAtlas({ attentions: result.attentions, numHeads: result.numHeads, causal: result.causal });
}

/**
 * One layer's steps of a loaded model (every head) on the result's input, in the form the Step view
 * takes; for an encoder–decoder model those of the part `kind` ('encoder', 'decoder' or 'cross').
 */
export function modelSteps(model, result, layer, kind = null) {
  if (result.encoderDecoder) return seq2seqSteps(model, result, layer, kind ?? 'encoder');
  const out = model.run(result.input, { ...result.runOptions, attentions: false, hidden: false, steps: { layer } });
  return { ...out.steps, tokens: result.tokens, dModel: model.config.dModel, causal: model.config.causal,
    inputFormula: model.config.preLayerNorm
      ? `X = ${normName(model.config)}(x) at the input of layer ${layer}`
      : layer === 0 ? 'X = LayerNorm(token + position embeddings)' : `X = the output of layer ${layer - 1}` };
}

const normName = (config) => (config.normalization === 'rms' ? 'RMSNorm' : 'LayerNorm');

/**
 * One attention's steps of an encoder–decoder model: the encoder's or decoder's self-attention (one
 * token list) or cross-attention (queries: the target's tokens, keys and values: the encoder's output
 * for the source's tokens, drawn as E). T5's projections have no biases.
 */
function seq2seqSteps(model, result, layer, kind) {
  const c = model.config;
  const out = model.run(result.input, { attentions: false, hidden: kind === 'cross', steps: { layer, kind } });
  const [queryTokens, keyTokens] = kind === 'encoder' ? [result.tokens, result.tokens]
    : kind === 'decoder' ? [result.targetTokens, result.targetTokens] : [result.targetTokens, result.tokens];
  const stack = kind === 'encoder' ? 'encoder' : 'decoder';
  const norm = normName(c);
  const inputFormula = kind === 'cross'
    ? (c.preLayerNorm ? `X = ${norm}(y) after decoder layer ${layer}’s self-attention`
      : `X = ${norm}(y + self-attention) in decoder layer ${layer}`)
    : c.preLayerNorm ? `X = ${norm}(x) at the input of ${stack} layer ${layer}`
      : layer === 0 ? `X = the ${stack}’s embedded ${stack === 'encoder' ? 'source' : 'target'} tokens`
        : `X = the output of ${stack} layer ${layer - 1}`;
  return { ...out.steps, queryTokens, keyTokens, dModel: c.dModel, causal: kind === 'decoder',
    projectionBiases: model.architecture !== 't5', inputFormula,
    ...(kind === 'cross' ? { context: out.encoderHidden,
      contextFormula: `E = the encoder’s output${c.preLayerNorm ? ` (after its final ${norm})` : ''}, one row per source token` } : {}) };
}

/** The data the Matrix, Head and Model views draw for a measure (rollout computed once per result). */
export function viewData(core, result, measure) {
  if (measure === 'rollout' && !result.rollout && !result.encoderDecoder) {
    result.rollout = core.attentionRollout(result.attentions, { numHeads: result.numHeads });
  }
  return result;
}

export { tokenize, SEEDED_LIMITS };
