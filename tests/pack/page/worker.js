// A module Web Worker in the Vite-built page: loads attnscope on its own and answers one request.
import { load } from 'attnscope';

self.onmessage = async (event) => {
  try {
    const args = event.data;
    const core = await load();
    const r = core.attention({
      ...args, q: new Float32Array(args.q), k: new Float32Array(args.k), v: new Float32Array(args.v),
      mask: args.mask ? new Uint8Array(args.mask) : null,
    });
    self.postMessage({ simd: core.simd, output: Array.from(r.output), weights: Array.from(r.weights) });
  } catch (error) {
    self.postMessage({ error: String(error?.stack ?? error) });
  }
};
