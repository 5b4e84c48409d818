"""Checks our encoder (model.py) against torch's own nn.TransformerEncoderLayer (post-LN, exact GELU),
which computes the BERT block, on the exported files: the same hidden states and attention weights.

Usage: check_model.py MODEL_DIR
"""
import sys

import torch
from torch import nn

from evaluate import load_model


def reference_forward(model, ids):
    cfg = model.cfg
    d = cfg.hidden_size
    n = ids.shape[1]
    x = model.word(ids) + model.position(torch.arange(n))[None] + model.token_type(torch.zeros_like(ids))
    x = nn.functional.layer_norm(x, (d,), model.emb_norm.weight, model.emb_norm.bias, cfg.layer_norm_eps)
    attentions = []
    for layer in model.layers:
        ref = nn.TransformerEncoderLayer(d, cfg.num_attention_heads, cfg.intermediate_size, dropout=0.0,
                                         activation="gelu", layer_norm_eps=cfg.layer_norm_eps,
                                         batch_first=True, norm_first=False).eval()
        with torch.no_grad():
            ref.self_attn.in_proj_weight.copy_(torch.cat([layer.query.weight, layer.key.weight, layer.value.weight]))
            ref.self_attn.in_proj_bias.copy_(torch.cat([layer.query.bias, layer.key.bias, layer.value.bias]))
            ref.self_attn.out_proj.weight.copy_(layer.attn_out.weight)
            ref.self_attn.out_proj.bias.copy_(layer.attn_out.bias)
            for ours, theirs in ((layer.attn_norm, ref.norm1), (layer.intermediate, ref.linear1),
                                 (layer.output, ref.linear2), (layer.out_norm, ref.norm2)):
                theirs.weight.copy_(ours.weight)
                theirs.bias.copy_(ours.bias)
            _, weights = ref.self_attn(x, x, x, need_weights=True, average_attn_weights=False)
            attentions.append(weights)
            x = ref(x)
    return x, attentions


def main(model_dir):
    model, _ = load_model(model_dir)
    torch.manual_seed(0)
    ids = torch.randint(5, model.cfg.vocab_size, (3, 20))
    with torch.no_grad():
        hidden, atts = model(ids)
        ref_hidden, ref_atts = reference_forward(model, ids)
    hidden_diff = (hidden - ref_hidden).abs().max().item()
    att_diff = max((a - r).abs().max().item() for a, r in zip(atts, ref_atts))
    print(f"max |hidden - reference| {hidden_diff:.2e}, max |attention - reference| {att_diff:.2e}")
    assert hidden_diff < 1e-4 and att_diff < 1e-5


if __name__ == "__main__":
    main(sys.argv[1])
