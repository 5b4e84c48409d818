// core.loadModel(source, { onProgress, signal, ...Hub options }): real Hugging Face checkpoints (BERT,
// RoBERTa, DistilBERT, GPT-2) in the wasm core. See docs/api.md and attnscope.d.ts. Where the files come
// from (and progress, cancelling, the Hub and its cache) is model-files.js's business: this file only
// asks the folder for the files the model's family needs.
//
// Loading order keeps failures cheap and memory low: config.json first (an unsupported model_type
// fails before anything large is read), then the tokenizer files, then model.safetensors streamed
// straight into one wasm heap buffer (no whole-file copy in JS when its size is known), converted
// by the core into float32 weights, and freed. Peak wasm memory ≈ file size + float32 weights.
import { MAX_WASM_BYTES, throwIfFailed } from './heap.js';
import { openFolder } from './model-files.js';
import { pairTokenTypes, parseRunOptions, runModel, textInput } from './model-run.js';
import { describe, requireOptions } from './validate.js';

const WEIGHTS_FILE = 'model.safetensors';
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

    const weights = await folder.open(WEIGHTS_FILE);
    if (weights === null) throw new Error(missingWeightsMessage(folder, what));
    await loadWeights(wasm, handle, weights, what);
    options.signal?.throwIfAborted();  // aborted while the core converted the weights
    return wrapModel(wasm, handle, architecture);
  } catch (error) {
    handle.delete();
    throw error;
  }
}

function missingWeightsMessage(folder, what) {
  const names = folder.names();
  const has = (pattern) => names?.some((n) => pattern.test(n));
  let hint = '';
  if (has(/^model-\d+-of-\d+\.safetensors$/) || has(/^model\.safetensors\.index\.json$/)) {
    hint = ': sharded checkpoints (model-00001-of-0000N.safetensors) are not supported';
  } else if (has(/^pytorch_model\.bin$/) || has(/\.(h5|msgpack|onnx)$/)) {
    hint = ': only safetensors weights can be read (pytorch_model.bin, .h5 and .onnx cannot); ' +
      'many hub repositories offer model.safetensors, or convert with the safetensors package';
  }
  return `${what}: ${folder.describe} has no ${WEIGHTS_FILE}${hint}`;
}

// Streams model.safetensors into a heap buffer, lets the core convert it, frees the buffer.
async function loadWeights(wasm, handle, file, what) {
  const weightBytes = handle.weightBytes();
  const checkFits = (fileBytes) => {
    const left = MAX_WASM_BYTES - wasm.heapBytesInUse();
    if (fileBytes + weightBytes > left) {
      throw new RangeError(`${what}: the model needs ${gib(fileBytes + weightBytes)} of wasm memory ` +
        `(${gib(fileBytes)} for ${WEIGHTS_FILE} while loading + ${gib(weightBytes)} of float32 weights), ` +
        `more than the ${gib(left)} left under the 4 GiB wasm limit`);
    }
  };
  const allocate = (bytes) => {
    const address = wasm._malloc(Math.max(bytes, 1)) >>> 0;
    if (address === 0) throw new RangeError(`${what}: out of wasm memory (could not allocate ${gib(bytes)} for ${WEIGHTS_FILE})`);
    return address;
  };

  let size = file.size, address = 0;
  try {
    if (size !== null) {
      checkFits(size);
      address = allocate(size);
      let pos = 0;
      await file.read((chunk) => {
        if (pos + chunk.length > size) throw new Error(`${what}: ${WEIGHTS_FILE} is longer than its declared ${size} bytes`);
        wasm.HEAPU8.set(chunk, address + pos);  // HEAPU8 is re-read: the heap may have grown
        pos += chunk.length;
      });
      if (pos !== size) throw new Error(`${what}: ${WEIGHTS_FILE} ended after ${pos} of ${size} bytes (truncated download?)`);
    } else {  // unknown length (compressed response): gather in JS first
      const chunks = [];
      size = 0;
      await file.read((chunk) => { chunks.push(chunk.slice()); size += chunk.length; });
      checkFits(size);
      address = allocate(size);
      let pos = 0;
      for (const chunk of chunks) { wasm.HEAPU8.set(chunk, address + pos); pos += chunk.length; }
    }
    throwIfFailed(handle.loadWeights(address, size, MAX_WASM_BYTES - wasm.heapBytesInUse()), what);
  } finally {
    if (address !== 0) wasm._free(address);
  }
}

function wrapModel(wasm, handle, architecture) {
  const info = handle.info();
  const config = Object.freeze({
    numLayers: info.numLayers, numHeads: info.numHeads, dModel: info.dModel, dFF: info.dFF,
    vocabSize: info.vocabSize, maxPositions: info.maxPositions, maxTokens: info.maxTokens,
    typeVocabSize: info.typeVocabSize, activation: info.activation,
    layerNormEps: Number(info.layerNormEps.toPrecision(7)),  // the core keeps it as float32
    causal: info.causal, preLayerNorm: info.preLayerNorm,
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

  const model = {
    architecture,
    config,
    hasTokenizer,
    get disposed() { return disposed; },
    tokenize: (text, pair) => tokenize(text, pair),
    run(input, options = {}) {
      const what = 'model.run';
      live(what);
      requireOptions(options, what);
      let ids, tokens;
      let pair = null;  // a sentence pair's { sentenceBStart, tokenTypes }
      if (typeof input === 'string') {
        ({ ids, tokens } = tokenize(input, undefined, what));
      } else if (isTextObject(input)) {
        const { text, textPair } = textInput(input, options, what);
        const encoded = tokenize(text, textPair, what);
        ({ ids, tokens } = encoded);
        if (textPair !== undefined) {
          const plainLength = config.typeVocabSize === 0
            ? tokenize(text, undefined, what, false).ids.length + tokenize(textPair, undefined, what, false).ids.length : 0;
          pair = { sentenceBStart: encoded.sentenceBStart,
            tokenTypes: pairTokenTypes(encoded, plainLength, config, architecture, what) };
        }
      } else {
        ids = toIds(input, config.vocabSize, what);
        tokens = Array.from(ids, (id) => handle.tokenOf(id) || `[${id}]`);
      }
      const n = ids.length;
      if (n === 0) throw new RangeError(`${what}: no tokens to run (empty input)`);
      if (n > config.maxTokens) {
        throw new RangeError(`${what}: ${n} tokens, more than this model's maximum of ${config.maxTokens}`);
      }
      const runOptions = pair?.tokenTypes ? { ...options, tokenTypes: pair.tokenTypes } : options;
      const result = runModel(wasm, handle, config, ids, tokens, parseRunOptions(runOptions, config, n, what), what);
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
