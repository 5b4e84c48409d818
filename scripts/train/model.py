"""A small post-LN BERT encoder whose parameter names map one-to-one onto Hugging Face's
BertForMaskedLM layout (see export.py), so the exported files load in any BERT loader."""
import math

import torch
from torch import nn
import torch.nn.functional as F


class Config:
    def __init__(self, vocab_size, hidden_size=128, num_hidden_layers=4, num_attention_heads=4,
                 intermediate_size=512, max_position_embeddings=128, type_vocab_size=2,
                 layer_norm_eps=1e-12, hidden_dropout_prob=0.1, **_ignored):
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.num_hidden_layers = num_hidden_layers
        self.num_attention_heads = num_attention_heads
        self.intermediate_size = intermediate_size
        self.max_position_embeddings = max_position_embeddings
        self.type_vocab_size = type_vocab_size
        self.layer_norm_eps = layer_norm_eps
        self.hidden_dropout_prob = hidden_dropout_prob

    def hf_dict(self):
        return {"architectures": ["BertForMaskedLM"], "model_type": "bert",
                "vocab_size": self.vocab_size, "hidden_size": self.hidden_size,
                "num_hidden_layers": self.num_hidden_layers,
                "num_attention_heads": self.num_attention_heads,
                "intermediate_size": self.intermediate_size, "hidden_act": "gelu",
                "max_position_embeddings": self.max_position_embeddings,
                "type_vocab_size": self.type_vocab_size, "layer_norm_eps": self.layer_norm_eps,
                "hidden_dropout_prob": self.hidden_dropout_prob, "attention_probs_dropout_prob": 0.0,
                "initializer_range": 0.02, "pad_token_id": 0, "position_embedding_type": "absolute",
                "torch_dtype": "float16"}


class Layer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d, self.heads = cfg.hidden_size, cfg.num_attention_heads
        self.query, self.key, self.value = nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d)
        self.attn_out = nn.Linear(d, d)
        self.attn_norm = nn.LayerNorm(d, eps=cfg.layer_norm_eps)
        self.intermediate = nn.Linear(d, cfg.intermediate_size)
        self.output = nn.Linear(cfg.intermediate_size, d)
        self.out_norm = nn.LayerNorm(d, eps=cfg.layer_norm_eps)
        self.dropout = nn.Dropout(cfg.hidden_dropout_prob)

    def forward(self, x, pad_bias, head_mask=None):
        b, n, d = x.shape
        dh = d // self.heads

        def split(t):
            return t.view(b, n, self.heads, dh).transpose(1, 2)

        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        scores = q @ k.transpose(-1, -2) / math.sqrt(dh) + pad_bias
        probs = scores.softmax(-1)  # [b, heads, n, n]
        if head_mask is not None:  # Hugging Face's head_mask: a factor per head on its weights
            probs = probs * head_mask[None, :, None, None]
        ctx = (probs @ v).transpose(1, 2).reshape(b, n, d)
        x = self.attn_norm(x + self.dropout(self.attn_out(ctx)))
        h = self.output(F.gelu(self.intermediate(x)))  # exact (erf) GELU, as hidden_act "gelu"
        return self.out_norm(x + self.dropout(h)), probs


class BertMLM(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        d = cfg.hidden_size
        self.word = nn.Embedding(cfg.vocab_size, d)
        self.position = nn.Embedding(cfg.max_position_embeddings, d)
        self.token_type = nn.Embedding(cfg.type_vocab_size, d)
        self.emb_norm = nn.LayerNorm(d, eps=cfg.layer_norm_eps)
        self.dropout = nn.Dropout(cfg.hidden_dropout_prob)
        self.layers = nn.ModuleList(Layer(cfg) for _ in range(cfg.num_hidden_layers))
        self.mlm_dense = nn.Linear(d, d)
        self.mlm_norm = nn.LayerNorm(d, eps=cfg.layer_norm_eps)
        self.mlm_bias = nn.Parameter(torch.zeros(cfg.vocab_size))
        self.apply(self._init)

    @staticmethod
    def _init(m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, std=0.02)
        if isinstance(m, nn.Linear) and m.bias is not None:
            nn.init.zeros_(m.bias)

    def forward(self, ids, type_ids=None, attention_mask=None, head_mask=None):
        """Returns the final hidden states and every layer's attention probabilities. head_mask:
        [layers, heads] factors on each head's attention weights (0 ablates it), or None."""
        b, n = ids.shape
        if type_ids is None:
            type_ids = torch.zeros_like(ids)
        if attention_mask is None:
            attention_mask = torch.ones_like(ids)
        pos = torch.arange(n, device=ids.device).unsqueeze(0)
        x = self.word(ids) + self.position(pos) + self.token_type(type_ids)
        x = self.dropout(self.emb_norm(x))
        pad_bias = (1.0 - attention_mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        attentions = []
        for i, layer in enumerate(self.layers):
            x, probs = layer(x, pad_bias, None if head_mask is None else head_mask[i])
            attentions.append(probs)
        return x, attentions

    def mlm_logits(self, hidden):
        h = self.mlm_norm(F.gelu(self.mlm_dense(hidden)))
        return h @ self.word.weight.t() + self.mlm_bias  # decoder tied to the word embeddings


def hf_name_map(cfg):
    """Our parameter name -> Hugging Face BertForMaskedLM name."""
    names = {"word.weight": "bert.embeddings.word_embeddings.weight",
             "position.weight": "bert.embeddings.position_embeddings.weight",
             "token_type.weight": "bert.embeddings.token_type_embeddings.weight",
             "emb_norm.weight": "bert.embeddings.LayerNorm.weight",
             "emb_norm.bias": "bert.embeddings.LayerNorm.bias",
             "mlm_dense.weight": "cls.predictions.transform.dense.weight",
             "mlm_dense.bias": "cls.predictions.transform.dense.bias",
             "mlm_norm.weight": "cls.predictions.transform.LayerNorm.weight",
             "mlm_norm.bias": "cls.predictions.transform.LayerNorm.bias",
             "mlm_bias": "cls.predictions.bias"}
    parts = {"query": "attention.self.query", "key": "attention.self.key",
             "value": "attention.self.value", "attn_out": "attention.output.dense",
             "attn_norm": "attention.output.LayerNorm", "intermediate": "intermediate.dense",
             "output": "output.dense", "out_norm": "output.LayerNorm"}
    for i in range(cfg.num_hidden_layers):
        for ours, theirs in parts.items():
            for p in ("weight", "bias"):
                names[f"layers.{i}.{ours}.{p}"] = f"bert.encoder.layer.{i}.{theirs}.{p}"
    return names
