#!/usr/bin/python3
"""Writes tiny random Llama-family checkpoints in the Hugging Face layout, with reference outputs.

Each case is a folder tests/golden/models/<family>-<what>/ holding config.json (the family's Hugging
Face keys), the weights under the names LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM,
Qwen3ForCausalLM, GemmaForCausalLM and Phi3ForCausalLM save ("model.layers.N.self_attn.q_proj.weight",
"model.norm.weight", "lm_head.weight", ...; or the bare base model's names without "model."), as
model.safetensors or as shards with model.safetensors.index.json, and reference.safetensors in the
format of make_model_golden.py (attentions, hidden, hidden_states, steps, value_norms, rollout, a
left-padded run) plus logits (the LM head applied to the last hidden state).

The reference is written here from the published architectures, in float64 on the weights as they
are stored (rounded to F16/BF16 where the file is): RMSNorm, rotary position embeddings with
rotate_half and the "linear" and "llama3" frequency scalings (Hugging Face's modeling_rope_utils),
grouped-query attention (each K/V head repeated for its query heads), Mistral's sliding window (key j
visible from query i iff i - window < j <= i), Qwen2's Q/K/V biases, Qwen3's per-head RMSNorm of Q
and K, Gemma's √d embedding scale, (1 + w) norms and GeGLU, Phi-3's fused projections and partial
rotary. Two parts are cross-checked against independent formulations: the rotation against the
complex-number form of RoPE, and the attention weights against torch's nn.MultiheadAttention.

Run with Debian's torch: /usr/bin/python3 scripts/generate/make_llama_golden.py
"""
import json
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

from make_model_golden import ROOT, check_close, rand, rollout, stored, write_config, write_reference, write_safetensors

DTYPE_NAMES = {"F32": "float32", "F16": "float16", "BF16": "bfloat16"}


# ---------------------------------------------------------------- rotary embeddings

def inverse_frequencies(cfg, rotary_dim):
    theta = cfg.get("rope_theta", 10000.0)
    inv = 1.0 / theta ** (torch.arange(0, rotary_dim, 2, dtype=torch.float64) / rotary_dim)
    scaling = cfg.get("rope_scaling") or {}
    kind = scaling.get("rope_type", scaling.get("type", "default"))
    if kind == "linear":
        inv = inv / scaling["factor"]
    elif kind == "llama3":
        factor, low, high = scaling["factor"], scaling["low_freq_factor"], scaling["high_freq_factor"]
        old = scaling["original_max_position_embeddings"]
        wavelen = 2 * math.pi / inv
        out = []
        for f, w in zip(inv.tolist(), wavelen.tolist()):
            if w < old / high:
                out.append(f)
            elif w > old / low:
                out.append(f / factor)
            else:
                smooth = (old / w - low) / (high - low)
                out.append((1 - smooth) * f / factor + smooth * f)
        inv = torch.tensor(out, dtype=torch.float64)
    else:
        assert kind == "default", kind
    return inv


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat([-x[..., half:], x[..., :half]], dim=-1)


def apply_rope(x, cos, sin):
    """x [heads, n, d_head]; the first cos.shape[-1] values of each head rotate (partial rotary)."""
    r = cos.shape[-1]
    rot, rest = x[..., :r], x[..., r:]
    return torch.cat([rot * cos + rotate_half(rot) * sin, rest], dim=-1)


def rope_tables(inv, n):
    angles = torch.arange(n, dtype=torch.float64)[:, None] * inv[None, :]
    emb = torch.cat([angles, angles], dim=-1)
    return emb.cos(), emb.sin()


def check_rope_complex(x, inv, rotary_dim):
    """The same rotation as a complex product: (x_i + i·x_{i+half}) · e^{i·p·f_i}."""
    n, half = x.shape[1], rotary_dim // 2
    z = torch.complex(x[..., :half], x[..., half:rotary_dim])
    turned = z * torch.polar(torch.ones(n, half, dtype=torch.float64),
                             torch.arange(n, dtype=torch.float64)[:, None] * inv[None, :])
    cos, sin = rope_tables(inv, n)
    want = apply_rope(x, cos, sin)
    check_close("rope (complex form)", torch.cat([turned.real, turned.imag, x[..., rotary_dim:]], dim=-1), want)


# ---------------------------------------------------------------- the model

def rms_norm(x, w, eps, plus_one):
    return x / torch.sqrt((x * x).mean(-1, keepdim=True) + eps) * ((1 + w) if plus_one else w)


def act(name, x):
    if name in ("silu", "swish"):
        return x * torch.sigmoid(x)
    if name in ("gelu_pytorch_tanh", "gelu_new"):
        return F.gelu(x, approximate="tanh")
    assert name == "gelu", name
    return F.gelu(x)


def allowed_keys(n, window, key_mask):
    i = torch.arange(n)[:, None]
    j = torch.arange(n)[None, :]
    ok = j <= i
    if window:
        ok = ok & (j > i - window)
    if key_mask is not None:
        ok = ok & (key_mask != 0)[None, :]
    return ok


def attention_block(a, p, spec, cos, sin, inv, window, key_mask):
    """One layer's attention on the normed input a [n, d]: the textbook steps, per query head."""
    n = a.shape[0]
    h, kv, dh = spec["heads"], spec["kv_heads"], spec["head_dim"]
    lin = lambda x, w, b: x @ w.t() + (b if b is not None else 0)
    q = lin(a, p["q"], p.get("bq")).view(n, h, dh).transpose(0, 1)
    k = lin(a, p["k"], p.get("bk")).view(n, kv, dh).transpose(0, 1)
    v = lin(a, p["v"], p.get("bv")).view(n, kv, dh).transpose(0, 1)
    if "q_norm" in p:
        q = rms_norm(q, p["q_norm"], spec["eps"], spec["plus_one"])
        k = rms_norm(k, p["k_norm"], spec["eps"], spec["plus_one"])
    check_rope_complex(q, inv, cos.shape[-1])
    q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
    group = h // kv
    k_heads, v_heads = k.repeat_interleave(group, dim=0), v.repeat_interleave(group, dim=0)
    scores = q @ k_heads.transpose(1, 2)
    scaled = scores / math.sqrt(dh)
    ok = allowed_keys(n, window, key_mask)
    weights = torch.softmax(scaled.masked_fill(~ok, float("-inf")), dim=-1)
    weights = torch.nan_to_num(weights, nan=0.0)  # a query with no visible key: all-zero weights
    head_output = weights @ v_heads
    output = lin(head_output.transpose(0, 1).reshape(n, h * dh), p["o"], p.get("bo"))
    wo_t = p["o"].t()
    value_norms = torch.stack([(v_heads[i] @ wo_t[i * dh:(i + 1) * dh]).norm(dim=-1) for i in range(h)])
    if key_mask is None:
        check_mha(q, k_heads, v_heads, ok, weights)
    return {"x": a, "q": q, "k": k_heads, "v": v_heads, "scores": scores, "scaled": scaled, "weights": weights,
            "head_output": head_output, "output": output, "value_norms": value_norms}


def check_mha(q, k, v, ok, weights):
    """torch's own multi-head attention on the rotated heads (identity projections) gives the same weights."""
    h, n, dh = q.shape
    mha = nn.MultiheadAttention(h * dh, h, bias=False, batch_first=True).double().eval()
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.eye(h * dh, dtype=torch.float64).repeat(3, 1))
        mha.out_proj.weight.copy_(torch.eye(h * dh, dtype=torch.float64))
        flat = lambda t: t.transpose(0, 1).reshape(1, n, h * dh)
        _, w = mha(flat(q), flat(k), flat(v), attn_mask=~ok, need_weights=True, average_attn_weights=False)
    check_close("attention weights (nn.MultiheadAttention)", w[0], weights)


def forward(s, spec, ids, key_mask=None):
    """Runs the model on ids; returns attentions, hidden states, steps and the final hidden state."""
    n = len(ids)
    pre = spec["prefix"]
    x = s[pre + "embed_tokens.weight"][ids] * spec["embed_scale"]
    inv = inverse_frequencies(spec["config"], spec["rotary_dim"])
    cos, sin = rope_tables(inv, n)
    attentions, hidden_states, steps = [], [x], []
    for l in range(spec["layers"]):
        base = f"{pre}layers.{l}."
        p = spec["attention_params"](s, base)
        a = rms_norm(x, s[base + "input_layernorm.weight"], spec["eps"], spec["plus_one"])
        window = spec["window"] if l in spec["window_layers"] else 0
        st = attention_block(a, p, spec, cos, sin, inv, window, key_mask)
        attentions.append(st["weights"])
        steps.append(st)
        x = x + st["output"]
        m = rms_norm(x, s[base + "post_attention_layernorm.weight"], spec["eps"], spec["plus_one"])
        gate, up, down = spec["mlp_params"](s, base)
        x = x + (act(spec["act"], m @ gate.t() + gate_bias(s, base, spec)) * (m @ up.t() + up_bias(s, base, spec))) \
            @ down.t() + down_bias(s, base, spec)
        hidden_states.append(x)
    hidden = rms_norm(x, s[pre + "norm.weight"], spec["eps"], spec["plus_one"])
    hidden_states[-1] = hidden  # Hugging Face's last entry is after the final norm
    return attentions, hidden_states, steps, hidden


def gate_bias(s, base, spec):
    return s[base + "mlp.gate_proj.bias"] if spec["mlp_bias"] else 0


def up_bias(s, base, spec):
    return s[base + "mlp.up_proj.bias"] if spec["mlp_bias"] else 0


def down_bias(s, base, spec):
    return s[base + "mlp.down_proj.bias"] if spec["mlp_bias"] else 0


# ---------------------------------------------------------------- cases

def make_case(name, family, dtype, *, d=32, heads=4, kv_heads=2, head_dim=None, ff=48, layers=2, vocab=96,
              max_pos=64, n=13, prefix="model.", tied=False, qkv_bias=False, o_bias=False, mlp_bias=False,
              rope=None, theta=10000.0, partial=None, window=None, window_layers=None, config_extra=None,
              shards=None, seed=0):
    gen = torch.Generator().manual_seed(seed)
    dh = head_dim or d // heads
    gemma, phi3, qwen3 = family == "gemma", family == "phi3", family == "qwen3"
    eps = 1e-6 if family != "llama" else 1e-5
    t = {}
    P = prefix
    t[P + "embed_tokens.weight"] = rand(gen, vocab, d, std=1.0 if not gemma else 1 / math.sqrt(d))
    norm_mean = 0.0 if gemma else 1.0  # Gemma stores w and scales by (1 + w)
    for l in range(layers):
        base = f"{P}layers.{l}."
        t[base + "input_layernorm.weight"] = rand(gen, d, std=0.1, mean=norm_mean)
        a = base + "self_attn."
        wq = rand(gen, heads * dh, d, std=2.5 / math.sqrt(d))
        wk = rand(gen, kv_heads * dh, d, std=2.5 / math.sqrt(d))
        wv = rand(gen, kv_heads * dh, d, std=1 / math.sqrt(d))
        if phi3:
            t[a + "qkv_proj.weight"] = torch.cat([wq, wk, wv])
        else:
            t[a + "q_proj.weight"], t[a + "k_proj.weight"], t[a + "v_proj.weight"] = wq, wk, wv
        if qkv_bias:
            t[a + "q_proj.bias"] = rand(gen, heads * dh, std=0.3)
            t[a + "k_proj.bias"] = rand(gen, kv_heads * dh, std=0.3)
            t[a + "v_proj.bias"] = rand(gen, kv_heads * dh, std=0.3)
        t[a + "o_proj.weight"] = rand(gen, d, heads * dh, std=1 / math.sqrt(heads * dh))
        if o_bias:
            t[a + "o_proj.bias"] = rand(gen, d, std=0.1)
        if qwen3:
            t[a + "q_norm.weight"] = rand(gen, dh, std=0.2, mean=1.0)
            t[a + "k_norm.weight"] = rand(gen, dh, std=0.2, mean=1.0)
        t[base + "post_attention_layernorm.weight"] = rand(gen, d, std=0.1, mean=norm_mean)
        m = base + "mlp."
        gate, up = rand(gen, ff, d, std=1 / math.sqrt(d)), rand(gen, ff, d, std=1 / math.sqrt(d))
        if phi3:
            t[m + "gate_up_proj.weight"] = torch.cat([gate, up])
        else:
            t[m + "gate_proj.weight"], t[m + "up_proj.weight"] = gate, up
        t[m + "down_proj.weight"] = rand(gen, d, ff, std=1 / math.sqrt(ff))
        if mlp_bias:
            t[m + "gate_proj.bias"], t[m + "up_proj.bias"] = rand(gen, ff, std=0.1), rand(gen, ff, std=0.1)
            t[m + "down_proj.bias"] = rand(gen, d, std=0.1)
    t[P + "norm.weight"] = rand(gen, d, std=0.1, mean=norm_mean)
    if not tied and P:
        t["lm_head.weight"] = rand(gen, vocab, d, std=1 / math.sqrt(d))

    config = {"architectures": [family.capitalize() + "ForCausalLM"], "model_type": family, "hidden_size": d,
              "intermediate_size": ff, "num_hidden_layers": layers, "num_attention_heads": heads,
              "num_key_value_heads": kv_heads, "max_position_embeddings": max_pos, "rms_norm_eps": eps,
              "vocab_size": vocab, "rope_theta": theta, "rope_scaling": rope, "tie_word_embeddings": tied,
              "hidden_act": "gelu" if gemma else "silu", "bos_token_id": 1, "eos_token_id": 2,
              "torch_dtype": DTYPE_NAMES[dtype], "transformers_version": "4.46.0", "use_cache": True}
    if head_dim:
        config["head_dim"] = head_dim
    if gemma:  # as gemma-2b's config.json: hidden_act "gelu" is ignored, hidden_activation is the tanh form
        config["hidden_activation"] = "gelu_pytorch_tanh"
    if family == "llama":
        config.update(attention_bias=qkv_bias, mlp_bias=mlp_bias)
    if family in ("qwen3", "gemma"):
        config["attention_bias"] = qkv_bias
    if family == "mistral" or phi3:
        config["sliding_window"] = window
    if partial:
        config["partial_rotary_factor"] = partial
    config.update(config_extra or {})

    window_layers = set(range(layers)) if window_layers is None else set(window_layers)
    rotary_dim = int(dh * (partial or 1.0))

    def attention_params(s, base):
        a = base + "self_attn."
        if phi3:
            w = s[a + "qkv_proj.weight"]
            p = {"q": w[:heads * dh], "k": w[heads * dh:(heads + kv_heads) * dh], "v": w[(heads + kv_heads) * dh:]}
        else:
            p = {"q": s[a + "q_proj.weight"], "k": s[a + "k_proj.weight"], "v": s[a + "v_proj.weight"]}
        if qkv_bias:
            p.update(bq=s[a + "q_proj.bias"], bk=s[a + "k_proj.bias"], bv=s[a + "v_proj.bias"])
        p["o"] = s[a + "o_proj.weight"]
        if o_bias:
            p["bo"] = s[a + "o_proj.bias"]
        if qwen3:
            p.update(q_norm=s[a + "q_norm.weight"], k_norm=s[a + "k_norm.weight"])
        return p

    def mlp_params(s, base):
        if phi3:
            w = s[base + "mlp.gate_up_proj.weight"]
            return w[:ff], w[ff:], s[base + "mlp.down_proj.weight"]
        return s[base + "mlp.gate_proj.weight"], s[base + "mlp.up_proj.weight"], s[base + "mlp.down_proj.weight"]

    spec = {"prefix": P, "config": config, "heads": heads, "kv_heads": kv_heads, "head_dim": dh, "layers": layers,
            "eps": eps, "plus_one": gemma, "embed_scale": math.sqrt(d) if gemma else 1.0, "rotary_dim": rotary_dim,
            "act": config.get("hidden_activation", config["hidden_act"]), "window": window or 0, "window_layers": window_layers,
            "attention_params": attention_params, "mlp_params": mlp_params, "mlp_bias": mlp_bias}
    if gemma:  # Hugging Face multiplies by the normalizer rounded to the hidden states' dtype (float32)
        spec["embed_scale"] = float(torch.tensor(math.sqrt(d), dtype=torch.float32))

    s = {k: stored(v, dtype) for k, v in t.items()}
    ids = torch.randint(3, vocab, (n,), generator=gen)
    ids[0] = 1  # BOS
    attentions, hidden_states, steps, hidden = forward(s, spec, ids)
    head = s[P + "embed_tokens.weight"] if tied else s.get("lm_head.weight")  # a bare base model has none
    extra = {} if head is None else {"logits": hidden @ head.t()}

    key_mask = torch.ones(n, dtype=torch.int32)
    key_mask[:3] = 0  # left padding, as decoders are batched
    padded_attentions, _, _, padded_hidden = forward(s, spec, ids, key_mask)
    padded = {"attention_mask": key_mask, "attentions": padded_attentions, "hidden": padded_hidden}

    folder = os.path.join(ROOT, name)
    os.makedirs(folder, exist_ok=True)
    for old in os.listdir(folder):
        os.remove(os.path.join(folder, old))
    names = sorted(t)
    if shards:
        weight_map, size = {}, 0
        for i in range(shards):
            shard = f"model-{i + 1:05d}-of-{shards:05d}.safetensors"
            part = {k: t[k] for k in names[i::shards]}
            write_safetensors(os.path.join(folder, shard), part, dtype)
            weight_map.update({k: shard for k in part})
            size += sum(stored(v, dtype).numel() * (4 if dtype == "F32" else 2) for v in part.values())
        write_config(folder, {"metadata": {"total_size": size}, "weight_map": dict(sorted(weight_map.items()))},
                     "model.safetensors.index.json")
    else:
        write_safetensors(os.path.join(folder, "model.safetensors"), {k: t[k] for k in names}, dtype)
    write_config(folder, config)
    write_reference(folder, ids, attentions, hidden, hidden_states, steps, padded, extra)


def main():
    llama3 = {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 8.0,
              "original_max_position_embeddings": 2048}
    # Llama: grouped-query attention (4 query heads on 2 K/V heads), an untied LM head, F32.
    make_case("llama-gqa-f32", "llama", "F32", seed=11)
    # Multi-query attention (1 K/V head), linear RoPE scaling, attention and MLP biases, tied, F16.
    make_case("llama-mqa-linear-f16", "llama", "F16", kv_heads=1, rope={"type": "linear", "factor": 2.0},
              qkv_bias=True, o_bias=True, mlp_bias=True, tied=True, seed=12)
    # Llama 3.1 scaling (frequencies in all three bands), head_dim != hidden / heads, bare LlamaModel
    # names (no "model.", no head), rope_theta 500000, BF16.
    make_case("llama-llama3-bare-bf16", "llama", "BF16", head_dim=12, rope=llama3, theta=500000.0,
              prefix="", seed=13)
    # Mistral: a sliding window of 5 over 13 tokens, untied, F32.
    make_case("mistral-window-f32", "mistral", "F32", window=5, seed=14)
    # Qwen2: Q/K/V biases, tied embeddings (as Qwen2.5-0.5B), the window on layer 1 only
    # (use_sliding_window, max_window_layers 1), BF16.
    make_case("qwen2-bias-bf16", "qwen2", "BF16", qkv_bias=True, tied=True, window=4, window_layers=[1],
              config_extra={"use_sliding_window": True, "sliding_window": 4, "max_window_layers": 1}, seed=15)
    # Qwen3: per-head RMSNorm of Q and K, head_dim 16 on hidden 32 with 4 heads, untied, F16.
    make_case("qwen3-qknorm-f16", "qwen3", "F16", head_dim=16, seed=16,
              config_extra={"use_sliding_window": False, "sliding_window": None})
    # Gemma: embeddings x sqrt(d), (1 + w) RMSNorm, GeGLU, multi-query, head_dim 16, tied, F32.
    make_case("gemma-f32", "gemma", "F32", kv_heads=1, head_dim=16, tied=True, seed=17)
    # Phi-3: fused qkv_proj and gate_up_proj, partial rotary (half of each head), a window of 4, F16.
    make_case("phi3-partial-f16", "phi3", "F16", partial=0.5, window=4, seed=18)
    # A sharded Llama checkpoint: three shards and an index, GQA, untied, BF16.
    make_case("llama-sharded-bf16", "llama", "BF16", shards=3, seed=19)


if __name__ == "__main__":
    main()
