// Seeded random checkpoints in the Hugging Face layout, built in memory for the model bench and the
// long-input tests: { 'config.json': string, 'model.safetensors': Uint8Array (F32), vocabulary files },
// the object form core.loadModel accepts. Weights follow the families' init (Linear and embedding
// weights N(0, 0.02), biases 0, LayerNorm weight 1 and bias 0); tensor names are BertModel's and
// GPT2Model's (no prefix, no task head).

/** bert-base-uncased's shape. */
export const BERT_BASE = Object.freeze({
  numLayers: 12, dModel: 768, numHeads: 12, dFF: 3072, vocabSize: 30522, maxPositions: 512,
});

/** gpt2 (GPT-2 small)'s shape. */
export const GPT2_SMALL = Object.freeze({
  numLayers: 12, dModel: 768, numHeads: 12, dFF: 3072, vocabSize: 50257, maxPositions: 1024,
});

const INIT_STD = 0.02;

/** [{ name, shape, init: 'normal' | 'zeros' | 'ones' }] in the order they are written. */
export function bertTensorSpecs({ numLayers, dModel: d, dFF, vocabSize, maxPositions }) {
  const specs = [];
  const linear = (name, outFeatures, inFeatures) => {  // nn.Linear: weight [out, in]
    specs.push({ name: `${name}.weight`, shape: [outFeatures, inFeatures], init: 'normal' });
    specs.push({ name: `${name}.bias`, shape: [outFeatures], init: 'zeros' });
  };
  const layerNorm = (name) => {
    specs.push({ name: `${name}.weight`, shape: [d], init: 'ones' });
    specs.push({ name: `${name}.bias`, shape: [d], init: 'zeros' });
  };
  specs.push({ name: 'embeddings.word_embeddings.weight', shape: [vocabSize, d], init: 'normal' });
  specs.push({ name: 'embeddings.position_embeddings.weight', shape: [maxPositions, d], init: 'normal' });
  specs.push({ name: 'embeddings.token_type_embeddings.weight', shape: [2, d], init: 'normal' });
  layerNorm('embeddings.LayerNorm');
  for (let l = 0; l < numLayers; l++) {
    const p = `encoder.layer.${l}`;
    linear(`${p}.attention.self.query`, d, d);
    linear(`${p}.attention.self.key`, d, d);
    linear(`${p}.attention.self.value`, d, d);
    linear(`${p}.attention.output.dense`, d, d);
    layerNorm(`${p}.attention.output.LayerNorm`);
    linear(`${p}.intermediate.dense`, dFF, d);
    linear(`${p}.output.dense`, d, dFF);
    layerNorm(`${p}.output.LayerNorm`);
  }
  return specs;
}

export const elementCount = (shape) => shape.reduce((a, b) => a * b, 1);

/** Number of parameters (float32 values) in the checkpoint. */
export function bertParameterCount(shape) {
  return bertTensorSpecs(shape).reduce((sum, s) => sum + elementCount(s.shape), 0);
}

// Seeded normal samples, fast enough for 109 M of them: a table of 2^16 N(0, 1) values (mulberry32
// uniforms through Box-Muller) indexed by xorshift32, two 16-bit indices per step. Drawing each value
// through Box-Muller directly took ~30 s for bert-base on the shared machine; the table takes ~1 s and
// the weights' distribution (std, symmetry) is the same to well under 1 %.
export function normalSampler(seed) {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const table = new Float32Array(1 << 16);
  for (let i = 0; i < table.length; i += 2) {
    const radius = Math.sqrt(-2 * Math.log(1 - uniform()));  // 1 - u: never log(0)
    const angle = 2 * Math.PI * uniform();
    table[i] = radius * Math.cos(angle);
    table[i + 1] = radius * Math.sin(angle);
  }
  let state = (seed ^ 0x9e3779b9) >>> 0 || 1;
  const next = () => { state ^= state << 13; state ^= state >>> 17; state ^= state << 5; return state >>> 0; };
  /** Fills `out` with N(0, std²) samples. */
  return (out, std) => {
    for (let i = 0; i < out.length; i += 2) {
      const bits = next();
      out[i] = std * table[bits & 0xffff];
      if (i + 1 < out.length) out[i + 1] = std * table[bits >>> 16];
    }
  };
}

function configJson({ numLayers, dModel, numHeads, dFF, vocabSize, maxPositions }) {
  return JSON.stringify({
    architectures: ['BertModel'], model_type: 'bert', hidden_act: 'gelu',
    hidden_size: dModel, num_hidden_layers: numLayers, num_attention_heads: numHeads,
    intermediate_size: dFF, vocab_size: vocabSize, max_position_embeddings: maxPositions,
    type_vocab_size: 2, layer_norm_eps: 1e-12, pad_token_id: 0, initializer_range: INIT_STD,
    position_embedding_type: 'absolute', torch_dtype: 'float32',
  }, null, 2);
}

// WordPiece vocabulary of the right size: BERT's special tokens at their usual ids, then filler.
function vocabText(vocabSize) {
  const special = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
  const lines = special.slice(0, vocabSize);
  for (let i = lines.length; i < vocabSize; i++) lines.push(`tok${i}`);
  return lines.join('\n') + '\n';
}

/** GPT2Model's tensors (Conv1D weights are [in, out]); `shape` like BERT_BASE (dFF = n_inner). */
export function gpt2TensorSpecs({ numLayers, dModel: d, dFF, vocabSize, maxPositions }) {
  const specs = [];
  const conv = (name, inFeatures, outFeatures) => {
    specs.push({ name: `${name}.weight`, shape: [inFeatures, outFeatures], init: 'normal' });
    specs.push({ name: `${name}.bias`, shape: [outFeatures], init: 'zeros' });
  };
  const layerNorm = (name) => {
    specs.push({ name: `${name}.weight`, shape: [d], init: 'ones' });
    specs.push({ name: `${name}.bias`, shape: [d], init: 'zeros' });
  };
  specs.push({ name: 'wte.weight', shape: [vocabSize, d], init: 'normal' });
  specs.push({ name: 'wpe.weight', shape: [maxPositions, d], init: 'normal' });
  for (let l = 0; l < numLayers; l++) {
    layerNorm(`h.${l}.ln_1`);
    conv(`h.${l}.attn.c_attn`, d, 3 * d);
    conv(`h.${l}.attn.c_proj`, d, d);
    layerNorm(`h.${l}.ln_2`);
    conv(`h.${l}.mlp.c_fc`, d, dFF);
    conv(`h.${l}.mlp.c_proj`, dFF, d);
  }
  layerNorm('ln_f');
  return specs;
}

/** A GPT-2 checkpoint's files (vocab.json + merges.txt of byte tokens only, enough for ids). */
export function makeGpt2Checkpoint(shape, seed = 1234) {
  const config = JSON.stringify({
    architectures: ['GPT2Model'], model_type: 'gpt2', activation_function: 'gelu_new', n_embd: shape.dModel,
    n_layer: shape.numLayers, n_head: shape.numHeads, n_inner: shape.dFF, vocab_size: shape.vocabSize,
    n_positions: shape.maxPositions, layer_norm_epsilon: 1e-5, initializer_range: INIT_STD, torch_dtype: 'float32',
  }, null, 2);
  return { 'config.json': config, 'model.safetensors': safetensorsOf(gpt2TensorSpecs(shape), seed) };
}

/** The checkpoint's files as { name: contents }; `shape` like BERT_BASE. */
export function makeBertCheckpoint(shape, seed = 1234) {
  if (shape.dModel % shape.numHeads !== 0) throw new Error('makeBertCheckpoint: numHeads must divide dModel');
  return {
    'config.json': configJson(shape), 'model.safetensors': safetensorsOf(bertTensorSpecs(shape), seed),
    'vocab.txt': vocabText(shape.vocabSize),
  };
}

/** A safetensors file (F32) holding `specs`' tensors, filled as each spec's init says. */
function safetensorsOf(specs, seed) {
  return safetensorsFile(specs, { fillNormal: normalSampler(seed) });
}

const f32 = new Float32Array(1);
const f32Bits = new Uint32Array(f32.buffer);
/** The bfloat16 bits of a float, rounded to nearest, ties to even (as torch's .to(torch.bfloat16)). */
export function toBf16(value) {
  f32[0] = value;
  const bits = f32Bits[0];
  return (bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16;
}

const BLOCK = 1 << 20;  // values drawn at a time: 16-bit files are filled without a float32 copy

/**
 * A safetensors file holding `specs`' tensors in `dtype` ('F32' or 'BF16'), each filled as its init
 * says ('normal': N(0, 0.02²) from `fillNormal`, 'ones', 'zeros').
 */
export function safetensorsFile(specs, { fillNormal, dtype = 'F32' }) {
  const size = dtype === 'BF16' ? 2 : 4;
  const header = {};
  let offset = 0;
  for (const s of specs) {
    const bytes = elementCount(s.shape) * size;
    header[s.name] = { dtype, shape: s.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  // Header padded with spaces to a multiple of 8 so every tensor starts aligned.
  let headerText = JSON.stringify(header);
  headerText += ' '.repeat((8 - (headerText.length % 8)) % 8);
  const headerBytes = new TextEncoder().encode(headerText);
  const file = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(file.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  file.set(headerBytes, 8);

  const dataStart = 8 + headerBytes.length;
  const block = new Float32Array(BLOCK);
  for (const s of specs) {
    const [begin, end] = header[s.name].data_offsets;
    const count = (end - begin) / size;
    const out = size === 4 ? new Float32Array(file.buffer, dataStart + begin, count)
      : new Uint16Array(file.buffer, dataStart + begin, count);
    for (let at = 0; at < count; at += BLOCK) {
      const values = block.subarray(0, Math.min(BLOCK, count - at));
      if (s.init === 'normal') fillNormal(values, INIT_STD);
      else values.fill(s.init === 'ones' ? 1 : 0);
      if (size === 4) out.set(values, at);
      else for (let i = 0; i < values.length; i++) out[at + i] = toBf16(values[i]);
    }
  }
  return file;
}
