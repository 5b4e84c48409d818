#!/usr/bin/python3
"""Writes tiny random checkpoints in the Hugging Face folder layout, with reference outputs.

For each family (BERT, RoBERTa, DistilBERT, GPT-2; with and without the base-model prefix; F32,
F16 and BF16 weights) this writes tests/golden/models/<name>/:
  config.json              Hugging Face key names for the family
  model.safetensors        written by hand (8-byte length, JSON header, little-endian data)
  vocab.txt                (BERT family) or vocab.json + merges.txt (GPT-2, RoBERTa)
  reference.safetensors    input_ids (I32 [n]), attentions.<layer> (F32 [heads, n, n]), hidden (F32 [n, d]),
                           hidden_states.<i> (F32 [n, d], i = 0..layers, as Hugging Face's hidden_states),
                           steps.<layer>.<step> (every head's textbook steps, see attention_steps),
                           value_norms.<layer> (F32 [heads, n]: ||v_j W_O^h||, Kobayashi et al. 2020),
                           rollout.<layer> (F32 [n, n], Abnar & Zuidema 2020) and padded.* (a padded run)

The references come from torch modules assembled here, independently of the C++ code:
nn.TransformerEncoderLayer (post-LN, which is the BERT block given the same weights) for the BERT
family and an explicit pre-LN block around nn.MultiheadAttention with a causal mask for GPT-2,
computed in float64 from the (rounded) weights actually stored in the file. The steps are written out
formula by formula (attention_steps) and checked here against those modules' weights and outputs.

Run with Debian's torch: /usr/bin/python3 scripts/generate/make_model_golden.py
"""
import json
import math
import os
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "golden", "models")

TORCH_DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "I32": torch.int32}


def write_safetensors(path, tensors, dtype="F32"):
    """tensors: ordered dict name -> tensor; float tensors are stored as `dtype`."""
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        d = "I32" if t.dtype == torch.int32 else dtype
        data = t.detach().to(TORCH_DTYPES[d]).contiguous()
        # Bytes through a view as int16/int32 (numpy has no bfloat16).
        raw = data.view(torch.int16 if data.element_size() == 2 else torch.int32).numpy().tobytes()
        header[name] = {"dtype": d, "shape": list(data.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    header["__metadata__"] = {"format": "pt"}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)  # the reference writer pads the header to 8 bytes
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def stored(t, dtype):
    """The float64 values a tensor has after being stored as dtype and read back."""
    return t.to(TORCH_DTYPES[dtype]).to(torch.float64)


# ---------------------------------------------------------------- vocabularies

BERT_WORDS = ("the cat sat on mat attention is all you need . , ! ? ' a an of to and in it was "
              "he she they we model head layer token word piece un ##s ##ing ##ed ##ly ##er ##est "
              "##a ##e ##i ##o ##u ##n ##t ##r ##l café naïve 中 文 字").split()


def bert_vocab():
    tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tokens += [chr(c) for c in range(ord("a"), ord("z") + 1)]
    tokens += ["##" + chr(c) for c in range(ord("a"), ord("z") + 1)]
    for w in BERT_WORDS:
        if w not in tokens:
            tokens.append(w)
    return tokens


def bytes_to_unicode():
    """GPT-2's reversible map from bytes to printable unicode characters."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + \
        list(range(ord("®"), ord("ÿ") + 1))
    chars = printable[:]
    n = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(256 + n)
            n += 1
    return dict(zip(printable, [chr(c) for c in chars]))


BPE_CORPUS = ("the cat sat on the mat . attention is all you need . the model reads the text and "
              "the heads attend to the tokens they need . hello world , hello there !")


def train_bpe(num_merges):
    """A few byte-level BPE merges learned on a small corpus (words carry their leading space as Ġ)."""
    byte_map = bytes_to_unicode()
    words = {}
    for i, w in enumerate(BPE_CORPUS.split(" ")):
        word = ((" " if i else "") + w).encode()
        key = tuple(byte_map[b] for b in word)
        words[key] = words.get(key, 0) + 1
    merges = []
    for _ in range(num_merges):
        pairs = {}
        for word, count in words.items():
            for a, b in zip(word, word[1:]):
                pairs[(a, b)] = pairs.get((a, b), 0) + count
        if not pairs:
            break
        best = max(sorted(pairs), key=lambda p: pairs[p])
        merges.append(best)
        merged = {}
        for word, count in words.items():
            out, i = [], 0
            while i < len(word):
                if i + 1 < len(word) and (word[i], word[i + 1]) == best:
                    out.append(word[i] + word[i + 1])
                    i += 2
                else:
                    out.append(word[i])
                    i += 1
            merged[tuple(out)] = merged.get(tuple(out), 0) + count
        words = merged
    return merges


def bpe_vocab(family, merges):
    byte_chars = [bytes_to_unicode()[b] for b in range(256)]
    specials_front = ["<s>", "<pad>", "</s>", "<unk>"] if family == "roberta" else []
    tokens = specials_front + byte_chars + [a + b for a, b in merges]
    tokens += ["<mask>"] if family == "roberta" else ["<|endoftext|>"]
    return {t: i for i, t in enumerate(tokens)}


# ---------------------------------------------------------------- random weights

def rand(gen, *shape, std=1.0, mean=0.0):
    return torch.randn(*shape, generator=gen, dtype=torch.float64) * std + mean


def linear_params(gen, d_in, d_out, gain=1.0):
    return rand(gen, d_out, d_in, std=gain / math.sqrt(d_in)), rand(gen, d_out, std=0.1)


def ln_params(gen, d):
    return rand(gen, d, std=0.1, mean=1.0), rand(gen, d, std=0.1)


# ---------------------------------------------------------------- attention, step by step

def attention_steps(a, wq, bq, wk, bk, wv, bv, wo, bo, heads, causal, key_mask=None):
    """The textbook steps of one self-attention block on a [n, d] input, nn.Linear weights [out, in].
    key_mask: Hugging Face's attention_mask [n] (0 = padding key), or None."""
    n, d = a.shape
    dh = d // heads
    split = lambda t: t.view(n, heads, dh).transpose(0, 1)  # [heads, n, dh]
    q, k, v = split(a @ wq.t() + bq), split(a @ wk.t() + bk), split(a @ wv.t() + bv)
    scores = q @ k.transpose(1, 2)
    scaled = scores / math.sqrt(dh)
    hidden = torch.triu(torch.ones(n, n, dtype=torch.bool), 1) if causal else torch.zeros(n, n, dtype=torch.bool)
    if key_mask is not None:
        hidden = hidden | (key_mask == 0)[None, :]
    masked = scaled.masked_fill(hidden, float("-inf"))
    weights = torch.softmax(masked, dim=-1)
    head_output = weights @ v
    output = head_output.transpose(0, 1).reshape(n, d) @ wo.t() + bo
    # ||v_j W_O^h||: head h's values through its rows of W_O (columns of the [out, in] weight).
    value_norms = torch.stack([(v[h] @ wo.t()[h * dh:(h + 1) * dh]).norm(dim=-1) for h in range(heads)])
    return {"x": a, "q": q, "k": k, "v": v, "scores": scores, "scaled": scaled, "weights": weights,
            "head_output": head_output, "output": output, "value_norms": value_norms}


def rollout(attentions):
    """Attention rollout (Abnar & Zuidema 2020): A~ = (mean_h A + I) / 2, rows renormalised,
    R_l = A~_l R_{l-1}; returns R_1 .. R_L."""
    out, r = [], None
    for a in attentions:
        mixed = 0.5 * a.mean(dim=0) + 0.5 * torch.eye(a.shape[-1], dtype=a.dtype)
        mixed = mixed / mixed.sum(dim=-1, keepdim=True)
        r = mixed if r is None else mixed @ r
        out.append(r)
    return out


def check_close(name, got, want):
    diff = (got - want).abs().max().item()
    assert diff < 1e-9, f"{name}: the explicit steps differ from torch's module by {diff}"


# ---------------------------------------------------------------- BERT family

def bert_family(name, family, prefix, dtype, gamma_beta=False, d=32, heads=4, ff=64, layers=2,
                max_pos=64, extra=None, seed=0):
    gen = torch.Generator().manual_seed(seed)
    distil = family == "distilbert"
    if family == "roberta":
        merges = train_bpe(40)
        vocab = bpe_vocab("roberta", merges)
        vocab_size = len(vocab)
    else:
        vocab = {tok: i for i, tok in enumerate(bert_vocab())}
        vocab_size = len(vocab)
    type_vocab = 0 if distil else (1 if family == "roberta" else 2)
    eps = 1e-12 if family != "roberta" else 1e-5
    pos_offset = 2 if family == "roberta" else 0  # padding_idx (1) + 1

    ln_w, ln_b = ("gamma", "beta") if gamma_beta else ("weight", "bias")
    t = {}
    t["embeddings.word_embeddings.weight"] = rand(gen, vocab_size, d)
    t["embeddings.position_embeddings.weight"] = rand(gen, max_pos, d, std=0.5)
    if type_vocab:
        t["embeddings.token_type_embeddings.weight"] = rand(gen, type_vocab, d, std=0.5)
    g, b = ln_params(gen, d)
    t[f"embeddings.LayerNorm.{ln_w}"], t[f"embeddings.LayerNorm.{ln_b}"] = g, b
    for l in range(layers):
        base = f"transformer.layer.{l}." if distil else f"encoder.layer.{l}."
        names = {
            "q": base + ("attention.q_lin" if distil else "attention.self.query"),
            "k": base + ("attention.k_lin" if distil else "attention.self.key"),
            "v": base + ("attention.v_lin" if distil else "attention.self.value"),
            "o": base + ("attention.out_lin" if distil else "attention.output.dense"),
            "ln1": base + ("sa_layer_norm" if distil else "attention.output.LayerNorm"),
            "ff1": base + ("ffn.lin1" if distil else "intermediate.dense"),
            "ff2": base + ("ffn.lin2" if distil else "output.dense"),
            "ln2": base + ("output_layer_norm" if distil else "output.LayerNorm"),
        }
        for key, gain in (("q", 2.5), ("k", 2.5), ("v", 1.0), ("o", 1.0)):
            t[names[key] + ".weight"], t[names[key] + ".bias"] = linear_params(gen, d, d, gain)
        t[names["ff1"] + ".weight"], t[names["ff1"] + ".bias"] = linear_params(gen, d, ff)
        t[names["ff2"] + ".weight"], t[names["ff2"] + ".bias"] = linear_params(gen, ff, d)
        for key in ("ln1", "ln2"):
            t[f"{names[key]}.{ln_w}"], t[f"{names[key]}.{ln_b}"] = ln_params(gen, d)

    # Reference, from the values as stored.
    s = {k: stored(v, dtype) for k, v in t.items()}
    n = 11
    ids = torch.randint(5 if family != "roberta" else 4, vocab_size, (n,), generator=gen)
    ids[0] = vocab["[CLS]"] if family != "roberta" else vocab["<s>"]
    ids[-1] = vocab["[SEP]"] if family != "roberta" else vocab["</s>"]
    x = s["embeddings.word_embeddings.weight"][ids] + \
        s["embeddings.position_embeddings.weight"][torch.arange(n) + pos_offset]
    if type_vocab:
        x = x + s["embeddings.token_type_embeddings.weight"][0]
    x = F.layer_norm(x, (d,), s[f"embeddings.LayerNorm.{ln_w}"], s[f"embeddings.LayerNorm.{ln_b}"], eps)
    x = x.unsqueeze(0)
    attentions, hidden_states, steps = [], [x[0]], []
    for l in range(layers):
        base = f"transformer.layer.{l}." if distil else f"encoder.layer.{l}."
        p = (lambda a, b: base + (a if distil else b))
        layer = nn.TransformerEncoderLayer(d, heads, dim_feedforward=ff, dropout=0.0, activation="gelu",
                                           layer_norm_eps=eps, batch_first=True, norm_first=False)
        layer = layer.double().eval()
        with torch.no_grad():
            q, k, v = (p("attention.q_lin", "attention.self.query"), p("attention.k_lin", "attention.self.key"),
                       p("attention.v_lin", "attention.self.value"))
            layer.self_attn.in_proj_weight.copy_(torch.cat([s[q + ".weight"], s[k + ".weight"], s[v + ".weight"]]))
            layer.self_attn.in_proj_bias.copy_(torch.cat([s[q + ".bias"], s[k + ".bias"], s[v + ".bias"]]))
            o = p("attention.out_lin", "attention.output.dense")
            layer.self_attn.out_proj.weight.copy_(s[o + ".weight"])
            layer.self_attn.out_proj.bias.copy_(s[o + ".bias"])
            f1, f2 = p("ffn.lin1", "intermediate.dense"), p("ffn.lin2", "output.dense")
            layer.linear1.weight.copy_(s[f1 + ".weight"]); layer.linear1.bias.copy_(s[f1 + ".bias"])
            layer.linear2.weight.copy_(s[f2 + ".weight"]); layer.linear2.bias.copy_(s[f2 + ".bias"])
            n1, n2 = p("sa_layer_norm", "attention.output.LayerNorm"), p("output_layer_norm", "output.LayerNorm")
            layer.norm1.weight.copy_(s[f"{n1}.{ln_w}"]); layer.norm1.bias.copy_(s[f"{n1}.{ln_b}"])
            layer.norm2.weight.copy_(s[f"{n2}.{ln_w}"]); layer.norm2.bias.copy_(s[f"{n2}.{ln_b}"])
            out, weights = layer.self_attn(x, x, x, need_weights=True, average_attn_weights=False)
            attentions.append(weights[0])
            st = attention_steps(x[0], s[q + ".weight"], s[q + ".bias"], s[k + ".weight"], s[k + ".bias"],
                                 s[v + ".weight"], s[v + ".bias"], s[o + ".weight"], s[o + ".bias"], heads, False)
            check_close("weights", st["weights"], weights[0])
            check_close("output", st["output"], out[0])
            steps.append(st)
            x = layer(x)
            hidden_states.append(x[0])
    hidden = x[0]

    # The same input with its last three tokens as padding (attention_mask 0), layer by layer from the
    # formulas (torch's encoder fast path zeroes padded rows, Hugging Face's BERT does not).
    key_mask = torch.ones(n, dtype=torch.int32)
    key_mask[-3:] = 0
    xp = hidden_states[0]
    padded_attentions = []
    for l in range(layers):
        base = f"transformer.layer.{l}." if distil else f"encoder.layer.{l}."
        p = (lambda a, b: base + (a if distil else b))
        w = lambda name, part: s[p(*name) + "." + part]
        q, k, v, o = (("attention.q_lin", "attention.self.query"), ("attention.k_lin", "attention.self.key"),
                      ("attention.v_lin", "attention.self.value"), ("attention.out_lin", "attention.output.dense"))
        st = attention_steps(xp, w(q, "weight"), w(q, "bias"), w(k, "weight"), w(k, "bias"), w(v, "weight"),
                             w(v, "bias"), w(o, "weight"), w(o, "bias"), heads, False, key_mask)
        padded_attentions.append(st["weights"])
        n1, n2 = p("sa_layer_norm", "attention.output.LayerNorm"), p("output_layer_norm", "output.LayerNorm")
        f1, f2 = p("ffn.lin1", "intermediate.dense"), p("ffn.lin2", "output.dense")
        xp = F.layer_norm(xp + st["output"], (d,), s[f"{n1}.{ln_w}"], s[f"{n1}.{ln_b}"], eps)
        ffn = F.gelu(xp @ s[f1 + ".weight"].t() + s[f1 + ".bias"]) @ s[f2 + ".weight"].t() + s[f2 + ".bias"]
        xp = F.layer_norm(xp + ffn, (d,), s[f"{n2}.{ln_w}"], s[f"{n2}.{ln_b}"], eps)
    padded = {"attention_mask": key_mask, "attentions": padded_attentions, "hidden": xp}

    config = {
        "bert": {"architectures": ["BertForMaskedLM"], "attention_probs_dropout_prob": 0.1,
                 "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "hidden_size": d,
                 "initializer_range": 0.02, "intermediate_size": ff, "layer_norm_eps": eps,
                 "max_position_embeddings": max_pos, "model_type": "bert", "num_attention_heads": heads,
                 "num_hidden_layers": layers, "pad_token_id": 0, "position_embedding_type": "absolute",
                 "type_vocab_size": type_vocab, "use_cache": True, "vocab_size": vocab_size},
        "roberta": {"architectures": ["RobertaForMaskedLM"], "attention_probs_dropout_prob": 0.1,
                    "bos_token_id": 0, "eos_token_id": 2, "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
                    "hidden_size": d, "initializer_range": 0.02, "intermediate_size": ff,
                    "layer_norm_eps": eps, "max_position_embeddings": max_pos, "model_type": "roberta",
                    "num_attention_heads": heads, "num_hidden_layers": layers, "pad_token_id": 1,
                    "type_vocab_size": type_vocab, "vocab_size": vocab_size},
        "distilbert": {"activation": "gelu", "architectures": ["DistilBertForMaskedLM"],
                       "attention_dropout": 0.1, "dim": d, "dropout": 0.1, "hidden_dim": ff,
                       "initializer_range": 0.02, "max_position_embeddings": max_pos,
                       "model_type": "distilbert", "n_heads": heads, "n_layers": layers, "pad_token_id": 0,
                       "qa_dropout": 0.1, "seq_classif_dropout": 0.2, "sinusoidal_pos_embds": False,
                       "tie_weights_": True, "vocab_size": vocab_size},
    }[family]
    config["torch_dtype"] = {"F32": "float32", "F16": "float16", "BF16": "bfloat16"}[dtype]
    config["transformers_version"] = "4.30.2"

    files = {k if not prefix else prefix + k: v for k, v in t.items()}
    files.update(extra or {})
    folder = os.path.join(ROOT, name)
    os.makedirs(folder, exist_ok=True)
    write_safetensors(os.path.join(folder, "model.safetensors"), dict(sorted(files.items())), dtype)
    write_config(folder, config)
    if family == "roberta":
        write_bpe_files(folder, vocab, merges)
    else:
        with open(os.path.join(folder, "vocab.txt"), "w", encoding="utf-8") as f:
            f.write("".join(tok + "\n" for tok in vocab))
        write_config(folder, {"do_lower_case": True, "model_max_length": max_pos}, "tokenizer_config.json")
    write_reference(folder, ids, attentions, hidden, hidden_states, steps, padded)


# ---------------------------------------------------------------- GPT-2

def gpt2(name, prefix, dtype, d=36, heads=4, ff=None, layers=2, max_pos=48, with_buffers=False,
         extra=None, seed=0):
    gen = torch.Generator().manual_seed(seed)
    ff = ff or 4 * d
    merges = train_bpe(40)
    vocab = bpe_vocab("gpt2", merges)
    vocab_size = len(vocab)
    eps = 1e-5
    t = {"wte.weight": rand(gen, vocab_size, d), "wpe.weight": rand(gen, max_pos, d, std=0.5)}
    for l in range(layers):
        base = f"h.{l}."
        t[base + "ln_1.weight"], t[base + "ln_1.bias"] = ln_params(gen, d)
        # Conv1D weights are [in, out]; c_attn holds q | k | v side by side.
        w = torch.cat([rand(gen, d, d, std=2.5 / math.sqrt(d)), rand(gen, d, d, std=2.5 / math.sqrt(d)),
                       rand(gen, d, d, std=1 / math.sqrt(d))], dim=1)
        t[base + "attn.c_attn.weight"], t[base + "attn.c_attn.bias"] = w, rand(gen, 3 * d, std=0.1)
        t[base + "attn.c_proj.weight"] = rand(gen, d, d, std=1 / math.sqrt(d))
        t[base + "attn.c_proj.bias"] = rand(gen, d, std=0.1)
        t[base + "ln_2.weight"], t[base + "ln_2.bias"] = ln_params(gen, d)
        t[base + "mlp.c_fc.weight"] = rand(gen, d, ff, std=1 / math.sqrt(d))
        t[base + "mlp.c_fc.bias"] = rand(gen, ff, std=0.1)
        t[base + "mlp.c_proj.weight"] = rand(gen, ff, d, std=1 / math.sqrt(ff))
        t[base + "mlp.c_proj.bias"] = rand(gen, d, std=0.1)
    t["ln_f.weight"], t["ln_f.bias"] = ln_params(gen, d)

    s = {k: stored(v, dtype) for k, v in t.items()}
    n = 13
    ids = torch.randint(0, vocab_size, (n,), generator=gen)
    x = (s["wte.weight"][ids] + s["wpe.weight"][torch.arange(n)]).unsqueeze(0)
    causal = torch.triu(torch.ones(n, n, dtype=torch.bool), diagonal=1)  # True = not allowed
    attentions, hidden_states, steps = [], [x[0]], []
    for l in range(layers):
        base = f"h.{l}."
        mha = nn.MultiheadAttention(d, heads, dropout=0.0, batch_first=True).double().eval()
        with torch.no_grad():
            mha.in_proj_weight.copy_(s[base + "attn.c_attn.weight"].t())
            mha.in_proj_bias.copy_(s[base + "attn.c_attn.bias"])
            mha.out_proj.weight.copy_(s[base + "attn.c_proj.weight"].t())
            mha.out_proj.bias.copy_(s[base + "attn.c_proj.bias"])
            a = F.layer_norm(x, (d,), s[base + "ln_1.weight"], s[base + "ln_1.bias"], eps)
            out, weights = mha(a, a, a, attn_mask=causal, need_weights=True, average_attn_weights=False)
            attentions.append(weights[0])
            w_qkv, b_qkv = s[base + "attn.c_attn.weight"].t(), s[base + "attn.c_attn.bias"]  # [3d, d]
            st = attention_steps(a[0], w_qkv[:d], b_qkv[:d], w_qkv[d:2 * d], b_qkv[d:2 * d], w_qkv[2 * d:],
                                 b_qkv[2 * d:], s[base + "attn.c_proj.weight"].t(), s[base + "attn.c_proj.bias"],
                                 heads, True)
            check_close("weights", st["weights"], weights[0])
            check_close("output", st["output"], out[0])
            steps.append(st)
            x = x + out
            m = F.layer_norm(x, (d,), s[base + "ln_2.weight"], s[base + "ln_2.bias"], eps)
            m = F.gelu(m @ s[base + "mlp.c_fc.weight"] + s[base + "mlp.c_fc.bias"], approximate="tanh")
            x = x + m @ s[base + "mlp.c_proj.weight"] + s[base + "mlp.c_proj.bias"]
            if l + 1 < layers:
                hidden_states.append(x[0])
    hidden = F.layer_norm(x, (d,), s["ln_f.weight"], s["ln_f.bias"], eps)[0]
    hidden_states.append(hidden)  # Hugging Face's last entry is after ln_f

    # The same input with its first three tokens as (left) padding, attention_mask 0.
    key_mask = torch.ones(n, dtype=torch.int32)
    key_mask[:3] = 0
    xp = hidden_states[0]
    padded_attentions = []
    for l in range(layers):
        base = f"h.{l}."
        a = F.layer_norm(xp, (d,), s[base + "ln_1.weight"], s[base + "ln_1.bias"], eps)
        w_qkv, b_qkv = s[base + "attn.c_attn.weight"].t(), s[base + "attn.c_attn.bias"]
        st = attention_steps(a, w_qkv[:d], b_qkv[:d], w_qkv[d:2 * d], b_qkv[d:2 * d], w_qkv[2 * d:],
                             b_qkv[2 * d:], s[base + "attn.c_proj.weight"].t(), s[base + "attn.c_proj.bias"],
                             heads, True, key_mask)
        # The padded query rows 0..2 see no key at all: attnscope's convention is all-zero weights.
        st["weights"] = torch.nan_to_num(st["weights"], nan=0.0)
        padded_attentions.append(st["weights"])
        xp = xp + st["weights"].matmul(st["v"]).transpose(0, 1).reshape(n, d) @ s[base + "attn.c_proj.weight"] \
            + s[base + "attn.c_proj.bias"]
        m = F.layer_norm(xp, (d,), s[base + "ln_2.weight"], s[base + "ln_2.bias"], eps)
        m = F.gelu(m @ s[base + "mlp.c_fc.weight"] + s[base + "mlp.c_fc.bias"], approximate="tanh")
        xp = xp + m @ s[base + "mlp.c_proj.weight"] + s[base + "mlp.c_proj.bias"]
    xp = F.layer_norm(xp, (d,), s["ln_f.weight"], s["ln_f.bias"], eps)
    padded = {"attention_mask": key_mask, "attentions": padded_attentions, "hidden": xp}

    config = {"activation_function": "gelu_new", "architectures": ["GPT2LMHeadModel"], "attn_pdrop": 0.1,
              "bos_token_id": vocab_size - 1, "embd_pdrop": 0.1, "eos_token_id": vocab_size - 1,
              "initializer_range": 0.02, "layer_norm_epsilon": eps, "model_type": "gpt2", "n_ctx": max_pos,
              "n_embd": d, "n_head": heads, "n_inner": None, "n_layer": layers, "n_positions": max_pos,
              "resid_pdrop": 0.1, "scale_attn_weights": True, "summary_activation": None,
              "summary_first_dropout": 0.1, "summary_proj_to_labels": True, "summary_type": "cls_index",
              "summary_use_proj": True, "use_cache": True, "vocab_size": vocab_size,
              "torch_dtype": {"F32": "float32", "F16": "float16", "BF16": "bfloat16"}[dtype],
              "transformers_version": "4.30.2"}
    files = {prefix + k: v for k, v in t.items()}
    if with_buffers:  # older GPT2Model files also saved the causal-mask buffers; they are not weights
        for l in range(layers):
            files[f"{prefix}h.{l}.attn.bias"] = torch.tril(torch.ones(max_pos, max_pos)).view(1, 1, max_pos, max_pos)
            files[f"{prefix}h.{l}.attn.masked_bias"] = torch.tensor(-1e4)
    files.update(extra or {})
    folder = os.path.join(ROOT, name)
    os.makedirs(folder, exist_ok=True)
    write_safetensors(os.path.join(folder, "model.safetensors"), dict(sorted(files.items())), dtype)
    write_config(folder, config)
    write_bpe_files(folder, vocab, merges)
    write_reference(folder, ids, attentions, hidden, hidden_states, steps, padded)


# ---------------------------------------------------------------- files

def write_config(folder, config, file_name="config.json"):
    with open(os.path.join(folder, file_name), "w", encoding="utf-8") as f:
        json.dump(config, f, indent=2, sort_keys=True)
        f.write("\n")


def write_bpe_files(folder, vocab, merges):
    with open(os.path.join(folder, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(os.path.join(folder, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges))


def write_reference(folder, ids, attentions, hidden, hidden_states, steps, padded, extra=None):
    """extra: more reference tensors by name (float64, written as F32)."""
    ref = {"input_ids": ids.to(torch.int32)}
    for l, a in enumerate(attentions):
        ref[f"attentions.{l}"] = a.float()
    ref["hidden"] = hidden.float()
    for i, h in enumerate(hidden_states):
        ref[f"hidden_states.{i}"] = h.float()
    for l, st in enumerate(steps):
        for key, value in st.items():
            if key == "value_norms":
                ref[f"value_norms.{l}"] = value.float()
            else:
                ref[f"steps.{l}.{key}"] = value.float()
    for l, r in enumerate(rollout(attentions)):
        ref[f"rollout.{l}"] = r.float()
    ref["padded.attention_mask"] = padded["attention_mask"].to(torch.int32)
    for l, a in enumerate(padded["attentions"]):
        ref[f"padded.attentions.{l}"] = a.float()
    ref["padded.hidden"] = padded["hidden"].float()
    for name, value in (extra or {}).items():
        ref[name] = value.float()
    write_safetensors(os.path.join(folder, "reference.safetensors"), ref, "F32")


def main():
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(99)
    # BertForMaskedLM layout: "bert." prefix plus a head tensor the forward pass ignores.
    bert_family("bert-f32", "bert", "bert.", "F32", seed=1,
                extra={"cls.predictions.bias": torch.zeros(8), "cls.predictions.transform.dense.weight": rand(gen, 32, 32)})
    # Bare BertModel with TensorFlow-era gamma/beta LayerNorm names, stored in F16.
    bert_family("bert-gamma-beta-f16", "bert", "", "F16", gamma_beta=True, seed=2)
    bert_family("bert-bf16", "bert", "bert.", "BF16", d=24, heads=3, ff=40, seed=3)
    bert_family("roberta-f32", "roberta", "roberta.", "F32", seed=4)
    bert_family("distilbert-f16", "distilbert", "distilbert.", "F16", seed=5)
    bert_family("distilbert-bare-f32", "distilbert", "", "F32", seed=6)
    # Bare GPT2Model (no prefix, with the old attn.bias buffers) and GPT2LMHeadModel ("transformer.").
    gpt2("gpt2-f32", "", "F32", with_buffers=True, seed=7)
    gpt2("gpt2-lmhead-f16", "transformer.", "F16", d=32, seed=8,
         extra={"lm_head.weight": rand(gen, 4, 32)})


if __name__ == "__main__":
    main()
