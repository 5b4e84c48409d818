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
LM_HEADS = ROOT / "tests" / "golden" / "lm_heads"
SEQ2SEQ = ROOT / "tests" / "golden" / "seq2seq"
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

    # config.json: every family's config, and the shapes of published Llama-family configs.
    for folder in sorted(p.name for p in MODELS.iterdir()):
        write("config_fuzz", f"{folder}.json", (MODELS / folder / "config.json").read_text())
    llama = {"model_type": "llama", "hidden_size": 2048, "intermediate_size": 8192, "num_hidden_layers": 16,
             "num_attention_heads": 32, "num_key_value_heads": 8, "head_dim": 64, "max_position_embeddings": 131072,
             "rms_norm_eps": 1e-05, "rope_theta": 500000.0, "tie_word_embeddings": True, "vocab_size": 128256,
             "torch_dtype": "bfloat16", "rope_scaling": {"factor": 32.0, "high_freq_factor": 4.0,
             "low_freq_factor": 1.0, "original_max_position_embeddings": 8192, "rope_type": "llama3"}}
    published = {
        "llama-3.2": llama,
        "qwen2.5": {"model_type": "qwen2", "hidden_size": 896, "intermediate_size": 4864, "num_hidden_layers": 24,
                    "num_attention_heads": 14, "num_key_value_heads": 2, "max_position_embeddings": 32768,
                    "max_window_layers": 24, "rope_theta": 1000000.0, "sliding_window": 32768,
                    "use_sliding_window": False, "tie_word_embeddings": True, "vocab_size": 151936},
        "qwen3-windowed": {"model_type": "qwen3", "hidden_size": 1024, "intermediate_size": 3072, "head_dim": 128,
                           "num_hidden_layers": 4, "num_attention_heads": 16, "num_key_value_heads": 8,
                           "max_position_embeddings": 40960, "use_sliding_window": True, "sliding_window": 4096,
                           "layer_types": ["full_attention", "sliding_attention"] * 2, "vocab_size": 151936},
        "mistral": {"model_type": "mistral", "hidden_size": 4096, "intermediate_size": 14336, "num_hidden_layers": 32,
                    "num_attention_heads": 32, "num_key_value_heads": 8, "max_position_embeddings": 32768,
                    "sliding_window": 4096, "vocab_size": 32000},
        "phi3-longrope": {"model_type": "phi3", "hidden_size": 3072, "intermediate_size": 8192,
                          "num_hidden_layers": 32, "num_attention_heads": 32, "max_position_embeddings": 131072,
                          "partial_rotary_factor": 0.75, "vocab_size": 32064,
                          "rope_scaling": {"type": "longrope", "long_factor": [1.0], "short_factor": [1.0]}},
        "gemma": {"model_type": "gemma", "hidden_size": 2048, "intermediate_size": 16384, "num_hidden_layers": 18,
                  "num_attention_heads": 8, "num_key_value_heads": 1, "head_dim": 256,
                  "max_position_embeddings": 8192, "hidden_activation": "gelu_pytorch_tanh", "vocab_size": 256000},
        "rope-parameters": {**llama, "rope_parameters": {"rope_type": "linear", "factor": 4.0, "rope_theta": 1e4}},
    }
    for name, config in published.items():
        write("config_fuzz", f"published-{name}.json", json.dumps(config))
    for folder in sorted(p.name for p in SEQ2SEQ.iterdir()):
        write("config_fuzz", f"{folder}.json", (SEQ2SEQ / folder / "config.json").read_text())

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

    # A whole checkpoint: config.json, 0xFF, model.safetensors (some with a language-model head).
    for folder in (MODELS / "bert-bf16", MODELS / "distilbert-f16", MODELS / "llama-llama3-bare-bf16",
                   MODELS / "qwen3-qknorm-f16", LM_HEADS / "distilbert-mlm-bf16", LM_HEADS / "gpt2-untied-f16"):
        write("model_load_fuzz", f"{folder.name}.bin", (folder / "config.json").read_bytes() + b"\xff" +
              (folder / "model.safetensors").read_bytes())
    for folder in ("marian-bf16", "t5-relu-bf16"):  # encoder-decoder checkpoints: forward_seq2seq
        write("model_load_fuzz", f"{folder}.bin", (SEQ2SEQ / folder / "config.json").read_bytes() + b"\xff" +
              (SEQ2SEQ / folder / "model.safetensors").read_bytes())

    # model.safetensors.index.json: the golden sharded checkpoint's index, and lying ones.
    index = (MODELS / "llama-sharded-bf16" / "model.safetensors.index.json").read_text()
    write("shard_index_fuzz", "llama-sharded.json", index)
    shard = "model-00001-of-00001.safetensors"
    for i, weight_map in enumerate([
            {"model.embed_tokens.weight": "../x.safetensors"}, {"a": "sub/x.safetensors"}, {"a": 1},
            {"model.embed_tokens.weight": shard, "model.norm.weight": "model-00002-of-00002.safetensors"}]):
        write("shard_index_fuzz", f"lying{i}.json", json.dumps({"metadata": {"total_size": 4}, "weight_map": weight_map}))

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
    # The shapes of current files, reduced to a few pieces each (layout above; flags 2 config, 4 pair).
    for name, tj, config in modern_tokenizer_jsons():
        for i, text in enumerate(["he he! <|x|> 12345", "\u00e9\u2603 he\n\n  he"]):
            body = fdp_string(json.dumps(tj)) + (fdp_string(config) if config else b"")
            flags = 1 | (2 if config else 0)
            write("tokenizer_json_fuzz", f"{name}{i}.bin", body + text.encode() + bytes([flags]))
        write("tokenizer_json_fuzz", f"{name}-pair.bin", body + fdp_string("he!") + "he he".encode() + bytes([flags | 4]))

    # Regexes: the pre-tokenization patterns of real files, and some text.
    for i, pattern in enumerate(PATTERNS):
        write("regex_fuzz", f"pattern{i}.bin", fdp_string(pattern) + "I'LL  don't 123456 h\u00e9llo \u65e5\u672c!!\n\n  x".encode())


LLAMA3_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|"
                  r"\s*[\r\n]+|\s+(?!\S)|\s+")
PATTERNS = [
    LLAMA3_PATTERN,
    r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+",
    r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}",
    r"[\u4e00-\u9fa5\u3040-\u309f]+|\A +| +\z| {2,}|(a|ab)*c|x{2,}?y",
]


def modern_tokenizer_jsons():
    """Small tokenizer.json files shaped like Llama 3, Llama 2, Gemma and T5 (name, json, config)."""
    vocab = {"h": 0, "e": 1, "he": 2, "\u0120": 3, "\u0120he": 4, "!": 5, "<|x|>": 6, "1": 7, "2": 8, "12": 9}
    bpe = {"type": "BPE", "dropout": None, "unk_token": None, "ignore_merges": True, "vocab": vocab,
           "merges": ["h e", ["\u0120", "he"], "1 2"]}
    added = [{"id": 6, "content": "<|x|>", "single_word": False, "lstrip": False, "rstrip": False,
              "normalized": False, "special": True}]
    template = {"type": "TemplateProcessing",
                "single": [{"SpecialToken": {"id": "<|x|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
                "pair": [{"SpecialToken": {"id": "<|x|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                         {"SpecialToken": {"id": "<|x|>", "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
                "special_tokens": {"<|x|>": {"id": "<|x|>", "ids": [6], "tokens": ["<|x|>"]}}}
    llama3 = {"added_tokens": added, "normalizer": None,
              "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
                  {"type": "Split", "pattern": {"Regex": LLAMA3_PATTERN}, "behavior": "Isolated", "invert": False},
                  {"type": "ByteLevel", "add_prefix_space": False, "use_regex": False}]},
              "post_processor": {"type": "Sequence", "processors": [{"type": "ByteLevel"}, template]},
              "decoder": {"type": "ByteLevel"}, "model": bpe}
    sp_vocab = {"<unk>": 0, "<s>": 1, "</s>": 2, "<0x0A>": 3, "<0xC3>": 4, "<0xA9>": 5, "\u2581": 6, "h": 7, "e": 8,
                "\u2581h": 9, "\u2581he": 10, "!": 11}
    sp_added = [{"id": i, "content": c, "normalized": False, "special": True} for i, c in ((0, "<unk>"), (1, "<s>"), (2, "</s>"))]
    llama2 = {"added_tokens": sp_added,
              "normalizer": {"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": "\u2581"},
                                                                 {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"}]},
              "pre_tokenizer": None,
              "post_processor": {"type": "TemplateProcessing", "single": "<s> $A", "pair": "<s> $A <s>:1 $B:1",
                                 "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}}},
              "decoder": {"type": "Sequence", "decoders": [{"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "},
                                                           {"type": "ByteFallback"}, {"type": "Fuse"},
                                                           {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
              "model": {"type": "BPE", "dropout": None, "unk_token": "<unk>", "fuse_unk": True, "byte_fallback": True,
                        "vocab": sp_vocab, "merges": ["\u2581 h", "\u2581h e"]}}
    gemma = dict(llama2, normalizer={"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"},
                 pre_tokenizer={"type": "Split", "pattern": {"String": " "}, "behavior": "MergedWithPrevious", "invert": False})
    unigram = {"added_tokens": sp_added,
               "normalizer": {"type": "Sequence", "normalizers": [
                   {"type": "Precompiled", "precompiled_charsmap": tiny_charsmap({"A": "a", "\t": " ", "Z": ""})},
                   {"type": "Replace", "pattern": {"Regex": "\\A +| +\\z"}, "content": ""},
                   {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "}, {"type": "NFKC"}]},
               "pre_tokenizer": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "first", "split": True},
               "post_processor": {"type": "RobertaProcessing", "sep": ["</s>", 2], "cls": ["<s>", 1]},
               "decoder": {"type": "Metaspace", "replacement": "\u2581"},
               "model": {"type": "Unigram", "unk_id": 0, "byte_fallback": True,
                         "vocab": [[p, -float(i) / 2] for i, p in enumerate(sp_vocab)]}}
    config = json.dumps({"tokenizer_class": "LlamaTokenizer", "add_bos_token": True, "add_eos_token": True,
                         "bos_token": "<s>", "eos_token": "</s>"})
    return [("llama3", llama3, None), ("llama2", llama2, config), ("gemma", gemma, None), ("unigram", unigram, None)]


def tiny_charsmap(mapping):
    """A SentencePiece precompiled charsmap for single-byte keys: a Darts double array whose root's
    children sit at 1 ^ byte and whose leaves sit 256 units further, then the NUL-terminated
    replacement strings."""
    units = [0] * 512
    units[0] = 1 << 10                      # root: offset 1
    strings = b""
    for key, value in sorted(mapping.items()):
        c = ord(key)
        child = 1 ^ c
        units[child] = c | (1 << 8) | (256 << 10)   # label c, has a leaf, offset 256
        units[child ^ 256] = (1 << 31) | len(strings)  # leaf: the replacement's offset
        strings += value.encode() + b"\0"
    trie = b"".join(struct.pack("<I", u) for u in units)
    import base64
    return base64.b64encode(struct.pack("<I", len(trie)) + trie + strings).decode("ascii")


if __name__ == "__main__":
    main()
