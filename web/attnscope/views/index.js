// attnscope's reusable attention views. Plain ES modules, no dependencies; each takes
//   data = { tokens: string[], attentions: Float32Array[] per layer [heads*n*n] }
// (the step and neuron views take one layer's steps, see step-data.js). Include views.css.
export { MatrixView, DEFAULT_VIEW_OPTIONS } from './matrix-view.js';
export { HeadView } from './head-view.js';
export { ModelView } from './model-view.js';
export { StepView } from './step-view.js';
export { NeuronView } from './neuron-view.js';
export { normalizeSteps, stepsFromMultiHead } from './step-data.js';
export { viridis, diverging, headColor } from './colormap.js';
export { applyTheme, THEMES } from './theme.js';
export { isSpecialToken, MEASURES, normalizeData, SPECIAL_TOKENS } from './attention-data.js';
export { attentionJSON, download, viewToCanvas, viewToPNG, viewToSVG } from './export.js';
