// Weight-name mapping for the supported families. Each family's tensors are looked up under the
// base model's prefix ("bert.", "roberta.", "distilbert.", "transformer." as task heads such as
// BertForMaskedLM save them) or without it (as the bare BertModel / GPT2Model saves them).
#include "model/weights.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "util/error.hpp"

namespace attnscope::model {
namespace {

class TensorSource {
 public:
  TensorSource(const SafetensorsFile& file, std::string prefix) : file_(file), prefix_(std::move(prefix)) {}

  // The tensor named prefix + one of `names` (alternatives, e.g. LayerNorm weight/gamma), checked
  // against the expected shape.
  const TensorInfo& get(const std::vector<std::string>& names, const std::vector<std::size_t>& shape) const {
    for (const auto& name : names) {
      if (const TensorInfo* t = file_.find(prefix_ + name)) {
        if (t->shape != shape) {
          throw InvalidArgument(file_.file_name() + ": tensor '" + t->name + "' has shape " +
                                shape_text(t->shape) + ", expected " + shape_text(shape) +
                                " from config.json");
        }
        if (t->dtype == Dtype::other) {
          throw InvalidArgument(file_.file_name() + ": tensor '" + t->name + "' has dtype " +
                                t->dtype_name + " (supported: F32, F16, BF16)");
        }
        return *t;
      }
    }
    std::string tried;
    for (const auto& name : names) tried += (tried.empty() ? "'" : " or '") + prefix_ + name + "'";
    throw InvalidArgument(file_.file_name() + ": missing tensor " + tried);
  }

  std::vector<float> read(const std::vector<std::string>& names, const std::vector<std::size_t>& shape) const {
    return file_.read_f32(get(names, shape));
  }

  // nn.Linear weight [out, in] transposed into the x·W layout [in, out].
  std::vector<float> read_linear(const std::string& name, std::size_t in, std::size_t out) const {
    const std::vector<float> w = read({name}, {out, in});
    std::vector<float> dst(in * out);
    // In 32x32 tiles: a plain double loop strides through one of the matrices and is several times
    // slower on bert-base-sized (768 x 3072) weights.
    constexpr std::size_t kTile = 32;
    for (std::size_t o0 = 0; o0 < out; o0 += kTile) {
      for (std::size_t i0 = 0; i0 < in; i0 += kTile) {
        const std::size_t o_end = std::min(out, o0 + kTile), i_end = std::min(in, i0 + kTile);
        for (std::size_t o = o0; o < o_end; ++o) {
          for (std::size_t i = i0; i < i_end; ++i) dst[i * out + o] = w[o * in + i];
        }
      }
    }
    return dst;
  }

  LayerNormWeights read_layer_norm(const std::string& base, std::size_t d) const {
    // Old BERT checkpoints (converted from TensorFlow) name LayerNorm parameters gamma/beta.
    return {read({base + ".weight", base + ".gamma"}, {d}), read({base + ".bias", base + ".beta"}, {d})};
  }

 private:
  const SafetensorsFile& file_;
  std::string prefix_;
};

// The prefix under which `probe` exists, or an error naming the names tried and what the file holds.
std::string detect_prefix(const SafetensorsFile& file, const std::string& family_prefix,
                          const std::string& probe) {
  if (file.find(family_prefix + probe)) return family_prefix;
  if (file.find(probe)) return "";
  std::string sample;
  for (std::size_t i = 0; i < file.tensors().size() && i < 3; ++i) {
    sample += (i ? ", '" : "'") + file.tensors()[i].name + "'";
  }
  throw InvalidArgument(file.file_name() + ": missing tensor '" + family_prefix + probe + "' or '" +
                        probe + "' (the file holds " + std::to_string(file.tensors().size()) +
                        " tensors" + (sample.empty() ? "" : ", e.g. " + sample) +
                        "; is config.json's model_type right?)");
}

void read_bert_family(const ModelConfig& c, const SafetensorsFile& file, ModelWeights& w) {
  const bool distil = c.architecture == Architecture::distilbert;
  const std::string family = c.architecture == Architecture::bert      ? "bert."
                             : c.architecture == Architecture::roberta ? "roberta."
                                                                       : "distilbert.";
  const TensorSource src(file, detect_prefix(file, family, "embeddings.word_embeddings.weight"));
  const std::size_t d = c.d_model, ff = c.d_ff;
  w.word_embeddings = src.read({"embeddings.word_embeddings.weight"}, {c.vocab_size, d});
  w.position_embeddings = src.read({"embeddings.position_embeddings.weight"}, {c.max_positions, d});
  if (c.type_vocab_size > 0) {
    w.token_type_embeddings = src.read({"embeddings.token_type_embeddings.weight"}, {c.type_vocab_size, d});
  }
  w.embedding_ln = src.read_layer_norm("embeddings.LayerNorm", d);

  for (std::size_t l = 0; l < c.num_layers; ++l) {
    LayerWeights layer;
    MultiHeadAttentionParams& attn = layer.attention;
    const std::string base = (distil ? "transformer.layer." : "encoder.layer.") + std::to_string(l) + ".";
    const std::string attention = base + (distil ? "attention." : "attention.self.");
    const std::string q = attention + (distil ? "q_lin" : "query");
    const std::string k = attention + (distil ? "k_lin" : "key");
    const std::string v = attention + (distil ? "v_lin" : "value");
    attn.wq = src.read_linear(q + ".weight", d, d);
    attn.bq = src.read({q + ".bias"}, {d});
    attn.wk = src.read_linear(k + ".weight", d, d);
    attn.bk = src.read({k + ".bias"}, {d});
    attn.wv = src.read_linear(v + ".weight", d, d);
    attn.bv = src.read({v + ".bias"}, {d});
    const std::string out = base + (distil ? "attention.out_lin" : "attention.output.dense");
    attn.wo = src.read_linear(out + ".weight", d, d);
    attn.bo = src.read({out + ".bias"}, {d});
    layer.ln_attention = src.read_layer_norm(base + (distil ? "sa_layer_norm" : "attention.output.LayerNorm"), d);
    const std::string ff1 = base + (distil ? "ffn.lin1" : "intermediate.dense");
    const std::string ff2 = base + (distil ? "ffn.lin2" : "output.dense");
    layer.w_ff1 = src.read_linear(ff1 + ".weight", d, ff);
    layer.b_ff1 = src.read({ff1 + ".bias"}, {ff});
    layer.w_ff2 = src.read_linear(ff2 + ".weight", ff, d);
    layer.b_ff2 = src.read({ff2 + ".bias"}, {d});
    layer.ln_ffn = src.read_layer_norm(base + (distil ? "output_layer_norm" : "output.LayerNorm"), d);
    w.layers.push_back(std::move(layer));
  }
}

void read_gpt2(const ModelConfig& c, const SafetensorsFile& file, ModelWeights& w) {
  const TensorSource src(file, detect_prefix(file, "transformer.", "wte.weight"));
  const std::size_t d = c.d_model, ff = c.d_ff;
  w.word_embeddings = src.read({"wte.weight"}, {c.vocab_size, d});
  w.position_embeddings = src.read({"wpe.weight"}, {c.max_positions, d});
  for (std::size_t l = 0; l < c.num_layers; ++l) {
    const std::string base = "h." + std::to_string(l) + ".";
    LayerWeights layer;
    // Conv1D stores weights [in, out], already the x·W layout.
    layer.ln_attention = src.read_layer_norm(base + "ln_1", d);
    MultiHeadAttentionParams& attn = layer.attention;
    // c_attn is [d, 3d] with columns q | k | v.
    const std::vector<float> qkv = src.read({base + "attn.c_attn.weight"}, {d, 3 * d});
    const std::vector<float> b_qkv = src.read({base + "attn.c_attn.bias"}, {3 * d});
    for (std::vector<float>* part : {&attn.wq, &attn.wk, &attn.wv}) part->resize(d * d);
    for (std::size_t r = 0; r < d; ++r) {
      const float* row = qkv.data() + r * 3 * d;
      std::copy_n(row, d, attn.wq.data() + r * d);
      std::copy_n(row + d, d, attn.wk.data() + r * d);
      std::copy_n(row + 2 * d, d, attn.wv.data() + r * d);
    }
    attn.bq.assign(b_qkv.begin(), b_qkv.begin() + d);
    attn.bk.assign(b_qkv.begin() + d, b_qkv.begin() + 2 * d);
    attn.bv.assign(b_qkv.begin() + 2 * d, b_qkv.end());
    attn.wo = src.read({base + "attn.c_proj.weight"}, {d, d});
    attn.bo = src.read({base + "attn.c_proj.bias"}, {d});
    layer.ln_ffn = src.read_layer_norm(base + "ln_2", d);
    layer.w_ff1 = src.read({base + "mlp.c_fc.weight"}, {d, ff});
    layer.b_ff1 = src.read({base + "mlp.c_fc.bias"}, {ff});
    layer.w_ff2 = src.read({base + "mlp.c_proj.weight"}, {ff, d});
    layer.b_ff2 = src.read({base + "mlp.c_proj.bias"}, {d});
    w.layers.push_back(std::move(layer));
  }
  w.final_ln = src.read_layer_norm("ln_f", d);
}

}  // namespace

std::uint64_t weight_bytes(const ModelConfig& c) noexcept {
  const std::uint64_t d = c.d_model, ff = c.d_ff;
  const std::uint64_t per_layer = d * 3 * d + 3 * d + d * d + d + 4 * d + d * ff + ff + ff * d + d;
  std::uint64_t floats = (std::uint64_t{c.vocab_size} + c.max_positions + c.type_vocab_size) * d +
                         2 * d + std::uint64_t{c.num_layers} * per_layer;
  return floats * sizeof(float);
}

ModelWeights read_weights(const ModelConfig& config, const SafetensorsFile& file) {
  ModelWeights w;
  if (config.architecture == Architecture::gpt2) read_gpt2(config, file, w);
  else read_bert_family(config, file, w);
  return w;
}

}  // namespace attnscope::model
