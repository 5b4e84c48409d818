"""BertViz's head_view and model_view, with BertViz's argument names, order and meanings (including
its encoder-decoder arguments), drawn by attnscope's element: a BertViz notebook works by changing its
import. What differs: the output needs no RequireJS or CDN, and the layer selector numbers the
included layers from 0."""
from . import _data, _html, _inputs

DISPLAY_MODES = ("light", "dark")
HTML_ACTIONS = ("view", "return")


def prettify(tokens):
    """Tokens as BertViz shows them with prettify_tokens=True: the byte-level BPE space (Ġ) and the
    SentencePiece space (▁) become a space, an end-of-word </w> is dropped; a WordPiece
    continuation's leading ## is dropped too."""
    out = []
    for t in tokens:
        t = t.replace("\u0120", " ").replace("\u2581", " ").replace("</w>", "")
        out.append(t[2:] if t.startswith("##") and len(t) > 2 else t)
    return out


def _indices(values, name, count, what):
    """A list of distinct ints in [0, count), or None."""
    if values is None:
        return None
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise TypeError("%s: expected a list of ints, got %s" % (name, type(values).__name__))
    values = list(values)
    if not values:
        raise ValueError("%s: expected at least one index" % name)
    for i, v in enumerate(values):
        _data.check_index(v, "%s[%d]" % (name, i), count, what)
    if len(set(values)) != len(values):
        raise ValueError("%s: expected distinct indices, got %r" % (name, values))
    return values


def _check_choice(value, name, choices):
    if value not in choices:
        raise ValueError("%s: expected %s, got %r" % (name, " or ".join(repr(c) for c in choices), value))
    return value


def _render(view, attention, tokens, sentence_b_start, prettify_tokens, layer, heads, include_layers,
            include_heads, display_mode, html_action, encoder_decoder):
    _check_choice(display_mode, "display_mode", DISPLAY_MODES)
    _check_choice(html_action, "html_action", HTML_ACTIONS)
    if attention is not None and tokens is None:
        raise ValueError("tokens: required (one string per position, e.g. tokenizer.convert_ids_to_tokens(ids))")
    inputs = _inputs.read(attention, tokens, batch_index=0, attention_name="attention", **encoder_decoder)
    sentence_b_start, _ = inputs.check_pair(sentence_b_start, None)
    # include_layers, include_heads and heads apply to every part: they must exist in each.
    num_layers = min(len(layers) for layers in inputs.parts.values())
    num_heads = min(len(layers[0]) for layers in inputs.parts.values())
    include_layers = _indices(include_layers, "include_layers", num_layers, "the number of layers")
    if layer is not None:
        _data.check_index(layer, "layer", len(inputs.first()), "the number of layers")
        if include_layers is not None and layer not in include_layers:
            raise ValueError("layer: %d is not in include_layers %r" % (layer, include_layers))
    heads = _indices(heads, "heads", num_heads, "the number of heads")
    include_heads = _indices(include_heads, "include_heads", num_heads, "the number of heads")
    if include_heads is not None and heads is not None:
        # heads are numbered in the original model; the element sees the included ones from 0.
        missing = [h for h in heads if h not in include_heads]
        if missing:
            raise ValueError("heads: %r are not in include_heads %r" % (missing, include_heads))
        heads = [include_heads.index(h) for h in heads]

    def included(_, layers):
        if include_layers is not None:
            layers = [layers[l] for l in include_layers]
        if include_heads is not None:
            layers = [[layer_heads[h] for h in include_heads] for layer_heads in layers]
        return layers

    inputs = inputs.replace(layers=included, tokens=prettify if prettify_tokens else None)
    markup = _html.fragment(
        inputs.attributes(5), view,
        layer=None if layer is None else include_layers.index(layer) if include_layers is not None else layer,
        head=heads[0] if heads is not None and len(heads) == 1 and view == "model" else None,
        theme=display_mode, sentence_b_start=sentence_b_start,
        visible_heads=heads if view == "head" else None)
    if html_action == "return":
        return _html.html_object(markup)
    return _html.display_markup(markup)


_ENCODER_DECODER_DOC = """
    For encoder-decoder models (BART, T5, Marian), instead of attention and tokens, as Hugging Face
    returns them with output_attentions=True:
    encoder_attention: outputs.encoder_attentions, per layer [batch, heads, encoder tokens, encoder tokens].
    decoder_attention: outputs.decoder_attentions, per layer [batch, heads, decoder tokens, decoder tokens].
    cross_attention: outputs.cross_attentions, per layer [batch, heads, decoder tokens, encoder tokens].
    encoder_tokens, decoder_tokens: the two token lists. Any of the three attentions may be left out;
    the view offers the given ones (Encoder, Decoder, Cross) and opens on the first."""


def head_view(attention=None, tokens=None, sentence_b_start=None, prettify_tokens=True, layer=None, heads=None,
              encoder_attention=None, decoder_attention=None, cross_attention=None, encoder_tokens=None,
              decoder_tokens=None, include_layers=None, html_action="view", display_mode="light"):
    """BertViz's head view: lines from each token to the tokens it attends to, one colour per head.

    attention: a tuple/list of per-layer [batch, heads, n, n] tensors (Hugging Face output_attentions),
        torch tensors or numpy arrays; batch item 0 is shown (BertViz requires batch size 1).
    tokens: the n token strings.
    sentence_b_start: index of the first token of sentence B for a sentence pair: the view then
        filters by sentence (All, A -> A, A -> B, B -> A, B -> B), as BertViz's "Attention" menu.
    prettify_tokens: show Ġ and ▁ as spaces and drop </w> and a leading ## (BertViz's clean-up).
    layer: the layer selected first (an index into the model's layers; must be in include_layers).
    heads: the heads shown first (default all); the others can be switched on in the view.
    include_layers: the layers included (default all); fewer make long inputs faster.
    html_action: "view" (default) shows the output; "return" returns an IPython HTML object.
    display_mode: "light" (default) or "dark" (beyond BertViz's head_view).
    """
    return _render("head", attention, tokens, sentence_b_start, prettify_tokens, layer, heads, include_layers,
                   None, display_mode, html_action, dict(
                       encoder_attention=encoder_attention, decoder_attention=decoder_attention,
                       cross_attention=cross_attention, encoder_tokens=encoder_tokens, decoder_tokens=decoder_tokens))


def model_view(attention=None, tokens=None, sentence_b_start=None, prettify_tokens=True, display_mode="dark",
               encoder_attention=None, decoder_attention=None, cross_attention=None, encoder_tokens=None,
               decoder_tokens=None, include_layers=None, include_heads=None, html_action="view", layer=None,
               heads=None):
    """BertViz's model view: every included layer x head as a thumbnail; click one to open it.

    Arguments as head_view (display_mode defaults to "dark", as in BertViz), plus include_heads: the
    heads included (default all). Beyond BertViz, layer and heads (one head) mark the selected thumbnail.
    """
    return _render("model", attention, tokens, sentence_b_start, prettify_tokens, layer, heads, include_layers,
                   include_heads, display_mode, html_action, dict(
                       encoder_attention=encoder_attention, decoder_attention=decoder_attention,
                       cross_attention=cross_attention, encoder_tokens=encoder_tokens, decoder_tokens=decoder_tokens))


head_view.__doc__ += _ENCODER_DECODER_DOC
model_view.__doc__ += _ENCODER_DECODER_DOC
