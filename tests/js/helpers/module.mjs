// Loading the module under test (web/src) in both flavours.
import { load } from '../../../web/src/index.js';

export { load };
export const FLAVOURS = [
  { name: 'simd', options: { simd: true } },
  { name: 'scalar', options: { simd: false } },
];
