"""Trains the default model: masked-LM on real text and generated pronoun sentences, plus a
LISA-style auxiliary loss that supervises ONE attention head (SUPERVISED_LAYER, SUPERVISED_HEAD):
at the pronoun, that head's attention row is pulled towards the antecedent name.

Usage: train.py WORK_DIR VOCAB_TXT [--steps N]   (writes WORK_DIR/model.pt, logs to stdout)
"""
import argparse
import json
import math
import random
import time

import torch
import torch.nn.functional as F

import pronouns
from model import BertMLM, Config
from tokenizer import CLS_ID, MASK_ID, PAD_ID, SEP_ID, WordPieceTokenizer

SEED = 1234
SUPERVISED_LAYER, SUPERVISED_HEAD = 1, 0
# Target for the supervised row: this share on the antecedent, the rest spread evenly over the
# sentence, so the head is clearly peaked without being forced to a one-hot (saturated) row.
ANTECEDENT_TARGET = 0.7
AUX_WEIGHT = 1.0
PRONOUN_BATCH, TEXT_BATCH = 48, 12
MAX_TEXT_LEN = 96
MASK_PROB = 0.15
CONTINUATION_PROB = 0.5
LR, WARMUP_SHARE, WEIGHT_DECAY = 1e-3, 0.05, 0.01


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


def pronoun_batch(tok, rng, rng_t, split="train", count=PRONOUN_BATCH, continuation=True):
    """Token ids of generated sentences, masked for MLM; pronoun and name positions are never masked
    (they carry the auxiliary target); the repeated name in a continuation is always masked."""
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
    n = max(map(len, seqs))
    ids = torch.full((count, n), PAD_ID)
    for i, s in enumerate(seqs):
        ids[i, :len(s)] = torch.tensor(s)
    attention_mask = (ids != PAD_ID).long()
    maskable = (ids != PAD_ID) & (ids != CLS_ID) & (ids != SEP_ID)
    for i, p in enumerate(protect):
        maskable[i, p] = False
    inputs, labels = mask_tokens(ids, maskable, rng_t, len(tok.vocab_list))
    for i, f in enumerate(forced):
        if f is not None:
            inputs[i, f], labels[i, f] = MASK_ID, ids[i, f]
    return inputs, labels, attention_mask, torch.tensor(rows), torch.tensor(targets)


def text_batch(corpus, rng, rng_t, vocab_size, count=TEXT_BATCH):
    """Runs of consecutive corpus texts, some as sentence pairs with token types 0/1."""
    seqs, types = [], []
    for _ in range(count):
        budget = rng.randint(8, MAX_TEXT_LEN - 3)
        start = rng.randrange(len(corpus))
        if rng.random() < 0.3:
            a = corpus[start][: budget // 2]
            b = corpus[(start + 1) % len(corpus)][: budget - len(a)]
            seqs.append([CLS_ID] + a + [SEP_ID] + b + [SEP_ID])
            types.append([0] * (len(a) + 2) + [1] * (len(b) + 1))
        else:
            run, i = [], start
            while len(run) < budget:
                run += corpus[i % len(corpus)]
                i += 1
            run = run[:budget]
            seqs.append([CLS_ID] + run + [SEP_ID])
            types.append([0] * len(seqs[-1]))
    n = max(map(len, seqs))
    ids = torch.full((count, n), PAD_ID)
    type_ids = torch.zeros((count, n), dtype=torch.long)
    for i, (s, t) in enumerate(zip(seqs, types)):
        ids[i, :len(s)], type_ids[i, :len(t)] = torch.tensor(s), torch.tensor(t)
    maskable = (ids != PAD_ID) & (ids != CLS_ID) & (ids != SEP_ID)
    inputs, labels = mask_tokens(ids, maskable, rng_t, vocab_size)
    return inputs, labels, type_ids, (ids != PAD_ID).long()


def mlm_loss(model, hidden, labels):
    sel = labels != -100
    return F.cross_entropy(model.mlm_logits(hidden[sel]), labels[sel])


def aux_loss(attentions, attention_mask, rows, targets):
    probs = attentions[SUPERVISED_LAYER][:, SUPERVISED_HEAD]  # [b, n, n]
    b = torch.arange(len(rows))
    row = probs[b, rows]  # [b, n]
    valid = attention_mask.float()
    target = valid * (1 - ANTECEDENT_TARGET) / valid.sum(1, keepdim=True)
    target[b, targets] += ANTECEDENT_TARGET
    return -(target * torch.log(row + 1e-9)).sum(1).mean()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("work_dir")
    ap.add_argument("vocab")
    ap.add_argument("--steps", type=int, default=1500)
    # One thread by default: on a machine shared with compilers, two OpenMP threads under `nice`
    # measured 2-4x slower per step than one (threads wait for each other's descheduled peer).
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.manual_seed(SEED)
    torch.set_num_threads(args.threads)
    rng, rng_t = random.Random(SEED), torch.Generator().manual_seed(SEED)
    tok = WordPieceTokenizer.from_file(args.vocab)
    corpus = torch.load(f"{args.work_dir}/corpus.pt")["train"]
    corpus = [c for c in corpus if c]
    cfg = Config(vocab_size=len(tok.vocab_list))
    model = BertMLM(cfg)
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": WEIGHT_DECAY},
                             {"params": no_decay, "weight_decay": 0.0}], lr=LR)
    warmup = max(1, int(args.steps * WARMUP_SHARE))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warmup) * max(0.0, (args.steps - s) / max(1, args.steps - warmup))
        if s >= warmup else (s + 1) / warmup)
    print(f"params {sum(p.numel() for p in model.parameters())}, steps {args.steps}", flush=True)
    t0, log = time.time(), []
    for step in range(args.steps):
        p_in, p_lab, p_mask, rows, targets = pronoun_batch(tok, rng, rng_t)
        t_in, t_lab, t_types, t_mask = text_batch(corpus, rng, rng_t, cfg.vocab_size)
        p_hidden, p_atts = model(p_in, attention_mask=p_mask)
        t_hidden, _ = model(t_in, t_types, t_mask)
        l_pron = mlm_loss(model, p_hidden, p_lab)
        l_text = mlm_loss(model, t_hidden, t_lab)
        l_aux = aux_loss(p_atts, p_mask, rows, targets)
        loss = l_pron + l_text + AUX_WEIGHT * l_aux
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        if step % 100 == 0 or step == args.steps - 1:
            entry = {"step": step, "s": round(time.time() - t0, 1), "mlm_text": round(l_text.item(), 3),
                     "mlm_pronoun": round(l_pron.item(), 3), "aux": round(l_aux.item(), 3)}
            log.append(entry)
            print(json.dumps(entry), flush=True)
        if (step + 1) % 1000 == 0 or step == args.steps - 1:
            torch.save({"state": model.state_dict(), "config": cfg.__dict__, "steps": step + 1,
                        "seconds": time.time() - t0, "cpu_seconds": time.process_time(), "log": log, "threads": args.threads,
                        "supervised": [SUPERVISED_LAYER, SUPERVISED_HEAD],
                        "hyper": {"seed": SEED, "pronoun_batch": PRONOUN_BATCH, "text_batch": TEXT_BATCH,
                                  "lr": LR, "aux_weight": AUX_WEIGHT,
                                  "antecedent_target": ANTECEDENT_TARGET, "mask_prob": MASK_PROB,
                                  "max_text_len": MAX_TEXT_LEN}},
                       f"{args.work_dir}/model.pt")


if __name__ == "__main__":
    main()
