// Misuses that the shipped types must reject (the pack test expects tsc to report each line).
import { load } from 'attnscope';

const core = await load({ simd: 'yes' });                               // simd: 'auto' | boolean
core.attention({ q: [1, 2], k: new Float32Array(2), v: new Float32Array(2), n: 1, dK: 2 });  // q: Float32Array
core.attention({ q: new Float32Array(2), k: new Float32Array(2), v: new Float32Array(2), n: 1 });  // dK missing
core.multiHeadAttention({ x: new Float32Array(4), dModel: 4, numHeads: 1, wq: new Float32Array(16) });  // wk, wv, wo missing
const notAString: number = core.version;                                 // version is a string
export { notAString };
