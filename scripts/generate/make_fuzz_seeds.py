#!/usr/bin/python3
"""Writes the fuzz targets' seed corpora (tests/fuzz/corpus/<target>/) from the committed golden
checkpoints plus a few hand-written edge cases. Standard library only; rerun after changing a
target's input layout (python3 scripts/generate/make_fuzz_seeds.py). The files are small (the largest
is one tiny checkpoint).

The tokenizer targets read their input with libFuzzer's FuzzedDataProvider: strings consumed with
ConsumeRandomLengthString end at a backslash followed by another character ("\\ " here; a literal
backslash is doubled), and the flags byte is taken from the END of the input.
"""
import json
import pathlib
import struct

ROOT = pathlib.Path(__file__).resolve().parents[2]
MODELS = ROOT / "tests" / "golden" / "models"
CORPUS = ROOT / "tests" / "fuzz" / "corpus"


def write(target, name, data):
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))


def fdp_string(text):
    """One ConsumeRandomLengthString field: backslashes doubled, then the terminator."""
    return text.encode("utf-8").replace(b"\\", b"\\\\") + b"\\ "


def safetensors(tensors, metadata=None):
    """A safetensors file from {name: (dtype, shape, raw bytes)}."""
    header, data = {}, b""
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    if metadata:
        header["__metadata__"] = metadata
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + data


TEXTS = ["Mark told Sam that he was leaving.", "Héllo, wörld! 中文 [MASK] it's 42 \t\n  ok",
         "<img src=x onerror=alert(1)> \u202e\u0000\ufffd <|endoftext|> <s> <mask>"]


def main():
    # JSON parser: real configs and vocabularies, plus grammar corners.
    for folder in ("bert-f32", "gpt2-f32"):
        write("json_fuzz", f"{folder}-config.json", (MODELS / folder / "config.json").read_text())
    write("json_fuzz", "gpt2-vocab.json", (MODELS / "gpt2-f32" / "vocab.json").read_text())
    for i, text in enumerate(['{"a": [1, -2.5e+3, true, false, null, "\\u00e9\\ud83d\\ude00"]}', '[[[[[]]]]]',
                              '"\\"\\\\\\/\\b\\f\\n\\r\\t"', '0', '-0.0e-0', '{"a":1,"a":2}', '[1,]', '01']):
        write("json_fuzz", f"edge{i}.json", text)

    # config.json: every family's config.
    for folder in sorted(p.name for p in MODELS.iterdir()):
        write("config_fuzz", f"{folder}.json", (MODELS / folder / "config.json").read_text())

    # safetensors: each dtype, an empty tensor, metadata; and one real (small) checkpoint.
    f32 = struct.pack("<4f", 1.0, -2.0, 0.5, 3.25)
    write("safetensors_fuzz", "dtypes.safetensors", safetensors({
        "a": ("F32", [2, 2], f32), "b": ("F16", [3], struct.pack("<3H", 0x3C00, 0x7C00, 0x0001)),
        "c": ("BF16", [1, 2], struct.pack("<2H", 0x3F80, 0xFF80)), "d": ("I32", [2], struct.pack("<2i", 7, -1)),
        "e": ("F32", [0, 3], b"")}, {"format": "pt"}))
    write("safetensors_fuzz", "scalar.safetensors", safetensors({"s": ("F32", [], struct.pack("<f", 2.0))}))
    # Lying headers: overflowing shapes, inverted/overlapping/out-of-range offsets, odd byte counts.
    def raw_header(header, data=b""):
        text = json.dumps(header).encode()
        return struct.pack("<Q", len(text)) + text + data
    for i, header in enumerate([
            {"a": {"dtype": "F32", "shape": [4294967296, 4294967296], "data_offsets": [0, 0]}},
            {"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}},
            {"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 0]}},
            {"a": {"dtype": "F16", "shape": [1], "data_offsets": [0, 3]}},
            {"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "b": {"dtype": "F32", "shape": [1], "data_offsets": [2, 6]}},
            {"a": {"dtype": "F32", "shape": [2.5], "data_offsets": [0, 10]}},
            {"__metadata__": {"k": 1}, "a": {"dtype": "F64", "shape": [1], "data_offsets": [0, 8]}}]):
        write("safetensors_fuzz", f"lying{i}.safetensors", raw_header(header, b"\0" * 8))
    write("safetensors_fuzz", "header-too-long.safetensors", struct.pack("<Q", 2**63) + b"{}")
    write("safetensors_fuzz", "bert-bf16.safetensors", (MODELS / "bert-bf16" / "model.safetensors").read_bytes())

    # A whole checkpoint: config.json, 0xFF, model.safetensors.
    for folder in ("bert-bf16", "distilbert-f16"):
        write("model_load_fuzz", f"{folder}.bin", (MODELS / folder / "config.json").read_bytes() + b"\xff" +
              (MODELS / folder / "model.safetensors").read_bytes())

    # WordPiece: vocab.txt, [tokenizer_config.json], text, flags (1 config, 2 distilbert, 4 specials).
    vocab_txt = (MODELS / "bert-f32" / "vocab.txt").read_text()
    config = (MODELS / "bert-f32" / "tokenizer_config.json").read_text()
    for i, text in enumerate(TEXTS):
        write("wordpiece_fuzz", f"bert{i}.bin", fdp_string(vocab_txt) + text.encode() + bytes([4]))
        write("wordpiece_fuzz", f"bert-config{i}.bin",
              fdp_string(vocab_txt) + fdp_string(config) + text.encode() + bytes([1 | 2 | 4]))

    # BPE: vocab.json, merges.txt, [tokenizer_config.json], text, flags (1 config, 2 roberta, 4 specials).
    for folder, flags in (("gpt2-f32", 4), ("roberta-f32", 2 | 4)):
        vocab_json = (MODELS / folder / "vocab.json").read_text()
        merges = (MODELS / folder / "merges.txt").read_text()
        for i, text in enumerate(TEXTS):
            write("bpe_fuzz", f"{folder}-{i}.bin", fdp_string(vocab_json) + fdp_string(merges) + text.encode() + bytes([flags]))
        write("bpe_fuzz", f"{folder}-config.bin", fdp_string(vocab_json) + fdp_string(merges) +
              fdp_string('{"add_prefix_space": true, "mask_token": {"content": "<mask>", "lstrip": true}}') +
              TEXTS[2].encode() + bytes([flags | 1]))

    # tokenizer.json: one WordPiece and one BPE file, small vocabularies, text, flags (1 specials).
    wordpiece = {"version": "1.0", "added_tokens": [{"id": 1, "content": "[UNK]", "special": True},
                                                     {"id": 2, "content": "[CLS]", "special": True},
                                                     {"id": 3, "content": "[SEP]", "special": True}],
                 "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                                "strip_accents": None, "lowercase": True},
                 "pre_tokenizer": {"type": "BertPreTokenizer"},
                 "post_processor": {"type": "BertProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2]},
                 "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                           "max_input_chars_per_word": 100,
                           "vocab": {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "mark": 4, "told": 5,
                                     "sam": 6, "##s": 7, ".": 8, "he": 9}}}
    byte_level = {"version": "1.0", "added_tokens": [{"id": 6, "content": "<|endoftext|>", "special": True}],
                  "normalizer": None, "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False},
                  "post_processor": {"type": "TemplateProcessing",
                                     "single": [{"Sequence": {"id": "A", "type_id": 0}},
                                                {"SpecialToken": {"id": "<|endoftext|>", "type_id": 0}}]},
                  "model": {"type": "BPE", "unk_token": None,
                            "vocab": {"h": 0, "e": 1, "he": 2, "Ġ": 3, "Ġhe": 4, "!": 5, "<|endoftext|>": 6},
                            "merges": ["h e", ["Ġ", "he"]]}}
    for name, tj in (("wordpiece", wordpiece), ("bpe", byte_level)):
        for i, text in enumerate(TEXTS[:2] + ["he he! <|endoftext|>"]):
            write("tokenizer_json_fuzz", f"{name}{i}.bin", fdp_string(json.dumps(tj)) + text.encode() + bytes([1]))


if __name__ == "__main__":
    main()
