// Weight names of the classic families. Each family's tensors are looked up under the base model's
// prefix ("bert.", "roberta.", "distilbert.", "transformer." as task heads such as BertForMaskedLM
// save them) or without it (as the bare BertModel / GPT2Model saves them). BERT-family linear
// weights are nn.Linear [out, in]; GPT-2's are Conv1D [in, out] with Q|K|V fused in c_attn.
#include "model/weights.hpp"

#include <string>

#include "model/weights_reading.hpp"
#include "util/error.hpp"

namespace attnscope::model {
namespace detail {

std::string detect_prefix(const TensorStore& store, const std::string& family_prefix, const std::string& probe) {
  if (store.has(family_prefix + probe)) return family_prefix;
  if (store.has(probe)) return "";
  throw InvalidArgument(store.source() + ": missing tensor '" + family_prefix + probe + "' or '" + probe + "' (" +
                        store.contents() + "; is config.json's model_type right?)");
}

namespace {

NormWeights layer_norm(const PrefixedTensors& src, const std::string& base, std::size_t d) {
  // Old BERT checkpoints (converted from TensorFlow) name LayerNorm parameters gamma/beta.
  return {src.floats({base + ".weight", base + ".gamma"}, d), src.floats({base + ".bias", base + ".beta"}, d)};
}

}  // namespace

void read_bert_family(const ModelConfig& c, TensorStore& store, ModelWeights& w) {
  const bool distil = c.architecture == Architecture::distilbert;
  const std::string family = c.architecture == Architecture::bert      ? "bert."
                             : c.architecture == Architecture::roberta ? "roberta."
                                                                       : "distilbert.";
  const PrefixedTensors src(store, detect_prefix(store, family, "embeddings.word_embeddings.weight"));
  const std::size_t d = c.d_model, ff = c.d_ff;
  w.word_embeddings = src.table("embeddings.word_embeddings.weight", c.vocab_size, d);
  w.position_embeddings = src.table("embeddings.position_embeddings.weight", c.max_positions, d);
  if (c.type_vocab_size > 0) {
    w.token_type_embeddings = src.table("embeddings.token_type_embeddings.weight", c.type_vocab_size, d);
  }
  w.embedding_ln = layer_norm(src, "embeddings.LayerNorm", d);

  for (std::size_t l = 0; l < c.num_layers; ++l) {
    LayerWeights& layer = w.layers.emplace_back();
    StoredAttentionWeights& attn = layer.attention;
    const std::string base = (distil ? "transformer.layer." : "encoder.layer.") + std::to_string(l) + ".";
    const std::string attention = base + (distil ? "attention." : "attention.self.");
    const std::string q = attention + (distil ? "q_lin" : "query");
    const std::string k = attention + (distil ? "k_lin" : "key");
    const std::string v = attention + (distil ? "v_lin" : "value");
    const std::string out = base + (distil ? "attention.out_lin" : "attention.output.dense");
    attn.q = src.linear(q + ".weight", d, d);
    attn.bq = src.floats(q + ".bias", d);
    attn.k = src.linear(k + ".weight", d, d);
    attn.bk = src.floats(k + ".bias", d);
    attn.v = src.linear(v + ".weight", d, d);
    attn.bv = src.floats(v + ".bias", d);
    attn.o = src.linear(out + ".weight", d, d);
    attn.bo = src.floats(out + ".bias", d);
    layer.ln_attention = layer_norm(src, base + (distil ? "sa_layer_norm" : "attention.output.LayerNorm"), d);
    const std::string ff1 = base + (distil ? "ffn.lin1" : "intermediate.dense");
    const std::string ff2 = base + (distil ? "ffn.lin2" : "output.dense");
    layer.mlp.up = src.linear(ff1 + ".weight", d, ff);
    layer.mlp.b_up = src.floats(ff1 + ".bias", ff);
    layer.mlp.down = src.linear(ff2 + ".weight", ff, d);
    layer.mlp.b_down = src.floats(ff2 + ".bias", d);
    layer.ln_ffn = layer_norm(src, base + (distil ? "output_layer_norm" : "output.LayerNorm"), d);
  }
}

void read_gpt2(const ModelConfig& c, TensorStore& store, ModelWeights& w) {
  const PrefixedTensors src(store, detect_prefix(store, "transformer.", "wte.weight"));
  const std::size_t d = c.d_model, ff = c.d_ff;
  w.word_embeddings = src.table("wte.weight", c.vocab_size, d);
  w.position_embeddings = src.table("wpe.weight", c.max_positions, d);
  for (std::size_t l = 0; l < c.num_layers; ++l) {
    const std::string base = "h." + std::to_string(l) + ".";
    LayerWeights& layer = w.layers.emplace_back();
    layer.ln_attention = layer_norm(src, base + "ln_1", d);
    StoredAttentionWeights& attn = layer.attention;
    // c_attn is [d, 3d] with columns q | k | v: the fused projection as it is.
    attn.qkv = src.conv1d(base + "attn.c_attn.weight", d, 3 * d);
    const std::vector<float> b_qkv = src.floats(base + "attn.c_attn.bias", 3 * d);
    attn.bq.assign(b_qkv.begin(), b_qkv.begin() + static_cast<std::ptrdiff_t>(d));
    attn.bk.assign(b_qkv.begin() + static_cast<std::ptrdiff_t>(d), b_qkv.begin() + static_cast<std::ptrdiff_t>(2 * d));
    attn.bv.assign(b_qkv.begin() + static_cast<std::ptrdiff_t>(2 * d), b_qkv.end());
    attn.o = src.conv1d(base + "attn.c_proj.weight", d, d);
    attn.bo = src.floats(base + "attn.c_proj.bias", d);
    layer.ln_ffn = layer_norm(src, base + "ln_2", d);
    layer.mlp.up = src.conv1d(base + "mlp.c_fc.weight", d, ff);
    layer.mlp.b_up = src.floats(base + "mlp.c_fc.bias", ff);
    layer.mlp.down = src.conv1d(base + "mlp.c_proj.weight", ff, d);
    layer.mlp.b_down = src.floats(base + "mlp.c_proj.bias", d);
  }
  w.final_ln = layer_norm(src, "ln_f", d);
}

}  // namespace detail

std::uint64_t parameter_count(const ModelConfig& c) noexcept {
  const std::uint64_t d = c.d_model, ff = c.d_ff;
  const std::uint64_t qw = std::uint64_t{c.num_heads} * c.d_head, kvw = std::uint64_t{c.num_kv_heads} * c.d_head;
  const std::uint64_t attention = d * (qw + 2 * kvw) + qw * d + (qw + 2 * kvw) + d + (c.qk_norm ? 2 * c.d_head : 0);
  const std::uint64_t mlp = (c.gated_mlp ? 3 : 2) * d * ff + 2 * ff + d;
  const std::uint64_t norms = 4 * d;
  const std::uint64_t tables = std::uint64_t{c.vocab_size} + (c.position_table ? c.max_positions : 0) + c.type_vocab_size;
  const std::uint64_t one_stack = tables * d + 4 * d + std::uint64_t{c.num_layers} * (attention + mlp + norms);
  if (!c.encoder_decoder) return one_stack;
  // The decoder: its own position table, self- and cross-attention (the encoder's widths: BART's
  // heads·d_head and T5's are the same in both stacks) and MLP per layer; T5's bucket tables.
  const std::uint64_t dec_ff = c.decoder_d_ff;
  const std::uint64_t dec_mlp = (c.gated_mlp ? 3 : 2) * d * dec_ff + 2 * dec_ff + d;
  const std::uint64_t decoder = (c.position_table ? std::uint64_t{c.max_positions} * d : 0) + 4 * d +
                                std::uint64_t{c.decoder_layers} * (2 * attention + dec_mlp + 6 * d);
  return one_stack + decoder + 2 * std::uint64_t{c.relative_buckets} * c.num_heads;
}

ModelWeights read_weights(const ModelConfig& config, TensorStore& store, bool keep_lm_head) {
  ModelWeights w;
  switch (config.architecture) {
    case Architecture::bert:
    case Architecture::roberta:
    case Architecture::distilbert: detail::read_bert_family(config, store, w); break;
    case Architecture::gpt2: detail::read_gpt2(config, store, w); break;
    case Architecture::bart:
    case Architecture::mbart:
    case Architecture::marian: detail::read_bart_family(config, store, w); break;
    case Architecture::t5: detail::read_t5(config, store, w); break;
    default: detail::read_decoder(config, store, w); break;
  }
  w.lm_head = read_lm_head(config, store, w.word_embeddings, keep_lm_head);
  return w;
}

}  // namespace attnscope::model
