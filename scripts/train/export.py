"""Writes a training checkpoint as a Hugging Face BertForMaskedLM folder: config.json,
tokenizer_config.json and model.safetensors (F16, written by hand: 8-byte little-endian header
length, JSON header, raw tensor data). vocab.txt is already there (prepare.py).

Usage: export.py CHECKPOINT OUT_DIR
"""
import json
import struct
import sys

import numpy as np
import torch

from model import Config, hf_name_map


def write_safetensors(path, tensors):
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name in sorted(tensors):
        data = np.ascontiguousarray(tensors[name].detach().cpu().numpy().astype("<f2"))
        raw = data.tobytes()
        header[name] = {"dtype": "F16", "shape": list(data.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    head = json.dumps(header, separators=(",", ":")).encode()
    head += b" " * (-len(head) % 8)  # data section starts 8-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for raw in blobs:
            f.write(raw)


def read_safetensors(path):
    """name -> float32 torch tensor (used by evaluate.py to check what was actually shipped)."""
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F16", (name, info["dtype"])
        start, end = info["data_offsets"]
        arr = np.frombuffer(blob[base + start:base + end], dtype="<f2").reshape(info["shape"])
        out[name] = torch.from_numpy(arr.astype(np.float32))
    return out


def main(checkpoint, out_dir):
    ckpt = torch.load(checkpoint)
    cfg = Config(**ckpt["config"])
    names = hf_name_map(cfg)
    state = ckpt["state"]
    assert set(state) == set(names), set(state) ^ set(names)
    write_safetensors(f"{out_dir}/model.safetensors", {names[k]: v for k, v in state.items()})
    with open(f"{out_dir}/config.json", "w") as f:
        json.dump(cfg.hf_dict(), f, indent=2)
        f.write("\n")
    with open(f"{out_dir}/tokenizer_config.json", "w") as f:
        json.dump({"do_lower_case": True, "tokenizer_class": "BertTokenizer", "model_max_length":
                   cfg.max_position_embeddings, "unk_token": "[UNK]", "sep_token": "[SEP]",
                   "pad_token": "[PAD]", "cls_token": "[CLS]", "mask_token": "[MASK]"}, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
