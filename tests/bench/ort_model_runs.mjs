// The measuring processes of ort_model_bench.mjs, one fresh Node process each (its memory and its
// ONNX Runtime thread count are its own). Prints one JSON line on stdout; progress on stderr.
//   node ort_model_runs.mjs timing DIR --threads T --lengths 128,512 --reps R
//       attnscope (SIMD128 and relaxed-SIMD builds) and onnxruntime-web on T threads: outputs checked
//       against ONNX Runtime's first (hidden 1e-4, attentions 1e-5), then every engine × {every
//       layer's attentions, none} timed, cases alternating run by run. { checks, rows }
//   node ort_model_runs.mjs cold DIR --engine attnscope|attnscope-relaxed|ort --lengths 128,512
//       one engine on one thread from the checkpoint's bytes: wasm set-up, load, the first forward
//       (first length, attentions), then the other lengths; peak RSS and wasm memory. { cold }
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { readCheckpoint } from './onnx_checkpoints.mjs';
import { compareOutputs, createAttnscopeModelEngine, createOrtModelEngine } from './model_engines.mjs';
import { tokenIds } from './model_bench.mjs';

const wasmMemories = trackWasmMemories();

function parseArgs(argv) {
  const [mode, dir, ...rest] = argv;
  const args = { mode, dir, threads: 1, lengths: [128, 512], reps: 3, engine: null };
  for (let i = 0; i < rest.length; i++) {
    const value = rest[++i];
    if (rest[i - 1] === '--threads') args.threads = Number(value);
    else if (rest[i - 1] === '--lengths') args.lengths = value.split(',').map(Number);
    else if (rest[i - 1] === '--reps') args.reps = Number(value) | 1;
    else if (rest[i - 1] === '--engine') args.engine = value;
    else throw new Error(`ort_model_runs: unknown argument ${rest[i - 1]}`);
  }
  if (!['timing', 'cold'].includes(mode) || !dir) throw new Error('usage: ort_model_runs.mjs timing|cold DIR [options]');
  return args;
}

// Every WebAssembly.Memory this process makes or instantiates, to report the engines' wasm memory
// the same way (a memory's size never shrinks: its size at the end is its peak).
function trackWasmMemories() {
  const memories = new Set();
  const Original = WebAssembly.Memory;
  WebAssembly.Memory = class extends Original {
    constructor(...args) { super(...args); memories.add(this); }
  };
  const keep = (instance) => {
    for (const value of Object.values(instance?.exports ?? {})) if (value instanceof Original) memories.add(value);
  };
  const instantiate = WebAssembly.instantiate;
  WebAssembly.instantiate = async (...args) => {
    const result = await instantiate(...args);
    keep(result.instance ?? result);
    return result;
  };
  return () => [...memories].reduce((sum, m) => sum + m.buffer.byteLength, 0);
}

const mib = (bytes) => bytes / 2 ** 20;
const median = (xs) => [...xs].sort((a, b) => a - b)[(xs.length - 1) >> 1];
const log = (text) => process.stderr.write(`${text}\n`);

async function timing(args, vocabSize) {
  const checkpoint = readCheckpoint(args.dir);
  const engines = [
    await createAttnscopeModelEngine({ relaxed: false, threads: args.threads }),
    await createAttnscopeModelEngine({ relaxed: true, threads: args.threads }),
    await createOrtModelEngine({ threads: args.threads }),
  ];
  const models = [];
  for (const e of engines) models.push(await e.load(checkpoint));
  const ort = models.at(-1);
  const checks = [];
  const rows = [];
  for (const n of args.lengths) {
    const ids = tokenIds(n, vocabSize);
    const cases = [];
    for (const [i, e] of engines.entries()) {
      for (const attentions of [true, false]) cases.push({ engine: e.name, model: models[i], attentions, wall: [], cpu: [] });
    }
    // The first run of each case is its warm-up and the output checked.
    for (const c of cases) c.first = await c.model.run(ids, { attentions: c.attentions });
    let failed = 0;
    for (const c of cases.filter((c) => c.model !== ort)) {
      const reference = cases.find((r) => r.model === ort && r.attentions === c.attentions).first;
      for (const check of compareOutputs(c.first, reference)) {
        checks.push({ n, threads: args.threads, engine: c.engine, attentions: c.attentions, ...check });
        if (!check.ok) failed++;
      }
    }
    for (const c of cases) c.first = null;
    if (failed) continue;  // a wrong forward's speed means nothing
    for (let r = 0; r < args.reps; r++) {
      for (let k = 0; k < cases.length; k++) {
        const c = cases[(r + k) % cases.length];
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        await c.model.run(ids, { attentions: c.attentions });
        c.wall.push(performance.now() - t0);
        const used = process.cpuUsage(c0);
        c.cpu.push((used.user + used.system) / 1000);
      }
      log(`  ${n} tokens, ${args.threads} thread(s): round ${r + 1} of ${args.reps}`);
    }
    for (const c of cases) {
      rows.push({ n, threads: args.threads, engine: c.engine, attentions: c.attentions, ms: median(c.wall),
        cpuMs: median(c.cpu), reps: args.reps });
    }
  }
  for (const m of models) await m.dispose();
  return { checks, rows, versions: Object.fromEntries(engines.map((e) => [e.name, e.version])) };
}

async function cold(args, vocabSize) {
  const ort = args.engine === 'ort';
  const checkpoint = readCheckpoint(args.dir, { files: !ort, onnx: false, onnxWithAttentions: ort });
  const rssBeforeMiB = mib(process.memoryUsage().rss);
  const t0 = performance.now();
  const engine = ort ? await createOrtModelEngine({ threads: 1 })
    : await createAttnscopeModelEngine({ relaxed: args.engine === 'attnscope-relaxed', threads: 1 });
  const t1 = performance.now();
  const model = await engine.load(checkpoint);
  const t2 = performance.now();
  await model.run(tokenIds(args.lengths[0], vocabSize), { attentions: true });
  const t3 = performance.now();
  for (const n of args.lengths.slice(1)) await model.run(tokenIds(n, vocabSize), { attentions: true });
  const cold = {
    engine: engine.name, initMs: t1 - t0, loadMs: t2 - t1, firstRunMs: t3 - t2, firstResultMs: t3 - t1,
    n: args.lengths[0], rssBeforeMiB, peakRssMiB: process.resourceUsage().maxRSS / 1024, wasmMiB: mib(wasmMemories()),
  };
  await model.dispose();
  return { cold };
}

const args = parseArgs(process.argv.slice(2));
const vocabSize = JSON.parse(readFileSync(join(args.dir, 'config.json'), 'utf8')).vocab_size;
const result = args.mode === 'timing' ? await timing(args, vocabSize) : await cold(args, vocabSize);
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);  // ONNX Runtime's worker threads would keep the process alive
