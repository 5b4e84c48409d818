// The demo's compute worker (a module Web Worker): the wasm core and the loaded model live here, so a
// forward of any length never blocks the page. It runs compute.js's functions on request:
//   { id, op, args } -> { id, result } | { id, error } (and { id, progress } or { id, warning } while a
//   model loads; { op: 'cancel', args: [id] } stops that load). Results' typed arrays are transferred,
//   not copied. Requests run one at a time, in order.
import { load, threadsSupported } from '../attnscope/src/index.js';
import { computeAtlas, computeModel, computeSeeded, modelSteps, viewData } from './compute.js';

let core = null;
let model = null;
const loads = new Map();  // id -> AbortController of a model load, which a 'cancel' message aborts
const cancelledEarly = new Set();  // ids of loads cancelled while still queued

const ops = {
  async init() {
    core = await load({ threads: computeThreads() });
    return { simd: core.simd, relaxedSimd: core.relaxedSimd, threads: core.threads };
  },
  // options: core.loadModel's plain options (endpoint, token); the callbacks become messages.
  async loadModel(id, source, options) {
    if (cancelledEarly.delete(id)) throw new DOMException('the load was cancelled', 'AbortError');
    const controller = new AbortController();
    loads.set(id, controller);
    try {
      const loaded = await core.loadModel(source, {
        ...options,
        signal: controller.signal,
        onProgress: (loaded, total, info) => postMessage({ id, progress: [loaded, total, info] }),
        onWarning: (message) => postMessage({ id, warning: message }),
      });
      model?.dispose();
      model = loaded;
      const { usable, problem } = model.lmHead;
      return { architecture: model.architecture, config: model.config, maskToken: model.maskToken ?? null,
        lmHead: { usable, problem } };
    } finally {
      loads.delete(id);
    }
  },
  disposeModel() {
    model?.dispose();
    model = null;
  },
  // The result of an edit, with the rollout already in it when that is the measure drawn.
  seeded: (id, text, state) => viewData(core, computeSeeded(core, text, state), state.measure),
  model: (id, text, state) => viewData(core, computeModel(requireModel(), text, state), state.measure),
  // One layer's steps for a result ({ input, runOptions, tokens, targetTokens?, encoderDecoder? }) of the
  // loaded model; of the part `kind` for an encoder–decoder model.
  steps: (id, result, layer, kind) => modelSteps(requireModel(), result, layer, kind),
  // The head atlas of a result: the loaded model's ({ input, runOptions }) or the seeded attentions'.
  atlas: (id, result, ofModel) => computeAtlas(core, ofModel ? requireModel() : null, result),
};

// Every core but one: the page keeps a core, so its tasks (typing, scrolling, drawing) never wait for
// one while a forward runs. One thread on two cores; at most four, as load() chooses by itself.
function computeThreads(cores = navigator.hardwareConcurrency || 1) {
  return threadsSupported() && cores > 2 ? Math.min(cores - 1, 4) : false;
}

function requireModel() {
  if (!model) throw new Error('no model is loaded');
  return model;
}

/** The distinct, transferable buffers of every typed array in `value`. */
function buffersOf(value, found = new Set()) {
  if (ArrayBuffer.isView(value)) {
    if (value.buffer instanceof ArrayBuffer) found.add(value.buffer);
  } else if (value && typeof value === 'object') {
    for (const item of Object.values(value)) buffersOf(item, found);
  }
  return found;
}

let queue = Promise.resolve();
self.onmessage = ({ data: { id, op, args } }) => {
  if (op === 'cancel') {  // not queued: it stops the load running now, or keeps a queued one from starting
    const controller = loads.get(args[0]);
    if (controller) controller.abort(new DOMException('the load was cancelled', 'AbortError'));
    else cancelledEarly.add(args[0]);
    return;
  }
  queue = queue.then(async () => {
    try {
      const result = await ops[op](id, ...args);
      postMessage({ id, result }, [...buffersOf(result)]);
    } catch (error) {
      postMessage({ id, error: error?.message ?? String(error) });
    }
  });
};
