// The page's side of the compute worker (compute-worker.js): the wasm core and the model run there,
// so the page stays responsive while a forward runs. Every method returns a promise.
//   const compute = startComputeWorker();
//   await compute.ready                      -> { simd, relaxedSimd, threads } of the worker's core
//   compute.loadModel(source, options)       -> { architecture, config }: core.loadModel's source and options
//                                            (File[], a URL or 'hf:<id>'; callbacks and signal included)
//   compute.latest('seeded' | 'model', text, state)   what an edit recomputes (compute.js), or
//                                            SUPERSEDED when a newer edit came before its result
//   compute.steps(result, layer, kind?) (one layer's steps of the model; kind: the part of an
//   encoder–decoder model), compute.atlas(result, ofModel) (the head atlas of the model's run or of the
//   seeded attentions), compute.disposeModel()

/** What compute.latest resolves to when a newer request replaced it. */
export const SUPERSEDED = Symbol('superseded');

export function startComputeWorker() {
  const worker = new Worker(new URL('./compute-worker.js', import.meta.url), { type: 'module' });
  let nextId = 0;
  const pending = new Map();
  worker.onmessage = ({ data }) => {
    const request = pending.get(data.id);
    if (!request) return;
    if (data.progress || 'warning' in data) {
      if (data.progress) request.options?.onProgress?.(...data.progress);
      else request.options?.onWarning?.(data.warning);
      return;
    }
    pending.delete(data.id);
    if ('error' in data) request.reject(new Error(data.error));
    else request.resolve(data.result);
  };
  worker.onerror = (event) => {
    event.preventDefault();
    const error = new Error(`the compute worker stopped: ${event.message || 'it could not start'}`);
    for (const request of pending.values()) request.reject(error);
    pending.clear();
  };
  // options: a model load's callbacks and AbortSignal, which stay on this side.
  const call = (op, args = [], options = null) => new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject, options });
    worker.postMessage({ id, op, args });
    const cancel = () => worker.postMessage({ op: 'cancel', args: [id] });
    if (options?.signal?.aborted) cancel();
    else options?.signal?.addEventListener('abort', cancel, { once: true });
  });

  // One edit's computation at a time; a newer edit replaces the one waiting, and a result that
  // arrives after a newer edit is dropped: typing never queues up stale forwards. Each computation
  // the worker runs is a User Timing measure 'attnscope:compute' (devtools' performance panel shows
  // them; the responsiveness test reads them).
  let running = false;
  let waiting = null;
  const pump = () => {
    if (running || !waiting) return;
    const request = waiting;
    waiting = null;
    running = true;
    const start = performance.now();
    // The measure ends when the worker's answer arrives; the page draws it in a task of its own.
    const settle = (deliver) => (value) => {
      performance.measure('attnscope:compute', { start, end: performance.now() });
      running = false;
      const superseded = waiting !== null;
      setTimeout(() => deliver(value, superseded));
      pump();
    };
    call(request.op, request.args).then(settle((result, superseded) => request.resolve(superseded ? SUPERSEDED : result)),
      settle(request.reject));
  };

  return {
    ready: call('init'),
    loadModel(source, { onProgress, onWarning, signal, ...plain } = {}) {
      // The worker's base URL is its script's, not the page's: relative folder URLs are resolved here.
      const resolved = typeof source === 'string' ? new URL(source, location.href).href : source;
      return call('loadModel', [resolved, plain], { onProgress, onWarning, signal });
    },
    disposeModel: () => call('disposeModel'),
    latest: (op, text, state) => new Promise((resolve, reject) => {
      waiting?.resolve(SUPERSEDED);
      waiting = { op, args: [text, { ...state }], resolve, reject };
      pump();
    }),
    steps: (result, layer, kind = null) => call('steps', [{ input: result.input, runOptions: result.runOptions, tokens: result.tokens,
      targetTokens: result.targetTokens, encoderDecoder: result.encoderDecoder }, layer, kind]),
    atlas: (result, ofModel) => call('atlas', [ofModel ? { input: result.input, runOptions: result.runOptions }
      : { attentions: result.attentions, numHeads: result.numHeads, causal: result.causal }, ofModel]),
  };
}
