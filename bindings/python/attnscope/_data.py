"""Turns what users hold (Hugging Face attention tuples, torch tensors, numpy arrays, nested
lists) into the plain `layers x heads x n x n` nested lists the viewer takes, with clear errors.
Standard library only: tensors and arrays are recognised by their methods, never imported."""
import math
import numbers

VIEWS = ("head", "model", "matrix")
THEMES = ("auto", "light", "dark")


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


def _depth(value):
    depth = 0
    while isinstance(value, list):
        if not value:
            raise ValueError("attentions: found an empty list; expected layers x heads x n x n weights")
        value = value[0]
        depth += 1
    return depth


def _as_layers(nested, batch_index):
    """Reshape to a 4-level list [layer][head][query][key] from the shapes users pass."""
    depth = _depth(nested)
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
        "attentions: expected a tuple of [batch, heads, n, n] tensors (Hugging Face output_attentions), "
        "or an array shaped layers x heads x n x n (or heads x n x n, or n x n); got %d dimensions" % depth)


def _check_square(layers, n):
    for l, layer in enumerate(layers):
        if not isinstance(layer, list) or not layer:
            raise ValueError("attentions[%d]: expected a non-empty list of heads" % l)
        if len(layer) != len(layers[0]):
            raise ValueError("attentions[%d]: has %d heads, but attentions[0] has %d"
                             % (l, len(layer), len(layers[0])))
        for h, head in enumerate(layer):
            if not isinstance(head, list) or len(head) != n:
                raise ValueError("attentions[%d][%d]: expected %d rows (one per token), got %s"
                                 % (l, h, n, len(head) if isinstance(head, list) else type(head).__name__))
            for i, row in enumerate(head):
                if not isinstance(row, list) or len(row) != n:
                    raise ValueError("attentions[%d][%d][%d]: expected %d weights (one per token)"
                                     % (l, h, i, n))
                for w in row:
                    if isinstance(w, bool) or not isinstance(w, numbers.Real) or not math.isfinite(w):
                        raise ValueError("attentions[%d][%d][%d]: expected finite numbers, got %r"
                                         % (l, h, i, w))


def normalize(attentions, tokens, batch_index=0):
    """Returns (layers, tokens) with layers a [layer][head][query][key] list of floats."""
    if isinstance(tokens, str) or not hasattr(tokens, "__iter__"):
        raise TypeError("tokens: expected a list of strings (one per token), got %s" % type(tokens).__name__)
    tokens = list(tokens)
    if not tokens:
        raise ValueError("tokens: expected at least one token")
    if not all(isinstance(t, str) for t in tokens):
        raise TypeError("tokens: expected strings, e.g. tokenizer.convert_ids_to_tokens(ids)")
    if attentions is None:
        raise TypeError("attentions: got None; call the model with output_attentions=True")
    if isinstance(batch_index, bool) or not isinstance(batch_index, int):
        raise TypeError("batch_index: expected an int, got %s" % type(batch_index).__name__)
    layers = _as_layers(_to_nested(attentions), batch_index)
    _check_square(layers, len(tokens))
    return layers, tokens


def check_theme(theme, name="theme"):
    if theme not in THEMES:
        raise ValueError("%s: expected one of %s, got %r" % (name, ", ".join(repr(t) for t in THEMES), theme))
    return theme


def check_view(view):
    if view not in VIEWS:
        raise ValueError("view: expected one of %s, got %r" % (", ".join(repr(v) for v in VIEWS), view))
    return view


def check_index(value, name, count, what):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("%s: expected an int, got %s" % (name, type(value).__name__))
    if not 0 <= value < count:
        raise ValueError("%s: expected 0 <= %s < %d (%s), got %d" % (name, name, count, what, value))
    return value
