// Weight names of the encoder–decoder families.
// BART, mBART, Marian (BartModel's names; "model." before them as BartForConditionalGeneration saves):
//   shared.weight (or encoder.embed_tokens.weight)               [vocab, d]
//   {encoder,decoder}.embed_positions.weight                     [max_positions + 2, d] (not Marian's)
//   {encoder,decoder}.layernorm_embedding.{weight,bias}          (BART, mBART)
//   {encoder,decoder}.layers.N.self_attn.{q,k,v,out}_proj.{weight,bias}
//   {encoder,decoder}.layers.N.self_attn_layer_norm.{weight,bias}
//   decoder.layers.N.encoder_attn.{q,k,v,out}_proj.{weight,bias}, encoder_attn_layer_norm
//   {encoder,decoder}.layers.N.fc1, fc2, final_layer_norm
//   {encoder,decoder}.layer_norm                                 (mBART's final norms)
// T5 (T5Model and T5ForConditionalGeneration, no prefix):
//   shared.weight (or encoder.embed_tokens.weight)
//   {encoder,decoder}.block.0.layer.0.SelfAttention.relative_attention_bias.weight   [buckets, heads]
//   {encoder,decoder}.block.N.layer.0.SelfAttention.{q,k,v,o}.weight, layer.0.layer_norm.weight
//   decoder.block.N.layer.1.EncDecAttention.{q,k,v,o}.weight, layer.1.layer_norm.weight
//   {encoder,decoder}.block.N.layer.F.DenseReluDense.{wi,wo}.weight (wi_0, wi_1 gated), layer.F.layer_norm
//     (F = 1 in the encoder, 2 in the decoder)
//   {encoder,decoder}.final_layer_norm.weight
#include <cmath>
#include <string>

#include "model/weights_reading.hpp"
#include "util/error.hpp"

namespace attnscope::model::detail {
namespace {

WeightMatrix shared_embeddings(const ModelConfig& c, const PrefixedTensors& src) {
  const std::string& p = src.prefix();
  return src.store().matrix({p + "shared.weight", p + "encoder.embed_tokens.weight"}, c.vocab_size, c.d_model,
                            kernels::WeightLayout::out_in);
}

NormWeights bart_norm(const PrefixedTensors& src, const std::string& base, std::size_t d) {
  return {src.floats(base + ".weight", d), src.floats(base + ".bias", d)};
}

StoredAttentionWeights bart_attention(const PrefixedTensors& src, const std::string& base, std::size_t d,
                                      std::size_t heads) {
  StoredAttentionWeights a;
  a.d_model = d;
  a.num_heads = heads;
  a.num_kv_heads = heads;
  a.d_head = d / heads;
  a.q = src.linear(base + "q_proj.weight", d, d);
  a.bq = src.floats(base + "q_proj.bias", d);
  a.k = src.linear(base + "k_proj.weight", d, d);
  a.bk = src.floats(base + "k_proj.bias", d);
  a.v = src.linear(base + "v_proj.weight", d, d);
  a.bv = src.floats(base + "v_proj.bias", d);
  a.o = src.linear(base + "out_proj.weight", d, d);
  a.bo = src.floats(base + "out_proj.bias", d);
  return a;
}

void bart_mlp(const PrefixedTensors& src, const std::string& base, std::size_t d, std::size_t ff, MlpWeights& mlp) {
  mlp.up = src.linear(base + "fc1.weight", d, ff);
  mlp.b_up = src.floats(base + "fc1.bias", ff);
  mlp.down = src.linear(base + "fc2.weight", ff, d);
  mlp.b_down = src.floats(base + "fc2.bias", d);
}

// Marian's fixed table: row p = [sin(p·f_0) .. sin(p·f_{d/2-1}) | cos(p·f_0) .. cos(p·f_{d/2-1})],
// f_i = 10000^(-2i/d) (Hugging Face's MarianSinusoidalPositionalEmbedding; odd d: one more sine).
WeightMatrix sinusoidal_table(std::size_t rows, std::size_t d) {
  std::vector<float> table(rows * d);
  const std::size_t sines = (d + 1) / 2;
  for (std::size_t p = 0; p < rows; ++p) {
    for (std::size_t j = 0; j < d; ++j) {
      const std::size_t i = j < sines ? j : j - sines;
      const double angle = static_cast<double>(p) / std::pow(10000.0, 2.0 * static_cast<double>(i) / static_cast<double>(d));
      table[p * d + j] = static_cast<float>(j < sines ? std::sin(angle) : std::cos(angle));
    }
  }
  return WeightMatrix::from_floats(std::move(table), kernels::WeightLayout::out_in, d, rows);
}

}  // namespace

void read_bart_family(const ModelConfig& c, TensorStore& store, ModelWeights& w) {
  const PrefixedTensors src(store, detect_prefix(store, "model.", "encoder.layers.0.fc1.weight"));
  const std::size_t d = c.d_model;
  const bool pre = c.pre_layer_norm;
  w.word_embeddings = shared_embeddings(c, src);
  if (c.sinusoidal_positions) {
    w.position_embeddings = sinusoidal_table(c.max_positions, d);
    w.decoder_position_embeddings = w.position_embeddings;
  } else {
    w.position_embeddings = src.table("encoder.embed_positions.weight", c.max_positions, d);
    w.decoder_position_embeddings = src.table("decoder.embed_positions.weight", c.max_positions, d);
  }
  if (c.embedding_norm) {
    w.embedding_ln = bart_norm(src, "encoder.layernorm_embedding", d);
    w.decoder_embedding_ln = bart_norm(src, "decoder.layernorm_embedding", d);
  }
  for (std::size_t l = 0; l < c.num_layers; ++l) {
    const std::string base = "encoder.layers." + std::to_string(l) + ".";
    LayerWeights& layer = w.layers.emplace_back();
    layer.attention = bart_attention(src, base + "self_attn.", d, c.num_heads);
    layer.ln_attention = bart_norm(src, base + "self_attn_layer_norm", d);
    bart_mlp(src, base, d, c.d_ff, layer.mlp);
    layer.ln_ffn = bart_norm(src, base + "final_layer_norm", d);
  }
  for (std::size_t l = 0; l < c.decoder_layers; ++l) {
    const std::string base = "decoder.layers." + std::to_string(l) + ".";
    LayerWeights& layer = w.decoder_layers.emplace_back();
    layer.attention = bart_attention(src, base + "self_attn.", d, c.decoder_heads);
    layer.ln_attention = bart_norm(src, base + "self_attn_layer_norm", d);
    layer.cross_attention = bart_attention(src, base + "encoder_attn.", d, c.decoder_heads);
    layer.ln_cross = bart_norm(src, base + "encoder_attn_layer_norm", d);
    bart_mlp(src, base, d, c.decoder_d_ff, layer.mlp);
    layer.ln_ffn = bart_norm(src, base + "final_layer_norm", d);
  }
  if (pre) {
    w.final_ln = bart_norm(src, "encoder.layer_norm", d);
    w.decoder_final_ln = bart_norm(src, "decoder.layer_norm", d);
  }
}

namespace {

StoredAttentionWeights t5_attention(const ModelConfig& c, const PrefixedTensors& src, const std::string& base) {
  const std::size_t d = c.d_model, inner = c.num_heads * c.d_head;
  StoredAttentionWeights a;
  a.d_model = d;
  a.num_heads = c.num_heads;
  a.num_kv_heads = c.num_heads;
  a.d_head = c.d_head;
  a.scale = c.attention_scale;
  a.q = src.linear(base + "q.weight", d, inner);
  a.k = src.linear(base + "k.weight", d, inner);
  a.v = src.linear(base + "v.weight", d, inner);
  a.o = src.linear(base + "o.weight", inner, d);
  return a;
}

void t5_mlp(const ModelConfig& c, const PrefixedTensors& src, const std::string& base, MlpWeights& mlp) {
  const std::size_t d = c.d_model, ff = c.d_ff;
  const std::string m = base + "DenseReluDense.";
  if (c.gated_mlp) {
    mlp.gate = src.linear(m + "wi_0.weight", d, ff);  // act(x·wi_0) ⊙ x·wi_1
    mlp.up = src.linear(m + "wi_1.weight", d, ff);
  } else {
    mlp.up = src.linear(m + "wi.weight", d, ff);
  }
  mlp.down = src.linear(m + "wo.weight", ff, d);
}

NormWeights t5_norm(const PrefixedTensors& src, const std::string& name, std::size_t d) {
  return {src.floats(name, d), {}};
}

}  // namespace

void read_t5(const ModelConfig& c, TensorStore& store, ModelWeights& w) {
  const PrefixedTensors src(store, detect_prefix(store, "model.", "encoder.block.0.layer.0.layer_norm.weight"));
  const std::size_t d = c.d_model;
  w.word_embeddings = shared_embeddings(c, src);
  const std::string bias = "block.0.layer.0.SelfAttention.relative_attention_bias.weight";
  w.encoder_relative_bias = src.table("encoder." + bias, c.relative_buckets, c.num_heads);
  for (std::size_t l = 0; l < c.num_layers; ++l) {
    const std::string base = "encoder.block." + std::to_string(l) + ".layer.";
    LayerWeights& layer = w.layers.emplace_back();
    layer.ln_attention = t5_norm(src, base + "0.layer_norm.weight", d);
    layer.attention = t5_attention(c, src, base + "0.SelfAttention.");
    layer.ln_ffn = t5_norm(src, base + "1.layer_norm.weight", d);
    t5_mlp(c, src, base + "1.", layer.mlp);
  }
  w.final_ln = t5_norm(src, "encoder.final_layer_norm.weight", d);
  w.decoder_relative_bias = src.table("decoder." + bias, c.relative_buckets, c.num_heads);
  for (std::size_t l = 0; l < c.decoder_layers; ++l) {
    const std::string base = "decoder.block." + std::to_string(l) + ".layer.";
    LayerWeights& layer = w.decoder_layers.emplace_back();
    layer.ln_attention = t5_norm(src, base + "0.layer_norm.weight", d);
    layer.attention = t5_attention(c, src, base + "0.SelfAttention.");
    layer.ln_cross = t5_norm(src, base + "1.layer_norm.weight", d);
    layer.cross_attention = t5_attention(c, src, base + "1.EncDecAttention.");
    layer.ln_ffn = t5_norm(src, base + "2.layer_norm.weight", d);
    t5_mlp(c, src, base + "2.", layer.mlp);
  }
  w.decoder_final_ln = t5_norm(src, "decoder.final_layer_norm.weight", d);
}

}  // namespace attnscope::model::detail
