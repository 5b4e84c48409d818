#!/usr/bin/python3
"""Exports a Hugging Face checkpoint folder to ONNX for the model benchmark (ort_model_bench.mjs).

    /usr/bin/python3 tests/bench/onnx_export.py MODEL_DIR OUT_PREFIX [MODEL_DIR OUT_PREFIX ...]

MODEL_DIR holds config.json and model.safetensors (F32, F16 or BF16), the very files attnscope's
core.loadModel reads. The PyTorch modules below are written from the published architectures
(BERT: Devlin et al. 2019 / Hugging Face's BertModel; GPT-2: Radford et al. 2019 / GPT2Model; the
Llama family: Touvron et al. 2023 / LlamaModel with grouped-query attention, rotary embeddings in the
rotate_half convention, RMSNorm and SwiGLU), with the checkpoint's weights loaded as they are stored,
so ONNX Runtime and attnscope run the same numbers. The graph takes input_ids int64 [1, n] (n
symbolic). OUT_PREFIX.onnx returns hidden [1, n, d] (the last hidden state: after the final norm for
pre-norm models); OUT_PREFIX-attentions.onnx also attentions.<layer> [1, heads, n, n] for every layer:
the softmax probabilities, as attnscope's model.run returns them. One model build serves both.

Run with Debian's torch (python3-torch, 1.13): torch.onnx.export needs no `onnx` package.
"""
import json
import math
import struct
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

OPSET = 17  # LayerNormalization is a single op from opset 17 (ONNX Runtime runs it fused either way)


# ---------------------------------------------------------------- safetensors, as attnscope reads them

def read_safetensors(path):
    """name -> float32 torch tensor. The format: 8-byte little-endian header length, a JSON header
    {name: {dtype, shape, data_offsets}}, then the tensors' bytes."""
    with open(path, "rb") as f:
        data = f.read()
    (header_length,) = struct.unpack_from("<Q", data, 0)
    header = json.loads(data[8:8 + header_length])
    start = 8 + header_length
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        raw = data[start + begin:start + end]
        dtype = entry["dtype"]
        if dtype == "F32":
            values = torch.from_numpy(np.frombuffer(raw, dtype="<f4").copy())
        elif dtype == "F16":
            values = torch.from_numpy(np.frombuffer(raw, dtype="<f2").astype(np.float32))
        elif dtype == "BF16":  # the upper 16 bits of a float32
            bits = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
            values = torch.from_numpy(bits.view(np.float32).copy())
        else:
            raise SystemExit(f"{path}: tensor {name} has dtype {dtype}; the exporter reads F32, F16 and BF16")
        tensors[name] = values.reshape(entry["shape"])
    return tensors


class Weights:
    """The checkpoint's tensors under the base model's prefix ("bert.", "transformer.", "model.") or none."""

    def __init__(self, tensors, prefix, probe):
        self.tensors = tensors
        self.prefix = prefix if prefix + probe in tensors else ""
        if self.prefix + probe not in tensors:
            raise SystemExit(f"model.safetensors: missing tensor '{prefix}{probe}' or '{probe}'")

    def __call__(self, name):
        key = self.prefix + name
        if key not in self.tensors:
            raise SystemExit(f"model.safetensors: missing tensor '{key}'")
        return nn.Parameter(self.tensors[key], requires_grad=False)

    def linear(self, name, bias=True):
        """nn.Linear from its stored [out, in] weight (and bias)."""
        w = self(name + ".weight")
        layer = nn.Linear(w.shape[1], w.shape[0], bias=bias)
        layer.weight = w
        if bias:
            layer.bias = self(name + ".bias")
        return layer

    def layer_norm(self, name, eps):
        g = self(name + ".weight")
        ln = nn.LayerNorm(g.shape[0], eps=eps)
        ln.weight, ln.bias = g, self(name + ".bias")
        return ln


def softmax_attention(q, k, v, scale, causal):
    """q, k, v [heads, n, d_head] -> (context [heads, n, d_head], probabilities [heads, n, n])."""
    scores = torch.matmul(q, k.transpose(-1, -2)) * scale
    if causal:
        n = q.shape[-2]
        positions = torch.arange(n)
        allowed = positions.unsqueeze(0) <= positions.unsqueeze(1)  # key j <= query i
        scores = scores.masked_fill(~allowed, torch.finfo(torch.float32).min)
    probs = torch.softmax(scores, dim=-1)
    return torch.matmul(probs, v), probs


def activation(act, x):
    """The BERT and GPT-2 configs' activation_function / hidden_act."""
    if act == "relu":
        return F.relu(x)
    return F.gelu(x, approximate="tanh" if act == "gelu_new" else "none")


def split_heads(x, heads, d_head):
    """[n, heads * d_head] -> [heads, n, d_head]."""
    return x.reshape(x.shape[0], heads, d_head).transpose(0, 1)


def merge_heads(x):
    """[heads, n, d_head] -> [n, heads * d_head]."""
    return x.transpose(0, 1).reshape(x.shape[1], -1)


# ---------------------------------------------------------------- BERT (post-LN encoder)

class Bert(nn.Module):
    def __init__(self, c, t):
        super().__init__()
        w = Weights(t, "bert.", "embeddings.word_embeddings.weight")
        self.heads = c["num_attention_heads"]
        self.d_head = c["hidden_size"] // self.heads
        eps = c.get("layer_norm_eps", 1e-12)
        act = c.get("hidden_act", "gelu")
        if act not in ("gelu", "gelu_new", "relu"):
            raise SystemExit(f"config.json: hidden_act {act} is not exported")
        self.act = act
        self.word = w("embeddings.word_embeddings.weight")
        self.position = w("embeddings.position_embeddings.weight")
        self.token_type = w("embeddings.token_type_embeddings.weight")
        self.embedding_ln = w.layer_norm("embeddings.LayerNorm", eps)
        self.layers = nn.ModuleList()
        for l in range(c["num_hidden_layers"]):
            p = f"encoder.layer.{l}."
            layer = nn.Module()
            layer.q = w.linear(p + "attention.self.query")
            layer.k = w.linear(p + "attention.self.key")
            layer.v = w.linear(p + "attention.self.value")
            layer.o = w.linear(p + "attention.output.dense")
            layer.ln1 = w.layer_norm(p + "attention.output.LayerNorm", eps)
            layer.ff1 = w.linear(p + "intermediate.dense")
            layer.ff2 = w.linear(p + "output.dense")
            layer.ln2 = w.layer_norm(p + "output.LayerNorm", eps)
            self.layers.append(layer)

    def forward(self, input_ids):
        ids = input_ids[0]
        n = ids.shape[0]
        x = self.word[ids] + self.position[:n] + self.token_type[0]  # token type 0 for every token
        x = self.embedding_ln(x)
        probs_all = []
        scale = 1.0 / math.sqrt(self.d_head)
        for layer in self.layers:
            q, k, v = (split_heads(f(x), self.heads, self.d_head) for f in (layer.q, layer.k, layer.v))
            context, probs = softmax_attention(q, k, v, scale, causal=False)
            probs_all.append(probs)
            x = layer.ln1(x + layer.o(merge_heads(context)))
            x = layer.ln2(x + layer.ff2(activation(self.act, layer.ff1(x))))
        return x, probs_all


# ---------------------------------------------------------------- GPT-2 (pre-LN decoder)

class Conv1D(nn.Module):
    """GPT-2's Conv1D: y = x·W + b with W stored [in, out]."""

    def __init__(self, w, name):
        super().__init__()
        self.weight, self.bias = w(name + ".weight"), w(name + ".bias")

    def forward(self, x):
        return torch.matmul(x, self.weight) + self.bias


class Gpt2(nn.Module):
    def __init__(self, c, t):
        super().__init__()
        w = Weights(t, "transformer.", "wte.weight")
        d = c["n_embd"]
        self.heads = c["n_head"]
        self.d_head = d // self.heads
        eps = c.get("layer_norm_epsilon", 1e-5)
        act = c.get("activation_function", "gelu_new")
        if act not in ("gelu_new", "gelu", "relu"):
            raise SystemExit(f"config.json: activation_function {act} is not exported")
        self.act = act
        self.wte, self.wpe = w("wte.weight"), w("wpe.weight")
        self.layers = nn.ModuleList()
        for l in range(c["n_layer"]):
            p = f"h.{l}."
            layer = nn.Module()
            layer.ln1 = w.layer_norm(p + "ln_1", eps)
            layer.qkv = Conv1D(w, p + "attn.c_attn")
            layer.proj = Conv1D(w, p + "attn.c_proj")
            layer.ln2 = w.layer_norm(p + "ln_2", eps)
            layer.fc = Conv1D(w, p + "mlp.c_fc")
            layer.out = Conv1D(w, p + "mlp.c_proj")
            self.layers.append(layer)
        self.ln_f = w.layer_norm("ln_f", eps)

    def forward(self, input_ids):
        ids = input_ids[0]
        n = ids.shape[0]
        x = self.wte[ids] + self.wpe[:n]
        d = self.heads * self.d_head
        probs_all = []
        scale = 1.0 / math.sqrt(self.d_head)
        for layer in self.layers:
            qkv = layer.qkv(layer.ln1(x))
            q, k, v = (split_heads(qkv[:, i * d:(i + 1) * d], self.heads, self.d_head) for i in range(3))
            context, probs = softmax_attention(q, k, v, scale, causal=True)
            probs_all.append(probs)
            x = x + layer.proj(merge_heads(context))
            x = x + layer.out(activation(self.act, layer.fc(layer.ln2(x))))
        return self.ln_f(x), probs_all


# ---------------------------------------------------------------- Llama family (pre-RMSNorm decoder)

class RmsNorm(nn.Module):
    def __init__(self, weight, eps):
        super().__init__()
        self.weight, self.eps = weight, eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class Llama(nn.Module):
    def __init__(self, c, t):
        super().__init__()
        w = Weights(t, "model.", "embed_tokens.weight")
        d = c["hidden_size"]
        self.heads = c["num_attention_heads"]
        self.kv_heads = c.get("num_key_value_heads") or self.heads
        self.d_head = c.get("head_dim") or d // self.heads
        if c.get("hidden_act", "silu") != "silu":
            raise SystemExit(f"config.json: hidden_act {c.get('hidden_act')} is not exported")
        if c.get("rope_scaling"):
            raise SystemExit("config.json: rope_scaling is not exported")
        eps = c.get("rms_norm_eps", 1e-6)
        bias = bool(c.get("attention_bias", False))
        theta = float(c.get("rope_theta", 10000.0))
        self.inv_freq = 1.0 / theta ** (torch.arange(0, self.d_head, 2, dtype=torch.float32) / self.d_head)
        self.embed = w("embed_tokens.weight")
        self.layers = nn.ModuleList()
        for l in range(c["num_hidden_layers"]):
            p = f"layers.{l}."
            layer = nn.Module()
            layer.ln1 = RmsNorm(w(p + "input_layernorm.weight"), eps)
            layer.q = w.linear(p + "self_attn.q_proj", bias)
            layer.k = w.linear(p + "self_attn.k_proj", bias)
            layer.v = w.linear(p + "self_attn.v_proj", bias)
            layer.o = w.linear(p + "self_attn.o_proj", False)
            layer.ln2 = RmsNorm(w(p + "post_attention_layernorm.weight"), eps)
            layer.gate = w.linear(p + "mlp.gate_proj", False)
            layer.up = w.linear(p + "mlp.up_proj", False)
            layer.down = w.linear(p + "mlp.down_proj", False)
            self.layers.append(layer)
        self.norm = RmsNorm(w("norm.weight"), eps)

    def forward(self, input_ids):
        ids = input_ids[0]
        n = ids.shape[0]
        x = self.embed[ids]
        angles = torch.arange(n, dtype=torch.float32).unsqueeze(1) * self.inv_freq.unsqueeze(0)
        angles = torch.cat((angles, angles), dim=-1)  # [n, d_head]
        cos, sin = torch.cos(angles), torch.sin(angles)
        # Query head h reads key/value head h // group (a constant index: repeat_interleave exports
        # with the traced length baked in under torch 1.13).
        kv_of_head = torch.arange(self.heads) // (self.heads // self.kv_heads)
        probs_all = []
        scale = 1.0 / math.sqrt(self.d_head)
        for layer in self.layers:
            a = layer.ln1(x)
            q = split_heads(layer.q(a), self.heads, self.d_head)
            k = split_heads(layer.k(a), self.kv_heads, self.d_head)
            v = split_heads(layer.v(a), self.kv_heads, self.d_head)
            q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
            k, v = k.index_select(0, kv_of_head), v.index_select(0, kv_of_head)
            context, probs = softmax_attention(q, k, v, scale, causal=True)
            probs_all.append(probs)
            x = x + layer.o(merge_heads(context))
            m = layer.ln2(x)
            x = x + layer.down(F.silu(layer.gate(m)) * layer.up(m))
        return self.norm(x), probs_all


FAMILIES = {"bert": Bert, "gpt2": Gpt2, "llama": Llama}


class Exported(nn.Module):
    """[1, n] ids -> hidden [1, n, d] (and attentions.<l> [1, heads, n, n])."""

    def __init__(self, model, attentions):
        super().__init__()
        self.model, self.attentions = model, attentions

    def forward(self, input_ids):
        hidden, probs = self.model(input_ids)
        if not self.attentions:
            return hidden.unsqueeze(0)
        return (hidden.unsqueeze(0), *(p.unsqueeze(0) for p in probs))


def build(model_dir):
    with open(f"{model_dir}/config.json", encoding="utf-8") as f:
        config = json.load(f)
    family = config.get("model_type")
    if family not in FAMILIES:
        raise SystemExit(f"config.json: model_type {family!r} is not exported (one of {', '.join(FAMILIES)})")
    return FAMILIES[family](config, read_safetensors(f"{model_dir}/model.safetensors")).eval()


def export(model, out, attentions):
    layers = len(model.layers)
    outputs = ["hidden"] + ([f"attentions.{l}" for l in range(layers)] if attentions else [])
    axes = {"input_ids": {1: "n"}, "hidden": {1: "n"}}
    axes.update({name: {2: "n", 3: "n"} for name in outputs[1:]})
    example = torch.tensor([[1, 2, 3, 4, 5, 6, 7, 8]], dtype=torch.int64)
    with torch.no_grad():
        torch.onnx.export(Exported(model, attentions), (example,), out, input_names=["input_ids"],
                          output_names=outputs, dynamic_axes=axes, opset_version=OPSET, do_constant_folding=True)


def main():
    args = sys.argv[1:]
    if not args or len(args) % 2:
        raise SystemExit("usage: onnx_export.py MODEL_DIR OUT_PREFIX [MODEL_DIR OUT_PREFIX ...]\n"
                         "writes OUT_PREFIX.onnx (hidden) and OUT_PREFIX-attentions.onnx (hidden and attentions)")
    for model_dir, prefix in zip(args[::2], args[1::2]):
        model = build(model_dir)
        export(model, prefix + ".onnx", attentions=False)
        export(model, prefix + "-attentions.onnx", attentions=True)
        print(f"onnx_export: {prefix}[-attentions].onnx ({type(model).__name__}, {len(model.layers)} layers)",
              file=sys.stderr)


if __name__ == "__main__":
    main()
