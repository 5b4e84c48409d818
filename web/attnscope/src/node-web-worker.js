// Node only: a Web Worker lookalike over worker_threads, so the threads build's Emscripten glue
// (built for web and worker environments: it creates its pthreads with `new Worker(url)` and loads
// attnscope-simd-threads.worker.js in them) also runs in Node. Imported by loader.js through a
// specifier bundlers do not follow; never part of a browser bundle.
//
// This one file is both sides:
//   main thread:    NodeWebWorker, the `Worker` the glue constructs (postMessage, onmessage, onerror,
//                   terminate); its thread does not keep the process alive once loaded.
//   worker thread:  the bootstrap: `self`, `postMessage`, `importScripts` (so the glue sees a worker)
//                   and `location`, then Emscripten's worker script, then the parent's messages.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const BOOTSTRAP_KEY = 'attnscopeWebWorkerUrl';

export class NodeWebWorker {
  constructor(url) {
    this.onmessage = null;
    this.onerror = null;
    this.thread = new Worker(new URL(import.meta.url), {
      workerData: { [BOOTSTRAP_KEY]: String(url) },
      execArgv: workerExecArgv(),
    });
    this.thread.on('message', (data) => {
      // Loaded: from now on the thread only runs pthreads on the caller's behalf, and an idle
      // pool must not keep Node from exiting.
      if (data?.cmd === 'loaded') this.thread.unref();
      this.onmessage?.({ data });
    });
    // Emscripten's onerror logs and rethrows (fine in a page's event handler); in Node a throw
    // here would end the process. The log line is what the loader watches for.
    this.thread.on('error', (error) => {
      try {
        this.onerror?.({ filename: String(url), lineno: 0, message: error?.message ?? String(error) });
      } catch { /* reported through the glue's printErr */ }
    });
  }

  postMessage(message, transfer) { this.thread.postMessage(message, transfer); }

  terminate() { this.thread.terminate(); }
}

// The parent's Node flags, minus those a worker refuses (`node --input-type=module -e ...`).
function workerExecArgv() {
  const flags = [];
  for (let i = 0; i < process.execArgv.length; i++) {
    const flag = process.execArgv[i];
    if (flag === '--input-type') i++;
    else if (!flag.startsWith('--input-type=')) flags.push(flag);
  }
  return flags;
}

if (!isMainThread && typeof workerData?.[BOOTSTRAP_KEY] === 'string') {
  const url = workerData[BOOTSTRAP_KEY];
  Object.assign(globalThis, {
    self: globalThis,
    location: { href: url },
    postMessage: (message, transfer) => parentPort.postMessage(message, transfer),
    // Only its presence matters: the glue takes it as "running in a worker". The ES module glue
    // is loaded with import(), never through this.
    importScripts: () => { throw new Error('importScripts is not available in this worker'); },
  });
  await import(url);  // sets self.onmessage
  // Messages posted before this listener existed wait in the port's queue.
  parentPort.on('message', (data) => globalThis.onmessage({ data }));
}
