// Type declarations for `attnscope/views` (hand-written; the contract of views/index.js).
// Every view draws into a container element you own and takes the same data:
//   { tokens: string[], attentions: Float32Array[] }   one Float32Array [numHeads*n*n] per layer,
//   head-major, row = query (what core.loadModel's model.run returns as `attentions`).
// Include views/views.css (`attnscope/views/views.css`) on the page.

export interface AttentionData {
  tokens: readonly string[];
  /** One Float32Array of numHeads*n*n weights per layer. */
  attentions: readonly Float32Array[];
  /** Heads per layer; derived from the lengths when omitted. */
  numHeads?: number;
  /** Key/value heads (model.config.numKvHeads): when fewer than numHeads, the model and head views mark the query heads that share one. */
  numKvHeads?: number;
  /** For measure 'value': one Float32Array [numHeads*n] per layer, ‖v_j·W_O^h‖ (model.run(…, { valueNorms: true })). */
  valueNorms?: readonly Float32Array[];
  /** For measure 'rollout': one Float32Array [n*n] per layer (core.attentionRollout). */
  rollout?: readonly Float32Array[];
}

/** What a cell shows: the weight, the value-weighted norm α·‖v·W_O‖, or attention rollout. */
export type Measure = 'weights' | 'value' | 'rollout';
export declare const MEASURES: Readonly<Record<Measure, { label: string; short: string }>>;

/** auto follows the page's prefers-color-scheme; the views are light without any theme. */
export type Theme = 'auto' | 'light' | 'dark';

export interface ViewOptions {
  /** Layer shown (default 0). */
  layer?: number;
  /** One head, or 'all' (default). */
  head?: number | 'all';
  /** Show the mean over the heads instead of each head. */
  averageHeads?: boolean;
  /** Hide [CLS], [SEP], <s>, <|endoftext|> and the like (SPECIAL_TOKENS). */
  hideSpecial?: boolean;
  /** Percent of the weights kept (the largest), in (0, 100]; default 100. */
  threshold?: number;
  /** Colour scale: shared by every panel ('global', default) or per query row ('row'). */
  normalize?: 'global' | 'row';
  /** Colours (default 'auto'). */
  theme?: Theme;
  /** What the cells show (default 'weights'). */
  measure?: Measure;
  /** Width available in pixels (default: the container's width). */
  maxWidth?: number;
}

export interface HeadViewOptions extends ViewOptions {
  /** Heads drawn (default all); the view's swatches toggle them. */
  visibleHeads?: readonly number[];
}

export declare const DEFAULT_VIEW_OPTIONS: Readonly<Required<Omit<ViewOptions, 'maxWidth'>>>;

/** One heatmap per head (queries down, keys across), with a colour legend and a hover tooltip. */
export declare class MatrixView {
  constructor(container: HTMLElement);
  update(data: AttentionData, options?: ViewOptions): this;
  /** Milliseconds the last update took. */
  readonly renderMs: number;
}

/** BertViz-style lines from queries (left) to keys (right), one colour per head. */
export declare class HeadView {
  constructor(container: HTMLElement, callbacks?: { onChange?: (state: { layer: number; visibleHeads: number[] }) => void });
  update(data: AttentionData, options?: HeadViewOptions): this;
}

/** Every layer × head as a thumbnail; clicking one opens it large. */
export declare class ModelView {
  constructor(container: HTMLElement, callbacks?: { onSelect?: (layer: number, head: number) => void });
  update(data: AttentionData, options?: ViewOptions): this;
}

/**
 * One layer's attention step by step, as model.run(…, { steps: { layer } }) returns it (or
 * stepsFromMultiHead makes it from core.multiHeadAttention's steps): what the Step and Neuron views take.
 */
export interface Steps {
  tokens: readonly string[];
  layer: number;
  /** Heads in the arrays; firstHead is the model index of the first (default 0). */
  numHeads: number;
  firstHead?: number;
  dHead: number;
  dModel?: number;
  /** Default 1/√dHead. */
  scale?: number;
  /** The K/V head each query head reads (grouped-query attention). */
  kvHeads?: readonly number[];
  /** Q and K rotate by position in their first rotaryDim values (RoPE): the formulas say so. */
  rotaryDim?: number;
  /** Q and K get a per-head RMSNorm before the rotation (Qwen3). */
  qkNorm?: boolean;
  causal?: boolean;
  allowed?: Uint8Array;
  /** [n*dModel] each. */
  x: Float32Array; output: Float32Array;
  /** [heads*n*dHead] each, head-major. */
  q: Float32Array; k: Float32Array; v: Float32Array; headOutput: Float32Array;
  /** [heads*n*n] each. */
  scores: Float32Array; scaled: Float32Array; weights: Float32Array;
  params?: { wq: Float32Array; wk: Float32Array; wv: Float32Array; wo: Float32Array;
    bq?: Float32Array | null; bk?: Float32Array | null; bv?: Float32Array | null; bo?: Float32Array | null };
  inputFormula?: string;
  embedding?: Float32Array | null;
  position?: Float32Array | null;
}

/** One panel per textbook step (X; Q, K, V; Q·Kᵀ; ÷√d_k; mask; softmax; weights·V; heads; ·W_O), with the neuron view below. */
export declare class StepView {
  constructor(container: HTMLElement, callbacks?: { onChange?: (state: { head: number }) => void; onQuery?: (query: number) => void });
  update(steps: Steps, options?: { head?: number | 'all'; query?: number; theme?: Theme; maxWidth?: number }): this;
}

/** For one query and one head: q, every k_j, q ⊙ k_j, the score, the scaled score and the weight (as BertViz's neuron view). */
export declare class NeuronView {
  constructor(container: HTMLElement);
  update(steps: Steps, options?: { head?: number; query?: number; onQuery?: (query: number) => void }): this;
}

/** Checks `steps` (throws naming the problem) and returns it with its defaults filled in. */
export declare function normalizeSteps(steps: Steps): Steps & { n: number; firstHead: number; scale: number; causal: boolean; dModel: number };

/** Steps from core.multiHeadAttention's result with steps: true (one layer, all heads). */
export declare function stepsFromMultiHead(result: { q?: Float32Array; k?: Float32Array; v?: Float32Array; heads?: Float32Array;
  scores?: Float32Array; scaled?: Float32Array; weights?: Float32Array; output: Float32Array },
  layer: { tokens: readonly string[]; dModel: number; numHeads: number; layer: number; causal: boolean; x: Float32Array;
    params?: Steps['params']; [extra: string]: unknown }): Steps;

export interface Colormap {
  readonly name: string;
  /** 256 CSS colours from low to high. */
  readonly css: readonly string[];
  /** The same colours as packed RGBA (little-endian ABGR words). */
  readonly packed: Uint32Array;
}
export declare const viridis: Colormap;
export declare const diverging: Colormap;
/** The colour of head `head` in the head view. */
export declare function headColor(head: number): string;

export declare const THEMES: readonly Theme[];
/** Puts a theme on any element: every view inside it takes its colours. */
export declare function applyTheme(element: Element, theme: Theme): void;

export declare const SPECIAL_TOKENS: ReadonlySet<string>;
export declare function isSpecialToken(token: string): boolean;
/** Checks the shape of `data` (throws naming the problem) and returns it with its sizes, as `measure` shows it. */
export declare function normalizeData(data: AttentionData, measure?: Measure): {
  tokens: readonly string[]; attentions: readonly Float32Array[]; n: number; numLayers: number; numHeads: number; measure: Measure;
};

/** JSON text of tokens and attentions ([layer][head][query][key]) plus `meta`. */
export declare function attentionJSON(data: AttentionData, meta?: Record<string, unknown>): string;
/** Saves a Blob or string as a file through a temporary link. */
export declare function download(content: Blob | string, filename: string, type?: string): void;
/** What a view container shows, as one canvas, a PNG or an SVG document. */
export declare function viewToCanvas(container: HTMLElement): HTMLCanvasElement;
export declare function viewToPNG(container: HTMLElement): Promise<Blob>;
export declare function viewToSVG(container: HTMLElement): string;
