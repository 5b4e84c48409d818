#!/usr/bin/python3
"""Checkpoints with their language-model heads, and the heads' predictions in float64.

Run:  /usr/bin/python3 scripts/generate/make_lm_head_golden.py
Writes tests/golden/lm_heads/<name>/: a checkpoint folder (make_model_golden.py writes the base model
and its reference.safetensors) whose file also holds the family's head, and lm_reference.safetensors:
  input_ids I32 [n]; log_probs F32 [n, vocab] (log-softmax of the logits over the whole vocabulary);
  topk_ids I32 [n, 5] (torch.topk of the float64 logits); for gpt2-tied also masked.head_mask F32
  [layers*heads], masked.attentions.<l> F32 [heads, n, n] and masked.log_probs, the same input run
  with that head mask (weights × factor before ·V, as Hugging Face's head_mask).

The heads are written from Hugging Face's modeling code's formulas, applied in float64 to the base
model's float64 last hidden state (from torch modules, make_model_golden.py) and to the head weights as
stored in the file:
  BERT        cls.predictions: LayerNorm(gelu(h·Wᵀ + b)) · word_embeddingsᵀ + cls.predictions.bias
  RoBERTa     lm_head: LayerNorm(gelu(h·Wᵀ + b)) · word_embeddingsᵀ + lm_head.bias
  DistilBERT  vocab_layer_norm(gelu(vocab_transform(h))) · word_embeddingsᵀ + vocab_projector.bias
  GPT-2       ln_f(h) · wteᵀ (tied) or · lm_head.weightᵀ (tie_word_embeddings false)
The GPT-2 cases also check the explicit forward of gpt2_reference.py against make_model_golden's.
"""
import os
import sys

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gpt2_reference  # noqa: E402
from make_model_golden import (bert_family, bert_vocab, bpe_vocab, gpt2, rand, stored, train_bpe,  # noqa: E402
                               write_safetensors)

OUT = os.path.join(HERE, "..", "..", "tests", "golden", "lm_heads")
K = 5


def head_tensors(gen, names, d, vocab):
    dense_w, dense_b, gamma, beta, bias = names
    return {dense_w: rand(gen, d, d, std=1 / d ** 0.5), dense_b: rand(gen, d, std=0.1),
            gamma: rand(gen, d, std=0.1, mean=1.0), beta: rand(gen, d, std=0.1), bias: rand(gen, vocab, std=0.5)}


def transformed_logits(base, names, dtype, eps, embeddings_name):
    dense_w, dense_b, gamma, beta, bias = names
    s = base["stored"]
    head = {name: stored(base["extra"][name], dtype) for name in names}
    h = F.gelu(base["hidden"] @ head[dense_w].t() + head[dense_b])  # erf GELU, as every case here
    h = F.layer_norm(h, (h.shape[-1],), head[gamma], head[beta], eps)
    return h @ s[embeddings_name].t() + head[bias]


def write_lm_reference(folder, ids, logits, masked=None):
    t = {"input_ids": ids.to(torch.int32), "log_probs": torch.log_softmax(logits, dim=-1).float(),
         "topk_ids": torch.topk(logits, K, dim=-1).indices.to(torch.int32)}
    if masked:
        t["masked.head_mask"] = masked["head_mask"].flatten().float()
        for l, a in enumerate(masked["attentions"]):
            t[f"masked.attentions.{l}"] = a.float()
        t["masked.log_probs"] = torch.log_softmax(masked["logits"], dim=-1).float()
    write_safetensors(os.path.join(folder, "lm_reference.safetensors"), t, "F32")


def bert_like(name, family, prefix, dtype, names, eps, seed):
    gen = torch.Generator().manual_seed(100 + seed)
    vocab = len(bpe_vocab("roberta", train_bpe(40)) if family == "roberta" else bert_vocab())
    d = 32
    extra = head_tensors(gen, names, d, vocab)
    base = bert_family(name, family, prefix, dtype, extra=extra, seed=seed, root=OUT)
    assert base["config"]["vocab_size"] == vocab, base["config"]["vocab_size"]
    base["extra"] = extra
    logits = transformed_logits(base, names, dtype, eps, "embeddings.word_embeddings.weight")
    write_lm_reference(os.path.join(OUT, name), base["ids"], logits)


def gpt2_case(name, prefix, dtype, tied, seed, head_mask=None):
    gen = torch.Generator().manual_seed(200 + seed)
    d = 32
    extra, config_extra = {}, {}
    vocab = len(bpe_vocab("gpt2", train_bpe(40)))
    if not tied:  # GPT2LMHeadModel keeps lm_head at the file's root, beside "transformer."
        extra = {"lm_head.weight": rand(gen, vocab, d)}
        config_extra = {"tie_word_embeddings": False}
    base = gpt2(name, prefix, dtype, d=d, seed=seed, extra=extra, root=OUT, config_extra=config_extra)
    config = base["config"]
    w = dict(base["stored"])
    w["lm_head.weight"] = w["wte.weight"] if tied else stored(extra["lm_head.weight"], dtype)
    ids = base["ids"].tolist()
    run = gpt2_reference.forward(w, config, ids)
    diff = (run["hidden"] - base["hidden"]).abs().max().item()
    assert diff < 1e-9, f"{name}: the explicit GPT-2 forward differs from the torch modules' by {diff}"
    masked = None
    if head_mask is not None:
        masked = gpt2_reference.forward(w, config, ids, head_mask)
        masked["head_mask"] = head_mask
    write_lm_reference(os.path.join(OUT, name), base["ids"], run["logits"], masked)


BERT_HEAD = ("cls.predictions.transform.dense.weight", "cls.predictions.transform.dense.bias",
             "cls.predictions.transform.LayerNorm.weight", "cls.predictions.transform.LayerNorm.bias",
             "cls.predictions.bias")
ROBERTA_HEAD = ("lm_head.dense.weight", "lm_head.dense.bias", "lm_head.layer_norm.weight", "lm_head.layer_norm.bias",
                "lm_head.bias")
DISTILBERT_HEAD = ("vocab_transform.weight", "vocab_transform.bias", "vocab_layer_norm.weight", "vocab_layer_norm.bias",
                   "vocab_projector.bias")


def main():
    os.makedirs(OUT, exist_ok=True)
    # BertForMaskedLM as Hugging Face saves it: the decoder is tied to the word embeddings, not stored.
    bert_like("bert-mlm-f32", "bert", "bert.", "F32", BERT_HEAD, 1e-12, seed=11)
    bert_like("roberta-mlm-f16", "roberta", "roberta.", "F16", ROBERTA_HEAD, 1e-5, seed=12)
    bert_like("distilbert-mlm-bf16", "distilbert", "distilbert.", "BF16", DISTILBERT_HEAD, 1e-12, seed=13)
    mask = torch.tensor([[1.0, 0.0, 0.5, 1.0], [1.5, 1.0, 1.0, 0.0]], dtype=torch.float64)
    gpt2_case("gpt2-tied-f32", "transformer.", "F32", tied=True, seed=14, head_mask=mask)
    gpt2_case("gpt2-untied-f16", "", "F16", tied=False, seed=15)


if __name__ == "__main__":
    main()
