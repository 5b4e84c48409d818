"""attnscope: attention views for notebooks and standalone HTML, offline.

    from attnscope import show, to_html
    show(outputs.attentions, tokens)                 # head view
    show(outputs.attentions, tokens, view="model")   # every layer x head
    to_html(outputs.attentions, tokens, "fig.html")  # a standalone page
    from attnscope import head_view, model_view      # BertViz's names and arguments
    head_view(outputs.attentions, tokens, sentence_b_start=5)
    show(encoder_attention=out.encoder_attentions, decoder_attention=out.decoder_attentions,
         cross_attention=out.cross_attentions, encoder_tokens=src, decoder_tokens=tgt)   # BART, T5, Marian

Standard library only. The viewer (a custom element, <attnscope-view>, with its WebAssembly core
inlined) ships inside the package, so outputs work without network, CDN or RequireJS."""
from . import _data, _html, _inputs
from ._bertviz import head_view, model_view
from ._version import __version__

__all__ = ["show", "to_html", "html_fragment", "head_view", "model_view", "__version__"]


def html_fragment(attentions=None, tokens=None, view="head", layer=None, head=None, batch_index=0, digits=5,
                  hide_special=False, theme="auto", *, sentence_b_start=None, pair_filter=None,
                  encoder_attention=None, decoder_attention=None, cross_attention=None, encoder_tokens=None,
                  decoder_tokens=None, kind=None):
    """The HTML that show() displays: self-contained, safe to emit any number of times on a page."""
    view = _data.check_view(view)
    theme = _data.check_theme(theme)
    inputs = _inputs.read(attentions, tokens, encoder_attention, decoder_attention, cross_attention,
                          encoder_tokens, decoder_tokens, batch_index)
    kind = inputs.check_kind(kind)
    sentence_b_start, pair_filter = inputs.check_pair(sentence_b_start, pair_filter)
    first = inputs.first(kind)
    layer = _data.check_index(layer, "layer", len(first), "the number of layers")
    head = _data.check_index(head, "head", len(first[0]), "the number of heads")
    if isinstance(digits, bool) or not isinstance(digits, int) or not 1 <= digits <= 9:
        raise ValueError("digits: expected an int from 1 to 9 (decimals kept per weight), got %r" % (digits,))
    return _html.fragment(inputs.attributes(digits), view, layer=layer, head=head, hide_special=bool(hide_special),
                          theme=theme, sentence_b_start=sentence_b_start, pair_filter=pair_filter, kind=kind)


def show(attentions=None, tokens=None, view="head", layer=None, head=None, batch_index=0, digits=5,
         hide_special=False, theme="auto", *, sentence_b_start=None, pair_filter=None,
         encoder_attention=None, decoder_attention=None, cross_attention=None, encoder_tokens=None,
         decoder_tokens=None, kind=None):
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
    Keyword-only:
    sentence_b_start: for a sentence pair, the index of sentence B's first token; the views then
        filter by sentence (All, A -> A, A -> B, B -> A, B -> B), starting with pair_filter
        ("all", "aa", "ab", "ba" or "bb": whose tokens attend to whose).
    encoder_attention, decoder_attention, cross_attention, encoder_tokens, decoder_tokens: an
        encoder-decoder model (BART, T5, Marian) instead of attentions and tokens, as Hugging Face
        returns them (outputs.encoder_attentions, outputs.decoder_attentions, outputs.cross_attentions;
        cross-attention is decoder tokens x encoder tokens); any of the three attentions may be left
        out. kind: the part shown first ("encoder", "decoder" or "cross"); the views switch between them.
    Outside IPython, returns an object with _repr_html_ instead of displaying.
    """
    markup = html_fragment(attentions, tokens, view, layer, head, batch_index, digits, hide_special, theme,
                           sentence_b_start=sentence_b_start, pair_filter=pair_filter,
                           encoder_attention=encoder_attention, decoder_attention=decoder_attention,
                           cross_attention=cross_attention, encoder_tokens=encoder_tokens,
                           decoder_tokens=decoder_tokens, kind=kind)
    return _html.display_markup(markup)


def to_html(attentions=None, tokens=None, path=None, view="head", layer=None, head=None, batch_index=0,
            digits=5, hide_special=False, title="attnscope", theme="auto", *, sentence_b_start=None, pair_filter=None,
            encoder_attention=None, decoder_attention=None, cross_attention=None, encoder_tokens=None,
            decoder_tokens=None, kind=None):
    """A standalone HTML page with the view (works opened from disk, offline); arguments as show().

    Writes it to `path` when given; returns the page's HTML either way."""
    page = _html.document(html_fragment(
        attentions, tokens, view, layer, head, batch_index, digits, hide_special, theme,
        sentence_b_start=sentence_b_start, pair_filter=pair_filter, encoder_attention=encoder_attention,
        decoder_attention=decoder_attention, cross_attention=cross_attention, encoder_tokens=encoder_tokens,
        decoder_tokens=decoder_tokens, kind=kind), title)
    if path is not None:
        with open(path, "w", encoding="utf-8") as f:
            f.write(page)
    return page
