"""head_view / model_view with BertViz's arguments (run with the other Python tests by
tests/e2e/embed_notebook.test.mjs against the installed wheel)."""
import html
import json
import re
import unittest

import attnscope
from attnscope import head_view, model_view
from attnscope._bertviz import prettify


def layers_of(num_layers, num_heads, n):
    """[batch=1, heads, n, n] per layer, each weight naming its layer, head, row and column."""
    return tuple([[[[l * 1000 + h * 100 + i * 10 + j for j in range(n)] for i in range(n)] for h in range(num_heads)]]
                 for l in range(num_layers))


def rect_layers(num_layers, num_heads, rows, cols):
    """[batch=1, heads, rows, cols] per layer, each weight naming its layer, head, row and column."""
    return [[[[[l * 1000 + h * 100 + i * 10 + j for j in range(cols)] for i in range(rows)] for h in range(num_heads)]]
            for l in range(num_layers)]


def markup(result):
    """The HTML of what html_action="return" gives (IPython's HTML, or the package's stand-in)."""
    return getattr(result, "data", None) or result._repr_html_()


def attrs_of(fragment):
    tag = re.search(r"<attnscope-view ([^>]*)>", fragment).group(1)
    return {k: html.unescape(v) for k, v in re.findall(r'([a-z-]+)="([^"]*)"', tag)}


TOKENS = ["[CLS]", "\u0120the", "\u2581cat", "sat</w>", "##ing", "##", "[SEP]"]


class BertVizArgumentsTest(unittest.TestCase):
    def test_prettify_as_bertviz_plus_wordpiece(self):
        self.assertEqual(prettify(TOKENS), ["[CLS]", " the", " cat", "sat", "ing", "##", "[SEP]"])

    def test_head_view_returns_html_with_the_arguments_applied(self):
        result = head_view(layers_of(3, 4, 7), TOKENS, sentence_b_start=4, layer=2, heads=[1, 3],
                           include_layers=[0, 2], display_mode="dark", html_action="return")
        a = attrs_of(markup(result))
        self.assertEqual(a["view"], "head")
        self.assertEqual(json.loads(a["tokens"]), prettify(TOKENS))
        self.assertEqual(a["sentence-b-start"], "4")
        self.assertEqual(a["theme"], "dark")
        self.assertEqual(a["layer"], "1")  # layer 2 is the second included layer
        self.assertEqual(json.loads(a["visible-heads"]), [1, 3])
        attentions = json.loads(a["attentions"])
        self.assertEqual([layer[0][0][0] for layer in attentions], [0, 2000])  # layers 0 and 2
        self.assertEqual(len(attentions[0]), 4)

    def test_model_view_filters_heads_and_keeps_tokens_raw_when_asked(self):
        result = model_view(layers_of(2, 4, 7), TOKENS, prettify_tokens=False, include_heads=[3, 1],
                            heads=[1], html_action="return")
        a = attrs_of(markup(result))
        self.assertEqual(a["view"], "model")
        self.assertEqual(json.loads(a["tokens"]), TOKENS)
        self.assertEqual(a["theme"], "dark")  # BertViz's model_view default
        self.assertEqual(a["head"], "1")      # head 1 is the second included head
        self.assertNotIn("sentence-b-start", a)
        attentions = json.loads(a["attentions"])
        self.assertEqual([[head[0][0] for head in layer] for layer in attentions], [[300, 100], [1300, 1100]])

    def test_bad_arguments_name_themselves(self):
        attention, tokens = layers_of(2, 2, 3), ["a", "b", "c"]
        cases = [
            (dict(display_mode="blue"), ValueError, "display_mode: expected 'light' or 'dark'"),
            (dict(html_action="show"), ValueError, "html_action: expected 'view' or 'return'"),
            (dict(sentence_b_start=3), ValueError, r"sentence_b_start: expected 0 <= sentence_b_start < 3"),
            (dict(sentence_b_start="1"), TypeError, "sentence_b_start: expected an int"),
            (dict(layer=1, include_layers=[0]), ValueError, r"layer: 1 is not in include_layers \[0\]"),
            (dict(include_layers=[0, 2]), ValueError, r"include_layers\[1\]: expected 0 <= include_layers\[1\] < 2"),
            (dict(include_layers=[1, 1]), ValueError, "include_layers: expected distinct indices"),
            (dict(include_layers=[]), ValueError, "include_layers: expected at least one index"),
            (dict(heads=5), TypeError, "heads: expected a list of ints"),
            (dict(heads=[0, 2]), ValueError, r"heads\[1\]: expected 0 <= heads\[1\] < 2"),
        ]
        for kwargs, error, message in cases:
            with self.subTest(message=message):
                with self.assertRaisesRegex(error, message):
                    head_view(attention, tokens, html_action=kwargs.pop("html_action", "return"), **kwargs)
        with self.assertRaisesRegex(ValueError, r"heads: \[0\] are not in include_heads \[1\]"):
            model_view(attention, tokens, heads=[0], include_heads=[1], html_action="return")
        with self.assertRaisesRegex(ValueError, "tokens: required"):
            head_view(attention, html_action="return")
        with self.assertRaisesRegex(ValueError, r"attentions\[0\]\[0\]: expected 2 rows"):
            head_view(attention, ["a", "b"], html_action="return")

    def test_encoder_decoder_arguments_as_bertviz(self):
        enc, dec = ["<s>", "\u2581She", "\u2581sees", "</s>"], ["<s>", "\u2581Sie", "\u2581sieht"]
        encoder = rect_layers(2, 3, 4, 4)
        decoder = rect_layers(2, 3, 3, 3)
        cross = rect_layers(2, 3, 3, 4)
        result = model_view(encoder_attention=encoder, decoder_attention=decoder, cross_attention=cross,
                            encoder_tokens=enc, decoder_tokens=dec, include_layers=[1], include_heads=[2, 0],
                            html_action="return")
        a = attrs_of(markup(result))
        self.assertEqual(json.loads(a["encoder-tokens"]), ["<s>", " She", " sees", "</s>"])
        self.assertEqual(json.loads(a["decoder-tokens"]), ["<s>", " Sie", " sieht"])
        for kind, given, rows, cols in (("encoder", encoder, 4, 4), ("decoder", decoder, 3, 3), ("cross", cross, 3, 4)):
            got = json.loads(a["%s-attentions" % kind])
            self.assertEqual([len(got), len(got[0]), len(got[0][0]), len(got[0][0][0])], [1, 2, rows, cols], kind)
            self.assertEqual(got[0][0][rows - 1][cols - 1], given[1][0][2][rows - 1][cols - 1], kind)  # layer 1, head 2
            self.assertEqual(got[0][1][0][1], given[1][0][0][0][1], kind)                              # layer 1, head 0
        self.assertNotIn("tokens", a)
        self.assertNotIn("attentions", a)
        # BertViz's positional order: attention, tokens, sentence_b_start, prettify_tokens, display_mode, …
        dark = attrs_of(markup(model_view(layers_of(1, 1, 2), ["a", "b"], None, True, "light", html_action="return")))
        self.assertEqual(dark["theme"], "light")
        head = attrs_of(markup(head_view(None, None, None, False, 1, [0], None, None, cross, enc, dec,
                                         html_action="return")))
        self.assertEqual((head["layer"], json.loads(head["visible-heads"])), ("1", [0]))
        self.assertEqual(json.loads(head["decoder-tokens"]), dec)
        self.assertIn("cross-attentions", head)

    def test_encoder_decoder_mistakes_name_themselves(self):
        enc, dec = ["a", "b", "c", "d"], ["x", "y", "z"]
        parts = dict(encoder_attention=rect_layers(2, 2, 4, 4), decoder_attention=rect_layers(2, 2, 3, 3),
                     cross_attention=rect_layers(2, 2, 3, 4), encoder_tokens=enc, decoder_tokens=dec)
        cases = [
            (dict(parts, cross_attention=rect_layers(2, 2, 3, 5)), ValueError,
             r"cross_attention\[0\]\[0\]\[0\]: expected 4 weights \(one per encoder token\), got 5"),
            (dict(parts, cross_attention=rect_layers(2, 2, 4, 4)), ValueError,
             r"cross_attention\[0\]\[0\]: expected 3 rows \(one per decoder token\), got 4"),
            (dict(parts, decoder_attention=rect_layers(2, 2, 4, 4)), ValueError,
             r"decoder_attention\[0\]\[0\]: expected 3 rows \(one per decoder token\), got 4"),
            (dict(parts, cross_attention=rect_layers(1, 2, 3, 4)), ValueError,
             "cross_attention: has 1 layers, but decoder_attention has 2"),
            (dict(parts, encoder_tokens=None), ValueError,
             "encoder_tokens: required with encoder_attention and cross_attention"),
            (dict(cross_attention=parts["cross_attention"], encoder_tokens=enc), ValueError,
             "decoder_tokens: required with cross_attention"),
            (dict(parts, attention=layers_of(1, 1, 2), tokens=["a", "b"]), ValueError,
             "attention and tokens are for one sequence's self-attention, encoder_attention, .* for an "
             "encoder-decoder model: give one or the other"),
            (dict(parts, sentence_b_start=1), ValueError, "sentence_b_start, pair_filter: a sentence pair is marked"),
            (dict(parts, include_layers=[2]), ValueError, r"include_layers\[0\]: expected 0 <= include_layers\[0\] < 2"),
            (dict(), TypeError, "attention: got None; call the model with output_attentions=True"),
        ]
        for kwargs, error, message in cases:
            with self.subTest(message=message):
                with self.assertRaisesRegex(error, message):
                    head_view(html_action="return", **kwargs)

    def test_show_takes_a_theme(self):
        dark = attrs_of(attnscope.html_fragment([[[1.0]]], ["a"], theme="dark"))
        self.assertEqual(dark["theme"], "dark")
        self.assertNotIn("theme", attrs_of(attnscope.html_fragment([[[1.0]]], ["a"])))  # auto: the page's scheme
        with self.assertRaisesRegex(ValueError, "theme: expected one of 'auto', 'light', 'dark'"):
            attnscope.html_fragment([[[1.0]]], ["a"], theme="sepia")


if __name__ == "__main__":
    unittest.main()
