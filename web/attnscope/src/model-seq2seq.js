// model.run({ source, target }, options) of encoder–decoder models (bart, mbart, marian, t5): the
// input and options checked against the model before anything is allocated, the core's
// runSeq2Seq, and the outputs copied out of the wasm heap.
import { MAX_WASM_BYTES, throwIfFailed } from './heap.js';
import { OutputArrays, parseReuse } from './output-arrays.js';
import { describe, optionalBoolean, requireOptions } from './validate.js';

const KIND_CODES = Object.freeze({ encoder: 0, decoder: 1, cross: 2 });

/** True when `input` is a { source, target } object. */
export const isSourceTarget = (input) => input !== null && typeof input === 'object' && !Array.isArray(input) &&
  !ArrayBuffer.isView(input) && ('source' in input || 'target' in input);

/**
 * One side's ids and tokens. Text goes through the tokenizer (with the model's special tokens); the
 * target's text then gets decoder_start_token_id in front (teacher forcing, as Hugging Face's
 * shift_tokens_right starts the decoder; the last token is kept so the whole target is shown). Ids
 * are used as given.
 */
function side(value, name, { tokenize, toIds, tokenOf, config }, what) {
  if (value === undefined || value === null) {
    throw new TypeError(`${what}: input.${name} must be a text or token ids, got ${describe(value)}`);
  }
  let ids, tokens;
  if (typeof value === 'string') {
    if (value.length === 0) throw new RangeError(`${what}: input.${name} is an empty text (empty ${name})`);
    ({ ids, tokens } = tokenize(value, undefined, what));
    if (name === 'target') {
      const start = config.decoderStartTokenId;
      ids = Int32Array.from([start, ...ids]);
      tokens = [tokenOf(start) || `[${start}]`, ...tokens];
    }
  } else {
    ids = toIds(value, config.vocabSize, `${what}: input.${name}`);
    tokens = Array.from(ids, (id) => tokenOf(id) || `[${id}]`);
  }
  if (ids.length === 0) throw new RangeError(`${what}: input.${name} has no tokens (empty ${name})`);
  if (ids.length > config.maxTokens) {
    throw new RangeError(`${what}: input.${name} has ${ids.length} tokens, more than this model's maximum of ${config.maxTokens}`);
  }
  return { ids, tokens };
}

function parseSteps(value, config, what) {
  if (value === undefined || value === null || value === false) return null;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError(`${what}: steps must be { layer, head?, kind }, got ${describe(value)}`);
  }
  const kind = value.kind ?? 'encoder';
  if (!(kind in KIND_CODES)) {
    throw new TypeError(`${what}: steps.kind must be 'encoder', 'decoder' or 'cross', got ${describe(value.kind)}`);
  }
  const layers = kind === 'encoder' ? config.numLayers : config.decoderLayers;
  const heads = kind === 'encoder' ? config.numHeads : config.decoderHeads;
  const index = (v, name, count) => {
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      throw new TypeError(`${what}: ${name} must be an index in [0, ${count}), got ${describe(v)}`);
    }
    if (v < 0 || v >= count) throw new RangeError(`${what}: ${name} ${v} is outside [0, ${count}) (${kind})`);
    return v;
  };
  const layer = index(value.layer, 'steps.layer', layers);
  const head = value.head === undefined || value.head === null ? -1 : index(value.head, 'steps.head', heads);
  return { layer, head, kind };
}

function parseMask(value, n, what) {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value) && !ArrayBuffer.isView(value)) {
    throw new TypeError(`${what}: attentionMask must be an array of ${n} zeros and ones (the source's), got ${describe(value)}`);
  }
  if (value.length !== n) {
    throw new RangeError(`${what}: attentionMask has ${value.length} entries, expected one per source token (${n})`);
  }
  return Uint8Array.from(value, (v, i) => {
    if (v !== 0 && v !== 1) throw new RangeError(`${what}: attentionMask[${i}] = ${describe(v)} is not 0 or 1`);
    return v;
  });
}

/** Bytes of wasm memory the run needs: the matrices it returns and keeps, activations, T5's bias. */
function runBytes(config, ns, nt, request) {
  const h = config.numHeads, hd = config.decoderHeads, d = config.dModel;
  const ff = Math.max(config.dFF, config.decoderDFF);
  let floats = 0;
  if (request.attentions) floats += config.numLayers * h * ns * ns + config.decoderLayers * hd * nt * (nt + ns);
  floats += 2 * (ns + nt) * d + 4 * Math.max(ns, nt) * (d + ff) + Math.max(h * ns * ns, hd * nt * nt) * 2;
  if (request.steps) floats += 6 * Math.max(h, hd) * Math.max(ns, nt) ** 2 + 8 * (ns + nt) * d;
  return 4 * floats + 4 * (ns + nt);
}

/**
 * Runs an encoder–decoder model. `parts`: { wasm, handle, config, tokenize, toIds, tokenOf, architecture }.
 * Returns { sourceTokens, targetTokens, sourceIds, targetIds, encoderAttentions, decoderAttentions,
 * crossAttentions, encoderHidden, hidden, steps } (fresh caller-owned arrays).
 */
export function runSeq2Seq(parts, input, options, what) {
  const { wasm, handle, config } = parts;
  requireOptions(options, what);
  for (const key of ['text', 'textPair']) {
    if (key in input) throw new TypeError(`${what}: give { source, target } to an encoder-decoder model, not ${key}`);
  }
  const source = side(input.source, 'source', parts, what);
  const target = side(input.target, 'target', parts, what);
  const ns = source.ids.length, nt = target.ids.length;
  if (options.attentions !== undefined && typeof options.attentions !== 'boolean') {
    throw new TypeError(`${what}: attentions must be true or false for an encoder-decoder model, got ${describe(options.attentions)}`);
  }
  const request = {
    attentions: options.attentions !== false,
    hidden: optionalBoolean(options.hidden, 'hidden', true, what),
    steps: parseSteps(options.steps, config, what),
    mask: parseMask(options.attentionMask, ns, what),
    reuse: parseReuse(options.reuse, what),
  };
  const needed = runBytes(config, ns, nt, request);
  const left = MAX_WASM_BYTES - wasm.heapBytesInUse();
  if (needed > left) {
    throw new RangeError(`${what}: ${ns} source and ${nt} target tokens need more wasm memory than is left`);
  }
  const base = wasm._malloc(4 * (ns + nt) + ns) >>> 0;
  if (base === 0) throw new RangeError(`${what}: out of wasm memory`);
  try {
    wasm.HEAP32.set(source.ids, base >>> 2);
    wasm.HEAP32.set(target.ids, (base >>> 2) + ns);
    const maskAt = request.mask ? base + 4 * (ns + nt) : 0;
    if (maskAt) wasm.HEAPU8.set(request.mask, maskAt);
    throwIfFailed(handle.runSeq2Seq(base, ns, base + 4 * ns, nt, {
      attentions: request.attentions, hidden: request.hidden, stepsLayer: request.steps?.layer ?? -1,
      stepsHead: request.steps?.head ?? -1, stepsKind: KIND_CODES[request.steps?.kind ?? 'encoder'], mask: maskAt,
    }), what);
    return copyResult(handle.result(), source, target, request, config);
  } finally {
    handle.releaseResult();
    wasm._free(base);
  }
}

function copyResult(views, source, target, request, config) {
  const out = { sourceTokens: source.tokens, targetTokens: target.tokens, sourceIds: source.ids.slice(),
    targetIds: target.ids.slice() };
  const arrays = new OutputArrays(request.reuse);
  if (request.attentions) {
    for (const key of ['encoderAttentions', 'decoderAttentions', 'crossAttentions']) out[key] = arrays.copyList(views[key], key);
  }
  if (request.hidden) {
    out.encoderHidden = arrays.copy(views.encoderHidden, 'encoderHidden');
    out.hidden = arrays.copy(views.hidden, 'hidden');
  }
  if (views.steps) {
    const s = views.steps;
    out.steps = { kind: request.steps.kind, layer: s.layer, head: request.steps.head >= 0 ? s.firstHead : null,
      numHeads: s.numHeads, dHead: s.dHead, scale: s.scale, kvHeads: s.kvHeads, queries: s.queries, keys: s.keys,
      // T5's self-attentions add their relative position bias to the scaled scores (the core's `scaled` holds it).
      positionBias: (config.relativeBuckets ?? 0) > 0 && request.steps.kind !== 'cross' };
    for (const key of ['x', 'q', 'k', 'v', 'scores', 'scaled', 'weights', 'headOutput', 'output']) {
      out.steps[key] = s[key].slice();
    }
    if (request.mask && request.steps.kind !== 'decoder') {
      // Which keys each query sees: the source's padding removed (the decoder's own mask is causal).
      const allowed = new Uint8Array(s.queries * s.keys);
      for (let i = 0; i < s.queries; i++) for (let j = 0; j < s.keys; j++) allowed[i * s.keys + j] = request.mask[j];
      out.steps.allowed = allowed;
    }
  }
  return out;
}
