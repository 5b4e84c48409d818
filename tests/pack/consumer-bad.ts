// Misuses that the shipped types must reject (the pack test expects tsc to report each line).
import { load } from 'attnscope'; import { MatrixView } from 'attnscope/views'; import type { AttnscopeView } from 'attnscope/embed';

const core = await load({ simd: 'yes' });                               // simd: 'auto' | boolean
core.attention({ q: [1, 2], k: new Float32Array(2), v: new Float32Array(2), n: 1, dK: 2 });  // q: Float32Array
core.attention({ q: new Float32Array(2), k: new Float32Array(2), v: new Float32Array(2), n: 1 });  // dK missing
core.multiHeadAttention({ x: new Float32Array(4), dModel: 4, numHeads: 1, wq: new Float32Array(16) });  // wk, wv, wo missing
const notAString: number = core.version;                                 // version is a string
new MatrixView(document.body).update({ tokens: ['a'], attentions: [[1]] });  // attentions: Float32Array per layer
new MatrixView(document.body).update({ tokens: ['a'], attentions: [new Float32Array(1)] }, { theme: 'blue' });  // theme
export const bad = (el: AttnscopeView) => { el.data = { tokens: 'a b', attentions: [] }; };  // tokens: string[]
new MatrixView(document.body).update({ tokens: ['a'], attentions: [new Float32Array(1)] }, { pairFilter: 'ac' });  // pairFilter
new MatrixView(document.body).update({ queryTokens: ['a'], attentions: [new Float32Array(1)] }, { kind: 'cross' });  // keyTokens missing
export { notAString };
