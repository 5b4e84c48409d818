"""Trains the default model: masked-LM on real text and generated pronoun sentences, plus a
LISA-style auxiliary loss that supervises ONE attention head (SUPERVISED_LAYER, SUPERVISED_HEAD):
at the pronoun, that head's attention row is pulled towards the antecedent name.

Usage: train.py WORK_DIR VOCAB_TXT [--steps N] [--max-seconds S] [--seed N] [--out FILE] ...
(writes WORK_DIR/model.pt, logs JSON lines to stdout: losses and held-out masked-token accuracy)

The learning rate warms up, then decays linearly with progress = max(step / steps, elapsed /
max_seconds): on an idle machine the run is exactly `steps` steps; on a busy one it ends at the
time budget with the schedule completed, and the checkpoint records how many steps it made.
"""
import argparse
import json
import random
import time

import torch
import torch.nn.functional as F

from batches import MASK_PROB, pronoun_batch, text_batch
from evaluate import masked_token_accuracy
from model import BertMLM, Config
from tokenizer import WordPieceTokenizer

SEED = 1234
SUPERVISED_LAYER, SUPERVISED_HEAD = 1, 0
# Target for the supervised row: this share on the antecedent, the rest spread evenly over the
# sentence, so the head is clearly peaked without being forced to a one-hot (saturated) row.
ANTECEDENT_TARGET = 0.7
AUX_WEIGHT = 1.0
PRONOUN_BATCH, TEXT_BATCH = 24, 24
MAX_TEXT_LEN = 128  # = max_position_embeddings: every position gets trained
LR, WARMUP_STEPS, WEIGHT_DECAY = 2e-3, 100, 0.01
LOG_EVERY = 100
CURVE_TEXTS = 400  # held-out texts for the accuracy curve in the log (evaluate.py uses all of them)


def mlm_loss(model, hidden, labels):
    sel = labels != -100
    logits = model.mlm_logits(hidden[sel])
    return F.cross_entropy(logits, labels[sel]), (logits.argmax(-1) == labels[sel]).float().mean()


def aux_loss(attentions, attention_mask, rows, targets):
    probs = attentions[SUPERVISED_LAYER][:, SUPERVISED_HEAD]  # [b, n, n]
    b = torch.arange(len(rows))
    row = probs[b, rows]  # [b, n]
    valid = attention_mask.float()
    target = valid * (1 - ANTECEDENT_TARGET) / valid.sum(1, keepdim=True)
    target[b, targets] += ANTECEDENT_TARGET
    return -(target * torch.log(row + 1e-9)).sum(1).mean()


def heldout_accuracy(model, heldout):
    model.eval()
    acc, _ = masked_token_accuracy(model, heldout, seed=0)
    model.train()
    return acc


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("work_dir")
    ap.add_argument("vocab")
    ap.add_argument("--steps", type=int, default=6000)
    ap.add_argument("--max-seconds", type=float, default=float("inf"))
    # One thread: on this machine shared with compilers, two OpenMP threads measured 2.4x slower per
    # step than one (7.4 s vs 3.1 s wall for the same step; OpenBLAS in use, 58 GFLOP/s on 1024^3).
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--lr", type=float, default=LR)
    ap.add_argument("--text-batch", type=int, default=TEXT_BATCH)
    ap.add_argument("--pronoun-batch", type=int, default=PRONOUN_BATCH)
    ap.add_argument("--dropout", type=float, default=0.0)  # minutes of training underfit; no need
    ap.add_argument("--out", default="model.pt")
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rng, rng_t = random.Random(args.seed), torch.Generator().manual_seed(args.seed)
    tok = WordPieceTokenizer.from_file(args.vocab)
    data = torch.load(f"{args.work_dir}/corpus.pt")
    corpus = [c for c in data["train"] if c]
    curve_texts = data["heldout"][:CURVE_TEXTS]
    cfg = Config(vocab_size=len(tok.vocab_list), hidden_dropout_prob=args.dropout)
    model = BertMLM(cfg)
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": WEIGHT_DECAY},
                             {"params": no_decay, "weight_decay": 0.0}], lr=args.lr)
    warmup = min(WARMUP_STEPS, max(1, args.steps // 10))
    hyper = {"seed": args.seed, "pronoun_batch": args.pronoun_batch, "text_batch": args.text_batch,
             "lr": args.lr, "warmup_steps": warmup, "dropout": args.dropout, "aux_weight": AUX_WEIGHT,
             "antecedent_target": ANTECEDENT_TARGET, "mask_prob": MASK_PROB, "max_text_len": MAX_TEXT_LEN,
             "planned_steps": args.steps, "max_seconds": args.max_seconds}
    print(json.dumps({"params": sum(p.numel() for p in model.parameters()), **hyper}), flush=True)
    t0, cpu0, log, step, progress = time.time(), time.process_time(), [], 0, 0.0
    while progress < 1.0:
        for group in opt.param_groups:
            group["lr"] = args.lr * min(1.0, (step + 1) / warmup) * (1.0 - progress)
        p_in, p_lab, p_mask, rows, targets = pronoun_batch(tok, rng, rng_t, args.pronoun_batch)
        t_in, t_lab, t_types, t_mask = text_batch(corpus, rng, rng_t, cfg.vocab_size, args.text_batch,
                                                  MAX_TEXT_LEN)
        p_hidden, p_atts = model(p_in, attention_mask=p_mask)
        t_hidden, _ = model(t_in, t_types, t_mask)
        l_pron, _ = mlm_loss(model, p_hidden, p_lab)
        l_text, a_text = mlm_loss(model, t_hidden, t_lab)
        l_aux = aux_loss(p_atts, p_mask, rows, targets)
        loss = l_pron + l_text + AUX_WEIGHT * l_aux
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        progress = max(step / args.steps, (time.time() - t0) / args.max_seconds)
        done = progress >= 1.0
        if step % LOG_EVERY == 1 or done:
            entry = {"step": step, "s": round(time.time() - t0, 1), "lr": round(opt.param_groups[0]["lr"], 6),
                     "mlm_text": round(l_text.item(), 3), "mlm_text_batch_acc": round(a_text.item(), 3),
                     "mlm_pronoun": round(l_pron.item(), 3), "aux": round(l_aux.item(), 3)}
            if step % (2 * LOG_EVERY) == 1 or done:
                entry["heldout_mlm_acc"] = round(heldout_accuracy(model, curve_texts), 4)
            log.append(entry)
            print(json.dumps(entry), flush=True)
        if step % 1000 == 0 or done:
            torch.save({"state": model.state_dict(), "config": cfg.__dict__, "steps": step,
                        "seconds": time.time() - t0, "cpu_seconds": time.process_time() - cpu0,
                        "log": log, "threads": args.threads,
                        "stopped_by": "time budget" if step < args.steps else "steps",
                        "supervised": [SUPERVISED_LAYER, SUPERVISED_HEAD], "hyper": hyper},
                       f"{args.work_dir}/{args.out}")


if __name__ == "__main__":
    main()
