// attnscope as the benchmark sees it: the shipped ES module (web/attnscope/src/index.js), its SIMD build
// (SIMD128, or with relaxed: true its relaxed-SIMD twin), weights resident in wasm memory
// (createMultiHeadAttention), forward with the weights returned. Same interface as the peers in peers.mjs.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const webDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'web', 'attnscope');

export async function createAttnscopeEngine({ simd = true, relaxed = false } = {}) {
  const { load } = await import(join(webDir, 'src', 'index.js'));
  const core = await load({ simd, relaxedSimd: relaxed, threads: false });  // one thread, like the peers
  if (simd && !core.simd) throw new Error('attnscope: asked for the SIMD build but the scalar one loaded');
  const version = JSON.parse(readFileSync(join(webDir, 'package.json'), 'utf8')).version;
  return {
    name: relaxed ? 'attnscope relaxed' : simd ? 'attnscope' : 'attnscope (scalar)',
    peer: false,
    fused: relaxed,  // measured against the fused-multiply-add ceiling
    version,
    core,
    async prepare(p) {
      const mha = core.createMultiHeadAttention({
        dModel: p.dModel, numHeads: p.numHeads,
        wq: p.wq, wk: p.wk, wv: p.wv, wo: p.wo, bq: p.bq, bk: p.bk, bv: p.bv, bo: p.bo,
      });
      const options = { n: p.n, mask: p.causal ? 'causal' : null, weights: true, heads: false };
      const run = async () => {
        const { output, weights } = mha.forward(p.x, options);
        return { output, weights };
      };
      run.dispose = () => mha.dispose();
      return run;
    },
    async dispose() {},
  };
}
