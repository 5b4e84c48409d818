"""The head atlas of the EXPORTED default model (docs/api.md#head-atlas), computed with torch and the
NumPy definitions of scripts/generate/atlas_reference.py, into eval.json ("atlas"), then MODEL_CARD.md
re-rendered. No training: it reads the files in MODEL_DIR.

  - every pattern score of every head on the default sentence ([CLS] … [SEP]);
  - the probe: 50 random tokens (seed 0; never [CLS], [SEP], [MASK] …) repeated twice inside [CLS] … [SEP],
    its induction scores, and each head's copying score: the rise of the masked-LM loss on the second
    copy's odd tokens (replaced by [MASK]) when the head's attention weights are multiplied by 0.

Usage: atlas.py MODEL_DIR
"""
import json
import os
import sys

import numpy as np
import torch

from evaluate import DEFAULT_SENTENCE, load_model
from model_card import write_model_card
from tokenizer import CLS_ID, MASK_ID, SEP_ID, WordPieceTokenizer

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "generate"))
import atlas_reference as ref  # noqa: E402

PROBE_LENGTH, PROBE_SEED = 50, 0


def attentions_of(model, ids, head_mask=None):
    with torch.no_grad():
        hidden, attentions = model(torch.tensor([ids]), head_mask=head_mask)
    return hidden, np.stack([a[0].double().numpy() for a in attentions])


def masked_loss(model, ids, targets, head_mask):
    """Mean −ln p(target) over the positions whose target is not −1."""
    hidden, _ = attentions_of(model, ids, head_mask)
    with torch.no_grad():
        log_probs = torch.log_softmax(model.mlm_logits(hidden[0]).double(), dim=-1)
    picked = [-log_probs[i, t].item() for i, t in enumerate(targets) if t >= 0]
    return sum(picked) / len(picked)


def head_atlas(model, tok):
    cfg = model.cfg
    layers, heads = cfg.num_hidden_layers, cfg.num_attention_heads
    tokens = ["[CLS]"] + tok.tokenize(DEFAULT_SENTENCE) + ["[SEP]"]
    ids = [tok.vocab[t] for t in tokens]
    special = [ref.is_marker_token(t) for t in tokens]
    patterns = ref.pattern_scores(attentions_of(model, ids)[1], special, causal=False)

    excluded = [ref.is_marker_token(t) for t in tok.vocab_list]
    probe = ref.repeat_probe(cfg.vocab_size, PROBE_LENGTH, PROBE_SEED, excluded, prefix=[CLS_ID], suffix=[SEP_ID])
    start = 1
    patterns["induction"] = ref.induction_scores(attentions_of(model, probe)[1], start, PROBE_LENGTH)
    masked, targets = list(probe), [-1] * len(probe)
    for t in range(1, PROBE_LENGTH, 2):  # encoders: the second copy's odd tokens, masked, predicted in place
        targets[start + PROBE_LENGTH + t] = probe[start + PROBE_LENGTH + t]
        masked[start + PROBE_LENGTH + t] = MASK_ID
    ones = torch.ones(layers, heads)
    base = masked_loss(model, masked, targets, ones)
    copying = []
    for i in range(layers * heads):
        mask = ones.clone().view(-1)
        mask[i] = 0.0
        copying.append(masked_loss(model, masked, targets, mask.view(layers, heads)) - base)
    patterns["copying"] = np.array(copying)

    to_list = lambda v: [None if np.isnan(x) else round(float(x), 6) for x in v]  # noqa: E731
    return {
        "input": DEFAULT_SENTENCE, "tokens": tokens, "special": [i for i, s in enumerate(special) if s and i > 0],
        "patterns": {name: to_list(v) for name, v in patterns.items()},
        "dominant": [ref.dominant(patterns, i) for i in range(layers * heads)],
        "probe": {"length": PROBE_LENGTH, "seed": PROBE_SEED, "ids": probe, "start": start, "loss": round(base, 6)},
        "note": "computed by scripts/train/atlas.py (torch + scripts/generate/atlas_reference.py); the demo and "
                "model.headAtlas compute the same in the wasm core",
    }


def main(model_dir):
    model, cfg = load_model(model_dir)
    tok = WordPieceTokenizer.from_file(f"{model_dir}/vocab.txt")
    with open(f"{model_dir}/eval.json") as f:
        result = json.load(f)
    result["atlas"] = head_atlas(model, tok)
    with open(f"{model_dir}/eval.json", "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    write_model_card(f"{model_dir}/MODEL_CARD.md", result, cfg)
    print(json.dumps({"dominant": result["atlas"]["dominant"], "copying": result["atlas"]["patterns"]["copying"]}))


if __name__ == "__main__":
    main(sys.argv[1])
