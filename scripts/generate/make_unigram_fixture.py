#!/usr/bin/python3
"""Trains a small SentencePiece Unigram model and converts it to a tokenizer.json (the fixture of
tests/js/tokenizer_unigram.test.mjs and the C++ Unigram tests).

Needs only Debian's packages: python3-sentencepiece (the reference implementation), python3-protobuf
(to read the .model, whose schema sentencepiece ships as sentencepiece_model_pb2), fortunes,
fortunes-ru, fortunes-de, fortunes-zh (training text). Run by hand; it rewrites
tests/fixtures/tokenizers/unigram/{unigram.model,tokenizer.json}:

    /usr/bin/python3 scripts/generate/make_unigram_fixture.py

The conversion follows the documented formats, not another converter:
  * ModelProto.pieces (piece, score, type) -> Unigram "vocab" [[piece, score], ...], "unk_id";
    CONTROL and UNKNOWN pieces also become special added_tokens (SentencePiece never produces them
    from text).
  * normalizer_spec.precompiled_charsmap -> a "Precompiled" normalizer (base64). SentencePiece's
    remove_extra_whitespaces (drop leading and trailing spaces, collapse runs) becomes two Replace
    normalizers on the normalized text, and add_dummy_prefix + escape_whitespaces a Metaspace
    pre-tokenizer (replacement U+2581, prepend_scheme "always", split false: SentencePiece's Viterbi
    runs over the whole text, and per-word runs can break exact ties differently).
  * T5's post-processor: "$A </s>" and "$A </s> $B </s>"; a Metaspace decoder.
"""
import base64
import json
import os
import sys
import tempfile

import sentencepiece as spm
from sentencepiece import sentencepiece_model_pb2 as model_pb2

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "fixtures", "tokenizers", "unigram")
FORTUNES = "/usr/share/games/fortunes"
VOCAB_SIZE = 2000


def fortune_lines(path, step):
    files = [path] if os.path.isfile(path) else [os.path.join(path, f) for f in sorted(os.listdir(path))]
    lines = []
    for f in files:
        if "." in os.path.basename(f) or not os.path.isfile(f):
            continue
        with open(f, encoding="utf-8", errors="replace") as handle:
            lines += [l for l in handle.read().split("\n") if l.strip() and l != "%"]
    return lines[::step]


def training_text():
    with open(os.path.join(ROOT, "tests", "fixtures", "tokenizers", "english-sample.txt"), encoding="utf-8") as f:
        english = [l for l in f.read().split("\n") if l.strip()]
    # Every other English line and some of the other languages: the test text is partly unseen.
    return (english[::2] + fortune_lines(os.path.join(FORTUNES, "ru"), 7) + fortune_lines(os.path.join(FORTUNES, "de"), 5)
            + fortune_lines(os.path.join(FORTUNES, "tang300"), 2))


def convert(model_path):
    proto = model_pb2.ModelProto()
    with open(model_path, "rb") as f:
        proto.ParseFromString(f.read())
    spec = proto.normalizer_spec
    assert spec.name == "nmt_nfkc" and spec.add_dummy_prefix and spec.remove_extra_whitespaces and spec.escape_whitespaces
    assert proto.trainer_spec.model_type == model_pb2.TrainerSpec.UNIGRAM
    Piece = model_pb2.ModelProto.SentencePiece
    vocab, added, unk_id = [], [], None
    for i, p in enumerate(proto.pieces):
        vocab.append([p.piece, p.score])
        if p.type == Piece.UNKNOWN:
            unk_id = i
        if p.type in (Piece.UNKNOWN, Piece.CONTROL):
            added.append({"id": i, "content": p.piece, "single_word": False, "lstrip": False, "rstrip": False,
                          "normalized": False, "special": True})
    eos = next(a for a in added if a["content"] == "</s>")
    special = lambda token, type_id: {"SpecialToken": {"id": token, "type_id": type_id}}
    sequence = lambda name, type_id: {"Sequence": {"id": name, "type_id": type_id}}
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "Precompiled", "precompiled_charsmap": base64.b64encode(spec.precompiled_charsmap).decode("ascii")},
            {"type": "Replace", "pattern": {"Regex": r"\A +| +\z"}, "content": ""},
            {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "},
        ]},
        # split False: SentencePiece runs Viterbi over the whole normalized text; cutting it into words
        # first changes the single-precision sums and so which of two equal segmentations wins.
        "pre_tokenizer": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": False},
        "post_processor": {"type": "TemplateProcessing",
                           "single": [sequence("A", 0), special("</s>", 0)],
                           "pair": [sequence("A", 0), special("</s>", 0), sequence("B", 0), special("</s>", 0)],
                           "special_tokens": {"</s>": {"id": "</s>", "ids": [eos["id"]], "tokens": ["</s>"]}}},
        "decoder": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True},
        "model": {"type": "Unigram", "unk_id": unk_id, "vocab": vocab, "byte_fallback": proto.trainer_spec.byte_fallback},
    }


def main():
    if sys.argv[1:] == ["--convert-only"]:  # keep the trained model, redo the tokenizer.json
        converted = convert(os.path.join(OUT, "unigram.model"))
        with open(os.path.join(OUT, "tokenizer.json"), "w", encoding="utf-8") as f:
            json.dump(converted, f, ensure_ascii=False)
        return
    os.makedirs(OUT, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        text = os.path.join(tmp, "train.txt")
        with open(text, "w", encoding="utf-8") as f:
            f.write("\n".join(training_text()) + "\n")
        prefix = os.path.join(tmp, "unigram")
        spm.SentencePieceTrainer.train(input=text, model_prefix=prefix, vocab_size=VOCAB_SIZE, model_type="unigram",
                                       character_coverage=0.9995, num_threads=1, seed_sentencepiece_size=200000,
                                       minloglevel=2)
        with open(prefix + ".model", "rb") as f:
            model = f.read()
    with open(os.path.join(OUT, "unigram.model"), "wb") as f:
        f.write(model)
    converted = convert(os.path.join(OUT, "unigram.model"))
    with open(os.path.join(OUT, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(converted, f, ensure_ascii=False)
    print(f"wrote {OUT}: {len(converted['model']['vocab'])} pieces", file=sys.stderr)


if __name__ == "__main__":
    main()
