"""Training batches: BERT masking, generated pronoun sentences (with the auxiliary-loss targets) and
runs of real corpus text."""
import torch

import pronouns
from tokenizer import CLS_ID, MASK_ID, PAD_ID, SEP_ID

MASK_PROB = 0.15
CONTINUATION_PROB = 0.5
# Real-text sequences: most fill the whole window (no padding wasted on a CPU budget); a few are
# shorter, as in BERT pre-training, so short inputs (like the demo's sentences) are seen too.
SHORT_SEQUENCE_PROB = 0.1
SENTENCE_PAIR_PROB = 0.3


def mask_tokens(ids, maskable, rng_t, vocab_size):
    """BERT masking on positions where `maskable`: returns (inputs, labels with -100 elsewhere)."""
    labels = ids.clone()
    chosen = (torch.rand(ids.shape, generator=rng_t) < MASK_PROB) & maskable
    labels[~chosen] = -100
    inputs = ids.clone()
    roll = torch.rand(ids.shape, generator=rng_t)
    inputs[chosen & (roll < 0.8)] = MASK_ID
    randomize = chosen & (roll >= 0.8) & (roll < 0.9)
    inputs[randomize] = torch.randint(5, vocab_size, ids.shape, generator=rng_t)[randomize]
    return inputs, labels


def _pad(seqs):
    ids = torch.full((len(seqs), max(map(len, seqs))), PAD_ID)
    for i, s in enumerate(seqs):
        ids[i, :len(s)] = torch.tensor(s)
    return ids


def pronoun_batch(tok, rng, rng_t, count, split="train", continuation=True):
    """Token ids of generated sentences, masked for MLM; pronoun and name positions are never masked
    (they carry the auxiliary target); the repeated name in a continuation is always masked.
    Returns (inputs, labels, attention_mask, pronoun rows, antecedent columns)."""
    seqs, protect, forced, rows, targets = [], [], [], [], []
    for _ in range(count):
        ex = pronouns.generate(split, rng)
        words = list(ex["words"])
        forced_pos = None
        if continuation and rng.random() < CONTINUATION_PROB:
            cont = rng.choice(pronouns.CONTINUATIONS).split()
            words = words[:-1] + [","] + cont
            forced_pos = 1 + len(ex["words"]) + cont.index("{R}")
            words = [ex["names"][ex["antecedent"]] if w == "{R}" else w for w in words]
        seqs.append([CLS_ID] + [tok.vocab[w] for w in words] + [SEP_ID])
        protect.append([1 + ex["pronoun_index"], 1 + ex["name_indices"][0], 1 + ex["name_indices"][1]])
        forced.append(forced_pos)
        rows.append(1 + ex["pronoun_index"])
        targets.append(1 + ex["name_indices"][ex["antecedent"]])
    ids = _pad(seqs)
    maskable = (ids != PAD_ID) & (ids != CLS_ID) & (ids != SEP_ID)
    for i, p in enumerate(protect):
        maskable[i, p] = False
    inputs, labels = mask_tokens(ids, maskable, rng_t, len(tok.vocab_list))
    for i, f in enumerate(forced):
        if f is not None:
            inputs[i, f], labels[i, f] = MASK_ID, ids[i, f]
    return inputs, labels, (ids != PAD_ID).long(), torch.tensor(rows), torch.tensor(targets)


def text_batch(corpus, rng, rng_t, vocab_size, count, max_len):
    """Runs of consecutive corpus texts of up to `max_len` tokens including [CLS]/[SEP], some as
    sentence pairs with token types 0/1. Returns (inputs, labels, type_ids, attention_mask)."""
    seqs, types = [], []
    for _ in range(count):
        budget = max_len - 3 if rng.random() >= SHORT_SEQUENCE_PROB else rng.randint(8, max_len - 3)
        start = rng.randrange(len(corpus))
        if rng.random() < SENTENCE_PAIR_PROB:
            a = corpus[start][: budget // 2]
            b, i = [], start + 1
            while len(a) + len(b) < budget:  # the second segment: the texts that follow
                b += corpus[i % len(corpus)]
                i += 1
            b = b[: budget - len(a)]
            seqs.append([CLS_ID] + a + [SEP_ID] + b + [SEP_ID])
            types.append([0] * (len(a) + 2) + [1] * (len(b) + 1))
        else:
            run, i = [], start
            while len(run) < budget:
                run += corpus[i % len(corpus)]
                i += 1
            seqs.append([CLS_ID] + run[:budget] + [SEP_ID])
            types.append([0] * len(seqs[-1]))
    ids = _pad(seqs)
    type_ids = _pad(types)
    maskable = (ids != PAD_ID) & (ids != CLS_ID) & (ids != SEP_ID)
    inputs, labels = mask_tokens(ids, maskable, rng_t, vocab_size)
    return inputs, labels, type_ids, (ids != PAD_ID).long()
