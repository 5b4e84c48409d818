// A consumer page built by Vite from the installed tarball: `import { load } from 'attnscope'`.
// The test calls window.attnscopeRun(args) and compares the numbers with PyTorch's.
import { load } from 'attnscope';

const toTyped = (args) => ({
  ...args,
  q: new Float32Array(args.q), k: new Float32Array(args.k), v: new Float32Array(args.v),
  mask: args.mask ? new Uint8Array(args.mask) : null,
});
const plain = (r) => ({ output: Array.from(r.output), weights: Array.from(r.weights) });

function inWorker(args) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    worker.onmessage = (event) => { worker.terminate(); event.data.error ? reject(new Error(event.data.error)) : resolve(event.data); };
    worker.onerror = (event) => { worker.terminate(); reject(new Error(`worker: ${event.message}`)); };
    worker.postMessage(args);
  });
}

window.attnscopeRun = async (args) => {
  const core = await load();
  const scalar = await load({ simd: false });
  let badInput;
  try {
    core.attention({ ...toTyped(args), n: 0 });
  } catch (error) {
    badInput = { name: error.name, message: error.message };
  }
  return {
    simd: core.simd,
    scalarSimd: scalar.simd,
    version: core.version,
    main: plain(core.attention(toTyped(args))),
    scalar: plain(scalar.attention(toTyped(args))),
    worker: await inWorker(args),
    badInput,
    afterBadInput: plain(core.attention(toTyped(args))),
  };
};
document.getElementById('status').textContent = 'ready';
