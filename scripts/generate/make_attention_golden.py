#!/usr/bin/python3
"""Golden data for the attention core, computed by PyTorch (Debian's python3-torch).

Run:  /usr/bin/python3 scripts/generate/make_attention_golden.py
Writes one .safetensors file per case into tests/golden/attention/ (the format is written by hand
below: 8-byte little-endian header length, a JSON header, then the raw little-endian tensors).

Two kinds of case (metadata "op"):
  sdpa  single-head scaled dot-product attention, computed explicitly with torch ops:
        scores = q·kᵀ, scaled = scores/√d_k, masked_fill(-inf), softmax, output = weights·v.
        Tensors: q, k, v, [mask], scores, scaled, weights, output.
  mha   torch.nn.MultiheadAttention(batch_first=True), called with need_weights=True and
        average_attn_weights=False. Its in_proj_weight is [3d, d] and computes y = x·weightᵀ, so the
        files store W = weightᵀ ([d, d], y = x·W), which is attnscope's convention.
        Tensors: x, [context], wq, wk, wv, wo, [bq, bk, bv, bo], [mask], q, k, v, scores, scaled,
        weights [h, n, m], heads [n, d] (per-head outputs before W_O), output [n, d].

Inputs and weights are float32. The expected values are computed in float64 from exactly those float32
values (the module is converted with .double()), then stored as float32, so they are the true answer
for the stored inputs up to one float32 rounding.

Masks are stored as U8 [n, m] with 1 = "query i may attend key j" (attnscope's convention); torch gets
the complement (its bool attn_mask marks positions NOT allowed). Causal cases store no mask tensor.

Fully masked rows: torch returns NaN weights (softmax over all -inf) for a query that may attend no
key. attnscope documents that such a row gets all-zero weights and an all-zero head output instead.
The expected values here follow attnscope's rule: for those rows the NaN weights are replaced by 0,
the per-head outputs by 0, and the final output by b_O (or 0 without biases). Every other row is
torch's own result, and the script asserts those rows are finite.
"""
import json
import math
import os
import struct
import sys

import torch

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "golden",
                       "attention")


def write_safetensors(path, tensors, metadata):
    """tensors: list of (name, torch tensor F32 or U8). metadata: dict of str -> str."""
    header = {"__metadata__": {k: str(v) for k, v in metadata.items()}}
    blobs = []
    offset = 0
    for name, t in tensors:
        t = t.contiguous()
        if t.dtype == torch.float32:
            dtype, blob = "F32", struct.pack("<%df" % t.numel(), *t.flatten().tolist())
        elif t.dtype == torch.uint8:
            dtype, blob = "U8", bytes(t.flatten().tolist())
        else:
            raise ValueError("unsupported dtype %s for %s" % (t.dtype, name))
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    header_bytes = json.dumps(header, separators=(",", ":")).encode("utf-8")
    header_bytes += b" " * ((8 - len(header_bytes) % 8) % 8)  # data starts 8-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header_bytes)))
        f.write(header_bytes)
        for blob in blobs:
            f.write(blob)


def make_mask(kind, n, m, gen, fully_masked_row=None, padding=0):
    """Returns the U8 'may attend' matrix [n, m] (None for none/causal)."""
    if kind in ("none", "causal"):
        return None
    allowed = (torch.rand(n, m, generator=gen) > 0.3).to(torch.uint8)
    for i in range(n):  # keep at least one key per row unless a fully masked row is requested
        allowed[i, int(torch.randint(0, m, (1,), generator=gen))] = 1
    if padding:
        allowed[:, m - padding:] = 0  # the last keys are padding
        allowed[:, 0] = 1
    if fully_masked_row is not None:
        allowed[fully_masked_row, :] = 0
    return allowed


def torch_blocked(kind, n, m, allowed):
    """torch's bool attn_mask (True = blocked), or None."""
    if kind == "none":
        return None
    if kind == "causal":
        return torch.triu(torch.ones(n, m, dtype=torch.bool), diagonal=1)
    return allowed == 0


def dead_rows(kind, n, m, allowed):
    if kind != "allowed":
        return torch.zeros(n, dtype=torch.bool)
    return allowed.sum(dim=1) == 0


def sdpa_case(name, n, m, d_k, d_v, mask_kind, seed, value_scale=1.0, fully_masked_row=None, padding=0):
    gen = torch.Generator().manual_seed(seed)
    q = torch.randn(n, d_k, generator=gen) * value_scale
    k = torch.randn(m, d_k, generator=gen) * value_scale
    v = torch.randn(m, d_v, generator=gen)
    allowed = make_mask(mask_kind, n, m, gen, fully_masked_row, padding)
    blocked = torch_blocked(mask_kind, n, m, allowed)

    q64, k64, v64 = q.double(), k.double(), v.double()
    scores = q64 @ k64.T
    scaled = scores / math.sqrt(d_k)
    masked = scaled if blocked is None else scaled.masked_fill(blocked, float("-inf"))
    weights = torch.softmax(masked, dim=-1)
    dead = dead_rows(mask_kind, n, m, allowed)
    assert torch.isfinite(weights[~dead]).all()
    weights[dead] = 0.0  # attnscope's rule for fully masked rows (torch: NaN)
    output = weights @ v64

    tensors = [("q", q), ("k", k), ("v", v)]
    if allowed is not None:
        tensors.append(("mask", allowed))
    tensors += [("scores", scores.float()), ("scaled", scaled.float()), ("weights", weights.float()),
                ("output", output.float())]
    meta = dict(op="sdpa", n=n, m=m, d_k=d_k, d_v=d_v, mask=mask_kind, fully_masked_rows=int(dead.sum()))
    write_safetensors(os.path.join(OUT_DIR, name + ".safetensors"), tensors, meta)


def mha_case(name, n, m, d_model, heads, mask_kind, bias, cross, seed, fully_masked_row=None, padding=0):
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    mha = torch.nn.MultiheadAttention(d_model, heads, bias=bias, batch_first=True)
    with torch.no_grad():  # torch initialises biases to 0: give them values so they are tested
        if bias:
            mha.in_proj_bias.copy_(torch.randn(3 * d_model, generator=gen) * 0.1)
            mha.out_proj.bias.copy_(torch.randn(d_model, generator=gen) * 0.1)
    x = torch.randn(n, d_model, generator=gen)
    context = torch.randn(m, d_model, generator=gen) if cross else x
    allowed = make_mask(mask_kind, n, m, gen, fully_masked_row, padding)
    blocked = torch_blocked(mask_kind, n, m, allowed)

    mha64 = mha.double()
    with torch.no_grad():
        out, attn = mha64(x.double()[None], context.double()[None], context.double()[None],
                          attn_mask=blocked, need_weights=True, average_attn_weights=False)
    out, attn = out[0], attn[0]  # [n, d], [h, n, m]

    w_in = mha64.in_proj_weight.detach()  # [3d, d], y = x·wᵀ
    b_in = mha64.in_proj_bias.detach() if bias else torch.zeros(3 * d_model, dtype=torch.float64)
    wq, wk, wv = (w_in[i * d_model:(i + 1) * d_model].T.contiguous() for i in range(3))
    bq, bk, bv = (b_in[i * d_model:(i + 1) * d_model] for i in range(3))
    wo = mha64.out_proj.weight.detach().T.contiguous()
    bo = mha64.out_proj.bias.detach() if bias else torch.zeros(d_model, dtype=torch.float64)

    # The textbook intermediates, from the same float64 weights (the step view shows these).
    d_head = d_model // heads
    q = x.double() @ wq + bq
    k = context.double() @ wk + bk
    v = context.double() @ wv + bv
    qh = q.view(n, heads, d_head).transpose(0, 1)
    kh = k.view(m, heads, d_head).transpose(0, 1)
    vh = v.view(m, heads, d_head).transpose(0, 1)
    scores = qh @ kh.transpose(1, 2)  # [h, n, m]
    scaled = scores / math.sqrt(d_head)

    dead = dead_rows(mask_kind, n, m, allowed)
    assert torch.isfinite(attn[:, ~dead]).all() and torch.isfinite(out[~dead]).all()
    attn = attn.clone()
    attn[:, dead] = 0.0  # attnscope's rule (torch: NaN)
    heads_out = (attn @ vh).transpose(0, 1).reshape(n, d_model)  # per-head outputs, concatenated
    out = out.clone()
    out[dead] = bo  # zero head outputs, then ·W_O + b_O
    # Cross-check torch's module against the explicit pipeline on the rows it defines.
    explicit = heads_out @ wo + bo
    assert torch.allclose(explicit[~dead], out[~dead], atol=1e-9), name

    f = lambda t: t.float().contiguous()
    tensors = [("x", x)]
    if cross:
        tensors.append(("context", context))
    tensors += [("wq", f(wq)), ("wk", f(wk)), ("wv", f(wv)), ("wo", f(wo))]
    if bias:
        tensors += [("bq", f(bq)), ("bk", f(bk)), ("bv", f(bv)), ("bo", f(bo))]
    if allowed is not None:
        tensors.append(("mask", allowed))
    tensors += [("q", f(q)), ("k", f(k)), ("v", f(v)), ("scores", f(scores)), ("scaled", f(scaled)),
                ("weights", f(attn)), ("heads", f(heads_out)), ("output", f(out))]
    meta = dict(op="mha", n=n, m=m, d_model=d_model, heads=heads, mask=mask_kind,
                bias="true" if bias else "false", cross="true" if cross else "false",
                fully_masked_rows=int(dead.sum()))
    write_safetensors(os.path.join(OUT_DIR, name + ".safetensors"), tensors, meta)


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    for old in os.listdir(OUT_DIR):
        if old.endswith(".safetensors"):
            os.remove(os.path.join(OUT_DIR, old))
    torch.set_num_threads(1)

    # Single head: (name, n, m, d_k, d_v, mask, seed, extras)
    sdpa_case("sdpa_n1_m1_d1_none", 1, 1, 1, 1, "none", 1)
    sdpa_case("sdpa_n7_d8_causal", 7, 7, 8, 8, "causal", 2)
    sdpa_case("sdpa_n13_m33_dk5_dv3_none", 13, 33, 5, 3, "none", 3)
    sdpa_case("sdpa_n33_m13_dk64_dv17_causal", 33, 13, 64, 17, "causal", 4)
    sdpa_case("sdpa_n6_m9_d16_padding_dead_row", 6, 9, 16, 16, "allowed", 5, fully_masked_row=2, padding=3)
    sdpa_case("sdpa_n17_m65_dk3_dv7_allowed", 17, 65, 3, 7, "allowed", 6)
    sdpa_case("sdpa_n5_d4_large_scores", 5, 5, 4, 4, "none", 7, value_scale=30.0)
    sdpa_case("sdpa_n1_m13_d32_causal", 1, 13, 32, 32, "causal", 8)

    # Multi-head: (name, n, m, d_model, heads, mask, bias, cross, seed, extras)
    mha_case("mha_n1_d12_h1_none_bias", 1, 1, 12, 1, "none", True, False, 11)
    mha_case("mha_n7_d12_h3_causal_bias", 7, 7, 12, 3, "causal", True, False, 12)
    mha_case("mha_n13_d16_h4_none_nobias", 13, 13, 16, 4, "none", False, False, 13)
    mha_case("mha_n33_d64_h8_causal_bias", 33, 33, 64, 8, "causal", True, False, 14)
    mha_case("mha_cross_n7_m13_d24_h2_none_bias", 7, 13, 24, 2, "none", True, True, 15)
    mha_case("mha_cross_n13_m5_d36_h6_padding_bias", 13, 5, 36, 6, "allowed", True, True, 16, padding=2)
    mha_case("mha_n9_d48_h12_dead_row_bias", 9, 9, 48, 12, "allowed", True, False, 17, fully_masked_row=4)
    mha_case("mha_cross_n5_m17_d20_h5_causal_nobias", 5, 17, 20, 5, "causal", False, True, 18)
    mha_case("mha_n65_d32_h1_padding_nobias", 65, 65, 32, 1, "allowed", False, False, 19, padding=5)
    mha_case("mha_cross_n2_m3_d12_h12_none_bias", 2, 3, 12, 12, "none", True, True, 20)
    mha_case("mha_n9_d768_h12_causal_bias", 9, 9, 768, 12, "causal", True, False, 21)

    total = sum(os.path.getsize(os.path.join(OUT_DIR, f)) for f in os.listdir(OUT_DIR))
    print("wrote %d files, %.1f MB, into %s" % (len(os.listdir(OUT_DIR)), total / 1e6, OUT_DIR),
          file=sys.stderr)


if __name__ == "__main__":
    main()
