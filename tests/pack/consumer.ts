// A TypeScript consumer of the installed package: must type-check with `tsc --strict`, against the
// types of every subpath.
import { cachedModels, load, simdSupported, version, type CachedModel, type Core, type LoadModelOptions, type Model,
  type MultiHeadAttention, type MultiHeadResult } from 'attnscope';
import { HeadView, MatrixView, ModelView, applyTheme, normalizeData, viewToSVG, type AttentionData, type EncoderDecoderData,
  type Theme, type ViewOptions } from 'attnscope/views';
import { AttnscopeView, load as loadForElements, type AttnscopeViewData } from 'attnscope/embed';
import { load as loadInlined, version as bundleVersion } from 'attnscope/embed/bundle';

const core: Core = await load({ simd: simdSupported() ? 'auto' : false });
const isSimd: boolean = core.simd;
const packageVersion: string = core.version === version ? version : core.version;

const q = new Float32Array(8);
const r = core.attention({ q, k: q, v: q, n: 2, dK: 4, mask: 'causal', steps: true });
const output: Float32Array = r.output;
const weights: Float32Array = r.weights;
const scores: Float32Array | undefined = r.scores;

const w = new Float32Array(16);
const y: MultiHeadResult = core.multiHeadAttention({
  x: new Float32Array(8), dModel: 4, numHeads: 2, wq: w, wk: w, wv: w, wo: w, bq: null,
  mask: new Uint8Array(4), weights: true,
});
const heads: Float32Array | undefined = y.heads;

const mha: MultiHeadAttention = core.createMultiHeadAttention({ dModel: 4, numHeads: 2, wq: w, wk: w, wv: w, wo: w });
const y2 = mha.forward(new Float32Array(12), { context: new Float32Array(8), m: 2, weights: false, steps: true });
const projected: Float32Array | undefined = y2.q;
mha.dispose();
const disposed: boolean = mha.disposed;
const { heapBytes, bytesInUse } = core.memory();

// Hub models: options and the cache (nothing is fetched here: these are only types).
const hubOptions: LoadModelOptions = {
  revision: 'main', endpoint: 'https://huggingface.co', token: undefined, cache: true, signal: new AbortController().signal,
  onProgress: (loaded, total, { file, fromCache, fileLoaded, fileTotal }) => void [loaded, total, file, fromCache, fileLoaded, fileTotal],
  onWarning: (message: string) => void message,
};
export const loadGpt2 = () => core.loadModel('hf:openai-community/gpt2', hubOptions);
export const cacheSizes = async (): Promise<number[]> => (await cachedModels()).map((m: CachedModel) => m.bytes);
export const freed: () => Promise<number> = () => core.deleteCachedModel('openai-community/gpt2', { endpoint: 'https://huggingface.co' });

// attnscope/views
const data: AttentionData = { tokens: ['a', 'b'], attentions: [new Float32Array([1, 0, 0.5, 0.5])] };
const theme: Theme = 'dark';
const options: ViewOptions = { layer: 0, head: 'all', normalize: 'row', threshold: 50, theme };
export function draw(container: HTMLElement): string {
  new MatrixView(container).update(data, options);
  new HeadView(container, { onChange: ({ layer, visibleHeads }) => void [layer, visibleHeads] }).update(data, { visibleHeads: [0] });
  new ModelView(container, { onSelect: (l, h) => void [l, h] }).update(data);
  applyTheme(container, 'auto');
  return viewToSVG(container);
}
const sizes: number = normalizeData(data).numHeads;
// Sentence pairs and encoder–decoder models.
const pair: AttentionData = { ...data, sentenceBStart: 1 };
const seq2seq: EncoderDecoderData = { encoder: data, decoder: { tokens: ['x'], attentions: [new Float32Array([1])] },
  cross: { attentions: [new Float32Array([0.25, 0.75])] } };
export function drawPairs(container: HTMLElement): number {
  new MatrixView(container, { onChange: ({ kind, pairFilter }) => void [kind, pairFilter] }).update(seq2seq, { kind: 'cross' });
  new HeadView(container).update(pair, { pairFilter: 'ab', selectors: false });
  const cross = normalizeData(seq2seq, 'weights', 'cross');
  return cross.nQ * cross.nK + (normalizeData(pair).n ?? 0);
}
export function runPair(model: Model): number | undefined {
  return model.run({ text: 'Who sat?', textPair: 'The cat sat.' }, { attentions: [0] }).sentenceBStart;
}

// attnscope/embed and attnscope/embed/bundle
export function configure(el: AttnscopeView): AttnscopeViewData | null {
  el.data = { encoder: { tokens: ['a', 'b'], attentions: [[[[1, 0], [0.5, 0.5]]]] }, cross: { attentions: [[[[0.5, 0.5]]]] } };
  el.data = { queryTokens: ['x'], keyTokens: ['a', 'b'], attentions: [new Float32Array([0.5, 0.5])] };
  el.data = { tokens: ['a', 'b'], attentions: [[[[1, 0], [0.5, 0.5]]]], sentenceBStart: 1 };
  el.addEventListener('attnscope-render', (event) => void event.detail.view);
  const drawn = el.attentionData;
  const start: number | null = drawn ? drawn.sentenceBStart : null;
  void start;
  return el.data;
}
const element: AttnscopeView | null = document.querySelector('attnscope-view');
const elementCore: Core = await loadForElements();
const inlinedCore: Core = await loadInlined({ simd: false });
const inlinedVersion: string = bundleVersion;

export const used = [isSimd, packageVersion, output, weights, scores, heads, projected, disposed, heapBytes, bytesInUse,
  sizes, element, elementCore, inlinedCore, inlinedVersion];
