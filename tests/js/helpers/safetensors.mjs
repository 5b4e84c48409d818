// Reads the golden .safetensors files written by scripts/generate/make_attention_golden.py:
// 8-byte little-endian header length, a JSON header, then raw little-endian tensors (F32, I32 or U8).
// Also the reference.safetensors files beside the golden checkpoints (make_model_golden.py).
import { readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const GOLDEN_DIR = fileURLToPath(new URL('../../golden/attention/', import.meta.url));

/** { name, metadata: {key: string}, tensors: {name: Float32Array | Int32Array | Uint8Array}, shapes: {name: number[]} } */
export function readSafetensors(path) {
  const file = readFileSync(path);
  const headerLength = Number(file.readBigUInt64LE(0));
  const header = JSON.parse(file.subarray(8, 8 + headerLength).toString('utf8'));
  const dataStart = 8 + headerLength;
  const tensors = {};
  const shapes = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [begin, end] = entry.data_offsets;
    // Copy into a fresh, aligned buffer (the file's data need not be 4-byte aligned in memory).
    const bytes = new Uint8Array(file.subarray(dataStart + begin, dataStart + end));
    if (entry.dtype === 'F32') tensors[name] = new Float32Array(bytes.buffer);
    else if (entry.dtype === 'I32') tensors[name] = new Int32Array(bytes.buffer);
    else if (entry.dtype === 'U8') tensors[name] = bytes;
    else throw new Error(`${path}: tensor ${name} has unsupported dtype ${entry.dtype}`);
    shapes[name] = entry.shape;
  }
  return { name: basename(path, '.safetensors'), metadata: header.__metadata__ ?? {}, tensors, shapes };
}

/** All golden cases whose file name starts with `prefix` ('sdpa' or 'mha'). */
/** A golden case's mask as the module takes it: its allowed matrix, 'causal', or null. */
export function goldenMask(golden) {
  if (golden.tensors.mask) return golden.tensors.mask;
  return golden.metadata.mask === 'causal' ? 'causal' : null;
}

/** core.multiHeadAttention on a multi-head golden case, with weights and every step returned. */
export function runGoldenMha(core, golden) {
  const t = golden.tensors;
  const meta = golden.metadata;
  return core.multiHeadAttention({
    x: t.x, context: t.context, n: Number(meta.n), m: Number(meta.m), dModel: Number(meta.d_model),
    numHeads: Number(meta.heads), wq: t.wq, wk: t.wk, wv: t.wv, wo: t.wo,
    bq: t.bq, bk: t.bk, bv: t.bv, bo: t.bo, mask: goldenMask(golden), weights: true, steps: true,
  });
}

export function goldenCases(prefix) {
  return readdirSync(GOLDEN_DIR)
    .filter((file) => file.startsWith(prefix + '_') && file.endsWith('.safetensors'))
    .sort()
    .map((file) => readSafetensors(join(GOLDEN_DIR, file)));
}

/**
 * PyTorch's results for a golden checkpoint (`dir` holds reference.safetensors, see
 * scripts/generate/make_model_golden.py): { ids: Int32Array, attentions: Float32Array[] per layer
 * [h*n*n], hidden [n*d], hiddenStates (layers + 1), steps: per layer { x, q, k, v, scores, scaled,
 * weights, head_output, output } (every head, head-major), valueNorms, rollout, padded: { mask,
 * attentions, hidden } }.
 */
export function readModelReference(dir) {
  const { tensors } = readSafetensors(join(dir, 'reference.safetensors'));
  const numbered = (prefix) => {
    const list = [];
    for (let i = 0; `${prefix}${i}` in tensors; i++) list.push(tensors[`${prefix}${i}`]);
    return list;
  };
  const attentions = numbered('attentions.');
  const steps = attentions.map((_, l) => Object.fromEntries(
    ['x', 'q', 'k', 'v', 'scores', 'scaled', 'weights', 'head_output', 'output'].map((k) => [k, tensors[`steps.${l}.${k}`]])));
  return {
    ids: tensors.input_ids, attentions, hidden: tensors.hidden, hiddenStates: numbered('hidden_states.'), steps,
    valueNorms: numbered('value_norms.'), rollout: numbered('rollout.'),
    padded: { mask: tensors['padded.attention_mask'], attentions: numbered('padded.attentions.'), hidden: tensors['padded.hidden'] },
  };
}
