"""GPT-2 written from its formulas in float64, independently of the C++ core: the reference for the
head atlas's probe and ablations and for the language-model head's predictions.

Weights are a dict of float64 tensors under GPT2Model's names (Conv1D [in, out]) plus "lm_head.weight"
[vocab, d] (the tied case passes wte there); config uses Hugging Face's GPT-2 keys.
"""
import math

import torch
import torch.nn.functional as F


def forward(w, config, ids, head_mask=None):
    """GPT-2 in float64 from its formulas: pre-LN blocks, causal softmax attention (weights × head_mask
    before ·V, as Hugging Face), GELU-tanh MLP, ln_f, logits = h·lm_headᵀ."""
    n, d, heads, eps = len(ids), config["n_embd"], config["n_head"], config["layer_norm_epsilon"]
    dh = d // heads
    x = w["wte.weight"][torch.tensor(ids)] + w["wpe.weight"][:n]
    blocked = torch.triu(torch.ones(n, n, dtype=torch.bool), 1)
    attentions = []
    for layer in range(config["n_layer"]):
        p = f"h.{layer}."
        a = F.layer_norm(x, (d,), w[p + "ln_1.weight"], w[p + "ln_1.bias"], eps)
        qkv = a @ w[p + "attn.c_attn.weight"] + w[p + "attn.c_attn.bias"]
        q, k, v = (qkv[:, i * d:(i + 1) * d].reshape(n, heads, dh).transpose(0, 1) for i in range(3))
        weights = torch.softmax((q @ k.transpose(1, 2) / math.sqrt(dh)).masked_fill(blocked, float("-inf")), dim=-1)
        if head_mask is not None:
            weights = weights * head_mask[layer][:, None, None]
        attentions.append(weights)
        x = x + (weights @ v).transpose(0, 1).reshape(n, d) @ w[p + "attn.c_proj.weight"] + w[p + "attn.c_proj.bias"]
        m = F.layer_norm(x, (d,), w[p + "ln_2.weight"], w[p + "ln_2.bias"], eps)
        m = F.gelu(m @ w[p + "mlp.c_fc.weight"] + w[p + "mlp.c_fc.bias"], approximate="tanh")
        x = x + m @ w[p + "mlp.c_proj.weight"] + w[p + "mlp.c_proj.bias"]
    h = F.layer_norm(x, (d,), w["ln_f.weight"], w["ln_f.bias"], eps)
    return {"attentions": torch.stack(attentions), "hidden": h, "logits": h @ w["lm_head.weight"].t()}


def loss(w, config, ids, targets, head_mask):
    """Mean −ln p(target) over the positions whose target is not −1."""
    log_probs = torch.log_softmax(forward(w, config, ids, head_mask)["logits"], dim=-1)
    picked = [-log_probs[i, t].item() for i, t in enumerate(targets) if t >= 0]
    return sum(picked) / len(picked)
