"""HTML for the notebook output and for standalone files.

Each fragment is self-contained: an <attnscope-view> element carrying its data as JSON attributes,
and the whole viewer bundle inlined as a module script. Notebooks run each output's scripts on
their own (and nbconvert's HTML export keeps them), so a fragment never relies on another cell
having run; the bundle defines the custom element only once per page, and every element on the page
(including those of earlier outputs) is upgraded by whichever copy runs first."""
import html
import json
import os
import uuid

BUNDLE_NAME = "attnscope-embed.js"
_HERE = os.path.dirname(os.path.abspath(__file__))
_bundle_cache = {}


def bundle_path():
    """The packaged bundle, or the npm package's dist/ copy when used from a checkout."""
    for path in (
        os.environ.get("ATTNSCOPE_EMBED_BUNDLE"),
        os.path.join(_HERE, BUNDLE_NAME),
        os.path.join(_HERE, "..", "..", "..", "web", "attnscope", "dist", BUNDLE_NAME),
    ):
        if path and os.path.isfile(path):
            return os.path.abspath(path)
    raise FileNotFoundError(
        "attnscope: the viewer bundle %s is missing; reinstall the package after ./scripts/build-embed"
        % BUNDLE_NAME)


def bundle_source():
    path = bundle_path()
    mtime = os.path.getmtime(path)
    cached = _bundle_cache.get(path)
    if cached and cached[0] == mtime:
        return cached[1]
    with open(path, encoding="utf-8") as f:
        source = f.read()
    # Inside an inline <script>, these sequences would end or confuse the script element.
    for bad in ("</script", "<!--"):
        if bad in source.lower():
            raise ValueError("attnscope: the bundle contains %r and cannot be inlined" % bad)
    _bundle_cache[path] = (mtime, source)
    return source


def _compact(layers, digits):
    return json.dumps([[[[round(w, digits) for w in row] for row in head] for head in layer]
                       for layer in layers], separators=(",", ":"))


def _token_list(tokens):
    return json.dumps(tokens, ensure_ascii=False)


def data_attributes(layers, tokens, digits=5):
    """The element's data attributes for one sequence's self-attention."""
    return [("tokens", _token_list(tokens)), ("attentions", _compact(layers, digits))]


def encoder_decoder_attributes(parts, encoder_tokens, decoder_tokens, digits=5):
    """The element's data attributes for an encoder-decoder model: parts maps "encoder", "decoder",
    "cross" to their layers (cross: decoder tokens x encoder tokens)."""
    attrs = [(name, _token_list(tokens)) for name, tokens in (("encoder-tokens", encoder_tokens),
                                                              ("decoder-tokens", decoder_tokens)) if tokens is not None]
    attrs += [("%s-attentions" % kind, _compact(parts[kind], digits)) for kind in ("encoder", "decoder", "cross")
              if kind in parts]
    return attrs


def fragment(data, view, layer=None, head=None, hide_special=False, theme="auto", sentence_b_start=None,
             visible_heads=None, kind=None, pair_filter=None):
    """One output cell's HTML: the element with its data (data_attributes or
    encoder_decoder_attributes), then the viewer module."""
    element_id = "attnscope-" + uuid.uuid4().hex
    attrs = [("id", element_id), ("view", view)] + list(data)
    if layer is not None:
        attrs.append(("layer", str(int(layer))))
    if head is not None:
        attrs.append(("head", str(int(head))))
    if hide_special:
        attrs.append(("hide-special", ""))
    if theme != "auto":
        attrs.append(("theme", theme))
    if sentence_b_start is not None:
        attrs.append(("sentence-b-start", str(int(sentence_b_start))))
    if pair_filter is not None:
        attrs.append(("pair-filter", pair_filter))
    if kind is not None:
        attrs.append(("kind", kind))
    if visible_heads is not None:
        attrs.append(("visible-heads", json.dumps([int(h) for h in visible_heads])))
    attr_text = " ".join('%s="%s"' % (k, html.escape(v, quote=True)) for k, v in attrs)
    return (
        '<div class="attnscope-output">'
        "<attnscope-view %s>"
        "attnscope: this view needs JavaScript (in Jupyter, trust the notebook)."
        "</attnscope-view>\n"
        '<script type="module">\n%s\n</script></div>'
    ) % (attr_text, bundle_source())


def document(body, title="attnscope"):
    return (
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<title>%s</title></head><body>\n%s\n</body></html>\n" % (html.escape(title), body))


class HtmlOutput:
    """What show() returns outside IPython: anything that understands _repr_html_ can display it."""

    def __init__(self, markup):
        self.markup = markup

    def _repr_html_(self):
        return self.markup

    def __repr__(self):
        return "<attnscope view: %d characters of HTML; display it in a notebook>" % len(self.markup)


def display_markup(markup):
    """Shows `markup` as the cell's output under IPython (returns None); elsewhere returns an HtmlOutput."""
    try:
        from IPython.display import HTML, display
    except ImportError:
        return HtmlOutput(markup)
    display(HTML(markup))
    return None


def html_object(markup):
    """An IPython HTML object of `markup` (what BertViz's html_action="return" gives), or an HtmlOutput."""
    try:
        from IPython.display import HTML
    except ImportError:
        return HtmlOutput(markup)
    return HTML(markup)
