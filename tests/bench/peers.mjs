// The engines attnscope is measured against, each behind the same small interface:
//   const engine = await createXxxEngine();
//   const run = await engine.prepare(problem);  // problem: see problems.mjs (x, weights, mask)
//   const { output, weights } = await run();     // Float32Arrays: [n*d] and [h*n*n]
//   engine.name, engine.version, run.dispose?.()
// Everything is loaded from tests/node_modules, one thread, no network.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { buildMultiHeadAttentionOnnx, causalMaskBias } from './make_onnx_graph.mjs';

const testsDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(testsDir, 'package.json'));

function packageVersion(name) {  // read from disk: some packages do not export ./package.json
  return JSON.parse(readFileSync(join(testsDir, 'node_modules', name, 'package.json'), 'utf8')).version;
}

// onnxruntime-web, wasm backend (its SIMD build), one thread, the graph from make_onnx_graph.mjs.
export async function createOrtEngine() {
  const ort = await import(require.resolve('onnxruntime-web'));
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  ort.env.logLevel = 'error';
  const sessions = new Map();  // one session per (dModel, heads, causal): n is symbolic in the graph
  return {
    name: 'onnxruntime-web',
    version: packageVersion('onnxruntime-web'),
    async prepare(p) {
      const key = `${p.dModel}/${p.numHeads}/${p.causal}`;
      if (!sessions.has(key)) {
        const graph = buildMultiHeadAttentionOnnx({ dModel: p.dModel, numHeads: p.numHeads, causal: p.causal });
        sessions.set(key, await ort.InferenceSession.create(graph, {
          executionProviders: ['wasm'],
          graphOptimizationLevel: 'all',
          intraOpNumThreads: 1,
          interOpNumThreads: 1,
        }));
      }
      const session = sessions.get(key);
      const { n, dModel: d } = p;
      const t = (data, dims) => new ort.Tensor('float32', data, dims);
      const feeds = {
        x: t(p.x, [n, d]), wq: t(p.wq, [d, d]), wk: t(p.wk, [d, d]), wv: t(p.wv, [d, d]), wo: t(p.wo, [d, d]),
        bq: t(p.bq, [d]), bk: t(p.bk, [d]), bv: t(p.bv, [d]), bo: t(p.bo, [d]),
      };
      if (p.causal) feeds.mask_bias = t(causalMaskBias(n), [n, n]);
      const run = async () => {
        const result = await session.run(feeds);
        const out = { output: result.y.data, weights: result.probs.data };
        result.y.dispose?.();
        result.probs.dispose?.();
        return out;
      };
      run.dispose = () => {};
      return run;
    },
    async dispose() { for (const s of sessions.values()) await s.release(); sessions.clear(); },
  };
}

// TensorFlow.js with the wasm backend (SIMD, one thread), the same pipeline written with tf ops.
export async function createTfjsEngine() {
  const tf = await import(require.resolve('@tensorflow/tfjs-core'));
  const wasm = await import(require.resolve('@tensorflow/tfjs-backend-wasm'));
  const wasmDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'));
  wasm.setWasmPaths(`${wasmDir}/`);  // Node reads these with fs: no fetch, no network
  wasm.setThreadsCount(1);
  if (!(await tf.setBackend('wasm'))) throw new Error('tfjs: the wasm backend failed to initialise');
  await tf.ready();
  // tfjs picks tfjs-backend-wasm-simd.wasm when this holds (threads are never used under Node).
  if (!(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'))) throw new Error('tfjs: expected its SIMD wasm build');
  return {
    name: 'tfjs-backend-wasm',
    version: packageVersion('@tensorflow/tfjs-backend-wasm'),
    async prepare(p) {
      const { n, dModel: d, numHeads: h } = p;
      const dh = d / h;
      const keep = [];
      const c = (data, shape) => { const tensor = tf.tensor(data, shape, 'float32'); keep.push(tensor); return tensor; };
      const x = c(p.x, [n, d]);
      const [wq, wk, wv, wo] = [p.wq, p.wk, p.wv, p.wo].map((w) => c(w, [d, d]));
      const [bq, bk, bv, bo] = [p.bq, p.bk, p.bv, p.bo].map((b) => c(b, [d]));
      const maskBias = p.causal ? c(causalMaskBias(n), [n, n]) : null;
      const scale = 1 / Math.sqrt(dh);
      const forward = () => tf.tidy(() => {
        const split = (t) => tf.transpose(tf.reshape(t, [n, h, dh]), [1, 0, 2]);  // [h, n, dh]
        const q = split(tf.add(tf.matMul(x, wq), bq));
        const k = split(tf.add(tf.matMul(x, wk), bk));
        const v = split(tf.add(tf.matMul(x, wv), bv));
        let logits = tf.mul(tf.matMul(q, k, false, true), scale);  // [h, n, n], Q·Kᵀ
        if (maskBias) logits = tf.add(logits, maskBias);
        const probs = tf.softmax(logits, -1);
        const heads = tf.reshape(tf.transpose(tf.matMul(probs, v), [1, 0, 2]), [n, d]);
        return [tf.add(tf.matMul(heads, wo), bo), probs];
      });
      const run = async () => {
        const [y, probs] = forward();
        const out = { output: y.dataSync(), weights: probs.dataSync() };
        tf.dispose([y, probs]);
        return out;
      };
      run.dispose = () => tf.dispose(keep);
      return run;
    },
    async dispose() {},
  };
}
