// Run inside the scratch project that installed the tarball: imports the package by name and
// prints the results of one attention call (arguments from the JSON file in argv[2]) as JSON.
import { readFileSync } from 'node:fs';
import { load, version } from 'attnscope';

const args = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const typed = { ...args, q: new Float32Array(args.q), k: new Float32Array(args.k), v: new Float32Array(args.v),
  mask: args.mask ? new Uint8Array(args.mask) : null };
const out = {};
for (const simd of [true, false]) {
  const core = await load({ simd });
  const r = core.attention(typed);
  out[simd ? 'simd' : 'scalar'] = { simd: core.simd, output: Array.from(r.output), weights: Array.from(r.weights) };
}
out.version = version;
console.log(JSON.stringify(out));
