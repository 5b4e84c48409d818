"""Turns what users hold (Hugging Face attention tuples, torch tensors, numpy arrays, nested
lists) into the plain `layers x heads x rows x columns` nested lists the viewer takes, with clear
errors: one sequence's self-attention (n x n), or an encoder-decoder model's encoder, decoder and
cross-attention (decoder tokens x encoder tokens). Standard library only: tensors and arrays are
recognised by their methods, never imported."""
import math
import numbers

VIEWS = ("head", "model", "matrix")
THEMES = ("auto", "light", "dark")
KINDS = ("encoder", "decoder", "cross")
PAIR_FILTERS = ("all", "aa", "ab", "ba", "bb")


def _to_nested(value):
    """Nested Python lists from a torch or TensorFlow tensor, a numpy array, or lists/tuples of those."""
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # torch.Tensor (possibly on a GPU)
        value = value.detach().cpu()
        if hasattr(value, "float"):
            value = value.float()  # bfloat16 / half have no Python float conversion in tolist
    if not hasattr(value, "tolist") and callable(getattr(value, "numpy", None)):  # TensorFlow tensors
        value = value.numpy()
    if hasattr(value, "tolist") and not isinstance(value, (list, tuple)):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [_to_nested(v) for v in value]
    return value


def _depth(value, name):
    depth = 0
    while isinstance(value, list):
        if not value:
            raise ValueError("%s: found an empty list; expected layers x heads x rows x columns weights" % name)
        value = value[0]
        depth += 1
    return depth


def _as_layers(nested, batch_index, name="attentions"):
    """Reshape to a 4-level list [layer][head][query][key] from the shapes users pass."""
    depth = _depth(nested, name)
    if depth == 5:
        # A tuple of per-layer [batch, heads, n, n] tensors (Hugging Face), or one stacked tensor.
        batch = len(nested[0])
        if not 0 <= batch_index < batch:
            raise ValueError("batch_index: expected 0 <= batch_index < %d (the batch size), got %r"
                             % (batch, batch_index))
        return [layer[batch_index] for layer in nested]
    if depth == 4:
        return nested
    if depth == 3:
        return [nested]            # heads x n x n: one layer
    if depth == 2:
        return [[nested]]          # n x n: one layer, one head
    raise ValueError(
        "%s: expected a tuple of [batch, heads, n, n] tensors (Hugging Face output_attentions), "
        "or an array shaped layers x heads x n x n (or heads x n x n, or n x n); got %d dimensions" % (name, depth))


def _check_shape(layers, rows, cols, name, per_row="token", per_col="token"):
    """Every layer has the same heads, each head `rows` rows of `cols` finite weights."""
    for l, layer in enumerate(layers):
        if not isinstance(layer, list) or not layer:
            raise ValueError("%s[%d]: expected a non-empty list of heads" % (name, l))
        if len(layer) != len(layers[0]):
            raise ValueError("%s[%d]: has %d heads, but %s[0] has %d" % (name, l, len(layer), name, len(layers[0])))
        for h, head in enumerate(layer):
            if not isinstance(head, list) or len(head) != rows:
                raise ValueError("%s[%d][%d]: expected %d rows (one per %s), got %s"
                                 % (name, l, h, rows, per_row, len(head) if isinstance(head, list) else type(head).__name__))
            for i, row in enumerate(head):
                if not isinstance(row, list) or len(row) != cols:
                    raise ValueError("%s[%d][%d][%d]: expected %d weights (one per %s)%s"
                                     % (name, l, h, i, cols, per_col,
                                        ", got %d" % len(row) if isinstance(row, list) else ""))
                for w in row:
                    if isinstance(w, bool) or not isinstance(w, numbers.Real) or not math.isfinite(w):
                        raise ValueError("%s[%d][%d][%d]: expected finite numbers, got %r" % (name, l, h, i, w))


def check_tokens(tokens, name="tokens"):
    """A non-empty list of strings."""
    if isinstance(tokens, str) or not hasattr(tokens, "__iter__"):
        raise TypeError("%s: expected a list of strings (one per token), got %s" % (name, type(tokens).__name__))
    tokens = list(tokens)
    if not tokens:
        raise ValueError("%s: expected at least one token" % name)
    if not all(isinstance(t, str) for t in tokens):
        raise TypeError("%s: expected strings, e.g. tokenizer.convert_ids_to_tokens(ids)" % name)
    return tokens


def _check_batch_index(batch_index):
    if isinstance(batch_index, bool) or not isinstance(batch_index, int):
        raise TypeError("batch_index: expected an int, got %s" % type(batch_index).__name__)


def normalize(attentions, tokens, batch_index=0):
    """Returns (layers, tokens) with layers a [layer][head][query][key] list of floats."""
    tokens = check_tokens(tokens)
    if attentions is None:
        raise TypeError("attentions: got None; call the model with output_attentions=True")
    _check_batch_index(batch_index)
    layers = _as_layers(_to_nested(attentions), batch_index)
    _check_shape(layers, len(tokens), len(tokens), "attentions")
    return layers, tokens


def normalize_encoder_decoder(encoder_attention, decoder_attention, cross_attention, encoder_tokens, decoder_tokens,
                              batch_index=0):
    """An encoder-decoder model's attentions as Hugging Face returns them (encoder_attentions,
    decoder_attentions, cross_attentions: one [batch, heads, rows, columns] tensor per layer), any of
    them None. Returns (parts, encoder_tokens, decoder_tokens): parts maps "encoder", "decoder",
    "cross" to [layer][head][query][key] lists; cross-attention's queries are the decoder's tokens and
    its keys the encoder's."""
    _check_batch_index(batch_index)
    given = {"encoder": encoder_attention, "decoder": decoder_attention, "cross": cross_attention}
    if all(v is None for v in given.values()):
        raise TypeError("encoder_attention, decoder_attention, cross_attention: got None for all three; "
                        "call the model with output_attentions=True")
    tokens = {"encoder_tokens": encoder_tokens, "decoder_tokens": decoder_tokens}
    for name, kinds in (("encoder_tokens", ("encoder", "cross")), ("decoder_tokens", ("decoder", "cross"))):
        uses = [k + "_attention" for k in kinds if given[k] is not None]
        if uses and tokens[name] is None:
            raise ValueError("%s: required with %s" % (name, " and ".join(uses)))
        if tokens[name] is not None:
            tokens[name] = check_tokens(tokens[name], name)
    enc, dec = tokens["encoder_tokens"], tokens["decoder_tokens"]
    shapes = {"encoder": (enc, enc, "encoder token", "encoder token"),
              "decoder": (dec, dec, "decoder token", "decoder token"),
              "cross": (dec, enc, "decoder token", "encoder token")}
    parts = {}
    for kind in KINDS:
        if given[kind] is None:
            continue
        name = kind + "_attention"
        rows, cols, per_row, per_col = shapes[kind]
        layers = _as_layers(_to_nested(given[kind]), batch_index, name)
        _check_shape(layers, len(rows), len(cols), name, per_row, per_col)
        parts[kind] = layers
    if "cross" in parts and "decoder" in parts and len(parts["cross"]) != len(parts["decoder"]):
        raise ValueError("cross_attention: has %d layers, but decoder_attention has %d (every decoder layer has "
                         "one cross-attention)" % (len(parts["cross"]), len(parts["decoder"])))
    return parts, enc, dec


def check_choice(value, name, choices):
    if value not in choices:
        raise ValueError("%s: expected one of %s, got %r" % (name, ", ".join(repr(c) for c in choices), value))
    return value


def check_theme(theme, name="theme"):
    return check_choice(theme, name, THEMES)


def check_view(view):
    return check_choice(view, "view", VIEWS)


def check_index(value, name, count, what):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("%s: expected an int, got %s" % (name, type(value).__name__))
    if not 0 <= value < count:
        raise ValueError("%s: expected 0 <= %s < %d (%s), got %d" % (name, name, count, what, value))
    return value
