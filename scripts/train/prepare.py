"""Builds the vocabulary and the tokenised real-text corpus (train / held-out split).

Usage: prepare.py WORK_DIR OUT_DIR   (writes WORK_DIR/corpus.pt and OUT_DIR/vocab.txt)
"""
import json
import random
import sys

import torch

import pronouns
import real_text
from tokenizer import build_vocab

SEED = 1234
VOCAB_SIZE = 8000
HELDOUT_SHARE = 0.02


def split_texts():
    """(sources, train texts, held-out texts): a fixed-seed 2 % hold-out of all real texts."""
    sources = real_text.all_texts()
    texts = [t for group in sources.values() for t in group]
    rng = random.Random(SEED)
    order = list(range(len(texts)))
    rng.shuffle(order)
    n_heldout = int(len(texts) * HELDOUT_SHARE)
    heldout_set = set(order[:n_heldout])
    train_texts = [t for i, t in enumerate(texts) if i not in heldout_set]
    heldout_texts = [t for i, t in enumerate(texts) if i in heldout_set]
    return sources, train_texts, heldout_texts


def main(work_dir, out_dir):
    sources, train_texts, heldout_texts = split_texts()

    tok = build_vocab(train_texts, VOCAB_SIZE, pronouns.template_words())
    tok.save(f"{out_dir}/vocab.txt")
    for w in pronouns.template_words():
        assert tok.word_pieces(w) == [w], w

    def encode_all(items):
        return [tok.encode(t) for t in items]

    train_ids, heldout_ids = encode_all(train_texts), encode_all(heldout_texts)
    stats = {"sources": {k: {"texts": len(v), "words": sum(len(t.split()) for t in v)}
                         for k, v in sources.items()},
             "train_texts": len(train_texts), "heldout_texts": len(heldout_texts),
             "train_tokens": sum(map(len, train_ids)), "heldout_tokens": sum(map(len, heldout_ids)),
             "vocab_size": len(tok.vocab_list),
             "unk_share": sum(x.count(1) for x in train_ids) / max(1, sum(map(len, train_ids)))}
    torch.save({"train": train_ids, "heldout": heldout_ids, "stats": stats}, f"{work_dir}/corpus.pt")
    with open(f"{work_dir}/corpus_stats.json", "w") as f:
        json.dump(stats, f, indent=1)
    print(json.dumps(stats, indent=1))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
