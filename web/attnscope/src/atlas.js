// The head atlas (docs/api.md#head-atlas): the core's pattern scores of every head, named as the
// module returns them, each head's dominant pattern, and core.headAtlas for attentions the caller
// already has (a notebook's, the element's). A loaded model's own atlas, with the probe, is
// model-atlas.js.
import { HeapBlock, throwIfFailed } from './heap.js';
import { describe, optionalBoolean, requireOptions, requireSize } from './validate.js';

/** The core's patterns in the order the bindings write them (atlas::kPatternNames), as the module names them. */
export const CORE_PATTERNS = Object.freeze(['previousToken', 'nextToken', 'self', 'firstToken', 'special', 'entropy', 'broad']);
const SNAKE = { previousToken: 'previous_token', nextToken: 'next_token', self: 'self', firstToken: 'first_token',
  special: 'special', entropy: 'entropy', broad: 'broad' };

/** Patterns that can be a head's label: a share of its attention in [0, 1]. */
export const LABEL_PATTERNS = Object.freeze(['previousToken', 'nextToken', 'self', 'firstToken', 'special', 'induction']);
export const DOMINANT_THRESHOLD = 0.5;  // at least half of the head's attention, on average
export const BROAD_THRESHOLD = 0.75;    // mean normalised entropy

/**
 * Each head's dominant pattern: the label pattern with the largest score when it is at least
 * DOMINANT_THRESHOLD, else 'broad' when broad ≥ BROAD_THRESHOLD, else null (no single pattern).
 */
export function dominantPatterns(patterns, count) {
  const labels = new Array(count).fill(null);
  for (let i = 0; i < count; i++) {
    let best = null, bestScore = -Infinity;
    for (const name of LABEL_PATTERNS) {  // ties go to the first listed
      const score = patterns[name]?.[i];
      if (score >= DOMINANT_THRESHOLD && score > bestScore) { best = name; bestScore = score; }
    }
    labels[i] = best ?? (patterns.broad?.[i] >= BROAD_THRESHOLD ? 'broad' : null);
  }
  return labels;
}

/** { patterns, dominant, numLayers, numHeads } from the core's named views (snake_case), copied out. */
export function atlasResult(corePatterns, extra, numLayers, numHeads) {
  const patterns = {};
  if (corePatterns) for (const name of CORE_PATTERNS) patterns[name] = corePatterns[SNAKE[name]].slice();
  Object.assign(patterns, extra);
  return { numLayers, numHeads, patterns, dominant: dominantPatterns(patterns, numLayers * numHeads) };
}

/** One per layer Float32Array [numHeads*n*n]; returns n. */
function checkLayers(attentions, numHeads, name, what) {
  if (!Array.isArray(attentions) || attentions.length === 0) {
    throw new TypeError(`${what}: ${name} must be a non-empty array of Float32Array [numHeads*n*n], one per layer, got ${describe(attentions)}`);
  }
  const first = attentions[0];
  if (!(first instanceof Float32Array)) throw new TypeError(`${what}: ${name}[0] must be a Float32Array, got ${describe(first)}`);
  const n = Math.round(Math.sqrt(first.length / numHeads));
  if (n < 1 || numHeads * n * n !== first.length) {
    throw new RangeError(`${what}: ${name}[0] has length ${first.length}, not numHeads*n*n for numHeads ${numHeads}` +
      (first.length === 0 ? ' (an empty input has no atlas)' : ''));
  }
  attentions.forEach((a, l) => {
    if (!(a instanceof Float32Array) || a.length !== first.length) {
      throw new RangeError(`${what}: ${name}[${l}] must be a Float32Array of ${first.length} values like ${name}[0], got ${describe(a)}`);
    }
  });
  return n;
}

/**
 * The special keys as 0/1 bytes [n]: token positions (number[]), a boolean[n] or a Uint8Array(n) mask;
 * null when absent.
 */
export function specialKeys(value, n, what) {
  if (value === undefined || value === null) return null;
  const expected = `token positions (number[]), ${n} booleans or a Uint8Array(${n})`;
  if (ArrayBuffer.isView(value)) {
    if (!(value instanceof Uint8Array) || value.length !== n) throw new TypeError(`${what}: special must be ${expected}, got ${describe(value)}`);
    return Uint8Array.from(value, (v) => (v ? 1 : 0));
  }
  if (!Array.isArray(value)) throw new TypeError(`${what}: special must be ${expected}, got ${describe(value)}`);
  const out = new Uint8Array(n);
  if (value.length === n && value.every((v) => typeof v === 'boolean')) {
    value.forEach((v, i) => { out[i] = v ? 1 : 0; });
    return out;
  }
  value.forEach((p, i) => {
    if (typeof p !== 'number' || !Number.isInteger(p) || p < 0 || p >= n) {
      throw new RangeError(`${what}: special[${i}] = ${describe(p)} is not a token position in [0, ${n})`);
    }
    out[p] = 1;
  });
  return out;
}

/**
 * core.headAtlas({ attentions, numHeads, causal?, special?, probe?: { attentions, start, length } }):
 * the pattern scores of attentions computed elsewhere (a notebook's model, the element's data).
 */
export function headAtlas(wasm, data) {
  const what = 'headAtlas';
  requireOptions(data, what);
  const numHeads = requireSize(data.numHeads, 'numHeads', what);
  const causal = optionalBoolean(data.causal, 'causal', false, what);
  const n = checkLayers(data.attentions, numHeads, 'attentions', what);
  const special = specialKeys(data.special, n, what);
  const numLayers = data.attentions.length, count = numLayers * numHeads;
  let probe = null;
  if (data.probe !== undefined && data.probe !== null) {
    requireOptions(data.probe, `${what} (probe)`);
    const probeN = checkLayers(data.probe.attentions, numHeads, 'probe.attentions', what);
    if (data.probe.attentions.length !== numLayers) {
      throw new RangeError(`${what}: probe.attentions has ${data.probe.attentions.length} layers, attentions ${numLayers}`);
    }
    const start = data.probe.start ?? 0;
    if (!Number.isInteger(start) || start < 0) throw new RangeError(`${what}: probe.start must be an integer ≥ 0, got ${describe(start)}`);
    probe = { n: probeN, start, length: requireSize(data.probe.length, 'probe.length', what) };
  }
  const block = new HeapBlock(wasm, what);
  const slots = { attentions: block.floats(count * n * n), special: special ? block.bytes(n) : null,
    scores: block.floats(CORE_PATTERNS.length * count),
    probe: probe ? block.floats(count * probe.n * probe.n) : null, induction: probe ? block.floats(count) : null };
  block.allocate();
  try {
    data.attentions.forEach((a, l) => wasm.HEAPF32.set(a, (block.address(slots.attentions) >>> 2) + l * numHeads * n * n));
    if (special) block.put(slots.special, special);
    throwIfFailed(wasm.atlasPatterns(block.address(slots.attentions), numLayers, numHeads, n, causal,
      block.address(slots.special), block.address(slots.scores)), what);
    const all = block.take(slots.scores);
    const views = Object.fromEntries(CORE_PATTERNS.map((name, i) => [SNAKE[name], all.subarray(i * count, (i + 1) * count)]));
    const extra = {};
    if (probe) {
      data.probe.attentions.forEach((a, l) => wasm.HEAPF32.set(a, (block.address(slots.probe) >>> 2) + l * numHeads * probe.n * probe.n));
      throwIfFailed(wasm.atlasInduction(block.address(slots.probe), numLayers, numHeads, probe.n, probe.start, probe.length,
        block.address(slots.induction)), what);
      extra.induction = block.take(slots.induction);
    }
    return atlasResult(views, extra, numLayers, numHeads);
  } finally {
    block.free();
  }
}
