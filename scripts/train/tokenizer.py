"""BERT WordPiece tokenisation with Hugging Face BertTokenizer semantics (uncased).

The browser loader tokenises the exported vocab.txt with the reference algorithm, so training must
produce exactly the same ids: basic tokenizer (clean text, CJK spacing, lower-case, strip accents,
split punctuation) followed by greedy longest-match WordPiece with "##" continuations.
"""
import collections
import unicodedata

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
PAD_ID, UNK_ID, CLS_ID, SEP_ID, MASK_ID = range(5)
MAX_CHARS_PER_WORD = 100


def _is_whitespace(ch):
    return ch in " \t\n\r" or unicodedata.category(ch) == "Zs"


def _is_control(ch):
    if ch in "\t\n\r":
        return False
    return unicodedata.category(ch).startswith("C")


def _is_punctuation(ch):
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(cp):
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF
            or 0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF
            or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


def basic_tokenize(text):
    """Words and punctuation marks, lower-cased and accent-stripped (BasicTokenizer, uncased)."""
    cleaned = []
    for ch in text:
        cp = ord(ch)
        if cp == 0 or cp == 0xFFFD or _is_control(ch):
            continue
        if _is_cjk(cp):
            cleaned.append(" " + ch + " ")
        elif _is_whitespace(ch):
            cleaned.append(" ")
        else:
            cleaned.append(ch)
    words = []
    for word in "".join(cleaned).split():
        word = unicodedata.normalize("NFD", word.lower())
        word = "".join(ch for ch in word if unicodedata.category(ch) != "Mn")
        current = []
        for ch in word:
            if _is_punctuation(ch):
                if current:
                    words.append("".join(current))
                    current = []
                words.append(ch)
            else:
                current.append(ch)
        if current:
            words.append("".join(current))
    return words


class WordPieceTokenizer:
    def __init__(self, vocab_list):
        self.vocab_list = list(vocab_list)
        self.vocab = {tok: i for i, tok in enumerate(self.vocab_list)}

    @classmethod
    def from_file(cls, path):
        with open(path, encoding="utf-8") as f:
            return cls([line.rstrip("\n") for line in f])

    def save(self, path):
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(self.vocab_list) + "\n")

    def word_pieces(self, word):
        if len(word) > MAX_CHARS_PER_WORD:
            return ["[UNK]"]
        pieces, start = [], 0
        while start < len(word):
            end = len(word)
            match = None
            while start < end:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.vocab:
                    match = piece
                    break
                end -= 1
            if match is None:
                return ["[UNK]"]
            pieces.append(match)
            start = end
        return pieces

    def tokenize(self, text):
        return [p for w in basic_tokenize(text) for p in self.word_pieces(w)]

    def encode(self, text):
        """Ids without special tokens."""
        return [self.vocab[p] for p in self.tokenize(text)]


# Suffixes as ## pieces, so frequent inflections of out-of-vocabulary words do not fall back to letters.
COMMON_SUFFIXES = ["s", "es", "ed", "d", "ing", "ly", "er", "ers", "est", "ness", "ment", "ments", "tion",
                   "tions", "al", "ally", "ic", "ical", "ity", "ous", "ive", "able", "ible", "ful", "less",
                   "ism", "ist", "ists", "ize", "ized", "y", "ies", "ied", "an", "ian", "ation", "ate", "ated"]


def build_vocab(texts, size, required_words):
    """Specials, then every character seen (as a word start and as ##piece), common suffixes,
    required words (names, pronouns, template words), then the most frequent corpus words."""
    counts = collections.Counter()
    chars = set()
    for text in texts:
        for w in basic_tokenize(text):
            counts[w] += 1
            chars.update(w)
    # Only characters seen often enough; rare symbols become [UNK] like in any fixed vocabulary.
    char_counts = collections.Counter()
    for w, c in counts.items():
        for ch in w:
            char_counts[ch] += c
    kept_chars = sorted(ch for ch, c in char_counts.items() if c >= 20)
    vocab = list(SPECIAL_TOKENS)
    seen = set(vocab)

    def add(tok):
        if tok not in seen:
            seen.add(tok)
            vocab.append(tok)

    for ch in kept_chars:
        add(ch)
    for ch in kept_chars:
        if not _is_punctuation(ch):
            add("##" + ch)
    for suf in COMMON_SUFFIXES:
        add("##" + suf)
    for w in sorted(required_words):
        add(w)
    for w, _ in counts.most_common():
        if len(vocab) >= size:
            break
        if all(ch in kept_chars for ch in w):
            add(w)
    return WordPieceTokenizer(vocab)
