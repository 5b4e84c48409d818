#!/usr/bin/python3
"""Reference ids from SentencePiece (Debian's python3-sentencepiece) for the Unigram tests:
reads a JSON list of texts on stdin, writes the JSON list of their ids (no special tokens added).
    /usr/bin/python3 tests/js/helpers/sentencepiece_ids.py MODEL < texts.json > ids.json
"""
import json
import sys

import sentencepiece as spm

processor = spm.SentencePieceProcessor(model_file=sys.argv[1])
json.dump([processor.encode(text) for text in json.load(sys.stdin)], sys.stdout)
