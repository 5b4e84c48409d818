// A consumer page built by Vite from the installed tarball: imports every subpath by name. The test
// calls window.attnscopeRun(args) and compares the numbers with PyTorch's, and reads what the views
// and the element drew.
import { load } from 'attnscope';
import 'attnscope/views/views.css';
import { MatrixView } from 'attnscope/views';
import { load as loadForElements } from 'attnscope/embed';

const toTyped = (args) => ({
  ...args,
  q: new Float32Array(args.q), k: new Float32Array(args.k), v: new Float32Array(args.v),
  mask: args.mask ? new Uint8Array(args.mask) : null,
});
const plain = (r) => ({ output: Array.from(r.output), weights: Array.from(r.weights) });

function inWorker(args) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    worker.onmessage = (event) => { worker.terminate(); event.data.error ? reject(new Error(event.data.error)) : resolve(event.data); };
    worker.onerror = (event) => { worker.terminate(); reject(new Error(`worker: ${event.message}`)); };
    worker.postMessage(args);
  });
}

// The views from `attnscope/views`: self-attention of the golden queries (n × n) as one layer, dark.
function drawMatrix(core, args) {
  const q = new Float32Array(args.q);
  const { weights } = core.attention({ q, k: q, v: q, n: args.n, dK: args.dK });
  const container = document.getElementById('matrix');
  const tokens = Array.from({ length: args.n }, (_, i) => `q${i}`);
  new MatrixView(container).update({ tokens, attentions: [weights] }, { theme: 'dark' });
  return { canvases: container.querySelectorAll('canvas').length, dark: container.classList.contains('attnscope-theme-dark') };
}

// The element from `attnscope/embed` (defined on import), with data given as JSON attributes.
async function drawElement() {
  const el = document.createElement('attnscope-view');
  el.setAttribute('view', 'matrix');
  el.setAttribute('tokens', JSON.stringify(['the', 'cat', 'sat']));
  el.setAttribute('attentions', JSON.stringify([[[[1, 0, 0], [0.6, 0.4, 0], [0.2, 0.5, 0.3]]]]));
  el.setAttribute('sentence-b-start', '2');
  const rendered = new Promise((resolve, reject) => {
    el.addEventListener('attnscope-render', resolve, { once: true });
    el.addEventListener('attnscope-error', (event) => reject(event.detail.error), { once: true });
  });
  document.body.append(el);
  await rendered;
  return { state: el.dataset.state, canvases: el.shadowRoot.querySelectorAll('canvas').length,
    sentenceBStart: el.attentionData.sentenceBStart, svg: el.toSVG().startsWith('<svg') };
}

window.attnscopeRun = async (args) => {
  const core = await load();
  const scalar = await load({ simd: false });
  let badInput;
  try {
    core.attention({ ...toTyped(args), n: 0 });
  } catch (error) {
    badInput = { name: error.name, message: error.message };
  }
  const main = plain(core.attention(toTyped(args)));
  return {
    simd: core.simd,
    scalarSimd: scalar.simd,
    version: core.version,
    main,
    scalar: plain(scalar.attention(toTyped(args))),
    embed: plain((await loadForElements()).attention(toTyped(args))),
    worker: await inWorker(args),
    badInput,
    afterBadInput: plain(core.attention(toTyped(args))),
    matrix: drawMatrix(core, args),
    element: await drawElement(),
  };
};
document.getElementById('status').textContent = 'ready';
