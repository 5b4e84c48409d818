// A TypeScript consumer of the installed package: must type-check with `tsc --strict`.
import { load, simdSupported, version, type Core, type MultiHeadAttention, type MultiHeadResult } from 'attnscope';

const core: Core = await load({ simd: simdSupported() ? 'auto' : false });
const isSimd: boolean = core.simd;
const packageVersion: string = core.version === version ? version : core.version;

const q = new Float32Array(8);
const r = core.attention({ q, k: q, v: q, n: 2, dK: 4, mask: 'causal', steps: true });
const output: Float32Array = r.output;
const weights: Float32Array = r.weights;
const scores: Float32Array | undefined = r.scores;

const w = new Float32Array(16);
const y: MultiHeadResult = core.multiHeadAttention({
  x: new Float32Array(8), dModel: 4, numHeads: 2, wq: w, wk: w, wv: w, wo: w, bq: null,
  mask: new Uint8Array(4), weights: true,
});
const heads: Float32Array | undefined = y.heads;

const mha: MultiHeadAttention = core.createMultiHeadAttention({ dModel: 4, numHeads: 2, wq: w, wk: w, wv: w, wo: w });
const y2 = mha.forward(new Float32Array(12), { context: new Float32Array(8), m: 2, weights: false, steps: true });
const projected: Float32Array | undefined = y2.q;
mha.dispose();
const disposed: boolean = mha.disposed;
const { heapBytes, bytesInUse } = core.memory();

export const used = [isSimd, packageVersion, output, weights, scores, heads, projected, disposed, heapBytes, bytesInUse];
