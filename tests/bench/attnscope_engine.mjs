// attnscope as the benchmark sees it: the shipped ES module (web/attnscope/src/index.js), its SIMD build
// (SIMD128, or with relaxed: true its relaxed-SIMD twin), weights resident in wasm memory
// (createMultiHeadAttention), forward with the weights returned. Same interface as the peers in peers.mjs.
// reuse: true writes each forward into the previous forward's arrays (the `reuse` option), as an
// application that redraws as its input changes can; the peers return fresh arrays every call.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const webDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'web', 'attnscope');

export async function createAttnscopeEngine({ simd = true, relaxed = false, reuse = false } = {}) {
  const { load } = await import(join(webDir, 'src', 'index.js'));
  const core = await load({ simd, relaxedSimd: relaxed, threads: false });  // one thread, like the peers
  if (simd && !core.simd) throw new Error('attnscope: asked for the SIMD build but the scalar one loaded');
  const version = JSON.parse(readFileSync(join(webDir, 'package.json'), 'utf8')).version;
  return {
    name: (relaxed ? 'attnscope relaxed' : simd ? 'attnscope' : 'attnscope (scalar)') + (reuse ? ', reused' : ''),
    peer: false,
    fused: relaxed,  // measured against the fused-multiply-add ceiling
    reuses: reuse,
    version,
    core,
    async prepare(p) {
      const mha = core.createMultiHeadAttention({
        dModel: p.dModel, numHeads: p.numHeads,
        wq: p.wq, wk: p.wk, wv: p.wv, wo: p.wo, bq: p.bq, bk: p.bk, bv: p.bv, bo: p.bo,
      });
      const options = { n: p.n, mask: p.causal ? 'causal' : null, weights: true, heads: false };
      let previous = null;
      const run = async () => {
        const { output, weights } = mha.forward(p.x, reuse ? { ...options, reuse: previous } : options);
        if (reuse) previous = { output, weights };
        return { output, weights };
      };
      run.dispose = () => mha.dispose();
      return run;
    },
    async dispose() {},
  };
}
