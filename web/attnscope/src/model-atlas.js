// model.headAtlas(input, options): every head's pattern scores on the input, and with `probe` a run
// of T random tokens repeated twice for the induction scores (and, with copying, one ablation run per
// head), all in the core (src/model/head_atlas.hpp). Also the model facts the atlas and the demo's
// predictions need from the tokenizer: its mask token and what it puts around a sequence.
import { atlasResult, specialKeys } from './atlas.js';
import { checkMemory, throwIfFailed } from './heap.js';
import { describe, optionalBoolean, requireOptions } from './validate.js';

const MASK_TOKENS = ['[MASK]', '<mask>'];
const DEFAULT_PROBE_LENGTH = 50;

/** The tokenizer's mask token { id, token } (a single vocabulary entry), or null. */
export function maskTokenOf(handle) {
  if (!handle.hasTokenizer()) return null;
  for (const token of MASK_TOKENS) {
    if (handle.tokenize(token, false) !== '') continue;
    const ids = handle.lastIds(), tokens = handle.lastTokens();
    if (ids.length === 1 && tokens[0] === token) return Object.freeze({ id: ids[0], token });
  }
  return null;
}

/** The ids the tokenizer puts before and after a text ([CLS] … [SEP]; <s> … </s>; none for GPT-2). */
export function sequenceWrap(handle) {
  if (!handle.hasTokenizer()) return { prefix: [], suffix: [] };
  throwIfFailed(handle.tokenize('a', false), 'headAtlas');
  const plain = Array.from(handle.lastIds());
  throwIfFailed(handle.tokenize('a', true), 'headAtlas');
  const full = Array.from(handle.lastIds());
  for (let at = 0; at + plain.length <= full.length; at++) {
    if (plain.every((id, i) => full[at + i] === id)) return { prefix: full.slice(0, at), suffix: full.slice(at + plain.length) };
  }
  return { prefix: [], suffix: [] };
}

function parseProbe(value, model, wrap, what) {
  if (value === undefined || value === null || value === false) return null;
  const options = value === true ? {} : requireOptions(value, `${what} (probe)`);
  const room = Math.floor((model.config.maxTokens - wrap.prefix.length - wrap.suffix.length) / 2);
  const length = options.length ?? Math.min(DEFAULT_PROBE_LENGTH, room);
  if (typeof length !== 'number' || !Number.isInteger(length)) {
    throw new TypeError(`${what}: probe.length must be an integer, got ${describe(length)}`);
  }
  if (length < 2 || length > room) {
    throw new RangeError(`${what}: probe.length ${length} is outside [2, ${room}] (two copies and the special tokens ` +
      `must fit in the model's ${model.config.maxTokens} positions)`);
  }
  const seed = options.seed ?? 0;
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(`${what}: probe.seed must be an integer from 0 to 2^53 − 1, got ${describe(seed)}`);
  }
  const copying = optionalBoolean(options.copying, 'probe.copying', false, what);
  if (copying && !model.lmHead.usable) {
    throw new Error(`${what}: the copying scores need the model's language-model head: ${model.lmHead.problem}`);
  }
  if (copying && !model.config.causal && !model.maskToken) {
    throw new Error(`${what}: the copying scores of an encoder mask tokens of the probe, and this model's tokenizer has no mask token`);
  }
  return { length, seed, copying };
}

// The core's activations and attentions for one forward of n tokens (an estimate for the memory check).
function forwardBytes(config, n) {
  const { numLayers, numHeads: h, dModel: d, dFF: ff } = config;
  return 4 * (numLayers * h * n * n + n * (8 * d + ff));
}

/** Runs the atlas on `input` { ids, tokens, tokenTypes (Int32Array or null) }, as model.run would see it. */
export function modelAtlas(wasm, handle, model, { ids, tokens, tokenTypes }, options, what) {
  requireOptions(options, what);
  const n = ids.length;
  if (n === 0) throw new RangeError(`${what}: no tokens to score (empty input)`);
  const wrap = sequenceWrap(handle);
  const probe = parseProbe(options.probe, model, wrap, what);
  const special = specialKeys(options.special, n, what);
  const { config } = model;
  const probeN = probe ? 2 * probe.length + wrap.prefix.length + wrap.suffix.length : 0;
  checkMemory(wasm, forwardBytes(config, Math.max(n, probeN)), what);

  // ids [n] int32, token types [n] int32, special keys [n] bytes.
  const base = wasm._malloc(n * 9) >>> 0;
  if (base === 0) throw new RangeError(`${what}: out of wasm memory`);
  try {
    wasm.HEAP32.set(ids, base >>> 2);
    if (tokenTypes) wasm.HEAP32.set(tokenTypes, (base + n * 4) >>> 2);
    if (special) wasm.HEAPU8.set(special, base + n * 8);
    throwIfFailed(handle.headAtlas(base, n, {
      special: special ? base + n * 8 : 0, types: tokenTypes ? base + n * 4 : 0,
      probe: probe ? { period: probe.length, seed: probe.seed, copying: probe.copying,
        maskId: model.maskToken?.id ?? -1, prefix: wrap.prefix, suffix: wrap.suffix } : null,
    }), what);
    const views = handle.atlasResult();
    const extra = {};
    if (views.induction) extra.induction = views.induction.slice();
    if (views.copying) extra.copying = views.copying.slice();
    const result = atlasResult(views.patterns, extra, config.numLayers, config.numHeads);
    result.tokens = tokens;
    result.special = Array.from(views.specialKeys).flatMap((v, i) => (v && i > 0 ? [i] : []));  // 0 is firstToken's
    if (probe) {
      const probeIds = views.probeIds.slice();
      result.probe = { ids: probeIds, tokens: Array.from(probeIds, (id) => handle.tokenOf(id) || `[${id}]`),
        start: views.probeStart, length: probe.length, seed: probe.seed };
      if (probe.copying) Object.assign(result.probe, { loss: views.probeLoss, targets: views.probeTargets.slice() });
    }
    return result;
  } finally {
    handle.releaseResult();
    wasm._free(base);
  }
}
