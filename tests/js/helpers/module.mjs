// Loading the module under test (web/attnscope/src) in both single-thread flavours (the threads build, the
// default in Node, has its own tests: module_threads.test.mjs).
import { load } from '../../../web/attnscope/src/index.js';

export { load };
export const FLAVOURS = [
  { name: 'simd', options: { simd: true, threads: false } },
  { name: 'scalar', options: { simd: false, threads: false } },
];
