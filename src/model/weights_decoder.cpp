// Weight names of the Llama-style decoders, as LlamaForCausalLM and its relatives save them
// ("model." prefix, lm_head.weight beside it) or as the bare LlamaModel does (no prefix, no head):
//   embed_tokens.weight                                      [vocab, d]
//   layers.N.input_layernorm.weight                          [d]
//   layers.N.self_attn.{q,k,v,o}_proj.{weight,bias}          nn.Linear [out, in]; Phi-3: qkv_proj fused
//   layers.N.self_attn.{q,k}_norm.weight                     [head_dim] (Qwen3)
//   layers.N.post_attention_layernorm.weight                 [d]
//   layers.N.mlp.{gate,up,down}_proj.weight                  Phi-3: gate_up_proj fused (gate first)
//   norm.weight                                              [d]
#include <string>

#include "model/weights_reading.hpp"
#include "util/error.hpp"

namespace attnscope::model::detail {
namespace {

// RMSNorm weights; Gemma's norms scale by (1 + w), computed in float32 as Hugging Face does.
std::vector<float> rms_weights(const PrefixedTensors& src, const ModelConfig& c, const std::string& name,
                               std::size_t width) {
  std::vector<float> gamma = src.floats(name, width);
  if (c.norm_adds_one) {
    for (float& g : gamma) g = 1.0f + g;
  }
  return gamma;
}

void read_attention(const ModelConfig& c, const PrefixedTensors& src, const std::string& base,
                    StoredAttentionWeights& attn) {
  const std::size_t d = c.d_model, dh = c.d_head;
  const std::size_t qw = c.num_heads * dh, kvw = c.num_kv_heads * dh;
  attn.d_model = d;
  attn.num_heads = c.num_heads;
  attn.num_kv_heads = c.num_kv_heads;
  attn.d_head = dh;
  const std::string a = base + "self_attn.";
  if (c.architecture == Architecture::phi3) {
    attn.qkv = src.linear(a + "qkv_proj.weight", d, qw + 2 * kvw);
  } else {
    attn.q = src.linear(a + "q_proj.weight", d, qw);
    attn.k = src.linear(a + "k_proj.weight", d, kvw);
    attn.v = src.linear(a + "v_proj.weight", d, kvw);
  }
  if (c.qkv_bias) {
    attn.bq = src.floats(a + "q_proj.bias", qw);
    attn.bk = src.floats(a + "k_proj.bias", kvw);
    attn.bv = src.floats(a + "v_proj.bias", kvw);
  }
  attn.o = src.linear(a + "o_proj.weight", qw, d);
  if (c.output_bias) attn.bo = src.floats(a + "o_proj.bias", d);
  if (c.qk_norm) {
    attn.q_norm = rms_weights(src, c, a + "q_norm.weight", dh);
    attn.k_norm = rms_weights(src, c, a + "k_norm.weight", dh);
    attn.norm_eps = c.layer_norm_eps;
  }
}

void read_mlp(const ModelConfig& c, const PrefixedTensors& src, const std::string& base, MlpWeights& mlp) {
  const std::size_t d = c.d_model, ff = c.d_ff;
  const std::string m = base + "mlp.";
  if (c.architecture == Architecture::phi3) {
    const WeightMatrix gate_up = src.linear(m + "gate_up_proj.weight", d, 2 * ff);
    mlp.gate = gate_up.output_slice(0, ff);
    mlp.up = gate_up.output_slice(ff, ff);
  } else {
    mlp.gate = src.linear(m + "gate_proj.weight", d, ff);
    mlp.up = src.linear(m + "up_proj.weight", d, ff);
  }
  mlp.down = src.linear(m + "down_proj.weight", ff, d);
  if (c.mlp_bias) {
    mlp.b_gate = src.floats(m + "gate_proj.bias", ff);
    mlp.b_up = src.floats(m + "up_proj.bias", ff);
    mlp.b_down = src.floats(m + "down_proj.bias", d);
  }
}

}  // namespace

void read_decoder(const ModelConfig& c, TensorStore& store, ModelWeights& w, bool keep_lm_head) {
  const PrefixedTensors src(store, detect_prefix(store, "model.", "embed_tokens.weight"));
  const std::size_t d = c.d_model;
  w.word_embeddings = src.table("embed_tokens.weight", c.vocab_size, d);
  for (std::size_t l = 0; l < c.num_layers; ++l) {
    const std::string base = "layers." + std::to_string(l) + ".";
    LayerWeights& layer = w.layers.emplace_back();
    layer.ln_attention.gamma = rms_weights(src, c, base + "input_layernorm.weight", d);
    read_attention(c, src, base, layer.attention);
    layer.ln_ffn.gamma = rms_weights(src, c, base + "post_attention_layernorm.weight", d);
    read_mlp(c, src, base, layer.mlp);
  }
  w.final_ln.gamma = rms_weights(src, c, "norm.weight", d);

  // The LM head sits beside the base model (lm_head.weight, no prefix). Tied: the embeddings.
  static const std::string kHead = "lm_head.weight";
  if (c.tie_word_embeddings) {
    w.lm_head = w.word_embeddings;
  } else if (keep_lm_head) {
    w.lm_head = store.matrix({kHead}, c.vocab_size, d, kernels::WeightLayout::out_in);
  } else if (store.has(kHead)) {
    store.check(kHead, {c.vocab_size, d});
  }
}

}  // namespace attnscope::model::detail
