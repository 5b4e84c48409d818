// attnscope's reusable attention views. Plain ES modules, no dependencies; each takes
//   data = { tokens: string[], attentions: Float32Array[] per layer [heads*n*n], sentenceBStart? }
//        | { queryTokens, keyTokens, attentions: [heads*nQ*nK] per layer }      (e.g. cross-attention)
//        | { encoder, decoder, cross }                                           (encoder–decoder models)
// (see attention-data.js; the step and neuron views take one layer's steps, see step-data.js).
// Include views.css.
export { MatrixView, DEFAULT_VIEW_OPTIONS } from './matrix-view.js';
export { HeadView } from './head-view.js';
export { ModelView } from './model-view.js';
export { StepView } from './step-view.js';
export { NeuronView } from './neuron-view.js';
export { normalizeSteps, stepsFromMultiHead } from './step-data.js';
export { viridis, diverging, headColor } from './colormap.js';
export { applyTheme, THEMES } from './theme.js';
export { isEncoderDecoder, isSpecialToken, KINDS, MEASURES, normalizeData, PAIR_FILTERS, SPECIAL_TOKENS } from './attention-data.js';
export { attentionJSON, download, viewToCanvas, viewToPNG, viewToSVG } from './export.js';
