// Runs in a Node worker_threads Worker: loads the module there, computes one golden case, posts
// the result back (the main thread compares it with PyTorch's numbers).
import { parentPort, workerData } from 'node:worker_threads';

import { load } from '../../../web/attnscope/src/index.js';

const core = await load(workerData.options);
const r = core.attention(workerData.args);
parentPort.postMessage({ simd: core.simd, output: r.output, weights: r.weights }, [r.output.buffer, r.weights.buffer]);
