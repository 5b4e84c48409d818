"""Real English text from Debian packages: WordNet 3.0 glosses and examples (wordnet-base) and the
fortune cookie databases (fortunes, fortunes-min)."""
import os
import re

WORDNET_DIR = "/usr/share/wordnet"
FORTUNE_DIR = "/usr/share/games/fortunes"
# ascii-art is pictures, not prose.
SKIPPED_FORTUNE_FILES = {"ascii-art"}


def wordnet_texts():
    """One text per gloss definition and per quoted usage example."""
    texts = []
    for part in ("noun", "verb", "adj", "adv"):
        with open(os.path.join(WORDNET_DIR, "data." + part), encoding="latin-1") as f:
            for line in f:
                if line.startswith("  ") or "|" not in line:
                    continue  # licence header
                gloss = line.split("|", 1)[1].strip()
                for piece in gloss.split(";"):
                    piece = piece.strip().strip('"').strip()
                    if len(piece.split()) >= 3:
                        texts.append(piece)
    return texts


def fortune_texts():
    """One text per fortune, whitespace runs collapsed."""
    texts = []
    for name in sorted(os.listdir(FORTUNE_DIR)):
        path = os.path.join(FORTUNE_DIR, name)
        if "." in name or name in SKIPPED_FORTUNE_FILES or not os.path.isfile(path):
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            content = f.read()
        for entry in re.split(r"^%\s*$", content, flags=re.M):
            entry = " ".join(entry.split())
            if len(entry.split()) >= 3:
                texts.append(entry)
    return texts


def all_texts():
    return {"wordnet": wordnet_texts(), "fortunes": fortune_texts()}
