"""The head atlas, written from its definitions in docs/api.md (#head-atlas) with NumPy in float64,
independently of the C++ core (src/attention/atlas.cpp, src/model/head_atlas.cpp): the pattern
scores, each head's dominant pattern, the probe's draw and which tokens it never draws. Used by
make_atlas_golden.py (the committed references the tests compare with) and by the default model's
card (scripts/train/atlas.py).

Every function takes one head's attention A, an [n, n] array (row i = query i), or a stack of them.
"""
import math

import numpy as np


def _mean(values):
    return float(np.mean(values)) if len(values) else float("nan")


def previous_token(a):
    n = a.shape[0]
    return _mean([a[i, i - 1] for i in range(1, n)])


def next_token(a):
    n = a.shape[0]
    return _mean([a[i, i + 1] for i in range(0, n - 1)])


def self_attention(a):
    return _mean(np.diag(a))


def first_token(a):
    return _mean(a[1:, 0])


def special(a, special_mask):
    """Mean over every query of the weight on the marked keys other than position 0."""
    keys = np.asarray(special_mask, dtype=bool).copy()
    keys[0] = False
    return _mean(a[:, keys].sum(axis=1))


def row_entropies(a):
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(a > 0, -a * np.log(np.where(a > 0, a, 1.0)), 0.0)
    return terms.sum(axis=1)


def entropy(a):
    return _mean(row_entropies(a))


def broad(a, causal):
    n = a.shape[0]
    h = row_entropies(a)
    visible = np.arange(1, n + 1) if causal else np.full(n, n)
    rows = visible >= 2
    return _mean(h[rows] / np.log(visible[rows]))


def induction(a, start, period):
    """Weight from token t of the second copy on the token after its first occurrence."""
    return _mean([a[start + period + t, start + t + 1] for t in range(period)])


PATTERNS = ("previous_token", "next_token", "self", "first_token", "special", "entropy", "broad")


def pattern_scores(attentions, special_mask, causal):
    """attentions: [layers, heads, n, n]. Returns {pattern: float64 [layers * heads]}, layer-major."""
    attentions = np.asarray(attentions, dtype=np.float64)
    out = {p: [] for p in PATTERNS}
    for layer in attentions:
        for a in layer:
            out["previous_token"].append(previous_token(a))
            out["next_token"].append(next_token(a))
            out["self"].append(self_attention(a))
            out["first_token"].append(first_token(a))
            out["special"].append(special(a, special_mask))
            out["entropy"].append(entropy(a))
            out["broad"].append(broad(a, causal))
    return {p: np.array(v) for p, v in out.items()}


def induction_scores(attentions, start, period):
    attentions = np.asarray(attentions, dtype=np.float64)
    return np.array([induction(a, start, period) for layer in attentions for a in layer])


# A head's label: the largest of these when it is at least DOMINANT (ties to the first listed), else
# "broad" when broad is at least BROAD, else none.
LABEL_PATTERNS = ("previous_token", "next_token", "self", "first_token", "special", "induction")
DOMINANT, BROAD = 0.5, 0.75


def dominant(patterns, index):
    best, best_score = None, -math.inf
    for name in LABEL_PATTERNS:
        score = patterns.get(name, [math.nan] * (index + 1))[index]
        if score >= DOMINANT and score > best_score:
            best, best_score = name, score
    if best is None and patterns["broad"][index] >= BROAD:
        best = "broad"
    return best


def is_marker_token(token):
    """Vocabulary strings that mark rather than spell text: [CLS], [unused3], <s>, <|endoftext|>, ""."""
    if token == "":
        return True
    return len(token) >= 3 and ((token[0] == "[" and token[-1] == "]") or (token[0] == "<" and token[-1] == ">"))


MASK64 = (1 << 64) - 1


def repeat_probe(vocab_size, period, seed, excluded, prefix=(), suffix=()):
    """`period` distinct ids drawn by a partial Fisher-Yates shuffle of the ids not excluded, driven by
    splitmix64 from `seed`; the draw twice, between prefix and suffix."""
    candidates = [i for i in range(vocab_size) if not excluded[i]]
    state = seed & MASK64
    for i in range(period):
        state = (state + 0x9E3779B97F4A7C15) & MASK64
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        z ^= z >> 31
        j = i + z % (len(candidates) - i)
        candidates[i], candidates[j] = candidates[j], candidates[i]
    draw = candidates[:period]
    return list(prefix) + draw + draw + list(suffix)
