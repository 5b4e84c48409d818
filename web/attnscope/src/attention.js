// attention(), multiHeadAttention() and createMultiHeadAttention(): validate in JS, lay out one
// heap block per call, call the bindings, copy the results out (into fresh arrays, or with `reuse`
// into an earlier result's: output-arrays.js), free the block (also on error).
import { HeapBlock, throwIfFailed } from './heap.js';
import { OutputArrays, parseReuse } from './output-arrays.js';
import {
  describe, optionalBoolean, optionalFloats, parseMask, requireFloats, requireOptions, requireSize,
} from './validate.js';

/** Single-head scaled dot-product attention (see attnscope.d.ts for the contract). */
export function attention(wasm, options) {
  const what = 'attention';
  requireOptions(options, what);
  const n = requireSize(options.n, 'n', what);
  const dK = requireSize(options.dK, 'dK', what);
  const m = options.m === undefined ? n : requireSize(options.m, 'm', what);
  const dV = options.dV === undefined ? dK : requireSize(options.dV, 'dV', what);
  const q = requireFloats(options.q, 'q', n * dK, 'n*dK', what);
  const k = requireFloats(options.k, 'k', m * dK, 'm*dK', what);
  const v = requireFloats(options.v, 'v', m * dV, 'm*dV', what);
  const mask = parseMask(options.mask, n, m, what);
  const steps = optionalBoolean(options.steps, 'steps', false, what);
  const wantWeights = optionalBoolean(options.weights, 'weights', true, what);
  const outputs = new OutputArrays(parseReuse(options.reuse, what));
  // Neither weights nor steps: the streaming core (online softmax), no [n*m] buffer anywhere.
  const streaming = !wantWeights && !steps;

  const block = new HeapBlock(wasm, what);
  const slots = {
    q: block.floats(q.length), k: block.floats(k.length), v: block.floats(v.length),
    mask: mask.allowed ? block.bytes(mask.allowed.length) : null,
    output: block.floats(n * dV), weights: streaming ? null : block.floats(n * m),
    scores: steps ? block.floats(n * m) : null, scaled: steps ? block.floats(n * m) : null,
  };
  block.allocate();
  try {
    block.put(slots.q, q);
    block.put(slots.k, k);
    block.put(slots.v, v);
    if (mask.allowed) block.put(slots.mask, mask.allowed);
    const a = (slot) => block.address(slot);
    if (streaming) {
      throwIfFailed(wasm.streamingAttention(a(slots.q), a(slots.k), a(slots.v), n, m, dK, dV, mask.kind,
        a(slots.mask), a(slots.output)), what);
      return { output: outputs.copy(block.view(slots.output), 'output') };
    }
    throwIfFailed(wasm.attention(a(slots.q), a(slots.k), a(slots.v), n, m, dK, dV, mask.kind,
      a(slots.mask), a(slots.output), a(slots.weights), a(slots.scores), a(slots.scaled)), what);
    const result = { output: outputs.copy(block.view(slots.output), 'output') };
    for (const name of ['weights', 'scores', 'scaled']) {
      if (name === 'weights' ? wantWeights : steps) result[name] = outputs.copy(block.view(slots[name]), name);
    }
    return result;
  } finally {
    block.free();
  }
}

const PARAMETER_NAMES = ['wq', 'wk', 'wv', 'wo', 'bq', 'bk', 'bv', 'bo'];

// Keeps a forgotten (never disposed) handle from leaking its weights when it is garbage-collected.
const unreleased = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry((handle) => { try { handle.delete(); } catch { /* already gone */ } })
  : null;

/**
 * Multi-head attention with the weights copied into wasm memory once.
 * Returns { dModel, numHeads, forward(x, options), dispose(), disposed }.
 */
export function createMultiHeadAttention(wasm, options) {
  const { handle, dModel, numHeads } = createHandle(wasm, options, 'createMultiHeadAttention');
  return wrapHandle(wasm, handle, dModel, numHeads);
}

/** Validates the parameters and copies them into a new bindings handle (the caller deletes it). */
function createHandle(wasm, options, what) {
  requireOptions(options, what);
  const dModel = requireSize(options.dModel, 'dModel', what);
  const numHeads = requireSize(options.numHeads, 'numHeads', what);
  if (dModel % numHeads !== 0) {
    throw new Error(`${what}: dModel (${dModel}) must be divisible by numHeads (${numHeads})`);
  }
  const params = {};
  for (const name of PARAMETER_NAMES) {
    const isBias = name.startsWith('b');
    const length = isBias ? dModel : dModel * dModel;
    const shape = isBias ? 'dModel' : 'dModel*dModel';
    params[name] = isBias ? optionalFloats(options[name], name, length, shape, what)
      : requireFloats(options[name], name, length, shape, what);
  }

  // The core keeps its own copy of the weights (about the size of this block) plus a workspace.
  const block = new HeapBlock(wasm, what);
  const slots = {};
  for (const name of PARAMETER_NAMES) slots[name] = params[name] ? block.floats(params[name].length) : null;
  block.allocate(block.size);
  let handle = null;
  try {
    handle = new wasm.MultiHeadAttentionHandle();
    for (const name of PARAMETER_NAMES) if (params[name]) block.put(slots[name], params[name]);
    throwIfFailed(handle.init(dModel, numHeads, ...PARAMETER_NAMES.map((name) => block.address(slots[name]))), what);
  } catch (error) {
    handle?.delete();
    throw error;
  } finally {
    block.free();
  }
  return { handle, dModel, numHeads };
}

function wrapHandle(wasm, handle, dModel, numHeads) {
  let disposed = false;
  const mha = {
    dModel,
    numHeads,
    get disposed() { return disposed; },
    forward(x, options = {}) {
      if (disposed) throw new Error('MultiHeadAttention.forward: this object was disposed; create a new one');
      return forward(wasm, handle, dModel, numHeads, x, options, 'MultiHeadAttention.forward');
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      unreleased?.unregister(mha);
      handle.delete();
    },
  };
  unreleased?.register(mha, handle, mha);
  return mha;
}

function forward(wasm, handle, dModel, numHeads, x, options, what) {
  requireOptions(options, what);
  if (!(x instanceof Float32Array)) {
    throw new TypeError(`${what}: x must be a Float32Array of length n*dModel, got ${describe(x)}`);
  }
  const n = options.n === undefined ? rowsOf(x, 'x', dModel, what) : requireSize(options.n, 'n', what);
  requireFloats(x, 'x', n * dModel, 'n*dModel', what);
  const context = options.context ?? null;
  let m;
  if (context === null) {
    m = options.m === undefined ? n : requireSize(options.m, 'm', what);
    if (m !== n) throw new RangeError(`${what}: m (${m}) must equal n (${n}) for self-attention (no context)`);
  } else {
    if (!(context instanceof Float32Array)) {
      throw new TypeError(`${what}: context must be a Float32Array of length m*dModel, got ${describe(context)}`);
    }
    m = options.m === undefined ? rowsOf(context, 'context', dModel, what) : requireSize(options.m, 'm', what);
    requireFloats(context, 'context', m * dModel, 'm*dModel', what);
  }
  const mask = parseMask(options.mask, n, m, what);
  const steps = optionalBoolean(options.steps, 'steps', false, what);
  const wantWeights = optionalBoolean(options.weights, 'weights', true, what);
  const wantHeads = optionalBoolean(options.heads, 'heads', true, what);
  const valueNorms = optionalBoolean(options.valueNorms, 'valueNorms', false, what);
  const outputs = new OutputArrays(parseReuse(options.reuse, what));

  const block = new HeapBlock(wasm, what);
  const perHead = numHeads * n * m;  // only allocated for weights / steps
  const slots = {
    x: block.floats(x.length), context: context ? block.floats(context.length) : null,
    mask: mask.allowed ? block.bytes(mask.allowed.length) : null,
    output: block.floats(n * dModel),
    weights: wantWeights ? block.floats(perHead) : null,
    heads: wantHeads ? block.floats(n * dModel) : null,
    q: steps ? block.floats(n * dModel) : null,
    k: steps ? block.floats(m * dModel) : null,
    v: steps ? block.floats(m * dModel) : null,
    scores: steps ? block.floats(perHead) : null,
    scaled: steps ? block.floats(perHead) : null,
    valueNorms: valueNorms ? block.floats(numHeads * m) : null,
  };
  // The core's workspace: Q, K, V, heads and, unless it streams (no weights, no steps), one head's
  // weights, as floats.
  const streaming = !wantWeights && !steps;
  block.allocate(4 * ((n + 2 * m) * dModel + n * dModel + (streaming ? 0 : n * m)));
  try {
    block.put(slots.x, x);
    if (context) block.put(slots.context, context);
    if (mask.allowed) block.put(slots.mask, mask.allowed);
    const a = (slot) => block.address(slot);
    throwIfFailed(handle.forward(a(slots.x), n, a(slots.context), m, mask.kind, a(slots.mask),
      a(slots.output), a(slots.weights), a(slots.heads), a(slots.q), a(slots.k), a(slots.v),
      a(slots.scores), a(slots.scaled), a(slots.valueNorms)), what);
    const result = { output: outputs.copy(block.view(slots.output), 'output') };
    for (const name of ['weights', 'heads', 'q', 'k', 'v', 'scores', 'scaled', 'valueNorms']) {
      if (slots[name]) result[name] = outputs.copy(block.view(slots[name]), name);
    }
    return result;
  } finally {
    block.free();
  }
}

/** One-shot multi-head attention: create, forward, dispose. */
export function multiHeadAttention(wasm, options) {
  const what = 'multiHeadAttention';
  requireOptions(options, what);
  const { x, context, n, m, mask, weights, heads, steps, valueNorms, reuse } = options;
  const { handle, dModel, numHeads } = createHandle(wasm, options, what);
  try {
    return forward(wasm, handle, dModel, numHeads, x, { context, n, m, mask, weights, heads, steps, valueNorms, reuse }, what);
  } finally {
    handle.delete();
  }
}

function rowsOf(array, name, dModel, what) {
  if (array.length === 0 || array.length % dModel !== 0) {
    throw new RangeError(`${what}: ${name} has length ${array.length}, expected a positive multiple of dModel = ${dModel}`);
  }
  return array.length / dModel;
}

/**
 * Attention rollout (Abnar & Zuidema 2020) of consecutive layers' attentions, each a Float32Array
 * [numHeads*n*n]: returns one Float32Array [n*n] per layer (the rollout up to that layer).
 */
export function attentionRollout(wasm, attentions, options) {
  const what = 'attentionRollout';
  if (!Array.isArray(attentions) || attentions.length === 0) {
    throw new TypeError(`${what}: attentions must be a non-empty array of Float32Array [numHeads*n*n], got ${describe(attentions)}`);
  }
  requireOptions(options, what);
  const numHeads = requireSize(options.numHeads, 'numHeads', what);
  const first = attentions[0];
  if (!(first instanceof Float32Array)) {
    throw new TypeError(`${what}: attentions[0] must be a Float32Array [numHeads*n*n], got ${describe(first)}`);
  }
  const n = Math.round(Math.sqrt(first.length / numHeads));
  if (n < 1 || numHeads * n * n !== first.length) {
    throw new RangeError(`${what}: attentions[0] has length ${first.length}, not numHeads*n*n for numHeads ${numHeads} ` +
      '(rollout needs square self-attention)');
  }
  attentions.forEach((a, l) => requireFloats(a, `attentions[${l}]`, numHeads * n * n, 'numHeads*n*n', what));
  const block = new HeapBlock(wasm, what);
  const input = block.floats(attentions.length * numHeads * n * n);
  const output = block.floats(attentions.length * n * n);
  block.allocate(4 * (attentions.length + 1) * n * n);  // the core's own rollout matrices
  try {
    attentions.forEach((a, l) => wasm.HEAPF32.set(a, (block.address(input) >>> 2) + l * numHeads * n * n));
    throwIfFailed(wasm.attentionRollout(block.address(input), attentions.length, numHeads, n, block.address(output)), what);
    const all = block.take(output);
    return attentions.map((_, l) => all.slice(l * n * n, (l + 1) * n * n));
  } finally {
    block.free();
  }
}
