// A module Web Worker in the Vite-built page: loads the package's core and the single-file bundle's
// on its own (the views' DOM-free helpers import too) and answers one request.
import { load } from 'attnscope';
import { load as loadInlined } from 'attnscope/embed/bundle';
import { normalizeData } from 'attnscope/views';

self.onmessage = async (event) => {
  try {
    const args = event.data;
    const typed = {
      ...args, q: new Float32Array(args.q), k: new Float32Array(args.k), v: new Float32Array(args.v),
      mask: args.mask ? new Uint8Array(args.mask) : null,
    };
    const core = await load();
    const r = core.attention(typed);
    const inlined = (await loadInlined()).attention(typed);
    const views = normalizeData({ tokens: ['a', 'b'], attentions: [r.weights.subarray(0, 4)] }).numHeads;
    self.postMessage({ simd: core.simd, output: Array.from(r.output), weights: Array.from(r.weights),
      bundle: { output: Array.from(inlined.output), weights: Array.from(inlined.weights) }, views });
  } catch (error) {
    self.postMessage({ error: String(error?.stack ?? error) });
  }
};
