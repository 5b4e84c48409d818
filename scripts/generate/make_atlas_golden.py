#!/usr/bin/python3
"""Golden data for the head atlas (docs/api.md#head-atlas), computed independently of the C++ core.

Run:  /usr/bin/python3 scripts/generate/make_atlas_golden.py
Writes tests/golden/atlas/:
  patterns_*.safetensors   fixed attention tensors (F32 "attentions" [layers, heads, n, n], U8
                           "special_keys" [n]) and the pattern scores atlas_reference.py computes from them in float64
                           ("<pattern>" F32 [layers*heads]; "induction" when the metadata has a probe
                           start and period). Metadata: layers, heads, n, causal, start, period.
  constructed-gpt2/        a GPT-2-layout checkpoint whose weights are set by hand so that its heads
                           are known (constructed_gpt2.py): layer 0 head 0 a previous-token head, head 1
                           a sink (first-token) head, head 2 uniform; layer 1 head 0 an induction head
                           (K-composition with the previous-token head), head 1 a self head, head 2
                           uniform. reference.safetensors holds an input, its attentions and pattern
                           scores, the probe the core draws (same splitmix64 sampling), its attentions,
                           induction scores, the copying targets and the copying (ablation) scores, all
                           from an explicit float64 forward (check_expected asserts the construction works).
"""
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import atlas_reference as ref  # noqa: E402
import constructed_gpt2 as cg  # noqa: E402
import gpt2_reference  # noqa: E402
from make_attention_golden import write_safetensors  # noqa: E402

OUT = os.path.join(HERE, "..", "..", "tests", "golden", "atlas")


def random_attention(gen, layers, heads, n, causal, sharp_rows=()):
    """Softmax rows of random scores (some rows made one-hot, so exact zeros occur)."""
    scores = torch.randn(layers, heads, n, n, generator=gen, dtype=torch.float64) * 2.0
    if causal:
        scores = scores.masked_fill(torch.triu(torch.ones(n, n, dtype=torch.bool), 1), float("-inf"))
    a = torch.softmax(scores, dim=-1)
    for (l, h, i, j) in sharp_rows:
        a[l, h, i] = 0.0
        a[l, h, i, j] = 1.0
    return a.float()  # stored as float32; the reference is computed from these values


def pattern_case(name, layers, heads, n, causal, special_positions, seed, probe=None, sharp_rows=()):
    gen = torch.Generator().manual_seed(seed)
    a = random_attention(gen, layers, heads, n, causal, sharp_rows)
    special = torch.zeros(n, dtype=torch.uint8)
    special[list(special_positions)] = 1
    a64 = a.double().numpy()
    scores = ref.pattern_scores(a64, special.numpy(), causal)
    tensors = [("attentions", a), ("special_keys", special)]
    tensors += [(p, torch.tensor(v, dtype=torch.float32)) for p, v in scores.items()]
    meta = {"layers": layers, "heads": heads, "n": n, "causal": int(causal)}
    if probe:
        start, period = probe
        tensors.append(("induction", torch.tensor(ref.induction_scores(a64, start, period), dtype=torch.float32)))
        meta.update(start=start, period=period)
    write_safetensors(os.path.join(OUT, name + ".safetensors"), tensors, meta)


def constructed():
    folder = os.path.join(OUT, "constructed-gpt2")
    os.makedirs(folder, exist_ok=True)
    weights, config = cg.build()
    cg.write_checkpoint(folder, weights, config)
    model = {k: v.double() for k, v in weights.items()}
    L, H = config["n_layer"], config["n_head"]

    # An input with a sink token first and a separator in the middle, no repeats.
    bos = cg.BOS
    ids = [bos, 3, 12, 8, 5, 11, bos, 13, 2, 14, 1, 6, 9]
    special = [1 if t == bos else 0 for t in ids]
    attentions = gpt2_reference.forward(model, config, ids)["attentions"]
    patterns = ref.pattern_scores(attentions.numpy(), np.array(special), True)

    t = {"input_ids": torch.tensor(ids, dtype=torch.int32), "special_keys": torch.tensor(special, dtype=torch.uint8)}
    for l in range(L):
        t[f"attentions.{l}"] = attentions[l].float()
    for p, v in patterns.items():
        t[p] = torch.tensor(v, dtype=torch.float32)
    # The probe the core draws: splitmix64 sampling of 8 distinct ids (BOS excluded), twice; with a BOS
    # first ("probe_*", as the C++ test asks) and without one ("plain_probe_*", what a tokenizer that
    # adds nothing around a text gives, as the module's test runs it).
    period, seed = 8, 5
    excluded = [0] * config["vocab_size"]
    excluded[bos] = 1
    for name, prefix in (("probe", [bos]), ("plain_probe", [])):
        run = probe_run(model, config, ref.repeat_probe(config["vocab_size"], period, seed, excluded, prefix=prefix),
                        len(prefix), period)
        for key, value in run.items():
            t[f"{name}_{key}"] = value
        if name == "probe":
            induction, copying = run["induction"].double().numpy(), run["copying"].double().tolist()
    cg.write_tensors(os.path.join(folder, "reference.safetensors"), t)

    check_expected(patterns, induction, copying, H)


def probe_run(model, config, probe, start, period):
    """Induction and copying (ablation) scores of a decoder's probe, from the float64 forward."""
    L, H = config["n_layer"], config["n_head"]
    run = gpt2_reference.forward(model, config, probe)
    targets = [-1] * len(probe)
    for t in range(period - 1):  # decoder: position s+T+t predicts token s+T+t+1
        targets[start + period + t] = probe[start + period + t + 1]
    base = gpt2_reference.loss(model, config, probe, targets, torch.ones(L, H, dtype=torch.float64))
    copying = []
    for layer in range(L):
        for head in range(H):
            mask = torch.ones(L, H, dtype=torch.float64)
            mask[layer, head] = 0.0
            copying.append(gpt2_reference.loss(model, config, probe, targets, mask) - base)
    out = {"ids": torch.tensor(probe, dtype=torch.int32), "targets": torch.tensor(targets, dtype=torch.int32),
           "induction": torch.tensor(ref.induction_scores(run["attentions"].numpy(), start, period), dtype=torch.float32),
           "copying": torch.tensor(copying, dtype=torch.float32), "loss": torch.tensor([base], dtype=torch.float32)}
    for l in range(L):
        out[f"attentions.{l}"] = run["attentions"][l].float()
    return out


def check_expected(patterns, induction, copying, heads):
    """The construction works as designed (else the weights above are wrong, not the core)."""
    at = lambda layer, head: layer * heads + head  # noqa: E731
    assert patterns["previous_token"][at(0, 0)] > 0.99, patterns["previous_token"]
    assert patterns["first_token"][at(0, 1)] > 0.99, patterns["first_token"]
    assert abs(patterns["broad"][at(0, 2)] - 1) < 1e-9 and abs(patterns["broad"][at(1, 2)] - 1) < 1e-9
    assert patterns["self"][at(1, 1)] > 0.99, patterns["self"]
    assert induction[at(1, 0)] > 0.99, induction
    assert copying[at(1, 0)] > 2.5 and copying[at(0, 0)] > 1.0, copying  # uniform over 17 ids: ln 17 = 2.83
    for head in (at(0, 1), at(0, 2), at(1, 1), at(1, 2)):
        assert abs(copying[head]) < 1e-9, copying


def main():
    os.makedirs(OUT, exist_ok=True)
    pattern_case("patterns_encoder_l2_h3_n9", 2, 3, 9, False, (0, 4, 8), seed=1,
                 sharp_rows=((0, 1, 3, 2), (1, 2, 5, 5), (1, 0, 0, 0)))
    pattern_case("patterns_causal_l2_h2_n12_probe", 2, 2, 12, True, (0, 11), seed=2, probe=(1, 5),
                 sharp_rows=((0, 0, 7, 3), (1, 1, 9, 0)))
    pattern_case("patterns_single_token", 1, 2, 1, False, (), seed=3)
    pattern_case("patterns_causal_l1_h4_n2_probe", 1, 4, 2, True, (1,), seed=4, probe=(0, 1))
    constructed()


if __name__ == "__main__":
    main()
