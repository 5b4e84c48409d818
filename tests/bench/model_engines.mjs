// The whole-model engines of the ONNX Runtime comparison (ort_model_bench.mjs), behind one interface:
//   const engine = await createXxxModelEngine({ threads, ... });      // engine.name, engine.version
//   const model = await engine.load(checkpoint);                      // checkpoint: see ort_model_bench.mjs
//   const { hidden, attentions } = await model.run(ids, { attentions }); // Float32Arrays: [n*d], per layer [h*n*n]
//   model.dispose()
// attnscope goes through its public API (core.loadModel on the checkpoint's files, model.run on ids);
// onnxruntime-web runs the graphs onnx_export.py wrote from the same files (one with every layer's
// attention probabilities as outputs, one without), on its wasm backend.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';

import { maxAbsDiff } from './problems.mjs';

// Relaxed SIMD is on in Chrome 114+ and Node 22+; Node 20 needs this flag before any wasm is compiled
// (importing this module sets it). ONNX Runtime's wasm has no relaxed-SIMD instruction: it runs the same.
v8.setFlagsFromString('--experimental-wasm-relaxed-simd');

const here = dirname(fileURLToPath(import.meta.url));
const testsDir = join(here, '..');
const webDir = join(testsDir, '..', 'web', 'attnscope');
const require = createRequire(join(testsDir, 'package.json'));

function packageVersion(dir) {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;
}

/**
 * attnscope's module: its SIMD128 build or (relaxed) its relaxed-SIMD twin; threads 1 is the
 * single-thread build, more the threads build on that many threads.
 */
export async function createAttnscopeModelEngine({ relaxed = false, threads = 1 } = {}) {
  const { load } = await import(join(webDir, 'src', 'index.js'));
  const core = await load({ simd: true, relaxedSimd: relaxed, threads: threads > 1 ? threads : false });
  if (!core.simd || core.relaxedSimd !== relaxed || core.threads !== threads) {
    throw new Error(`attnscope: asked for ${relaxed ? 'relaxed SIMD' : 'SIMD128'} on ${threads} thread(s), loaded ` +
      `${core.relaxedSimd ? 'relaxed SIMD' : core.simd ? 'SIMD128' : 'scalar'} on ${core.threads}`);
  }
  return {
    name: relaxed ? 'attnscope relaxed' : 'attnscope',
    version: packageVersion(webDir),
    core,
    wasmBytes: () => core.memory().heapBytes,
    async load(checkpoint) {
      const model = await core.loadModel(checkpoint.files);
      return {
        async run(ids, { attentions }) {
          const out = model.run(ids, { attentions });
          return { hidden: out.hidden, attentions: out.attentions ?? null };
        },
        dispose: () => model.dispose(),
      };
    },
  };
}

let ortModule = null;

/** onnxruntime-web, wasm backend. `threads` is process-wide in ORT: one value per process. */
export async function createOrtModelEngine({ threads = 1 } = {}) {
  if (!ortModule) {
    ortModule = await import(require.resolve('onnxruntime-web'));
    ortModule.env.wasm.numThreads = threads;
    ortModule.env.wasm.proxy = false;
    ortModule.env.logLevel = 'error';
  } else if (ortModule.env.wasm.numThreads !== threads) {
    throw new Error(`onnxruntime-web: already initialised with ${ortModule.env.wasm.numThreads} thread(s) in this process`);
  }
  const ort = ortModule;
  const sessionOptions = {
    executionProviders: ['wasm'], graphOptimizationLevel: 'all', intraOpNumThreads: threads, interOpNumThreads: 1,
  };
  return {
    name: 'onnxruntime-web',
    version: packageVersion(join(testsDir, 'node_modules', 'onnxruntime-web')),
    async load(checkpoint) {
      // Both graphs' bytes are what a user would fetch; a session per graph, as a user wanting
      // hidden states alone would export the graph without the probabilities.
      const withAttentions = await ort.InferenceSession.create(checkpoint.onnxWithAttentions, sessionOptions);
      const withoutAttentions = checkpoint.onnx
        ? await ort.InferenceSession.create(checkpoint.onnx, sessionOptions) : null;
      const layers = withAttentions.outputNames.length - 1;
      return {
        async run(ids, { attentions }) {
          const session = attentions || !withoutAttentions ? withAttentions : withoutAttentions;
          const input = new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]);
          const result = await session.run({ input_ids: input });
          const out = { hidden: result.hidden.data, attentions: null };
          if (attentions) out.attentions = Array.from({ length: layers }, (_, l) => result[`attentions.${l}`].data);
          for (const tensor of Object.values(result)) tensor.dispose?.();
          return out;
        },
        async dispose() {
          await withAttentions.release();
          await withoutAttentions?.release();
        },
      };
    },
  };
}

/**
 * The agreement of two engines' outputs for the same ids: [{ what, diff, tolerance, ok, detail }].
 * Hidden states within 1e-4 and every attention probability within 1e-5 (absolute).
 */
export const HIDDEN_TOLERANCE = 1e-4;
export const ATTENTION_TOLERANCE = 1e-5;

export function compareOutputs(actual, expected) {
  const checks = [];
  // NaN fails every tolerance (NaN <= t is false), like a length mismatch's Infinity.
  const add = (what, { diff, why }, tolerance) => checks.push({
    what, diff, tolerance, ok: diff <= tolerance, detail: `max |diff| ${diff.toExponential(2)}${why ? ` (${why})` : ''}`,
  });
  add('hidden', actual.hidden ? maxAbsDiff(actual.hidden, expected.hidden) : { diff: Infinity, why: 'no hidden states' },
    HIDDEN_TOLERANCE);
  if (expected.attentions) {
    const layers = expected.attentions.length;
    let worst = actual.attentions?.length === layers ? { diff: 0 }
      : { diff: Infinity, why: `${actual.attentions?.length ?? 'no'} layers of attentions, expected ${layers}` };
    for (let l = 0; l < layers && worst.diff <= ATTENTION_TOLERANCE; l++) {
      const layer = maxAbsDiff(actual.attentions[l], expected.attentions[l]);
      if (!(layer.diff <= worst.diff)) worst = { diff: layer.diff, why: `layer ${l}${layer.why ? `, ${layer.why}` : ''}` };
    }
    add('attentions', worst, ATTENTION_TOLERANCE);
  }
  return checks;
}
