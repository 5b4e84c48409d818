"""The float64 building blocks of the encoder-decoder reference (make_seq2seq_golden.py), each as the
papers and Hugging Face's modeling code define it: LayerNorm, T5's RMS LayerNorm, the activations,
T5's relative position buckets (Hugging Face's _relative_position_bucket, literally, in torch's
float32), one attention block step by step, and Marian's sinusoidal position table."""
import math

import torch
import torch.nn.functional as F


def layer_norm(x, w, b, eps=1e-5):
    mean = x.mean(-1, keepdim=True)
    var = ((x - mean) ** 2).mean(-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps) * w + b


def t5_norm(x, w, eps):
    return x / torch.sqrt((x * x).mean(-1, keepdim=True) + eps) * w


def act(name, x):
    if name in ("silu", "swish"):
        return x * torch.sigmoid(x)
    if name == "gelu_new":
        return F.gelu(x, approximate="tanh")
    if name == "relu":
        return torch.relu(x)
    assert name == "gelu", name
    return F.gelu(x)


def relative_position_bucket(relative_position, bidirectional, num_buckets, max_distance):
    """Hugging Face's T5Attention._relative_position_bucket (relative_position = key - query)."""
    relative_buckets = 0
    if bidirectional:
        num_buckets //= 2
        relative_buckets += (relative_position > 0).to(torch.long) * num_buckets
        relative_position = torch.abs(relative_position)
    else:
        relative_position = -torch.min(relative_position, torch.zeros_like(relative_position))
    max_exact = num_buckets // 2
    is_small = relative_position < max_exact
    if_large = max_exact + (torch.log(relative_position.float() / max_exact) / math.log(max_distance / max_exact)
                            * (num_buckets - max_exact)).to(torch.long)
    if_large = torch.min(if_large, torch.full_like(if_large, num_buckets - 1))
    return relative_buckets + torch.where(is_small, relative_position, if_large)


def position_bias(table, n, m, bidirectional, max_distance):
    """[heads, n, m] from a [buckets, heads] table."""
    relative = torch.arange(m, dtype=torch.long)[None, :] - torch.arange(n, dtype=torch.long)[:, None]
    buckets = relative_position_bucket(relative, bidirectional, table.shape[0], max_distance)
    return table[buckets].permute(2, 0, 1)


def attention(xq, xkv, p, heads, dh, scale, bias, ok):
    """The textbook steps of one attention block: queries from xq [n, d], keys/values from xkv [m, d].
    p: nn.Linear weights q, k, v, o [out, in] and optional biases bq, bk, bv, bo; ok [n, m] bool."""
    n, m = xq.shape[0], xkv.shape[0]
    lin = lambda x, w, b: x @ w.t() + (b if b is not None else 0)
    q = lin(xq, p["q"], p.get("bq")).view(n, heads, dh).transpose(0, 1)
    k = lin(xkv, p["k"], p.get("bk")).view(m, heads, dh).transpose(0, 1)
    v = lin(xkv, p["v"], p.get("bv")).view(m, heads, dh).transpose(0, 1)
    scores = q @ k.transpose(1, 2)
    scaled = scores * scale + (bias if bias is not None else 0)
    weights = torch.softmax(scaled.masked_fill(~ok, float("-inf")), dim=-1)
    head_output = weights @ v
    output = lin(head_output.transpose(0, 1).reshape(n, heads * dh), p["o"], p.get("bo"))
    return {"x": xq, "q": q, "k": k, "v": v, "scores": scores, "scaled": scaled, "weights": weights,
            "head_output": head_output, "output": output}


def sinusoidal(rows, d):
    """Marian's table: [sin(p·f_i) for i < d/2 | cos(p·f_i)], f_i = 10000^(-2i/d)."""
    pos = torch.arange(rows, dtype=torch.float64)[:, None]
    i = torch.arange((d + 1) // 2, dtype=torch.float64)[None, :]
    angle = pos / torch.pow(10000.0, 2 * i / d)
    return torch.cat([torch.sin(angle), torch.cos(angle[:, :d // 2])], dim=-1)
