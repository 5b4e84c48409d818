#!/usr/bin/python3
"""Writes tiny random encoder-decoder checkpoints (BART, mBART, Marian, T5) in the Hugging Face layout,
with reference outputs computed here from the published architectures in float64.

Each case is a folder tests/golden/seq2seq/<name>/ holding config.json (the family's Hugging Face
keys), model.safetensors under the names BartForConditionalGeneration / MBartModel / MarianMTModel /
T5ForConditionalGeneration save, and reference.safetensors:
  source_ids, target_ids                       I32
  encoder_attentions.L  [heads, n_src, n_src]  decoder_attentions.L [heads, n_tgt, n_tgt] (causal)
  cross_attentions.L    [heads, n_tgt, n_src]  encoder_hidden [n_src, d]  hidden [n_tgt, d]
  padded.*              the same with padded.source_mask (0 = padding source token)
  steps.<kind>.*        one layer's textbook steps of each kind (encoder, decoder, cross):
                        layer (I32), x, q, k, v, scores, scaled (+ T5's bias), weights, head_output, output
  buckets.bidirectional, buckets.causal   T5: the bucket of each relative position in buckets.relative

The architectures, as the BART (Lewis et al. 2019), mBART, Marian and T5 (Raffel et al. 2020) papers and
Hugging Face's modeling code define them:
  BART    embeddings x sqrt(d) when scale_embedding, + learned positions at row i + 2, LayerNorm;
          post-LN layers: self-attention (queries scaled by 1/sqrt(d_head)), [cross-attention], FFN
  mBART   the same embeddings, pre-LN layers, a final LayerNorm per stack
  Marian  sinusoidal positions (sin | cos halves), no embedding LayerNorm, post-LN, swish
  T5      no position table: a relative position bias from layer 0's bucket table added to every
          self-attention's scores (bidirectional buckets in the encoder, causal in the decoder), no
          1/sqrt(d) scaling, no biases, RMS LayerNorm (weight only), ReLU or gated-GELU (tanh) FFN.
The bucket function follows Hugging Face's _relative_position_bucket literally, in torch's float32.

Run with Debian's torch: /usr/bin/python3 scripts/generate/make_seq2seq_golden.py
"""
import math
import os

import torch

from make_model_golden import rand, stored, write_config, write_safetensors
from seq2seq_reference import act, attention, layer_norm, position_bias, relative_position_bucket, sinusoidal, t5_norm

# Beside tests/golden/models (whose tests run every folder there as a one-stack model).
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "golden", "seq2seq")

DTYPE_NAMES = {"F32": "float32", "F16": "float16", "BF16": "bfloat16"}


# ---------------------------------------------------------------- BART family

def bart_forward(s, spec, src, tgt, src_mask, steps_at):
    P, d = spec["prefix"], spec["d"]
    pre, family = spec["pre"], spec["family"]
    emb = s[P + "shared.weight"]
    res = {"encoder_attentions": [], "decoder_attentions": [], "cross_attentions": [], "steps": {}}

    def embed(ids, side):
        x = emb[ids] * spec["embed_scale"]
        if family == "marian":
            x = x + sinusoidal(len(ids), d)
        else:
            x = x + s[f"{P}{side}.embed_positions.weight"][torch.arange(len(ids)) + 2]
        if family != "marian":
            x = layer_norm(x, s[f"{P}{side}.layernorm_embedding.weight"], s[f"{P}{side}.layernorm_embedding.bias"])
        return x

    def params(base):
        return {"q": s[base + "q_proj.weight"], "bq": s[base + "q_proj.bias"], "k": s[base + "k_proj.weight"],
                "bk": s[base + "k_proj.bias"], "v": s[base + "v_proj.weight"], "bv": s[base + "v_proj.bias"],
                "o": s[base + "out_proj.weight"], "bo": s[base + "out_proj.bias"]}

    def norm(x, base):
        return layer_norm(x, s[base + ".weight"], s[base + ".bias"])

    def sub(x, base_norm, fn):
        if pre:
            return x + fn(norm(x, base_norm))
        return norm(x + fn(x), base_norm)

    def ffn(base):
        return lambda a: act(spec["act"], a @ s[base + "fc1.weight"].t() + s[base + "fc1.bias"]) \
            @ s[base + "fc2.weight"].t() + s[base + "fc2.bias"]

    ns, nt = len(src), len(tgt)
    key_ok = (src_mask != 0)[None, :]
    x = embed(src, "encoder")
    for l in range(spec["enc_layers"]):
        base = f"{P}encoder.layers.{l}."

        def self_attn(a, l=l, base=base):
            st = attention(a, a, params(base + "self_attn."), spec["enc_heads"], d // spec["enc_heads"],
                           1 / math.sqrt(d // spec["enc_heads"]), None, key_ok.expand(ns, ns))
            res["encoder_attentions"].append(st["weights"])
            if steps_at.get("encoder") == l:
                res["steps"]["encoder"] = st
            return st["output"]
        x = sub(x, base + "self_attn_layer_norm", self_attn)
        x = sub(x, base + "final_layer_norm", ffn(base))
    if pre:
        x = norm(x, P + "encoder.layer_norm")
    enc = x

    y = embed(tgt, "decoder")
    causal = torch.tril(torch.ones(nt, nt, dtype=torch.bool))
    dh = d // spec["dec_heads"]
    for l in range(spec["dec_layers"]):
        base = f"{P}decoder.layers.{l}."

        def self_attn(a, l=l, base=base):
            st = attention(a, a, params(base + "self_attn."), spec["dec_heads"], dh, 1 / math.sqrt(dh), None, causal)
            res["decoder_attentions"].append(st["weights"])
            if steps_at.get("decoder") == l:
                res["steps"]["decoder"] = st
            return st["output"]

        def cross_attn(a, l=l, base=base):
            st = attention(a, enc, params(base + "encoder_attn."), spec["dec_heads"], dh, 1 / math.sqrt(dh), None,
                           key_ok.expand(nt, ns))
            res["cross_attentions"].append(st["weights"])
            if steps_at.get("cross") == l:
                res["steps"]["cross"] = st
            return st["output"]
        y = sub(y, base + "self_attn_layer_norm", self_attn)
        y = sub(y, base + "encoder_attn_layer_norm", cross_attn)
        y = sub(y, base + "final_layer_norm", ffn(base))
    if pre:
        y = norm(y, P + "decoder.layer_norm")
    res["encoder_hidden"], res["hidden"] = enc, y
    return res


def bart_case(name, family, dtype, *, d=32, enc_layers=2, dec_layers=2, enc_heads=4, dec_heads=2, enc_ff=48,
              dec_ff=40, vocab=80, max_pos=40, ns=11, nt=9, prefix="model.", scale_embedding=True, seed=0):
    gen = torch.Generator().manual_seed(seed)
    P = prefix
    marian = family == "marian"
    pre = family == "mbart"
    # Marian has no embedding LayerNorm: embeddings of std 1/sqrt(d), scaled by sqrt(d), enter the first
    # layer at about unit size (as its initialisation gives), not sqrt(d) times larger.
    t = {P + "shared.weight": rand(gen, vocab, d, std=1 / math.sqrt(d) if marian else 1.0)}
    if prefix:
        t["final_logits_bias"] = torch.zeros(1, vocab, dtype=torch.float64)  # saved beside the model, unused
    if marian:  # the stored sinusoidal table, which the loader does not read (it computes the same)
        t[P + "encoder.embed_positions.weight"] = sinusoidal(max_pos, d)
        t[P + "decoder.embed_positions.weight"] = sinusoidal(max_pos, d)

    def ln(base):
        t[base + ".weight"], t[base + ".bias"] = rand(gen, d, std=0.1, mean=1.0), rand(gen, d, std=0.1)

    def attn(base):
        for proj in "qkv":
            t[f"{base}{proj}_proj.weight"] = rand(gen, d, d, std=2.0 / math.sqrt(d))
            t[f"{base}{proj}_proj.bias"] = rand(gen, d, std=0.2)
        t[base + "out_proj.weight"] = rand(gen, d, d, std=1 / math.sqrt(d))
        t[base + "out_proj.bias"] = rand(gen, d, std=0.1)

    def mlp(base, ff):
        t[base + "fc1.weight"], t[base + "fc1.bias"] = rand(gen, ff, d, std=1 / math.sqrt(d)), rand(gen, ff, std=0.1)
        t[base + "fc2.weight"], t[base + "fc2.bias"] = rand(gen, d, ff, std=1 / math.sqrt(ff)), rand(gen, d, std=0.1)

    for side in ("encoder", "decoder"):
        if not marian:
            t[f"{P}{side}.embed_positions.weight"] = rand(gen, max_pos + 2, d, std=0.5)
            ln(f"{P}{side}.layernorm_embedding")
        for l in range(enc_layers if side == "encoder" else dec_layers):
            base = f"{P}{side}.layers.{l}."
            attn(base + "self_attn.")
            ln(base + "self_attn_layer_norm")
            if side == "decoder":
                attn(base + "encoder_attn.")
                ln(base + "encoder_attn_layer_norm")
            mlp(base, enc_ff if side == "encoder" else dec_ff)
            ln(base + "final_layer_norm")
        if pre:
            ln(f"{P}{side}.layer_norm")

    act_name = "swish" if marian else "gelu"
    config = {"model_type": family, "d_model": d, "encoder_layers": enc_layers, "decoder_layers": dec_layers,
              "encoder_attention_heads": enc_heads, "decoder_attention_heads": dec_heads, "encoder_ffn_dim": enc_ff,
              "decoder_ffn_dim": dec_ff, "activation_function": act_name, "max_position_embeddings": max_pos,
              "vocab_size": vocab, "scale_embedding": scale_embedding, "torch_dtype": DTYPE_NAMES[dtype],
              "is_encoder_decoder": True, "transformers_version": "4.46.0", "dropout": 0.1,
              "attention_dropout": 0.0, "activation_dropout": 0.0, "init_std": 0.02, "use_cache": True}
    if marian:
        config.update(architectures=["MarianMTModel"], pad_token_id=vocab - 1, eos_token_id=0,
                      decoder_start_token_id=vocab - 1, static_position_embeddings=True,
                      share_encoder_decoder_embeddings=True, normalize_before=False)
    else:
        config.update(architectures=["BartForConditionalGeneration" if family == "bart" else "MBartModel"],
                      pad_token_id=1, bos_token_id=0, eos_token_id=2, decoder_start_token_id=2)
    spec = {"prefix": P, "d": d, "pre": pre, "family": family, "enc_layers": enc_layers, "dec_layers": dec_layers,
            "enc_heads": enc_heads, "dec_heads": dec_heads, "act": act_name,
            "embed_scale": math.sqrt(d) if scale_embedding else 1.0}
    write_case(name, t, config, dtype, gen, vocab, ns, nt, lambda s, src, tgt, mask, at: bart_forward(s, spec, src, tgt, mask, at),
               steps_at={"encoder": enc_layers - 1, "decoder": 0, "cross": dec_layers - 1})


# ---------------------------------------------------------------- T5

def t5_forward(s, spec, src, tgt, src_mask, steps_at):
    h, dh, eps, max_distance = spec["heads"], spec["d_kv"], spec["eps"], spec["max_distance"]
    res = {"encoder_attentions": [], "decoder_attentions": [], "cross_attentions": [], "steps": {}}
    emb = s["shared.weight"]

    def params(base):
        return {"q": s[base + "q.weight"], "k": s[base + "k.weight"], "v": s[base + "v.weight"], "o": s[base + "o.weight"]}

    def ffn(base, a):
        m = base + "DenseReluDense."
        if spec["gated"]:
            inner = act(spec["act"], a @ s[m + "wi_0.weight"].t()) * (a @ s[m + "wi_1.weight"].t())
        else:
            inner = act(spec["act"], a @ s[m + "wi.weight"].t())
        return inner @ s[m + "wo.weight"].t()

    ns, nt = len(src), len(tgt)
    key_ok = (src_mask != 0)[None, :]
    rel = "block.0.layer.0.SelfAttention.relative_attention_bias.weight"
    x = emb[src]
    bias = position_bias(s["encoder." + rel], ns, ns, True, max_distance)
    for l in range(spec["enc_layers"]):
        base = f"encoder.block.{l}.layer."
        a = t5_norm(x, s[base + "0.layer_norm.weight"], eps)
        st = attention(a, a, params(base + "0.SelfAttention."), h, dh, 1.0, bias, key_ok.expand(ns, ns))
        res["encoder_attentions"].append(st["weights"])
        if steps_at.get("encoder") == l:
            res["steps"]["encoder"] = st
        x = x + st["output"]
        x = x + ffn(base + "1.", t5_norm(x, s[base + "1.layer_norm.weight"], eps))
    enc = t5_norm(x, s["encoder.final_layer_norm.weight"], eps)

    y = emb[tgt]
    causal = torch.tril(torch.ones(nt, nt, dtype=torch.bool))
    bias = position_bias(s["decoder." + rel], nt, nt, False, max_distance)
    for l in range(spec["dec_layers"]):
        base = f"decoder.block.{l}.layer."
        a = t5_norm(y, s[base + "0.layer_norm.weight"], eps)
        st = attention(a, a, params(base + "0.SelfAttention."), h, dh, 1.0, bias, causal)
        res["decoder_attentions"].append(st["weights"])
        if steps_at.get("decoder") == l:
            res["steps"]["decoder"] = st
        y = y + st["output"]
        a = t5_norm(y, s[base + "1.layer_norm.weight"], eps)
        st = attention(a, enc, params(base + "1.EncDecAttention."), h, dh, 1.0, None, key_ok.expand(nt, ns))
        res["cross_attentions"].append(st["weights"])
        if steps_at.get("cross") == l:
            res["steps"]["cross"] = st
        y = y + st["output"]
        y = y + ffn(base + "2.", t5_norm(y, s[base + "2.layer_norm.weight"], eps))
    res["encoder_hidden"], res["hidden"] = enc, t5_norm(y, s["decoder.final_layer_norm.weight"], eps)
    return res


def t5_case(name, dtype, *, proj="gated-gelu", d=32, d_kv=12, heads=4, ff=40, enc_layers=2, dec_layers=3, vocab=72,
            buckets=8, max_distance=12, ns=17, nt=15, seed=0):
    gen = torch.Generator().manual_seed(seed)
    gated = proj.startswith("gated-")
    inner = heads * d_kv
    t = {"shared.weight": rand(gen, vocab, d, std=1.0)}
    for side in ("encoder", "decoder"):
        t[f"{side}.block.0.layer.0.SelfAttention.relative_attention_bias.weight"] = rand(gen, buckets, heads, std=1.0)
        for l in range(enc_layers if side == "encoder" else dec_layers):
            base = f"{side}.block.{l}.layer."
            blocks = ["0.SelfAttention."] + (["1.EncDecAttention."] if side == "decoder" else [])
            for i, blk in enumerate(blocks):
                t[f"{base}{i}.layer_norm.weight"] = rand(gen, d, std=0.1, mean=1.0)
                for proj_name in "qkv":
                    # T5 folds 1/sqrt(d_kv) into the initialisation of q instead of scaling the scores
                    t[f"{base}{blk}{proj_name}.weight"] = rand(gen, inner, d, std=(1.5 / math.sqrt(d * d_kv) if proj_name == "q" else 1.5 / math.sqrt(d)))
                t[f"{base}{blk}o.weight"] = rand(gen, d, inner, std=1 / math.sqrt(inner))
            f = len(blocks)
            t[f"{base}{f}.layer_norm.weight"] = rand(gen, d, std=0.1, mean=1.0)
            m = f"{base}{f}.DenseReluDense."
            if gated:
                t[m + "wi_0.weight"], t[m + "wi_1.weight"] = rand(gen, ff, d, std=1 / math.sqrt(d)), rand(gen, ff, d, std=1 / math.sqrt(d))
            else:
                t[m + "wi.weight"] = rand(gen, ff, d, std=1 / math.sqrt(d))
            t[m + "wo.weight"] = rand(gen, d, ff, std=1 / math.sqrt(ff))
        t[f"{side}.final_layer_norm.weight"] = rand(gen, d, std=0.1, mean=1.0)
    t["lm_head.weight"] = rand(gen, vocab, d, std=1 / math.sqrt(d))  # v1.1: untied; unused here

    config = {"architectures": ["T5ForConditionalGeneration"], "model_type": "t5", "d_model": d, "d_kv": d_kv,
              "d_ff": ff, "num_layers": enc_layers, "num_decoder_layers": dec_layers, "num_heads": heads,
              "relative_attention_num_buckets": buckets, "relative_attention_max_distance": max_distance,
              "layer_norm_epsilon": 1e-6, "feed_forward_proj": proj, "vocab_size": vocab, "pad_token_id": 0,
              "eos_token_id": 1, "decoder_start_token_id": 0, "tie_word_embeddings": not gated,
              "is_encoder_decoder": True, "torch_dtype": DTYPE_NAMES[dtype], "dropout_rate": 0.1,
              "initializer_factor": 1.0, "transformers_version": "4.46.0", "use_cache": True}
    spec = {"d": d, "heads": heads, "d_kv": d_kv, "eps": 1e-6, "buckets": buckets, "max_distance": max_distance,
            "enc_layers": enc_layers, "dec_layers": dec_layers, "gated": gated,
            "act": "gelu_new" if proj == "gated-gelu" else proj.split("-")[-1]}
    relative = torch.arange(-200, 201, dtype=torch.long)
    extra = {"buckets.relative": relative.to(torch.int32),
             "buckets.bidirectional": relative_position_bucket(relative, True, buckets, max_distance).to(torch.int32),
             "buckets.causal": relative_position_bucket(relative, False, buckets, max_distance).to(torch.int32)}
    write_case(name, t, config, dtype, gen, vocab, ns, nt, lambda s, src, tgt, mask, at: t5_forward(s, spec, src, tgt, mask, at),
               steps_at={"encoder": 0, "decoder": dec_layers - 1, "cross": 1}, extra=extra)


# ---------------------------------------------------------------- writing

def write_case(name, t, config, dtype, gen, vocab, ns, nt, forward, steps_at, extra=None):
    s = {k: stored(v, dtype) for k, v in t.items()}
    src = torch.randint(3, vocab - 1, (ns,), generator=gen)
    tgt = torch.randint(3, vocab - 1, (nt,), generator=gen)
    tgt[0] = config["decoder_start_token_id"]
    full = torch.ones(ns, dtype=torch.int32)
    res = forward(s, src, tgt, full, steps_at)
    mask = full.clone()
    mask[-3:] = 0  # right padding, as encoder inputs are batched
    padded = forward(s, src, tgt, mask, {})

    ref = {"source_ids": src.to(torch.int32), "target_ids": tgt.to(torch.int32)}
    for prefix, r in (("", res), ("padded.", padded)):
        for kind in ("encoder_attentions", "decoder_attentions", "cross_attentions"):
            for l, a in enumerate(r[kind]):
                ref[f"{prefix}{kind}.{l}"] = a.float()
        ref[prefix + "encoder_hidden"] = r["encoder_hidden"].float()
        ref[prefix + "hidden"] = r["hidden"].float()
    ref["padded.source_mask"] = mask
    for kind, st in res["steps"].items():
        ref[f"steps.{kind}.layer"] = torch.tensor([steps_at[kind]], dtype=torch.int32)
        for key, value in st.items():
            ref[f"steps.{kind}.{key}"] = value.float()
    ref.update(extra or {})

    folder = os.path.join(ROOT, name)
    os.makedirs(folder, exist_ok=True)
    for old in os.listdir(folder):
        os.remove(os.path.join(folder, old))
    write_safetensors(os.path.join(folder, "model.safetensors"), {k: t[k] for k in sorted(t)}, dtype)
    write_config(folder, config)
    write_safetensors(os.path.join(folder, "reference.safetensors"), ref, "F32")


def main():
    # BART as BartForConditionalGeneration saves it: post-LN, learned positions from 2, scale_embedding,
    # a decoder with fewer heads and a narrower FFN than the encoder, F32.
    bart_case("bart-f32", "bart", "F32", seed=21)
    # mBART: pre-LN with final norms, bare MBartModel names (no "model."), no embedding scale, F16.
    bart_case("mbart-bare-f16", "mbart", "F16", prefix="", scale_embedding=False, dec_heads=4, seed=22)
    # Marian: sinusoidal positions, swish, no embedding LayerNorm, post-LN, BF16.
    bart_case("marian-bf16", "marian", "BF16", seed=23)
    # T5 v1.1 / Flan-T5: gated-GELU, d_kv 12 (heads x d_kv != d_model), 3 decoder layers on 2 encoder
    # layers, 8 buckets up to distance 12 over 17 source tokens (exact, logarithmic and clipped buckets), F32.
    t5_case("t5-gated-f32", "F32", seed=24)
    # Original T5: ReLU, d_kv = d_model / heads, BF16.
    t5_case("t5-relu-bf16", "BF16", proj="relu", d_kv=8, dec_layers=2, buckets=16, max_distance=20, seed=25)


if __name__ == "__main__":
    main()
