// model.run(input, options): the options a user gives, checked against the model before anything is
// allocated, turned into the core's request, and the outputs copied out of the wasm heap.
import { MAX_WASM_BYTES, throwIfFailed } from './heap.js';
import { OutputArrays, parseReuse } from './output-arrays.js';
import { describe, optionalBoolean, requireOptions } from './validate.js';

const HIDDEN = Object.freeze({ none: 0, last: 1, all: 2 });
const gib = (bytes) => `${(bytes / 1024 ** 3).toFixed(2)} GiB`;

function layerIndex(value, name, numLayers, what) {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(`${what}: ${name} must be a layer index in [0, ${numLayers}), got ${describe(value)}`);
  }
  if (value < 0 || value >= numLayers) throw new RangeError(`${what}: ${name} ${value} is outside [0, ${numLayers})`);
  return value;
}

/** attentions: true (every layer) | false | layer indices. Returns null (none) or the layers. */
function parseAttentions(value, numLayers, what) {
  if (value === undefined || value === true) return [...Array(numLayers).keys()];
  if (value === false) return null;
  if (!Array.isArray(value)) {
    throw new TypeError(`${what}: attentions must be true, false or an array of layer indices, got ${describe(value)}`);
  }
  const layers = value.map((l, i) => layerIndex(l, `attentions[${i}]`, numLayers, what));
  return [...new Set(layers)];
}

function parseHidden(value, what) {
  if (value === undefined || value === true) return HIDDEN.last;
  if (value === false) return HIDDEN.none;
  if (value === 'all') return HIDDEN.all;
  throw new TypeError(`${what}: hidden must be true (the last hidden state), 'all' or false, got ${describe(value)}`);
}

function parseSteps(value, config, what) {
  if (value === undefined || value === null || value === false) return null;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError(`${what}: steps must be { layer, head? }, got ${describe(value)}`);
  }
  const layer = layerIndex(value.layer, 'steps.layer', config.numLayers, what);
  if (value.head === undefined || value.head === null) return { layer, head: -1 };
  if (typeof value.head !== 'number' || !Number.isInteger(value.head)) {
    throw new TypeError(`${what}: steps.head must be a head index in [0, ${config.numHeads}), got ${describe(value.head)}`);
  }
  if (value.head < 0 || value.head >= config.numHeads) {
    throw new RangeError(`${what}: steps.head ${value.head} is outside [0, ${config.numHeads})`);
  }
  return { layer, head: value.head };
}

/** A per-token array of n integers in [0, limit): attentionMask (limit 2) or tokenTypes. */
function perToken(value, name, n, limit, ArrayType, what) {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value) && !ArrayBuffer.isView(value)) {
    throw new TypeError(`${what}: ${name} must be an array of ${n} integers in [0, ${limit}), got ${describe(value)}`);
  }
  if (value.length !== n) throw new RangeError(`${what}: ${name} has ${value.length} entries, expected one per token (${n})`);
  const out = new ArrayType(n);
  for (let i = 0; i < n; i++) {
    const v = value[i];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= limit) {
      throw new RangeError(`${what}: ${name}[${i}] = ${describe(v)} is not an integer in [0, ${limit})`);
    }
    out[i] = v;
  }
  return out;
}

/** logits: 'topk' with k (default 5) in [1, vocabSize]; returns k, or 0 without predictions. */
function parseTopK(logits, k, config, what) {
  if (logits === undefined || logits === null || logits === false) {
    if (k !== undefined) throw new TypeError(`${what}: k needs logits: 'topk' (the k most probable tokens at each position)`);
    return 0;
  }
  if (logits !== 'topk') throw new TypeError(`${what}: logits must be 'topk' (or omitted), got ${describe(logits)}`);
  if (k === undefined) return 5;
  if (typeof k !== 'number' || !Number.isInteger(k)) {
    throw new TypeError(`${what}: k must be an integer in [1, ${config.vocabSize}], got ${describe(k)}`);
  }
  if (k < 1 || k > config.vocabSize) throw new RangeError(`${what}: k ${k} is outside [1, ${config.vocabSize}] (the vocabulary)`);
  return k;
}

/** Hugging Face's head_mask: numLayers*numHeads finite factors (flat, layer-major, or one array per layer). */
function parseHeadMask(value, config, what) {
  if (value === undefined || value === null) return null;
  const { numLayers: layers, numHeads: heads } = config;
  const shape = `${layers}*${heads} numbers (flat, layer-major) or ${layers} arrays of ${heads}`;
  const flat = Array.isArray(value) && value.every((row) => Array.isArray(row) || ArrayBuffer.isView(row))
    ? value.flatMap((row) => (row.length === heads ? [...row] : [NaN])) : value;
  if (!Array.isArray(flat) && !ArrayBuffer.isView(flat)) throw new TypeError(`${what}: headMask must be ${shape}, got ${describe(value)}`);
  if (flat.length !== layers * heads) throw new RangeError(`${what}: headMask must be ${shape}, got ${describe(value)}`);
  const out = Float32Array.from(flat);
  const bad = out.findIndex((v, i) => typeof flat[i] !== 'number' || !Number.isFinite(v));
  if (bad >= 0) throw new RangeError(`${what}: headMask[${bad}] = ${describe(flat[bad])} is not a finite number`);
  return out;
}

/**
 * model.run's text input { text, textPair? }, checked before anything is tokenized. Returns
 * { text, textPair } (textPair undefined for one text).
 */
export function textInput(input, options, what) {
  const { text, textPair } = input;
  if (typeof text !== 'string') throw new TypeError(`${what}: input.text must be a string, got ${describe(text)}`);
  if (textPair !== undefined && typeof textPair !== 'string') {
    throw new TypeError(`${what}: input.textPair must be a string (sentence B) or undefined, got ${describe(textPair)}`);
  }
  if (textPair !== undefined && options.tokenTypes != null) {
    throw new TypeError(`${what}: tokenTypes come from the sentence pair's tokenization; give textPair or tokenTypes, not both`);
  }
  return { text, textPair };
}

/**
 * The token types a sentence pair runs with, as Hugging Face's tokenizers and models use them:
 * the pair template's type ids for models with token type embeddings (BERT: 0 for A, 1 for B;
 * RoBERTa's template gives every token 0), none for models without (DistilBERT). A model without
 * token type embeddings whose tokenizer puts nothing between the sentences (GPT-2) could not tell
 * B from A: that is an Error. `encoding` is the pair's { ids, typeIds, sentenceBStart };
 * `plainLength` the number of tokens of both texts without special tokens.
 */
export function pairTokenTypes(encoding, plainLength, config, architecture, what) {
  if (encoding.sentenceBStart === null) {
    throw new Error(`${what}: ${architecture}'s tokenizer has no sentence-pair template, so textPair cannot be encoded`);
  }
  if (config.typeVocabSize === 0) {
    if (encoding.ids.length === plainLength) {
      throw new Error(`${what}: ${architecture} cannot read a sentence pair: the model has no token type embeddings and its ` +
        'tokenizer puts nothing between the sentences, so sentence B would be indistinguishable from A; ' +
        'join the texts into one, or use a model trained on pairs (BERT, RoBERTa, DistilBERT)');
    }
    return null;
  }
  const over = encoding.typeIds.findIndex((t) => t >= config.typeVocabSize);
  if (over >= 0) {
    throw new RangeError(`${what}: the tokenizer gives token ${over} of the pair type id ${encoding.typeIds[over]}, ` +
      `but this model has ${config.typeVocabSize} token type embedding${config.typeVocabSize === 1 ? '' : 's'}`);
  }
  return encoding.typeIds;
}

/** tokenTypes: segment ids [n] in [0, typeVocabSize) for a model with token type embeddings; null when absent. */
export function parseTokenTypes(value, config, n, what) {
  const types = perToken(value, 'tokenTypes', n, Math.max(config.typeVocabSize, 1), Int32Array, what);
  if (types && config.typeVocabSize === 0) {
    throw new Error(`${what}: tokenTypes were given, but this model has no token type embeddings`);
  }
  return types;
}

/** Checks every run option against the model and the input length; returns the core's request. */
export function parseRunOptions(options, config, n, what) {
  requireOptions(options, what);
  const layers = parseAttentions(options.attentions, config.numLayers, what);
  const request = {
    layers,
    hidden: parseHidden(options.hidden, what),
    steps: parseSteps(options.steps, config, what),
    valueNorms: optionalBoolean(options.valueNorms, 'valueNorms', false, what),
    mask: perToken(options.attentionMask, 'attentionMask', n, 2, Uint8Array, what),
    types: parseTokenTypes(options.tokenTypes, config, n, what),
    topK: parseTopK(options.logits, options.k, config, what),
    headMask: parseHeadMask(options.headMask, config, what),
    reuse: parseReuse(options.reuse, what),
  };
  if (request.valueNorms && !layers) {
    throw new Error(`${what}: valueNorms needs the attentions (they are weighted by them); drop attentions: false`);
  }
  return request;
}

/** Bytes of wasm memory a run needs (outputs the core keeps until they are copied, and its activations). */
function runBytes(config, n, request) {
  const { numLayers, numHeads: h, dModel: d, dFF: ff } = config;
  const dHead = config.dHead ?? d / h, kvHeads = config.numKvHeads ?? h;
  const qWidth = h * dHead, kvWidth = kvHeads * dHead;
  const nn = n * n;
  let floats = (request.layers?.length ?? 0) * h * (nn + (request.valueNorms ? n : 0));
  if (request.hidden === HIDDEN.all) floats += (numLayers + 1) * n * d;
  else if (request.hidden === HIDDEN.last) floats += n * d;
  if (request.steps) {
    const count = request.steps.head >= 0 ? 1 : h;
    floats += h * nn + 3 * count * nn + 2 * n * (2 * qWidth + 2 * kvWidth) + 2 * n * d;
  }
  floats += n * (3 * d + ff) + n * (2 * qWidth + 2 * kvWidth);  // activations and the attention workspace
  if (config.gatedMlp) floats += n * ff;
  floats += n * (config.rotaryDim ?? 0);  // the rotary cos and sin tables
  if (request.topK) floats += 2 * n * request.topK + n * d + (1 << 20) + n * 4;  // top-k, head transform, logits chunk
  const windowed = config.slidingWindow > 0 && n > config.slidingWindow;
  return 4 * floats + n * 8 + (request.mask || windowed ? 2 * nn : 0);
}

/** Runs the forward on `ids` (Int32Array) and returns fresh, caller-owned arrays. */
export function runModel(wasm, handle, config, ids, tokens, request, what) {
  const n = ids.length;
  const needed = runBytes(config, n, request);
  const left = MAX_WASM_BYTES - wasm.heapBytesInUse();
  if (needed > left) {
    throw new RangeError(`${what}: ${n} tokens need ${gib(needed)} of wasm memory with these options, more than ` +
      `the ${gib(left)} left under the 4 GiB wasm limit (attentions: false streams without n×n matrices)`);
  }
  const maskFloats = request.headMask?.length ?? 0;
  const inputBytes = maskFloats * 4 + n * 4 + (request.types ? n * 4 : 0) + (request.mask ? n : 0);
  const base = wasm._malloc(inputBytes) >>> 0;
  if (base === 0) throw new RangeError(`${what}: out of wasm memory`);
  try {
    const headMaskAt = maskFloats ? base : 0;  // first: 4-byte aligned
    if (headMaskAt) wasm.HEAPF32.set(request.headMask, headMaskAt >>> 2);
    const idsAt = base + maskFloats * 4;
    wasm.HEAP32.set(ids, idsAt >>> 2);
    const typesAt = request.types ? idsAt + n * 4 : 0;
    if (typesAt) wasm.HEAP32.set(request.types, typesAt >>> 2);
    const maskAt = request.mask ? idsAt + n * 4 + (typesAt ? n * 4 : 0) : 0;
    if (maskAt) wasm.HEAPU8.set(request.mask, maskAt);
    throwIfFailed(handle.run(idsAt, n, {
      attentions: request.layers !== null, layers: request.layers ?? [], hidden: request.hidden,
      stepsLayer: request.steps?.layer ?? -1, stepsHead: request.steps?.head ?? -1,
      valueNorms: request.valueNorms, mask: maskAt, types: typesAt, topK: request.topK, headMask: headMaskAt,
    }), what);
    const views = handle.result();
    const out = copyResult(views, tokens, ids, request, config);
    if (request.topK) out.topk = copyTopK(handle, views);
    return out;
  } finally {
    handle.releaseResult();
    wasm._free(base);
  }
}

/**
 * Which keys each query of layer `layer` sees, [n*n] (1 = may attend), when it is more than the
 * family's causal or full mask: padding keys removed, or a sliding window shorter than the input.
 */
function stepsMask(config, n, layer, padding) {
  const window = config.slidingLayers?.includes(layer) && n > config.slidingWindow ? config.slidingWindow : 0;
  if (!padding && !window) return null;
  const allowed = new Uint8Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const order = !config.causal || (j <= i && (!window || i - j < window));
      allowed[i * n + j] = order && (!padding || padding[j] !== 0) ? 1 : 0;
    }
  }
  return allowed;
}

function copyResult(views, tokens, ids, request, config) {
  const out = { tokens, ids: ids.slice() };
  const arrays = new OutputArrays(request.reuse);
  if (request.layers) {
    out.attentions = arrays.copyList(views.attentions, 'attentions');
    out.attentionLayers = views.attentionLayers;
    if (request.valueNorms) out.valueNorms = arrays.copyList(views.valueNorms, 'valueNorms');
  }
  if (request.hidden !== HIDDEN.none) out.hidden = arrays.copy(views.hidden, 'hidden');
  if (request.hidden === HIDDEN.all) out.hiddenStates = arrays.copyList(views.hiddenStates, 'hiddenStates');
  if (views.steps) {
    const s = views.steps;
    out.steps = {
      layer: s.layer, head: request.steps.head >= 0 ? s.firstHead : null, numHeads: s.numHeads, dHead: s.dHead,
      scale: s.scale, kvHeads: s.kvHeads, rotaryDim: config.rotaryDim, qkNorm: config.qkNorm,
    };
    for (const key of ['x', 'q', 'k', 'v', 'scores', 'scaled', 'weights', 'headOutput', 'output']) {
      out.steps[key] = s[key].slice();
    }
    const allowed = stepsMask(config, ids.length, s.layer, request.mask);
    if (allowed) out.steps.allowed = allowed;
  }
  return out;
}

/** { k, ids: Int32Array [n*k], probs: Float32Array [n*k], tokens: string[n*k] }, most probable first. */
function copyTopK(handle, views) {
  const ids = views.topIds.slice();
  return { k: views.topK, ids, probs: views.topProbs.slice(), tokens: Array.from(ids, (id) => handle.tokenOf(id) || `[${id}]`) };
}
