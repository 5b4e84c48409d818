// Type declarations for `attnscope/views` (hand-written; the contract of views/index.js).
// Every view draws into a container element you own and takes the same data, head-major, row = query:
//   { tokens, attentions, sentenceBStart? }     one sequence: one Float32Array [numHeads*n*n] per layer
//                                               (what core.loadModel's model.run returns as `attentions`)
//   { queryTokens, keyTokens, attentions }      queries ≠ keys: [numHeads*nQ*nK] per layer
//   { encoder, decoder, cross }                 an encoder–decoder model (cross: decoder tokens × encoder tokens)
// Include views/views.css (`attnscope/views/views.css`) on the page.

/** One sequence's self-attention. */
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
  /** A sentence pair: the index of sentence B's first token (BertViz's sentence_b_start); enables pairFilter. */
  sentenceBStart?: number | null;
  /** The head atlas (core.headAtlas / model.headAtlas): the model view badges and ranks heads by it. */
  atlas?: AtlasData;
}

/** A head atlas pattern (the module's HeadPattern). */
export type AtlasPattern = 'previousToken' | 'nextToken' | 'self' | 'firstToken' | 'special' | 'entropy' | 'broad' |
  'induction' | 'copying';

/** A head atlas (headAtlas's result), on one sequence's data or on a part of encoder–decoder data. */
export interface AtlasData {
  /** Scores per pattern, [numLayers*numHeads], layer-major. */
  patterns: Partial<Record<AtlasPattern, Float32Array>>;
  /** Each head's dominant pattern or null. */
  dominant: readonly (AtlasPattern | null)[];
}

/** The atlas's patterns with their labels and badges. */
export declare const PATTERNS: Readonly<Record<AtlasPattern, { label: string; badge: string | null }>>;

/** Attention whose queries and keys are different tokens (cross-attention: the decoder's tokens attend to the encoder's). */
export interface RectangularAttentionData {
  queryTokens: readonly string[];
  keyTokens: readonly string[];
  /** One Float32Array of numHeads*nQ*nK weights per layer (row = query). */
  attentions: readonly Float32Array[];
  numHeads?: number;
  /** For measure 'value': one Float32Array [numHeads*nK] per layer. Rollout exists for square self-attention only. */
  valueNorms?: readonly Float32Array[];
}

/**
 * An encoder–decoder model (BART, T5, Marian): any of its encoder's and decoder's self-attention and
 * its cross-attention. Cross-attention may leave out its token lists: its queries are the decoder's
 * tokens, its keys the encoder's. The parts are checked together (lengths, tokens, cross layers = decoder layers).
 */
export interface EncoderDecoderData {
  encoder?: AttentionData;
  decoder?: AttentionData;
  cross?: RectangularAttentionData | (Omit<RectangularAttentionData, 'queryTokens' | 'keyTokens'>
    & { queryTokens?: readonly string[]; keyTokens?: readonly string[] });
}

/** What every view takes. */
export type AnyAttentionData = AttentionData | RectangularAttentionData | EncoderDecoderData;

/** A part of encoder–decoder data. */
export type Kind = 'encoder' | 'decoder' | 'cross';
export declare const KINDS: Readonly<Record<Kind, string>>;
/** True for EncoderDecoderData. */
export declare function isEncoderDecoder(data: unknown): data is EncoderDecoderData;

/** Which sentence's tokens attend to which (BertViz's filter): 'ab' = A's queries, B's keys. */
export type PairFilter = 'all' | 'aa' | 'ab' | 'ba' | 'bb';
export declare const PAIR_FILTERS: Readonly<Record<PairFilter, string>>;

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
  /** The part of encoder–decoder data drawn (default: the first it has); the view offers the others. */
  kind?: Kind | null;
  /** Sentence pairs (data.sentenceBStart): the sentences drawn (default 'all'); the view offers the others. */
  pairFilter?: PairFilter;
  /** Show the part and sentence selectors in the view (default true). */
  selectors?: boolean;
  /** Width available in pixels (default: the container's width). */
  maxWidth?: number;
}

/** What the views report when the user picks another part or sentence pair in them. */
export interface SelectionState { kind: Kind | null; pairFilter: PairFilter }

export interface HeadViewOptions extends ViewOptions {
  /** Heads drawn (default all); the view's swatches toggle them. */
  visibleHeads?: readonly number[];
}

export interface ModelViewOptions extends ViewOptions {
  /** With an atlas: the heads ranked by this pattern's score, strongest first. */
  sortBy?: AtlasPattern | null;
  /** With an atlas: only the heads this pattern dominates. */
  atlasFilter?: AtlasPattern | null;
  /** A second badge on these heads, its title on hover (e.g. a head supervised during training). */
  headNotes?: readonly { layer: number; head: number; label: string; title?: string }[];
}

export declare const DEFAULT_VIEW_OPTIONS: Readonly<Required<Omit<ViewOptions, 'maxWidth'>>>;

/** One heatmap per head (queries down, keys across), with a colour legend and a hover tooltip. */
export declare class MatrixView {
  constructor(container: HTMLElement, callbacks?: { onChange?: (state: SelectionState) => void });
  update(data: AnyAttentionData, options?: ViewOptions): this;
  /** Milliseconds the last update took. */
  readonly renderMs: number;
}

/** BertViz-style lines from queries (left) to keys (right), one colour per head. */
export declare class HeadView {
  constructor(container: HTMLElement, callbacks?: {
    onChange?: (state: { layer: number; visibleHeads: number[] } & SelectionState) => void });
  update(data: AnyAttentionData, options?: HeadViewOptions): this;
}

/** Every layer × head as a thumbnail (of the matrix's shape); clicking one opens it large. */
export declare class ModelView {
  constructor(container: HTMLElement, callbacks?: {
    onSelect?: (layer: number, head: number) => void; onChange?: (state: SelectionState) => void;
    /** The user sorted or filtered by a pattern in the view. */
    onAtlasChange?: (state: { sortBy: AtlasPattern | null; atlasFilter: AtlasPattern | null }) => void;
  });
  update(data: AnyAttentionData, options?: ModelViewOptions): this;
}

/**
 * One layer's attention step by step, as model.run(…, { steps: { layer } }) returns it (or
 * stepsFromMultiHead makes it from core.multiHeadAttention's steps): what the Step and Neuron views take.
 * Self-attention gives tokens (n = nq = nk); attention whose keys are another sequence's (an
 * encoder–decoder model's cross-attention: model.run({ source, target }, { steps: { layer, kind: 'cross' } }))
 * gives queryTokens (the target's) and keyTokens (the source's) instead.
 */
export interface Steps {
  /** Self-attention: the one token list (then no queryTokens or keyTokens). */
  tokens?: readonly string[];
  /** The query rows [nq] and key columns [nk] (with them, no tokens). */
  queryTokens?: readonly string[];
  keyTokens?: readonly string[];
  /** The part of an encoder–decoder model: its formulas say where Q, K and V come from (cross: Q from the decoder, K and V from the encoder's output). */
  kind?: 'encoder' | 'decoder' | 'cross' | null;
  layer: number;
  /** Heads in the arrays; firstHead is the model index of the first (default 0). */
  numHeads: number;
  firstHead?: number;
  dHead: number;
  dModel?: number;
  /** Default 1/√dHead; T5's is 1. */
  scale?: number;
  /** scaled = scores × scale + a per-head position bias (T5's self-attentions); the view shows the bias, scaled − scores × scale. */
  positionBias?: boolean;
  /** Default true; false: the projections have no biases (T5), and the formulas write none. */
  projectionBiases?: boolean;
  /** The K/V head each query head reads (grouped-query attention). */
  kvHeads?: readonly number[];
  /** Q and K rotate by position in their first rotaryDim values (RoPE): the formulas say so. */
  rotaryDim?: number;
  /** Q and K get a per-head RMSNorm before the rotation (Qwen3). */
  qkNorm?: boolean;
  causal?: boolean;
  /** [nq*nk]: 1 where query i may attend to key j. */
  allowed?: Uint8Array;
  /** [nq*dModel] each: the queries' input and the block's output. */
  x: Float32Array; output: Float32Array;
  /** [nk*dModel]: the keys' and values' input when it is another sequence's (cross-attention: the encoder's output), drawn as E. */
  context?: Float32Array | null;
  /** q and headOutput [heads*nq*dHead], k and v [heads*nk*dHead], head-major. */
  q: Float32Array; k: Float32Array; v: Float32Array; headOutput: Float32Array;
  /** [heads*nq*nk] each. */
  scores: Float32Array; scaled: Float32Array; weights: Float32Array;
  params?: { wq: Float32Array; wk: Float32Array; wv: Float32Array; wo: Float32Array;
    bq?: Float32Array | null; bk?: Float32Array | null; bv?: Float32Array | null; bo?: Float32Array | null };
  /** What X is (the X panel's caption); contextFormula: what the context is. */
  inputFormula?: string;
  contextFormula?: string;
  embedding?: Float32Array | null;
  position?: Float32Array | null;
}

/** One panel per textbook step (X; Q, K, V; Q·Kᵀ; ÷√d_k; mask; softmax; weights·V; heads; ·W_O), with the neuron view below. */
export declare class StepView {
  /** onChange: a head picked here, or (with options.kinds) another part of an encoder–decoder model, whose steps the caller then gives. */
  constructor(container: HTMLElement, callbacks?: { onChange?: (state: { head: number; kind: 'encoder' | 'decoder' | 'cross' | null }) => void;
    onQuery?: (query: number) => void });
  /** kinds: the parts to offer in an Attention menu (steps.kind is the one shown). */
  update(steps: Steps, options?: { head?: number | 'all'; query?: number; kinds?: readonly ('encoder' | 'decoder' | 'cross')[];
    theme?: Theme; maxWidth?: number }): this;
}

/** For one query and one head: q, every k_j, q ⊙ k_j, the score, the scaled score and the weight (as BertViz's neuron view). */
export declare class NeuronView {
  constructor(container: HTMLElement);
  /** query: an index among the query tokens (default the last). */
  update(steps: Steps, options?: { head?: number; query?: number; onQuery?: (query: number) => void }): this;
}

/** Checks `steps` (throws naming the wrong field and the length it should have) and returns it with its defaults filled in (n = nq). */
export declare function normalizeSteps(steps: Steps): Steps & { n: number; nq: number; nk: number; queryTokens: string[];
  keyTokens: string[]; cross: boolean; firstHead: number; scale: number; causal: boolean; positionBias: boolean;
  projectionBiases: boolean; dModel: number };

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
/** normalizeData's result: the part drawn, with its sizes, as `measure` shows it. */
export interface NormalizedData {
  /** One sequence's tokens (the same list as queryTokens and keyTokens); null when queries ≠ keys. */
  tokens: readonly string[] | null;
  queryTokens: readonly string[]; keyTokens: readonly string[];
  attentions: readonly Float32Array[];
  /** n for one sequence, else null; nQ × nK always. */
  n: number | null; nQ: number; nK: number; square: boolean;
  numLayers: number; numHeads: number; measure: Measure;
  sentenceBStart: number | null;
  /** The part (encoder–decoder data) and the parts present; null and [] for one attention. */
  kind: Kind | null; kinds: Kind[];
}
/** Checks the shape of `data` (throws naming the problem) and returns it with its sizes, as `measure` shows it. */
export declare function normalizeData(data: AttentionData, measure?: Measure): NormalizedData & { tokens: readonly string[]; n: number };
export declare function normalizeData(data: AnyAttentionData, measure?: Measure, kind?: Kind | null): NormalizedData;

/**
 * JSON text of the attentions ([layer][head][query][key]) and their tokens, after `meta`: { tokens,
 * sentenceBStart?, … }, { queryTokens, keyTokens, … }, or one of those under each of encoder, decoder, cross.
 */
export declare function attentionJSON(data: AnyAttentionData, meta?: Record<string, unknown>): string;
/** Saves a Blob or string as a file through a temporary link. */
export declare function download(content: Blob | string, filename: string, type?: string): void;
/** What a view container shows, as one canvas, a PNG or an SVG document. */
export declare function viewToCanvas(container: HTMLElement): HTMLCanvasElement;
export declare function viewToPNG(container: HTMLElement): Promise<Blob>;
export declare function viewToSVG(container: HTMLElement): string;
