// Whole models against ONNX Runtime Web (scripts/bench runs this after model_bench.mjs):
//   node tests/bench/ort_model_bench.mjs           bert-base, GPT-2-small and SmolLM2-135M shapes, timed
//   node tests/bench/ort_model_bench.mjs --quick   agreement checks only, tiny models (CI smoke)
//   options: --models bert-base,gpt2,smollm2 --lengths 128,512 --threads 1,2 --reps 5 --json FILE --no-cold
// Both engines get the same seeded F32 checkpoint (random_bert.mjs, random_llama.mjs): attnscope loads its files through
// core.loadModel, ONNX Runtime the graphs tests/bench/onnx_export.py exports from the very same files
// with PyTorch (BERT / GPT-2 / Llama written from the published architectures), one graph returning every
// layer's attention probabilities, one without. Checks before anything is timed: the exporter's
// graphs against PyTorch's golden references (tests/golden/models), then attnscope's outputs against
// ONNX Runtime's (hidden 1e-4, attentions 1e-5) at every length and thread count. Exported graphs
// are kept in build/ort-model-bench/ (re-exported when the exporter or the generator changes).
// Each measurement runs in its own process (ort_model_runs.mjs): "timing" alternates the engines
// run by run on one or two threads, "cold" measures one engine from the file bytes to its first
// forward's result and its peak memory.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { readModelReference } from '../js/helpers/safetensors.mjs';
import { compareOutputs, createAttnscopeModelEngine, createOrtModelEngine } from './model_engines.mjs';
import { checkpointSizes, EXPORTER, exportOnnx, readCheckpoint, STAMP, writeCheckpoint } from './onnx_checkpoints.mjs';
import { BERT_BASE, GPT2_SMALL, makeBertCheckpoint, makeGpt2Checkpoint } from './random_bert.mjs';
import { makeLlamaCheckpoint, SMOLLM2_135M } from './random_llama.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const CACHE_DIR = join(root, 'build', 'ort-model-bench');
const GOLDEN = ['bert-f32', 'gpt2-f32', 'llama-gqa-f32'].map((name) => join(root, 'tests', 'golden', 'models', name));

export const MODELS = {
  'bert-base': { shape: BERT_BASE, make: makeBertCheckpoint },
  gpt2: { shape: GPT2_SMALL, make: makeGpt2Checkpoint },
  // F32 in both engines (a BF16 file would time attnscope's 16-bit weights against float32 ones).
  smollm2: { shape: SMOLLM2_135M, make: (shape) => makeLlamaCheckpoint(shape, { dtype: 'F32' }) },
};
// --quick: the same families at a size that exports and runs in seconds (SmolLM2's: 3 query heads
// per key/value head, tied embeddings, its rope_theta and eps).
const TINY = { numLayers: 2, dModel: 64, numHeads: 4, dFF: 128, vocabSize: 300, maxPositions: 64 };
const TINY_SHAPES = { smollm2: { ...SMOLLM2_135M, ...TINY, dModel: 96, numHeads: 6, numKvHeads: 2 } };
const QUICK_LENGTH = 40;  // within every quick model's positions (the golden GPT-2 has 48)

function parseArgs(argv) {
  const args = { quick: false, models: Object.keys(MODELS), lengths: [128, 512], threads: [1, 2], reps: 5,
    json: null, cold: true };
  for (let i = 0; i < argv.length; i++) {
    const next = () => argv[++i];
    if (argv[i] === '--quick') args.quick = true;
    else if (argv[i] === '--models') args.models = next().split(',');
    else if (argv[i] === '--lengths') args.lengths = next().split(',').map(Number);
    else if (argv[i] === '--threads') args.threads = next().split(',').map(Number);
    else if (argv[i] === '--reps') args.reps = Number(next()) | 1;
    else if (argv[i] === '--json') args.json = next();
    else if (argv[i] === '--no-cold') args.cold = false;
    else throw new Error(`ort_model_bench: unknown argument ${argv[i]} (--quick, --models, --lengths, --threads, --reps, --json, --no-cold)`);
  }
  for (const m of args.models) if (!MODELS[m]) throw new Error(`ort_model_bench: unknown model ${m} (${Object.keys(MODELS).join(', ')})`);
  return args;
}

function report(label, checks) {
  for (const c of checks) console.log(`${c.ok ? 'ok  ' : 'FAIL'} ${label}: ${c.what}: ${c.detail}`);
  return checks.filter((c) => !c.ok).length;
}

/**
 * The exporter against PyTorch's golden references; then attnscope against ONNX Runtime on the golden
 * checkpoints (peaked attention: large Q/K weights) and on tiny seeded ones of each bench family.
 */
async function quickChecks() {
  const work = mkdtempSync(join(tmpdir(), 'attnscope-ort-'));
  try {
    const tiny = Object.entries(MODELS).map(([name, m]) => {
      const dir = join(work, name);
      writeCheckpoint(dir, m.make(TINY_SHAPES[name] ?? TINY));
      return { label: `${name} family, tiny seeded`, from: dir, to: dir, vocab: (TINY_SHAPES[name] ?? TINY).vocabSize };
    });
    const golden = GOLDEN.map((from, i) => ({ label: from.split('/').at(-1), from, to: join(work, `golden-${i}`),
      reference: readModelReference(from), vocab: JSON.parse(readFileSync(join(from, 'config.json'), 'utf8')).vocab_size }));
    exportOnnx([...golden, ...tiny].map((c) => [c.from, c.to]));
    const ort = await createOrtModelEngine({ threads: 1 });
    const engines = [await createAttnscopeModelEngine({ relaxed: false }), await createAttnscopeModelEngine({ relaxed: true })];
    let failures = 0;
    for (const c of [...golden, ...tiny]) {
      const checkpoint = { ...readCheckpoint(c.to, { onnx: true, onnxWithAttentions: true }), files: readCheckpoint(c.from, { files: true }).files };
      const reference = await ort.load(checkpoint);
      const inputs = [QUICK_LENGTH].map((n) => Int32Array.from({ length: n }, (_, i) => (i * 7919 + 13) % c.vocab));
      if (c.reference) {
        inputs.unshift(c.reference.ids);
        const { hidden, attentions } = c.reference;
        failures += report(`exporter: ${c.label} in onnxruntime-web vs PyTorch`,
          compareOutputs(await reference.run(c.reference.ids, { attentions: true }), { hidden, attentions }));
      }
      for (const e of engines) {
        const model = await e.load(checkpoint);
        for (const ids of inputs) {
          for (const attentions of [true, false]) {
            failures += report(`${c.label}, ${ids.length} tokens, ${e.name} vs onnxruntime-web, attentions ${attentions ? 'all' : 'none'}`,
              compareOutputs(await model.run(ids, { attentions }), await reference.run(ids, { attentions })));
          }
        }
        model.dispose();
      }
      await reference.dispose();
    }
    return failures;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The model's folder in the cache, written and exported unless an identical one is there. */
function preparedCheckpoint(name) {
  const { shape, make } = MODELS[name];
  const hash = createHash('sha256').update(JSON.stringify(shape)).update(make.toString())
    .update(readFileSync(EXPORTER)).update(readFileSync(join(here, 'random_bert.mjs')))
    .update(readFileSync(join(here, 'random_llama.mjs'))).digest('hex').slice(0, 16);
  const dir = join(CACHE_DIR, name);
  const stampFile = join(dir, STAMP);
  if (existsSync(stampFile) && JSON.parse(readFileSync(stampFile, 'utf8')).hash === hash) return dir;
  rmSync(dir, { recursive: true, force: true });
  const t0 = performance.now();
  writeCheckpoint(dir, make(shape));
  exportOnnx([[dir, dir]]);
  writeFileSync(stampFile, JSON.stringify({ hash, shape }));
  console.log(`${name}: checkpoint written and exported to ONNX in ${((performance.now() - t0) / 1000).toFixed(0)} s (${dir})`);
  return dir;
}

/** Runs ort_model_runs.mjs in a fresh process; its last stdout line is the JSON result. */
function measure(mode, dir, options) {
  const flags = Object.entries(options).flatMap(([k, v]) => [`--${k}`, String(v)]);
  const run = spawnSync(process.execPath, [join(here, 'ort_model_runs.mjs'), mode, dir, ...flags],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 });
  if (run.status !== 0) throw new Error(`ort_model_runs.mjs ${mode} ${dir} failed with status ${run.status}`);
  return JSON.parse(run.stdout.trim().split('\n').at(-1));
}

const pad = (s, w, right = true) => (right ? String(s).padStart(w) : String(s).padEnd(w));
const table = (header, widths, rows) => {
  const line = (cells) => cells.map((c, i) => pad(c, widths[i], i > 1)).join(' | ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const r of rows) console.log(line(r));
};

// One thread: tokens/s of process CPU time (on a shared machine it excludes waiting for a core);
// two threads: of wall-clock time (what two free cores would give is between the two).
const tokensPerSecond = (r) => r.n / ((r.threads > 1 ? r.ms : r.cpuMs) / 1000);

function printThroughput(rows) {
  const out = [];
  const key = (r) => `${r.model}/${r.n}/${r.threads}/${r.attentions}`;
  for (const k of [...new Set(rows.map(key))]) {
    const group = rows.filter((r) => key(r) === k);
    const tps = (engine) => { const r = group.find((g) => g.engine === engine); return r ? tokensPerSecond(r) : NaN; };
    const [simd, relaxed, ort] = ['attnscope', 'attnscope relaxed', 'onnxruntime-web'].map(tps);
    const r = group[0];
    out.push([r.model, r.n, r.threads, r.attentions ? 'all' : 'none', r.threads > 1 ? 'wall' : 'CPU', simd.toFixed(0),
      relaxed.toFixed(0), ort.toFixed(0), (simd / ort).toFixed(2), (relaxed / ort).toFixed(2)]);
  }
  table(['model', 'tokens', 'threads', 'attentions', 'clock', 'SIMD128 tok/s', 'relaxed tok/s', 'ORT tok/s',
    '× ORT: SIMD128', '× ORT: relaxed'], [9, 6, 7, 10, 5, 13, 13, 9, 14, 14], out);
  console.log('Medians, engines alternating run by run in one process per thread count; tokens/s of the process\'s ' +
    'CPU time on one thread, of wall-clock time on two.');
}

function printCold(rows) {
  table(['model', 'engine', 'file MiB', 'wasm set-up ms', 'bytes → first result s', 'load s', 'peak RSS MiB (engine)', 'wasm MiB'],
    [9, 17, 8, 14, 22, 6, 21, 8],
    rows.map((r) => [r.model, r.engine, r.fileMiB.toFixed(0), r.initMs.toFixed(0), (r.firstResultMs / 1000).toFixed(2),
      (r.loadMs / 1000).toFixed(2), `${r.peakRssMiB.toFixed(0)} (${(r.peakRssMiB - r.rssBeforeMiB).toFixed(0)})`,
      r.wasmMiB.toFixed(0)]));
  console.log('One fresh process per row, one thread: the checkpoint bytes already in memory (attnscope: its files; ' +
    'ORT: the graph with attentions); load, then the first forward with attentions at the first length; peak RSS ' +
    'over that and a forward at every other length ("engine": above the RSS with the bytes read).');
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  console.log(`node ${process.version}; PyTorch export: ${EXPORTER}`);
  let failures = await quickChecks();
  const results = { throughput: [], cold: [], checks: [] };
  if (!args.quick && failures === 0) {
    for (const name of args.models) {
      const dir = preparedCheckpoint(name);
      const sizes = checkpointSizes(dir);
      if (args.cold) {
        for (const engine of ['attnscope-relaxed', 'attnscope', 'ort']) {
          const { cold } = measure('cold', dir, { engine, lengths: args.lengths.join(',') });
          const fileMiB = (engine === 'ort' ? sizes.onnxWithAttentions : sizes.safetensors) / 2 ** 20;
          results.cold.push({ model: name, fileMiB, ...cold });
        }
      }
      for (const threads of args.threads) {
        console.log(`${name}: timing on ${threads} thread(s)`);
        const { checks, rows } = measure('timing', dir, { threads, lengths: args.lengths.join(','), reps: args.reps });
        for (const c of checks) {
          const label = `${name} ${c.n} tokens, ${c.threads} thread(s), ${c.engine} vs onnxruntime-web, attentions ${c.attentions ? 'all' : 'none'}`;
          failures += report(label, [c]);
        }
        results.checks.push(...checks.map((c) => ({ model: name, ...c })));
        results.throughput.push(...rows.map((r) => ({ model: name, ...r })));
      }
    }
    if (results.throughput.length) { console.log(); printThroughput(results.throughput); }
    if (results.cold.length) { console.log(); printCold(results.cold); }
  }
  if (args.json) writeFileSync(args.json, JSON.stringify({ node: process.version, ...results }, null, 1));
  if (failures) {
    console.error(`ort_model_bench: ${failures} check(s) failed; failing cases were not timed`);
    process.exitCode = 1;
  } else {
    console.log('ort_model_bench: all checks passed');
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
