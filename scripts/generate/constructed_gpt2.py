"""A GPT-2-layout checkpoint whose heads are built by hand (the head atlas's known answers).

The residual stream holds named features, each stored as a ± pair of coordinates (+ε, −ε) so every
token's residual has mean 0; with LayerNorm's eps = 1 and ε = 0.01 the variance is ~1e-5, so each
LayerNorm (γ = 1, β = 0) is the identity to ~1e-5 and the heads read features linearly.

  features  tok[16]  the token's Hadamard code (±1; ids 0..15), zero for the BOS id 16
            bos      1 for the BOS id
            pos[24]  one-hot position
            prev[16] written by layer 0 head 0: the previous token's code
            out[16]  written by layer 1 head 0: the code of the token it predicts
  layer 0   head 0  previous token: q_i = β·pos_{i−1} (shifted), k_j = β·pos_j, v = tok → prev
            head 1  sink: q = a constant (its bias), k_j = β·pos_0[j], v = 0
            head 2  uniform: q = k = v = 0
  layer 1   head 0  induction: q_i = γ·tok_i, k_j = γ·prev_j, v = tok → out
            head 1  self: q_i = β·pos_i, k_j = β·pos_j, v = 0
            head 2  uniform
  MLPs      zero (GELU(0) = 0); lm_head (untied) reads `out`: logit_t = code_t · out
"""
import json
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_model_golden import stored, write_safetensors  # noqa: E402

TOK, POS, HEADS = 16, 24, 3
FEATURES = {"tok": (0, TOK), "bos": (TOK, 1), "pos": (TOK + 1, POS), "prev": (TOK + 1 + POS, TOK),
            "out": (2 * TOK + 1 + POS, TOK)}
NUM_FEATURES = 3 * TOK + 1 + POS + 2  # + 2 unused, so d is divisible by 3 heads
D = 2 * NUM_FEATURES                  # 150
D_HEAD = D // HEADS                   # 50
BOS = TOK                             # id 16
VOCAB = TOK + 1
EPS_FEATURE = 0.01
SHARP = math.sqrt(30 * math.sqrt(D_HEAD))           # scores β² / √d_head = 30 for one-hot matches
INDUCTION = math.sqrt(30 * math.sqrt(D_HEAD) / TOK)  # codes match with dot product TOK


def hadamard(size):
    h = torch.ones(1, 1, dtype=torch.float64)
    while h.shape[0] < size:
        h = torch.cat([torch.cat([h, h], 1), torch.cat([h, -h], 1)], 0)
    return h


CODES = hadamard(TOK)


def feature(name, index=0):
    first, count = FEATURES[name]
    assert 0 <= index < count
    return first + index


def write_feature(vector, name, index, value):
    """Adds `value` of feature (name, index) to a residual-space vector [D]."""
    k = feature(name, index)
    vector[2 * k] += EPS_FEATURE * value
    vector[2 * k + 1] -= EPS_FEATURE * value


def read_feature(column, name, index, scale):
    """Makes a Conv1D column [D] read scale · feature (name, index) from the residual."""
    k = feature(name, index)
    column[2 * k] += scale / (2 * EPS_FEATURE)
    column[2 * k + 1] -= scale / (2 * EPS_FEATURE)


def build():
    w = {"wte.weight": torch.zeros(VOCAB, D, dtype=torch.float64),
         "wpe.weight": torch.zeros(POS, D, dtype=torch.float64)}
    for t in range(TOK):
        for p in range(TOK):
            write_feature(w["wte.weight"][t], "tok", p, CODES[t, p].item())
    write_feature(w["wte.weight"][BOS], "bos", 0, 1.0)
    for i in range(POS):
        write_feature(w["wpe.weight"][i], "pos", i, 1.0)

    for layer in range(2):
        base = f"h.{layer}."
        c_attn = torch.zeros(D, 3 * D, dtype=torch.float64)
        b_attn = torch.zeros(3 * D, dtype=torch.float64)
        c_proj = torch.zeros(D, D, dtype=torch.float64)
        q = lambda head, dim: head * D_HEAD + dim               # noqa: E731  column of Q
        k = lambda head, dim: D + head * D_HEAD + dim           # noqa: E731
        v = lambda head, dim: 2 * D + head * D_HEAD + dim       # noqa: E731
        if layer == 0:
            for dim in range(POS - 1):  # head 0: query i asks for position i - 1
                read_feature(c_attn[:, q(0, dim)], "pos", dim + 1, SHARP)
            for dim in range(POS):
                read_feature(c_attn[:, k(0, dim)], "pos", dim, SHARP)
            for dim in range(TOK):
                read_feature(c_attn[:, v(0, dim)], "tok", dim, 1.0)
                write_feature(c_proj[0 * D_HEAD + dim], "prev", dim, 1.0)
            b_attn[q(1, 0)] = SHARP  # head 1: a constant query against position 0's key
            read_feature(c_attn[:, k(1, 0)], "pos", 0, SHARP)
        else:
            for dim in range(TOK):  # head 0: the current token against each key's previous token
                read_feature(c_attn[:, q(0, dim)], "tok", dim, INDUCTION)
                read_feature(c_attn[:, k(0, dim)], "prev", dim, INDUCTION)
                read_feature(c_attn[:, v(0, dim)], "tok", dim, 1.0)
                write_feature(c_proj[0 * D_HEAD + dim], "out", dim, 1.0)
            for dim in range(POS):  # head 1: its own position
                read_feature(c_attn[:, q(1, dim)], "pos", dim, SHARP)
                read_feature(c_attn[:, k(1, dim)], "pos", dim, SHARP)
        w[base + "attn.c_attn.weight"], w[base + "attn.c_attn.bias"] = c_attn, b_attn
        w[base + "attn.c_proj.weight"], w[base + "attn.c_proj.bias"] = c_proj, torch.zeros(D, dtype=torch.float64)
        for ln in ("ln_1", "ln_2"):
            w[base + ln + ".weight"], w[base + ln + ".bias"] = torch.ones(D, dtype=torch.float64), torch.zeros(D, dtype=torch.float64)
        w[base + "mlp.c_fc.weight"], w[base + "mlp.c_fc.bias"] = torch.zeros(D, 4, dtype=torch.float64), torch.zeros(4, dtype=torch.float64)
        w[base + "mlp.c_proj.weight"], w[base + "mlp.c_proj.bias"] = torch.zeros(4, D, dtype=torch.float64), torch.zeros(D, dtype=torch.float64)
    w["ln_f.weight"], w["ln_f.bias"] = torch.ones(D, dtype=torch.float64), torch.zeros(D, dtype=torch.float64)
    lm = torch.zeros(VOCAB, D, dtype=torch.float64)
    for t in range(TOK):
        for p in range(TOK):
            read_feature(lm[t], "out", p, CODES[t, p].item())
    w["lm_head.weight"] = lm
    w = {name: stored(value, "F16") for name, value in w.items()}  # what the file will hold
    config = {"activation_function": "gelu_new", "architectures": ["GPT2LMHeadModel"], "layer_norm_epsilon": 1.0,
              "model_type": "gpt2", "n_embd": D, "n_head": HEADS, "n_inner": 4, "n_layer": 2, "n_positions": POS,
              "tie_word_embeddings": False, "vocab_size": VOCAB, "torch_dtype": "float16"}
    return w, config


def write_checkpoint(folder, weights, config):
    """The checkpoint and a GPT-2 tokenizer naming its ids: the letters a..p, then <|endoftext|> (BOS)."""
    write_safetensors(os.path.join(folder, "model.safetensors"), dict(sorted(weights.items())), "F16")
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(config, f, indent=2, sort_keys=True)
        f.write("\n")
    vocab = {chr(ord("a") + t): t for t in range(TOK)}
    vocab["<|endoftext|>"] = BOS
    with open(os.path.join(folder, "vocab.json"), "w") as f:
        json.dump(vocab, f)
    with open(os.path.join(folder, "merges.txt"), "w") as f:
        f.write("#version: 0.2\n")


def write_tensors(path, tensors):
    write_safetensors(path, {k: (v.to(torch.int32) if v.dtype == torch.uint8 else v) for k, v in tensors.items()}, "F32")
