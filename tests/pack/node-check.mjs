// Run inside the scratch project that installed the tarball: imports every subpath of the package by
// name and prints, as JSON, one attention call (arguments from the JSON file in argv[2]) through each
// core (`attnscope` in both builds, `attnscope/embed`'s and `attnscope/embed/bundle`'s load()), plus
// what the DOM-free parts of `attnscope/views` compute.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { load, version } from 'attnscope';
import * as embed from 'attnscope/embed';
import * as bundle from 'attnscope/embed/bundle';
import { isSpecialToken, normalizeData, THEMES, viridis, HeadView, MatrixView, ModelView, StepView } from 'attnscope/views';

const args = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const typed = { ...args, q: new Float32Array(args.q), k: new Float32Array(args.k), v: new Float32Array(args.v),
  mask: args.mask ? new Uint8Array(args.mask) : null };
const result = (core) => {
  const r = core.attention(typed);
  return { simd: core.simd, output: Array.from(r.output), weights: Array.from(r.weights) };
};
const out = {};
for (const simd of [true, false]) out[simd ? 'simd' : 'scalar'] = result(await load({ simd, threads: false }));
out.embed = result(await embed.load());
out.bundle = result(await bundle.load());
out.version = version;
out.embedVersion = embed.version;
out.bundleVersion = bundle.version;
out.packageJsonVersion = createRequire(import.meta.url)('attnscope/package.json').version;
out.resolved = import.meta.resolve('attnscope');
out.views = {
  classes: [HeadView, MatrixView, ModelView, StepView].map((c) => typeof c),
  themes: THEMES,
  colormap: [viridis.name, viridis.css.length],
  special: ['[CLS]', 'cat'].map(isSpecialToken),
  normalized: (({ n, numLayers, numHeads }) => ({ n, numLayers, numHeads }))(
    normalizeData({ tokens: ['a', 'b'], attentions: [new Float32Array([1, 0, 0.5, 0.5])] })),
};
out.defineWithoutDom = embed.defineAttnscopeView();
console.log(JSON.stringify(out));
