// The checkpoints of the ONNX Runtime comparison on disk: a seeded Hugging Face folder (config.json,
// model.safetensors, the vocabulary) and the two graphs onnx_export.py writes from it with PyTorch
// (model.onnx: hidden states; model-attentions.onnx: also every layer's attention probabilities).
//   writeCheckpoint(dir, files)          the folder, from random_bert.mjs's in-memory files
//   exportOnnx([[from, to], ...])        one /usr/bin/python3 run exports every folder's graphs
//   readCheckpoint(dir)                  { files (core.loadModel's object form), onnx, onnxWithAttentions }
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const EXPORTER = join(here, 'onnx_export.py');
// Debian's python3-torch is installed for /usr/bin/python3 (not for a python3 earlier on PATH).
const PYTHON = process.env.ATTNSCOPE_TORCH_PYTHON ?? '/usr/bin/python3';
const WEIGHTS = 'model.safetensors';
export const ONNX = 'model.onnx';
export const ONNX_WITH_ATTENTIONS = 'model-attentions.onnx';
/** Written last into a cached folder: what it was made from (ort_model_bench.mjs compares it). */
export const STAMP = 'stamp.json';

export function writeCheckpoint(dir, files) {
  mkdirSync(dir, { recursive: true });
  for (const [name, contents] of Object.entries(files)) writeFileSync(join(dir, name), contents);
}

/**
 * Exports the two graphs of each [checkpoint folder, output folder] pair (one Python process for all);
 * throws with the exporter's output on failure.
 */
export function exportOnnx(pairs) {
  const args = pairs.flatMap(([from, to]) => [from, join(to, ONNX.replace(/\.onnx$/, ''))]);
  for (const [, to] of pairs) mkdirSync(to, { recursive: true });
  const run = spawnSync(PYTHON, [EXPORTER, ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (run.error) throw new Error(`onnx_export.py: could not start ${PYTHON}: ${run.error.message}`);
  if (run.status !== 0) throw new Error(`onnx_export.py failed (status ${run.status}):\n${run.stderr}`);
  for (const [, to] of pairs) {
    for (const name of [ONNX, ONNX_WITH_ATTENTIONS]) {
      if (!existsSync(join(to, name))) throw new Error(`onnx_export.py wrote no ${join(to, name)}`);
    }
  }
}

/**
 * The folder's files as the engines take them: { files } for attnscope, { onnx, onnxWithAttentions }
 * for ONNX Runtime; `parts` picks which are read (null where not), so a process holds only the bytes
 * its engine would fetch.
 */
export function readCheckpoint(dir, parts = { files: true, onnx: true, onnxWithAttentions: true }) {
  const bytes = (name) => new Uint8Array(readFileSync(join(dir, name)));
  let files = null;
  if (parts.files) {
    files = {};
    for (const name of readdirSync(dir)) {
      if (name.endsWith('.onnx') || name === STAMP) continue;
      files[name] = name === WEIGHTS ? bytes(name) : readFileSync(join(dir, name), 'utf8');
    }
  }
  return {
    files,
    onnx: parts.onnx ? bytes(ONNX) : null,
    onnxWithAttentions: parts.onnxWithAttentions ? bytes(ONNX_WITH_ATTENTIONS) : null,
  };
}

/** Sizes of the files each engine reads: model.safetensors for attnscope, the graph for ONNX Runtime. */
export function checkpointSizes(dir) {
  const size = (name) => statSync(join(dir, name)).size;
  return { safetensors: size(WEIGHTS), onnxWithAttentions: size(ONNX_WITH_ATTENTIONS) };
}
