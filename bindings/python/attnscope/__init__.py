"""attnscope: attention views for notebooks and standalone HTML, offline.

    from attnscope import show, to_html
    show(outputs.attentions, tokens)                 # head view
    show(outputs.attentions, tokens, view="model")   # every layer x head
    to_html(outputs.attentions, tokens, "fig.html")  # a standalone page
    from attnscope import head_view, model_view      # BertViz's names and arguments
    head_view(outputs.attentions, tokens, sentence_b_start=5)

Standard library only. The viewer (a custom element, <attnscope-view>, with its WebAssembly core
inlined) ships inside the package, so outputs work without network, CDN or RequireJS."""
from . import _data, _html
from ._bertviz import head_view, model_view
from ._version import __version__

__all__ = ["show", "to_html", "html_fragment", "head_view", "model_view", "__version__"]


def html_fragment(attentions, tokens, view="head", layer=None, head=None, batch_index=0, digits=5,
                  hide_special=False, theme="auto"):
    """The HTML that show() displays: self-contained, safe to emit any number of times on a page."""
    view = _data.check_view(view)
    theme = _data.check_theme(theme)
    layers, tokens = _data.normalize(attentions, tokens, batch_index)
    layer = _data.check_index(layer, "layer", len(layers), "the number of layers")
    head = _data.check_index(head, "head", len(layers[0]), "the number of heads")
    if isinstance(digits, bool) or not isinstance(digits, int) or not 1 <= digits <= 9:
        raise ValueError("digits: expected an int from 1 to 9 (decimals kept per weight), got %r" % (digits,))
    return _html.fragment(layers, tokens, view, layer=layer, head=head, hide_special=bool(hide_special),
                          digits=digits, theme=theme)


def show(attentions, tokens, view="head", layer=None, head=None, batch_index=0, digits=5, hide_special=False,
         theme="auto"):
    """Displays the attention view in the current notebook output.

    attentions: what a Hugging Face model returns with output_attentions=True (a tuple of
        [batch, heads, n, n] tensors), or a numpy array / nested lists shaped layers x heads x n x n
        (heads x n x n and n x n also work).
    tokens: the n token strings.
    view: "head" (default, lines between tokens), "model" (a grid of every layer x head) or
        "matrix" (one heatmap per head).
    layer, head: which layer / head to open first. batch_index: which batch item to show.
    digits: decimals kept per weight (the output's size grows with it).
    hide_special: hide [CLS], [SEP], <|endoftext|> and the like (they often take most of the weight).
    theme: "auto" (follows the page's prefers-color-scheme), "light" or "dark".
    Outside IPython, returns an object with _repr_html_ instead of displaying.
    """
    markup = html_fragment(attentions, tokens, view, layer, head, batch_index, digits, hide_special, theme)
    return _html.display_markup(markup)


def to_html(attentions, tokens, path=None, view="head", layer=None, head=None, batch_index=0,
            digits=5, hide_special=False, title="attnscope", theme="auto"):
    """A standalone HTML page with the view (works opened from disk, offline).

    Writes it to `path` when given; returns the page's HTML either way."""
    page = _html.document(html_fragment(attentions, tokens, view, layer, head, batch_index, digits, hide_special,
                                        theme), title)
    if path is not None:
        with open(path, "w", encoding="utf-8") as f:
            f.write(page)
    return page
