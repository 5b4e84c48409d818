// Seeded random Llama-family checkpoints in the Hugging Face layout (LlamaForCausalLM's and
// Qwen2ForCausalLM's tensor names, "model." prefix), built in memory for the model bench and the
// memory tests: { 'config.json', 'model.safetensors' } or, with shards, the shards and
// 'model.safetensors.index.json' — the object form core.loadModel accepts. Weights follow the
// families' init (Linear and embedding weights N(0, 0.02), biases 0, RMSNorm weights 1), stored as
// F32 or BF16 (rounded to nearest even, as torch's .to(torch.bfloat16)).
import { elementCount, normalSampler, safetensorsFile } from './random_bert.mjs';

/** SmolLM2-135M's shape (HuggingFaceTB/SmolLM2-135M). */
export const SMOLLM2_135M = Object.freeze({
  family: 'llama', numLayers: 30, dModel: 576, numHeads: 9, numKvHeads: 3, dFF: 1536, vocabSize: 49152,
  maxPositions: 8192, ropeTheta: 100000, rmsNormEps: 1e-5, tied: true,
});

/** Qwen2.5-0.5B's shape (Qwen/Qwen2.5-0.5B): Q/K/V biases, tied embeddings. */
export const QWEN25_05B = Object.freeze({
  family: 'qwen2', numLayers: 24, dModel: 896, numHeads: 14, numKvHeads: 2, dFF: 4864, vocabSize: 151936,
  maxPositions: 32768, ropeTheta: 1000000, rmsNormEps: 1e-6, tied: true,
});

const INIT_STD = 0.02;

/** [{ name, shape, init: 'normal' | 'zeros' | 'ones' }] in the order they are written. */
export function llamaTensorSpecs({ family, numLayers, dModel: d, numHeads, numKvHeads, dFF, vocabSize, tied }) {
  const dHead = d / numHeads, q = numHeads * dHead, kv = numKvHeads * dHead;
  const specs = [{ name: 'model.embed_tokens.weight', shape: [vocabSize, d], init: 'normal' }];
  const linear = (name, out, inputs, bias) => {
    specs.push({ name: `${name}.weight`, shape: [out, inputs], init: 'normal' });
    if (bias) specs.push({ name: `${name}.bias`, shape: [out], init: 'zeros' });
  };
  const qkvBias = family === 'qwen2';
  for (let l = 0; l < numLayers; l++) {
    const p = `model.layers.${l}`;
    specs.push({ name: `${p}.input_layernorm.weight`, shape: [d], init: 'ones' });
    linear(`${p}.self_attn.q_proj`, q, d, qkvBias);
    linear(`${p}.self_attn.k_proj`, kv, d, qkvBias);
    linear(`${p}.self_attn.v_proj`, kv, d, qkvBias);
    linear(`${p}.self_attn.o_proj`, d, q, false);
    specs.push({ name: `${p}.post_attention_layernorm.weight`, shape: [d], init: 'ones' });
    linear(`${p}.mlp.gate_proj`, dFF, d, false);
    linear(`${p}.mlp.up_proj`, dFF, d, false);
    linear(`${p}.mlp.down_proj`, d, dFF, false);
  }
  specs.push({ name: 'model.norm.weight', shape: [d], init: 'ones' });
  if (!tied) specs.push({ name: 'lm_head.weight', shape: [vocabSize, d], init: 'normal' });
  return specs;
}

export function llamaParameterCount(shape) {
  return llamaTensorSpecs(shape).reduce((sum, s) => sum + elementCount(s.shape), 0);
}

function configJson(shape, dtype) {
  return JSON.stringify({
    architectures: [shape.family === 'qwen2' ? 'Qwen2ForCausalLM' : 'LlamaForCausalLM'], model_type: shape.family,
    hidden_size: shape.dModel, num_hidden_layers: shape.numLayers, num_attention_heads: shape.numHeads,
    num_key_value_heads: shape.numKvHeads, intermediate_size: shape.dFF, vocab_size: shape.vocabSize,
    max_position_embeddings: shape.maxPositions, rope_theta: shape.ropeTheta, rms_norm_eps: shape.rmsNormEps,
    hidden_act: 'silu', tie_word_embeddings: shape.tied, initializer_range: INIT_STD,
    torch_dtype: dtype === 'BF16' ? 'bfloat16' : 'float32',
    ...(shape.family === 'qwen2' ? { use_sliding_window: false, sliding_window: 32768, max_window_layers: 21 } : {}),
  }, null, 2);
}

/**
 * The checkpoint's files as { name: contents }. options: dtype 'F32' | 'BF16' (default 'BF16'),
 * shards (default 1: one model.safetensors; more: model-0000i-of-0000N.safetensors and an index).
 */
export function makeLlamaCheckpoint(shape, { dtype = 'BF16', shards = 1, seed = 1234 } = {}) {
  const specs = llamaTensorSpecs(shape);
  const fillNormal = normalSampler(seed);
  const files = { 'config.json': configJson(shape, dtype) };
  if (shards === 1) {
    files['model.safetensors'] = safetensorsFile(specs, { fillNormal, dtype });
    return files;
  }
  const weightMap = {};
  for (let i = 0; i < shards; i++) {
    const name = `model-${String(i + 1).padStart(5, '0')}-of-${String(shards).padStart(5, '0')}.safetensors`;
    const part = specs.filter((_, k) => Math.floor((k * shards) / specs.length) === i);
    files[name] = safetensorsFile(part, { fillNormal, dtype });
    for (const s of part) weightMap[s.name] = name;
  }
  files['model.safetensors.index.json'] = JSON.stringify({ metadata: {}, weight_map: weightMap });
  return files;
}
