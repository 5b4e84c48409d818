// core.loadModel(source, { onProgress, signal, ...Hub options }): Hugging Face checkpoints (BERT,
// RoBERTa, DistilBERT, GPT-2, Llama, Mistral, Qwen2, Qwen3, Gemma, Phi-3) in the wasm core. See
// docs/api.md, docs/models.md and attnscope.d.ts. Where the files come from (and progress, cancelling,
// the Hub and its cache) is model-files.js's business: this file only asks the folder for the files
// the model's family needs.
//
// Loading order keeps failures cheap and memory low: config.json first (an unsupported model_type
// fails before anything large is read), then the tokenizer files, then model.safetensors, or the
// shards that model.safetensors.index.json names, streamed chunk by chunk through one small heap
// buffer into the core, which keeps each tensor the model reads in its stored dtype as its bytes
// arrive (no whole-file copy anywhere). Peak wasm memory ≈ the weights + one chunk.
import { MAX_WASM_BYTES, throwIfFailed } from './heap.js';
import { maskTokenOf, modelAtlas } from './model-atlas.js';
import { openFolder } from './model-files.js';
import { pairTokenTypes, parseRunOptions, parseTokenTypes, runModel, textInput } from './model-run.js';
import { isSourceTarget, runSeq2Seq } from './model-seq2seq.js';
import { describe, requireOptions } from './validate.js';

const WEIGHTS_FILE = 'model.safetensors';
const INDEX_FILE = 'model.safetensors.index.json';
const TOKENIZER_FILES = {
  bert: ['vocab.txt'], distilbert: ['vocab.txt'],
  roberta: ['vocab.json', 'merges.txt'], gpt2: ['vocab.json', 'merges.txt'],
};
const gib = (bytes) => `${(bytes / 1024 ** 3).toFixed(2)} GiB`;

const unreleased = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry((handle) => { try { handle.delete(); } catch { /* already gone */ } })
  : null;

/** Loads a checkpoint folder; resolves to the model object described in attnscope.d.ts. */
export async function loadModel(wasm, source, options = {}) {
  const what = 'loadModel';
  requireOptions(options, what);
  const onProgress = options.onProgress;
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    throw new TypeError(`${what}: onProgress must be a function (loadedBytes, totalBytes, info) => void, got ${describe(onProgress)}`);
  }
  const folder = await openFolder(source, what, options);

  const config = await folder.text('config.json');
  if (config === null) throw new Error(`${what}: ${folder.describe} has no config.json`);
  const handle = new wasm.ModelHandle();
  try {
    throwIfFailed(handle.parseConfig(config), what);
    const architecture = handle.info().architecture;

    // Tokenizer: the family's own files, else tokenizer.json; none at all = ids-only model.
    let haveTokenizerFiles = false;
    const primary = TOKENIZER_FILES[architecture] ?? [];  // other architectures: tokenizer.json only
    const found = {};
    for (const name of [...primary, 'tokenizer_config.json']) found[name] = await folder.text(name);
    if (primary.length === 0 || primary.some((name) => found[name] === null)) {
      found['tokenizer.json'] = await folder.text('tokenizer.json');
    }
    for (const [name, text] of Object.entries(found)) {
      if (text === null) continue;
      handle.setTokenizerFile(name, text);
      if (name !== 'tokenizer_config.json') haveTokenizerFiles = true;
    }
    if (haveTokenizerFiles) throwIfFailed(handle.loadTokenizer(), what);

    checkEstimate(wasm, handle, what);
    const single = await folder.open(WEIGHTS_FILE);
    const index = single === null ? await folder.text(INDEX_FILE) : null;
    if (single === null && index === null) throw new Error(missingWeightsMessage(folder, what));
    throwIfFailed(handle.startWeights(index ?? ''), what);
    const files = handle.weightFiles();
    const listed = folder.names();
    const missing = listed && files.filter((name) => !listed.includes(name));
    if (missing?.length) throw new Error(missingShardMessage(folder, missing, what));
    await streamWeights(wasm, handle, files, async (name) => {
      const file = single ?? await folder.open(name);
      if (file === null) throw new Error(missingShardMessage(folder, [name], what));
      return file;
    }, what);
    options.signal?.throwIfAborted();  // aborted while the core checked the weights
    return wrapModel(wasm, handle, architecture);
  } catch (error) {
    handle.delete();
    throw error;
  }
}

function missingShardMessage(folder, names, what) {
  return `${what}: ${INDEX_FILE} names the shard${names.length > 1 ? 's' : ''} ${names.join(', ')}, ` +
    `which ${folder.describe} does not have`;
}

function missingWeightsMessage(folder, what) {
  const names = folder.names();
  const has = (pattern) => names?.some((n) => pattern.test(n));
  let hint = '';
  if (has(/^pytorch_model\.bin$/) || has(/\.(h5|msgpack|onnx)$/)) {
    hint = ': only safetensors weights can be read (pytorch_model.bin, .h5 and .onnx cannot); ' +
      'many hub repositories offer model.safetensors, or convert with the safetensors package';
  }
  return `${what}: ${folder.describe} has no ${WEIGHTS_FILE}${hint}`;
}

/** Refuses a model whose weights cannot fit, from config.json alone (before anything is downloaded). */
function checkEstimate(wasm, handle, what) {
  const weightBytes = handle.weightBytes();
  const left = MAX_WASM_BYTES - wasm.heapBytesInUse();
  if (weightBytes + CHUNK_ROOM > left) {
    throw new RangeError(`${what}: the model needs ${gib(weightBytes)} of wasm memory (its weights as ` +
      `${{ 4: 'float32', 2: '16-bit floats' }[handle.info().storedBytesHint] ?? '16-bit floats at least'}), more than the ` +
      `${gib(left)} left under the 4 GiB wasm limit`);
  }
}

// Bytes go to the core through one heap buffer of at most STAGE_BYTES (larger chunks, e.g. a whole
// file given as a Uint8Array, are passed in pieces), so loading never holds a second copy of a file.
const STAGE_BYTES = 8 * 1024 * 1024;
const CHUNK_ROOM = 2 * STAGE_BYTES;  // the buffer's share of the heap, with room for the allocator

// Streams each file through one heap buffer into the core, which keeps the tensors it needs.
async function streamWeights(wasm, handle, names, open, what) {
  let buffer = 0, capacity = 0;
  const stage = (piece) => {
    if (piece.length > capacity) {
      if (buffer !== 0) wasm._free(buffer);
      buffer = 0;
      capacity = Math.min(STAGE_BYTES, Math.max(piece.length, 1 << 20));
      buffer = wasm._malloc(capacity) >>> 0;
      if (buffer === 0) throw new RangeError(`${what}: out of wasm memory (could not allocate a ${gib(capacity)} read buffer)`);
    }
    wasm.HEAPU8.set(piece, buffer);  // HEAPU8 is re-read: the heap may have grown
    throwIfFailed(handle.feedWeights(buffer, piece.length), what);
  };
  const feedAll = (chunk) => {
    for (let at = 0; at < chunk.length; at += STAGE_BYTES) stage(chunk.subarray(at, at + STAGE_BYTES));
  };
  try {
    for (const name of names) {
      const file = await open(name);
      let chunks = null, size = file.size;
      if (size === null) {  // unknown length (compressed response): gather in JS first
        chunks = [];
        size = 0;
        await file.read((chunk) => { chunks.push(chunk.slice()); size += chunk.length; });
      }
      const budget = MAX_WASM_BYTES - wasm.heapBytesInUse() - CHUNK_ROOM;
      throwIfFailed(handle.beginWeightFile(name, size, budget), what);
      let pos = 0;
      const feed = (chunk) => {
        if (pos + chunk.length > size) throw new Error(`${what}: ${name} is longer than its declared ${size} bytes`);
        feedAll(chunk);
        pos += chunk.length;
      };
      if (chunks) chunks.forEach(feed);
      else await file.read(feed);
      if (pos !== size) throw new Error(`${what}: ${name} ended after ${pos} of ${size} bytes (truncated download?)`);
      throwIfFailed(handle.endWeightFile(), what);
    }
    if (buffer !== 0) wasm._free(buffer);
    buffer = 0;
    throwIfFailed(handle.finishWeights(), what);
  } finally {
    if (buffer !== 0) wasm._free(buffer);
    handle.abandonWeights();
  }
}

function wrapModel(wasm, handle, architecture) {
  const info = handle.info();
  const config = Object.freeze({
    numLayers: info.numLayers, numHeads: info.numHeads, numKvHeads: info.numKvHeads, dHead: info.dHead,
    dModel: info.dModel, dFF: info.dFF, vocabSize: info.vocabSize, maxPositions: info.maxPositions,
    maxTokens: info.maxTokens, typeVocabSize: info.typeVocabSize, activation: info.activation,
    layerNormEps: Number(info.layerNormEps.toPrecision(7)),  // the core keeps it as float32
    normalization: info.normalization, gatedMlp: info.gatedMlp, qkNorm: info.qkNorm,
    causal: info.causal, preLayerNorm: info.preLayerNorm,
    positionEmbedding: info.rotaryDim > 0 ? 'rotary' : 'absolute',
    rotaryDim: info.rotaryDim, ropeTheta: info.ropeTheta, ropeScaling: info.ropeScaling,
    slidingWindow: info.slidingWindow, slidingLayers: Object.freeze(info.slidingLayers),
    tieWordEmbeddings: info.tieWordEmbeddings, weightBytes: info.weightBytes,
    encoderDecoder: info.encoderDecoder,
    ...(info.encoderDecoder ? {
      decoderLayers: info.decoderLayers, decoderHeads: info.decoderHeads, decoderDFF: info.decoderDFF,
      decoderStartTokenId: info.decoderStartTokenId, padTokenId: info.padTokenId, relativeBuckets: info.relativeBuckets,
    } : {}),
  });
  const hasTokenizer = handle.hasTokenizer();
  let disposed = false;
  const live = (what) => {
    if (disposed) throw new Error(`${what}: this model was disposed; load it again`);
  };

  // { ids, tokens (vocabulary strings), displayTokens (the text each stands for), typeIds,
  // sentenceBStart (index of sentence B's first token; null without a pair) }. With `pair` (sentence B)
  // the pair as the tokenizer's template puts it. addSpecial false: the text's own tokens only (no
  // [CLS], [SEP] or template).
  const tokenize = (text, pair, what = 'model.tokenize', addSpecial = true) => {
    live(what);
    if (typeof text !== 'string') throw new TypeError(`${what}: text must be a string, got ${describe(text)}`);
    if (pair !== undefined && typeof pair !== 'string') {
      throw new TypeError(`${what}: pair must be a string or undefined, got ${describe(pair)}`);
    }
    if (!hasTokenizer) {
      const classic = TOKENIZER_FILES[architecture];
      const files = classic ? `${classic.join(' + ')} or tokenizer.json` : 'tokenizer.json';
      throw new Error(`${what}: the folder had no tokenizer files (${files}); pass token ids to run() instead`);
    }
    // A lone UTF-16 surrogate cannot cross into C++ as UTF-8: replace it with U+FFFD, as TextEncoder does.
    const wellFormed = (s) => (typeof s.toWellFormed === 'function' ? s.toWellFormed() : s);
    throwIfFailed(pair === undefined ? handle.tokenize(wellFormed(text), addSpecial)
      : handle.tokenizePair(wellFormed(text), wellFormed(pair), true), what);
    const sentenceBStart = handle.lastSentenceBStart();
    return {
      ids: handle.lastIds(), tokens: handle.lastTokens(), displayTokens: handle.lastDisplayTokens(),
      typeIds: handle.lastTypeIds(), sentenceBStart: sentenceBStart < 0 ? null : sentenceBStart,
    };
  };

  // The input as model.run and model.headAtlas read it: text through the tokenizer, a { text, textPair }
  // pair with its template (and the token types it runs with: pair.tokenTypes), ids as given. `own`:
  // the tokens of the text itself, without what the tokenizer adds (null for ids).
  const encode = (input, options, what) => {
    if (typeof input === 'string') {
      return { ...tokenize(input, undefined, what), pair: null, own: () => tokenize(input, undefined, what, false).ids.length };
    }
    if (isTextObject(input)) {
      const { text, textPair } = textInput(input, options, what);
      const encoded = tokenize(text, textPair, what);
      const ownLength = (t) => (t === undefined ? 0 : tokenize(t, undefined, what, false).ids.length);
      let pair = null;  // a sentence pair's { sentenceBStart, tokenTypes }
      if (textPair !== undefined) {
        const plainLength = config.typeVocabSize === 0 ? ownLength(text) + ownLength(textPair) : 0;
        pair = { sentenceBStart: encoded.sentenceBStart,
          tokenTypes: pairTokenTypes(encoded, plainLength, config, architecture, what) };
      }
      return { ids: encoded.ids, tokens: encoded.tokens, pair, own: () => ownLength(text) + ownLength(textPair) };
    }
    const ids = toIds(input, config.vocabSize, what);
    return { ids, tokens: Array.from(ids, (id) => handle.tokenOf(id) || `[${id}]`), pair: null, own: null };
  };
  let maskToken;  // looked up once, when first asked for

  const model = {
    architecture,
    config,
    hasTokenizer,
    /** The checkpoint's language-model head: { usable, problem } (problem: why it cannot predict). */
    lmHead: Object.freeze({ usable: info.lmHead, problem: info.lmHead ? null : info.lmHeadProblem }),
    /** The tokenizer's mask token { id, token } ([MASK], <mask>), or null. */
    get maskToken() {
      if (maskToken === undefined) maskToken = disposed ? null : maskTokenOf(handle);
      return maskToken;
    },
    get disposed() { return disposed; },
    tokenize: (text, pair) => tokenize(text, pair),
    headAtlas(input, options = {}) {
      const what = 'model.headAtlas';
      live(what);
      requireOptions(options, what);
      const { ids, tokens, pair, own } = encode(input, options, what);
      // Text with no token of its own (only what the tokenizer adds around it) is empty too.
      if (ids.length === 0 || own?.() === 0) {
        throw new RangeError(`${what}: the input is empty: there is no token whose attention could be scored`);
      }
      if (ids.length > config.maxTokens) {
        throw new RangeError(`${what}: ${ids.length} tokens, more than this model's maximum of ${config.maxTokens}`);
      }
      const tokenTypes = pair ? pair.tokenTypes : parseTokenTypes(options.tokenTypes, config, ids.length, what);
      return modelAtlas(wasm, handle, model, { ids, tokens, tokenTypes }, options, what);
    },
    run(input, options = {}) {
      const what = 'model.run';
      live(what);
      requireOptions(options, what);
      if (config.encoderDecoder) {
        if (!isSourceTarget(input)) {
          throw new TypeError(`${what}: ${architecture} is an encoder-decoder model: give { source, target } ` +
            `(each a text or token ids), got ${describe(input)}`);
        }
        const tokenOf = (id) => handle.tokenOf(id);
        return runSeq2Seq({ wasm, handle, config, tokenize, toIds, tokenOf }, input, options, what);
      }
      if (isSourceTarget(input)) {
        throw new TypeError(`${what}: source and target are for encoder-decoder models (bart, mbart, marian, t5); ` +
          `${architecture} takes a text, { text, textPair } or token ids`);
      }
      const { ids, tokens, pair } = encode(input, options, what);
      const n = ids.length;
      if (n === 0) throw new RangeError(`${what}: no tokens to run (empty input)`);
      if (n > config.maxTokens) {
        throw new RangeError(`${what}: ${n} tokens, more than this model's maximum of ${config.maxTokens}`);
      }
      const runOptions = pair?.tokenTypes ? { ...options, tokenTypes: pair.tokenTypes } : options;
      const request = parseRunOptions(runOptions, config, n, what);
      if (request.topK && !model.lmHead.usable) throw new Error(`${what}: cannot predict tokens: ${model.lmHead.problem}`);
      const result = runModel(wasm, handle, config, ids, tokens, request, what);
      if (pair) Object.assign(result, { sentenceBStart: pair.sentenceBStart, tokenTypes: pair.tokenTypes });
      return result;
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      unreleased?.unregister(model);
      handle.delete();
    },
  };
  unreleased?.register(model, handle, model);
  return model;
}

// { text, textPair? } (as opposed to a string or token ids).
const isTextObject = (input) => input !== null && typeof input === 'object' && !Array.isArray(input) && !ArrayBuffer.isView(input);

/** Token ids given directly: integers in [0, vocabSize), used as they are. */
function toIds(input, vocabSize, what) {
  const isIntArray = input instanceof Int32Array || input instanceof Uint32Array || input instanceof Uint16Array ||
    input instanceof Int16Array || input instanceof Uint8Array || Array.isArray(input);
  if (!isIntArray) {
    throw new TypeError(`${what}: input must be a string or token ids (Int32Array or number[]), got ${describe(input)}; ` +
      'a sentence pair is { text, textPair }');
  }
  const ids = new Int32Array(input.length);
  for (let i = 0; i < input.length; i++) {
    const id = input[i];
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= vocabSize) {
      throw new RangeError(`${what}: ids[${i}] = ${describe(id)} is not a token id in [0, ${vocabSize})`);
    }
    ids[i] = id;
  }
  return ids;
}
