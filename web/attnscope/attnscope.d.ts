// Type declarations for the `attnscope` ES module (hand-written; the contract of web/src/index.js).
//
// Conventions for every function:
// - Matrices are Float32Array, row-major. Masks are Uint8Array with 1 = "query may attend key".
// - Results are fresh Float32Arrays owned by the caller: copies out of the wasm heap, never views,
//   so they stay valid after later calls, heap growth or dispose().
// - Bad input throws before anything is allocated: TypeError (wrong type), RangeError (wrong
//   length, non-positive / non-integer / NaN size, more than the 4 GiB wasm memory), Error
//   (inconsistent arguments, e.g. dModel not divisible by numHeads). The message names the argument
//   and the expected value. After an error the core stays usable.

/** Which keys each query may attend to: none (null), causal, or an explicit [n*m] matrix. */
export type Mask = null | undefined | 'causal' | Uint8Array;

export interface LoadOptions {
  /** 'auto' (default): the SIMD build when the engine supports wasm SIMD; false forces scalar; true requires SIMD. */
  simd?: 'auto' | boolean;
  /**
   * 'auto' (default): the relaxed-SIMD twin of the SIMD build (attnscope-relaxed-simd[-threads].*,
   * the GEMMs' multiply-add as one fused f32x4.relaxed_madd) where the engine supports relaxed SIMD
   * (Chrome/Edge 114+, Node 22+; Node 20 with --experimental-wasm-relaxed-simd), otherwise, silently,
   * the SIMD128 build; not when wasmBinary is given. false: never. true: requires it (throws where
   * it cannot run). Results differ from the SIMD128 build only by rounding (FMA rounds once).
   */
  relaxedSimd?: 'auto' | boolean;
  /**
   * Threads for the kernels. 'auto' (default): the threads build (attnscope-simd-threads.*) with one
   * thread per core, up to 4, where it can run (SIMD, and SharedArrayBuffer: a cross-origin isolated
   * page, i.e. served with COOP/COEP, a worker of one, or Node), otherwise, silently, one thread;
   * also one thread when wasmBinary is given. false or 1: one thread. true or a count: the threads
   * build (throws where it cannot run).
   */
  threads?: 'auto' | boolean | number;
  /**
   * The bytes of the chosen single-thread .wasm when you load them yourself: attnscope-simd.wasm,
   * attnscope-scalar.wasm (with simd: false) or attnscope-relaxed-simd.wasm (with relaxedSimd: true).
   */
  wasmBinary?: ArrayBuffer | Uint8Array;
  /**
   * Maps the file name ('attnscope-simd.wasm' / 'attnscope-scalar.wasm' / 'attnscope-simd-threads.wasm' /
   * 'attnscope-relaxed-simd.wasm' / 'attnscope-relaxed-simd-threads.wasm') to the URL (or, in Node,
   * path) to load. A threads build's glue finds its worker script (attnscope-*-threads.worker.js)
   * next to itself.
   */
  locateFile?: (file: string, prefix: string) => string;
}

export interface AttentionOptions {
  /** Queries [n*dK]. */
  q: Float32Array;
  /** Keys [m*dK]. */
  k: Float32Array;
  /** Values [m*dV]. */
  v: Float32Array;
  /** Number of queries. */
  n: number;
  /** Number of keys/values; defaults to n. */
  m?: number;
  /** Query/key width. */
  dK: number;
  /** Value width; defaults to dK. */
  dV?: number;
  /** null (default), 'causal' (query i sees keys j <= i) or Uint8Array(n*m), 1 = may attend. */
  mask?: Mask;
  /** Also return the intermediate steps (scores, scaled). */
  steps?: boolean;
  /**
   * Return the softmax weights (default true). With false (and no steps) the output is computed by
   * streaming (online softmax, FlashAttention-style): memory O((n + m)·d) instead of O(n·m), so
   * 16,384 tokens of a 64-wide head fit in well under 64 MB of wasm memory.
   */
  weights?: boolean;
  /**
   * An earlier result of attention() whose arrays this call overwrites and returns again where their
   * lengths match (the others are fresh): for repeated calls, the copy without mapping new pages.
   */
  reuse?: Partial<AttentionResult> | null;
}

/** The result of attention({ ..., weights: false }). */
export interface AttentionOutputOnly {
  /** weights·V [n*dV]. A query whose keys are all masked gets an all-zero row. */
  output: Float32Array;
  weights?: undefined;
  /** Q·Kᵀ [n*m] (with steps: true), before the mask. */
  scores?: Float32Array;
  /** Q·Kᵀ/√dK [n*m] (with steps: true), before the mask. */
  scaled?: Float32Array;
}

export interface AttentionResult {
  /** weights·V [n*dV]. A query whose keys are all masked gets an all-zero row. */
  output: Float32Array;
  /** softmax weights [n*m]. */
  weights: Float32Array;
  /** Q·Kᵀ [n*m] (with steps: true), before the mask. */
  scores?: Float32Array;
  /** Q·Kᵀ/√dK [n*m] (with steps: true), before the mask. */
  scaled?: Float32Array;
}

/** Projection weights: W row-major [dModel*dModel] so that Q = X·Wq + bq (nn.Linear's weight transposed). */
export interface MultiHeadParameters {
  dModel: number;
  /** Must divide dModel. */
  numHeads: number;
  wq: Float32Array;
  wk: Float32Array;
  wv: Float32Array;
  wo: Float32Array;
  /** Optional biases [dModel]; absent = zero. */
  bq?: Float32Array | null;
  bk?: Float32Array | null;
  bv?: Float32Array | null;
  bo?: Float32Array | null;
}

export interface ForwardOptions {
  /** Keys/values source [m*dModel] (cross-attention); defaults to x (self-attention). */
  context?: Float32Array | null;
  /** Rows of x; defaults to x.length / dModel. */
  n?: number;
  /** Rows of context; defaults to context.length / dModel, or n for self-attention. */
  m?: number;
  /** null (default), 'causal' or Uint8Array(n*m), 1 = may attend. */
  mask?: Mask;
  /**
   * Return the per-head softmax weights (default true). With false (and no steps) every head streams
   * (online softmax): memory O((n + m)·dModel) instead of O(numHeads·n·m), for long inputs.
   */
  weights?: boolean;
  /** Return the per-head outputs before Wo (default true). */
  heads?: boolean;
  /** Also return q, k, v, scores and scaled (default false). */
  steps?: boolean;
  /**
   * Also return valueNorms: ‖v_j·Wo^h‖ per head and key (Kobayashi et al. 2020); weights[h, i, j] ×
   * valueNorms[h, j] is the norm of what key j adds to query i's output through head h.
   */
  valueNorms?: boolean;
  /**
   * An earlier result of forward() (or multiHeadAttention()) whose arrays this call overwrites and
   * returns again where their lengths match (the others are fresh): for repeated calls, the copy
   * without mapping new pages.
   */
  reuse?: Partial<MultiHeadResult> | null;
}

export interface MultiHeadAttentionOptions extends MultiHeadParameters, ForwardOptions {
  /** Inputs [n*dModel]. */
  x: Float32Array;
}

export interface MultiHeadResult {
  /** concat(heads)·Wo + bo [n*dModel]. */
  output: Float32Array;
  /** Softmax weights of every head [numHeads*n*m] (head-major), unless weights: false. */
  weights?: Float32Array;
  /** Per-head outputs concatenated, before Wo [n*dModel], unless heads: false. */
  heads?: Float32Array;
  /** With steps: X·Wq + bq [n*dModel]. */
  q?: Float32Array;
  /** With steps: C·Wk + bk [m*dModel]. */
  k?: Float32Array;
  /** With steps: C·Wv + bv [m*dModel]. */
  v?: Float32Array;
  /** With steps: Q·Kᵀ per head [numHeads*n*m], before the mask. */
  scores?: Float32Array;
  /** With steps: Q·Kᵀ/√dHead per head [numHeads*n*m], before the mask. */
  scaled?: Float32Array;
  /** With valueNorms: ‖v_j·Wo^h‖ [numHeads*m]. */
  valueNorms?: Float32Array;
}

/** The head atlas's patterns (docs/api.md#head-atlas); each score array is [numLayers*numHeads], layer-major. */
export type HeadPattern = 'previousToken' | 'nextToken' | 'self' | 'firstToken' | 'special' | 'entropy' | 'broad' |
  'induction' | 'copying';

export interface HeadAtlas {
  numLayers: number;
  numHeads: number;
  /**
   * previousToken: mean over i ≥ 1 of A[i, i−1]; nextToken: mean over i ≤ n−2 of A[i, i+1]; self: mean of A[i, i];
   * firstToken: mean over i ≥ 1 of A[i, 0]; special: mean over i of the weight on special keys other than 0;
   * entropy: mean row entropy (nats); broad: mean row entropy / ln(keys visible), in [0, 1]; with a probe,
   * induction: mean over t of A[s+T+t, s+t+1]; with probe.copying, copying: the rise of the probe's loss
   * (nats) when the head is ablated. NaN where a mean has no query (n = 1).
   */
  patterns: Partial<Record<HeadPattern, Float32Array>> & Record<'previousToken' | 'nextToken' | 'self' |
    'firstToken' | 'special' | 'entropy' | 'broad', Float32Array>;
  /**
   * Each head's dominant pattern: the largest of previousToken, nextToken, self, firstToken, special and
   * induction when it is at least 0.5, else 'broad' when broad ≥ 0.75, else null.
   */
  dominant: (HeadPattern | null)[];
}

/** model.headAtlas's result: also the input's tokens, its special positions and the probe. */
export interface ModelHeadAtlas extends HeadAtlas {
  tokens: string[];
  /** The positions counted as special keys (the given ones, else the marker tokens: [SEP], </s> …). */
  special: number[];
  probe?: {
    ids: Int32Array; tokens: string[];
    /** The first copy's first position (after the tokenizer's prefix), and T. */
    start: number; length: number; seed: number;
    /** With copying: the unablated loss (nats) and the expected token at each scored position (−1 elsewhere). */
    loss?: number; targets?: Int32Array;
  };
}

export interface HeadAtlasOptions {
  /**
   * Also run a probe: `length` (T, default min(50, what fits)) distinct random tokens (never a marker
   * token) drawn by `seed` (default 0), repeated twice inside the tokenizer's special tokens; gives
   * induction, and with copying: true (one extra forward per head) copying.
   */
  probe?: boolean | { length?: number; seed?: number; copying?: boolean };
  /** Special key positions (number[]), or a boolean[n] / Uint8Array(n) mask; default the marker tokens. */
  special?: number[] | boolean[] | Uint8Array;
  /** Segment ids [n] of token ids given directly (a { text, textPair } pair brings its own). */
  tokenTypes?: ArrayLike<number>;
}

export interface HeadAtlasData {
  /** One per layer, [numHeads*n*n] (head-major; row = query), as model.run returns them. */
  attentions: Float32Array[];
  numHeads: number;
  /** Query i sees keys 0..i (for broad's normalisation). Default false. */
  causal?: boolean;
  special?: number[] | boolean[] | Uint8Array;
  /** Attentions of a probe: T tokens from `start` (default 0) repeated right after. */
  probe?: { attentions: Float32Array[]; start?: number; length: number };
}

export interface RolloutOptions {
  /** Heads per layer: each attentions[l] is [numHeads*n*n]. */
  numHeads: number;
}

/** Multi-head attention whose weights stay in wasm memory between calls. */
export interface MultiHeadAttention {
  readonly dModel: number;
  readonly numHeads: number;
  /** True after dispose(). */
  readonly disposed: boolean;
  /** x [n*dModel]. Throws after dispose(). */
  forward(x: Float32Array, options?: ForwardOptions): MultiHeadResult;
  /** Frees the wasm memory holding the weights. Idempotent. (Garbage collection also frees it, eventually.) */
  dispose(): void;
}

export interface MemoryInfo {
  /** Size of the wasm memory in bytes (it grows, never shrinks, up to 4 GiB). */
  heapBytes: number;
  /** Bytes malloc'd inside the wasm right now. */
  bytesInUse: number;
}

/** The loaded core: one wasm instance with its own memory. */
export interface Core {
  /** True when a SIMD build is running (relaxed or not). */
  readonly simd: boolean;
  /** True when a relaxed-SIMD build (fused multiply-add) is running (see LoadOptions.relaxedSimd). */
  readonly relaxedSimd: boolean;
  /** Threads the kernels run on: 1, or more with the threads build (see LoadOptions.threads). */
  readonly threads: number;
  /** The package version. */
  readonly version: string;
  /** Single-head scaled dot-product attention without the weights (streaming: O((n + m)·d) memory). */
  attention(options: AttentionOptions & { weights: false }): AttentionOutputOnly;
  /** Single-head scaled dot-product attention: softmax(mask(Q·Kᵀ/√dK))·V. */
  attention(options: AttentionOptions & { weights?: true }): AttentionResult;
  /** Either of the above, when `weights` is only known at run time. */
  attention(options: AttentionOptions): AttentionResult | AttentionOutputOnly;
  /** Multi-head attention with projections, in one call (copies the weights in each time). */
  multiHeadAttention(options: MultiHeadAttentionOptions): MultiHeadResult;
  /** Multi-head attention with the weights kept in wasm memory for repeated forward() calls. */
  createMultiHeadAttention(options: MultiHeadParameters): MultiHeadAttention;
  /**
   * Attention rollout (Abnar & Zuidema 2020) of consecutive layers' self-attention: for each layer l,
   * R_l = Ã_l·R_{l−1} with Ã = ½·(mean over heads) + ½·I, rows renormalised. Returns one [n*n] per layer.
   */
  attentionRollout(attentions: Float32Array[], options: RolloutOptions): Float32Array[];
  /**
   * The head atlas of attentions computed elsewhere (a notebook's model, the element's data): every
   * head's pattern scores, and with `probe` (attentions of a repeated random sequence) induction.
   */
  headAtlas(data: HeadAtlasData): HeadAtlas;
  /** Wasm memory use. */
  memory(): MemoryInfo;
  /** A Hugging Face checkpoint (BERT, RoBERTa, DistilBERT, GPT-2) from the Hub or a folder; see ModelSource. */
  loadModel(source: ModelSource, options?: LoadModelOptions): Promise<Model>;
  /** What the model cache holds (models loaded from the Hub); the same as the module's cachedModels(). */
  cachedModels(options?: CacheOptions): Promise<CachedModel[]>;
  /** Removes every cached commit of a Hub model; resolves to the bytes freed. Same as deleteCachedModel(). */
  deleteCachedModel(id: string, options?: DeleteCachedModelOptions): Promise<number>;
}

/** Loads the wasm (SIMD build where supported) and returns the core. Each call makes a new instance. */
export function load(options?: LoadOptions): Promise<Core>;

/** True when this JavaScript engine supports WebAssembly SIMD. */
export function simdSupported(): boolean;

/** True when this JavaScript engine supports WebAssembly relaxed SIMD (f32x4.relaxed_madd). */
export function relaxedSimdSupported(): boolean;

/** True when the threads build can run here (SharedArrayBuffer and shared wasm memory: isolated pages, Node). */
export function threadsSupported(): boolean;

/** The package version. */
export const version: string;

/** What the model cache holds: one entry per model and commit, newest first. Needs no load(). */
export function cachedModels(options?: CacheOptions): Promise<CachedModel[]>;

/** Removes every cached commit of Hub model `id` ('org/name' or 'hf:org/name'); resolves to the bytes freed. */
export function deleteCachedModel(id: string, options?: DeleteCachedModelOptions): Promise<number>;

// ---- Real checkpoints (web/src/model.js; README "Real models") ----

/**
 * A Hugging Face Hub model ('hf:<id>', 'hf:<organisation>/<name>', or https://huggingface.co/<id>, also
 * …/<id>/tree/<revision>), a folder URL, File[] / FileList, { fileName: contents }, or (Node) a directory path.
 */
export type ModelSource = string | URL | File[] | FileList |
  Record<string, string | Uint8Array | ArrayBuffer | Blob>;

/** What onProgress is told about the file the bytes belong to. */
export interface LoadProgressInfo {
  /** The file's name, e.g. 'model.safetensors'. */
  file: string;
  /** True when the bytes come from the model cache (no download). */
  fromCache: boolean;
  /** Bytes of this file read so far. */
  fileLoaded: number;
  /** The file's size, or null when the server did not say. */
  fileTotal: number | null;
}

export interface LoadModelOptions {
  /** Called as bytes arrive, over every file read; totalBytes grows as files are opened. */
  onProgress?: (loadedBytes: number, totalBytes: number, info: LoadProgressInfo) => void;
  /** Cancels the load: it rejects with the signal's reason and frees what it allocated. */
  signal?: AbortSignal;
  /** Hub sources: the branch, tag or commit id (default 'main', or the one in the URL). */
  revision?: string;
  /** Hub sources: the Hub or a mirror (like HF_ENDPOINT); default 'https://huggingface.co'. */
  endpoint?: string;
  /** Hub sources: an access token for gated or private models, sent to the endpoint's origin only. */
  token?: string;
  /** Hub sources: false neither reads nor writes the model cache (default true). */
  cache?: boolean;
  /** Hub sources in Node: the cache folder (default $XDG_CACHE_HOME/attnscope or ~/.cache/attnscope). */
  cacheDir?: string;
  /** Hub sources: called with a message when the cache cannot be written or a cached copy is used offline; default console.warn. */
  onWarning?: (message: string) => void;
}

export interface CacheOptions {
  /** Node: the cache folder (default $XDG_CACHE_HOME/attnscope or ~/.cache/attnscope). */
  cacheDir?: string;
}

export interface DeleteCachedModelOptions extends CacheOptions {
  /** Only the copies from this endpoint (default: from every endpoint). */
  endpoint?: string;
}

/** One model and commit in the cache. */
export interface CachedModel {
  /** The model id, e.g. 'openai-community/gpt2'. */
  id: string;
  /** The endpoint it came from, e.g. 'https://huggingface.co'. */
  endpoint: string;
  /** The commit id (40 hex digits). */
  revision: string;
  /** The branches or tags that pointed at this commit when it was last loaded by them, e.g. ['main']. */
  refs: string[];
  files: { name: string; bytes: number }[];
  /** Total size of the files. */
  bytes: number;
  /** When a file of it was last written (ISO 8601). */
  date: string;
}

export interface ModelConfig {
  numLayers: number;
  /** Query heads. */
  numHeads: number;
  /** Key/value heads: numHeads, or fewer in grouped-query (1: multi-query) attention, where query head h reads key/value head h / (numHeads / numKvHeads). */
  numKvHeads: number;
  /** Width of one head: config.json's head_dim, else dModel / numHeads. */
  dHead: number;
  dModel: number; dFF: number; vocabSize: number;
  /** Rows of the position table, or the longest input a rotary model was configured for. */
  maxPositions: number; maxTokens: number; typeVocabSize: number; activation: string;
  /** Epsilon of the model's norms (LayerNorm or RMSNorm). */
  layerNormEps: number;
  normalization: 'layer' | 'rms';
  /** act(x·W_gate) ⊙ (x·W_up) MLPs (SwiGLU, GeGLU): the Llama family. */
  gatedMlp: boolean;
  /** Qwen3: Q and K get a per-head RMSNorm before the rotation. */
  qkNorm: boolean;
  causal: boolean; preLayerNorm: boolean;
  /** 'absolute' (a learned position table: BERT, GPT-2) or 'rotary' (RoPE on Q and K: the Llama family). */
  positionEmbedding: 'absolute' | 'rotary';
  /** Values of each head that rotate (head_dim × partial_rotary_factor); 0 without RoPE. */
  rotaryDim: number;
  /** rope_theta; 0 without RoPE. */
  ropeTheta: number;
  /** rope_scaling's type. */
  ropeScaling: 'none' | 'linear' | 'llama3';
  /** Mistral-style sliding window (key j visible from query i iff i − window < j ≤ i); 0: none. */
  slidingWindow: number;
  /** The layers that use the window. */
  slidingLayers: readonly number[];
  tieWordEmbeddings: boolean;
  /** Bytes of weights in wasm memory, as stored (16-bit checkpoints stay 16-bit). */
  weightBytes: number;
  /** bart, mbart, marian, t5: run() takes { source, target }. numLayers, numHeads and dFF are then the encoder's. */
  encoderDecoder: boolean;
  /** Encoder–decoder models only: the decoder's layers, heads and FF width. */
  decoderLayers?: number; decoderHeads?: number; decoderDFF?: number;
  /** Encoder–decoder models only: the id put before a target text (Hugging Face's decoder_start_token_id). */
  decoderStartTokenId?: number;
  padTokenId?: number;
  /** T5: relative_attention_num_buckets (0 for the BART family). */
  relativeBuckets?: number;
}

export interface ModelRunOptions {
  /**
   * true (default): every layer's attention weights; false: none (every layer streams, memory O(n·d));
   * layer indices: only those layers, in that order (see ModelRunResult.attentionLayers).
   */
  attentions?: boolean | number[];
  /** true (default): the last hidden state; 'all': also hiddenStates; false: none. */
  hidden?: boolean | 'all';
  /** The textbook steps of one layer's attention, for one head or (head omitted) every head. */
  steps?: { layer: number; head?: number };
  /** Also return valueNorms for every returned attention layer (needs attentions). */
  valueNorms?: boolean;
  /** Hugging Face's attention_mask [n]: 0 marks a padding token no query attends to. */
  attentionMask?: ArrayLike<number>;
  /** Segment ids [n] for models with token type embeddings (BERT: 0 for sentence A, 1 for B); a { text, textPair } input sets them itself. */
  tokenTypes?: ArrayLike<number>;
  /** 'topk': the checkpoint's language-model head's k most probable tokens at each position (result.topk). */
  logits?: 'topk';
  /** With logits: 'topk': 1 .. vocabSize (default 5). */
  k?: number;
  /**
   * Hugging Face's head_mask: a factor per head (numLayers*numHeads, layer-major, or one array per layer)
   * multiplying its attention weights before ·V; 0 ablates the head. The attentions returned are the multiplied ones.
   */
  headMask?: ArrayLike<number> | ArrayLike<number>[];
  /**
   * An earlier result whose arrays (attentions, valueNorms, hidden, hiddenStates) this run overwrites and
   * returns again where their lengths match; the others are fresh. For loops over many inputs: copying
   * into memory already in use costs only the copy, where fresh arrays are new pages to map.
   */
  reuse?: ModelRunResult | null;
}

/** Per position the k most probable tokens, most probable first (softmax over the whole vocabulary). */
export interface TopK {
  k: number;
  /** [n*k]. */
  ids: Int32Array;
  /** [n*k]. */
  probs: Float32Array;
  /** [n*k]: the vocabulary strings. */
  tokens: string[];
}

/** A text, or a sentence pair (question/answer, premise/hypothesis) as the tokenizer's pair template puts it together. */
export interface TextInput {
  text: string;
  /** Sentence B. */
  textPair?: string;
}

/** One layer's attention step by step. Arrays of several heads are head-major. */
export interface ModelSteps {
  layer: number;
  /** The head asked for, or null when every head of the layer was. */
  head: number | null;
  /** Heads in the arrays below: 1, or numHeads. */
  numHeads: number;
  dHead: number;
  /** 1/√dHead: scaled = scores × scale. */
  scale: number;
  /** The key/value head each of these heads reads (grouped-query models share them). */
  kvHeads: number[];
  /** Values of each head that Q and K rotate by position (RoPE); 0 without. */
  rotaryDim: number;
  /** Q and K were RMS-normalised per head before the rotation (Qwen3). */
  qkNorm: boolean;
  /** Which keys each query sees [n*n] (1 = may attend), when more than the causal or full mask hides them: padding (attentionMask) or a sliding window shorter than the input. */
  allowed?: Uint8Array;
  /** The attention block's input [n*dModel] (after the LayerNorm or RMSNorm in pre-norm models). */
  x: Float32Array;
  /** X·Wq + bq, X·Wk + bk, X·Wv + bv for these heads [heads*n*dHead]; Q and K after the rotation (and Qwen3's norm); K and V are each head's key/value head's. */
  q: Float32Array; k: Float32Array; v: Float32Array;
  /** Q·Kᵀ [heads*n*n]. */
  scores: Float32Array;
  /** Q·Kᵀ × scale, before the mask [heads*n*n]. */
  scaled: Float32Array;
  /** After the mask and softmax [heads*n*n]. */
  weights: Float32Array;
  /** weights·V [heads*n*dHead]. */
  headOutput: Float32Array;
  /** concat(heads)·Wo + bo: the block's output before the residual [n*dModel]. */
  output: Float32Array;
}

export interface ModelRunResult {
  tokens: string[];
  ids: Int32Array;
  /** One per returned layer, each [numHeads*n*n] (head-major; row = query). Absent with attentions: false. */
  attentions?: Float32Array[];
  /** The layer of each entry of attentions. */
  attentionLayers?: number[];
  /** With valueNorms: per returned layer ‖v_j·Wo^h‖ [numHeads*n]. */
  valueNorms?: Float32Array[];
  /** [n*dModel]: BERT family the last layer's output, GPT-2 and the Llama family after the final norm (Hugging Face's last_hidden_state). Absent with hidden: false. */
  hidden?: Float32Array;
  /** With hidden: 'all': the embeddings' output and each layer's, numLayers + 1 (Hugging Face's hidden_states). */
  hiddenStates?: Float32Array[];
  /** With steps. */
  steps?: ModelSteps;
  /** For a { text, textPair } input: the index of sentence B's first token. */
  sentenceBStart?: number;
  /** For a { text, textPair } input: the token types it ran with (null: the model has no token type embeddings). */
  tokenTypes?: Int32Array | null;
  /** With logits: 'topk'. */
  topk?: TopK;
}

/**
 * The input of an encoder–decoder model (teacher forcing): each side a text or token ids. A target
 * text gets decoderStartTokenId in front (as Hugging Face's shift_tokens_right starts the decoder;
 * its last token is kept); target ids are used as given.
 */
export interface SourceTargetInput {
  source: string | Int32Array | number[];
  target: string | Int32Array | number[];
}

export type AttentionKind = 'encoder' | 'decoder' | 'cross';

export interface Seq2SeqRunOptions {
  /** true (default): every layer's attentions of all three kinds; false: none. */
  attentions?: boolean;
  /** true (default): encoderHidden and hidden; false: none. */
  hidden?: boolean;
  /** One layer's steps of one kind, for one head or (head omitted) every head of that stack. */
  steps?: { layer: number; head?: number; kind: AttentionKind };
  /** The source's attention_mask [n_src]: 0 marks a padding token no encoder or cross-attention query attends to. */
  attentionMask?: ArrayLike<number>;
  /** An earlier result whose attention and hidden arrays this run overwrites where their lengths match (see ModelRunOptions.reuse). */
  reuse?: Seq2SeqRunResult | null;
}

export interface Seq2SeqSteps extends Omit<ModelSteps, 'rotaryDim' | 'qkNorm'> {
  kind: AttentionKind;
  /** Query rows (n_src for the encoder, n_tgt otherwise) and key columns (n_src for cross, else as queries) of scores, scaled and weights. */
  queries: number;
  keys: number;
  /** True when scaled = scores × scale + a per-head position bias (T5's self-attentions: relative position buckets; scale is 1). */
  positionBias: boolean;
}

export interface Seq2SeqRunResult {
  sourceTokens: string[];
  targetTokens: string[];
  sourceIds: Int32Array;
  targetIds: Int32Array;
  /** Per encoder layer [numHeads*n_src*n_src]. */
  encoderAttentions?: Float32Array[];
  /** Per decoder layer [decoderHeads*n_tgt*n_tgt], causal. */
  decoderAttentions?: Float32Array[];
  /** Per decoder layer [decoderHeads*n_tgt*n_src]: decoder queries, encoder keys. */
  crossAttentions?: Float32Array[];
  /** The encoder's output [n_src*dModel], after its final norm where the family has one. */
  encoderHidden?: Float32Array;
  /** The decoder's last hidden state [n_tgt*dModel], after its final norm where the family has one. */
  hidden?: Float32Array;
  /** With steps. For T5, scaled includes the relative position bias (scale is 1: T5 does not scale). */
  steps?: Seq2SeqSteps;
}

export interface TokenizeResult {
  ids: Int32Array;
  /** The vocabulary strings: "##ing", "Ġworld", "▁the", "<0xE2>". */
  tokens: string[];
  /**
   * The text each token stands for: "Ġworld" -> " world", "▁the" -> " the", "Ċ" -> "\n", "<0x0A>" -> "\n";
   * bytes of a character split across tokens as "\xE2" escapes; WordPiece keeps its "##" mark;
   * special tokens as they are.
   */
  displayTokens: string[];
  /** Token type (segment) ids, as the tokenizer's post-processor gives them (RoBERTa: all 0). */
  typeIds: Int32Array;
  /**
   * With a pair: index of sentence B's first token (the first token of B's type when the template
   * gives B its own type id, else B's first own token); null for one sentence.
   */
  sentenceBStart: number | null;
}

export interface Model {
  /** An xlm-roberta checkpoint reports 'roberta' (the same architecture). */
  readonly architecture: 'bert' | 'roberta' | 'distilbert' | 'gpt2' | 'llama' | 'mistral' | 'qwen2' | 'qwen3' | 'gemma' | 'phi3'
    | 'bart' | 'mbart' | 'marian' | 't5';
  readonly config: Readonly<ModelConfig>;
  /** False when the folder had no tokenizer files (run() then takes token ids only). */
  readonly hasTokenizer: boolean;
  readonly disposed: boolean;
  /** The checkpoint's language-model head: usable, or the reason it cannot predict (problem). */
  readonly lmHead: { readonly usable: boolean; readonly problem: string | null };
  /** The tokenizer's mask token ([MASK], <mask>), or null. */
  readonly maskToken: { readonly id: number; readonly token: string } | null;
  /**
   * With the model's special tokens ([CLS] … [SEP], <s> … </s>, <|begin_of_text|> …, none for GPT-2);
   * with `pair`, the sentence pair as the tokenizer's template puts it ([CLS] A [SEP] B [SEP]).
   */
  tokenize(text: string, pair?: string): TokenizeResult;
  /**
   * Text is tokenized with special tokens; a { text, textPair } pair with the pair template and run
   * with its token types where the model has token type embeddings (BERT; RoBERTa's are all 0; none
   * for DistilBERT; GPT-2 cannot tell the sentences apart and refuses); token ids are used as given.
   */
  run(input: string | TextInput | Int32Array | number[], options?: ModelRunOptions): ModelRunResult;
  /** Every head's pattern scores on the input (and with probe, induction and copying). */
  headAtlas(input: string | TextInput | Int32Array | number[], options?: HeadAtlasOptions): ModelHeadAtlas;
  /** Encoder–decoder models (config.encoderDecoder): a source and a target; other models refuse it. */
  run(input: SourceTargetInput, options?: Seq2SeqRunOptions): Seq2SeqRunResult;
  /** Frees the model's wasm memory. Idempotent. */
  dispose(): void;
}
