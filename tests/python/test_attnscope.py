"""Unit tests of the attnscope Python helper (run by tests/e2e/embed_notebook.test.mjs against the
installed package, or directly: PYTHONPATH=bindings/python /usr/bin/python3 -m unittest discover tests/python)."""
import html
import json
import os
import re
import tempfile
import unittest

import attnscope
from attnscope import _data

try:
    import numpy as np
except ImportError:  # the package itself needs only the standard library
    np = None
try:
    import torch
except ImportError:
    torch = None


def uniform(layers, heads, n):
    return [[[[1.0 / n] * n for _ in range(n)] for _ in range(heads)] for _ in range(layers)]


def element_data(fragment):
    """tokens and attentions as the browser will parse them from the element's attributes."""
    tag = re.search(r"<attnscope-view ([^>]*)>", fragment).group(1)
    attrs = {k: html.unescape(v) for k, v in re.findall(r'([a-z-]+)="([^"]*)"', tag)}
    return attrs, json.loads(attrs["tokens"]), json.loads(attrs["attentions"])


class NormalizeTest(unittest.TestCase):
    def test_nested_lists_of_every_accepted_rank(self):
        tokens = ["a", "b", "c"]
        four = uniform(2, 3, 3)
        self.assertEqual(_data.normalize(four, tokens)[0], four)
        self.assertEqual(_data.normalize(four[0], tokens)[0], [four[0]])          # heads x n x n
        self.assertEqual(_data.normalize(four[0][0], tokens)[0], [[four[0][0]]])  # n x n

    def test_hugging_face_tuple_takes_the_batch_item(self):
        tokens = ["a", "b"]
        item0 = [[[0.25, 0.75], [0.5, 0.5]]]
        item1 = [[[1.0, 0.0], [0.0, 1.0]]]
        layers = ([item0, item1], [item1, item0])  # 2 layers of [batch=2, heads=1, 2, 2]
        self.assertEqual(_data.normalize(layers, tokens)[0], [item0, item1])
        self.assertEqual(_data.normalize(layers, tokens, batch_index=1)[0], [item1, item0])
        with self.assertRaisesRegex(ValueError, "batch_index: expected 0 <= batch_index < 2"):
            _data.normalize(layers, tokens, batch_index=2)

    @unittest.skipIf(np is None, "numpy not installed")
    def test_numpy_array(self):
        rng = np.random.default_rng(0)
        logits = rng.normal(size=(2, 4, 5, 5))
        weights = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
        layers, _ = _data.normalize(weights.astype(np.float32), list("abcde"))
        np.testing.assert_allclose(np.array(layers), weights, rtol=1e-6)

    @unittest.skipIf(torch is None, "torch not installed")
    def test_torch_tensors_as_hugging_face_returns_them(self):
        torch.manual_seed(0)
        attentions = tuple(torch.softmax(torch.randn(1, 3, 4, 4), -1).requires_grad_() for _ in range(2))
        layers, _ = _data.normalize(attentions, list("abcd"))
        expected = torch.stack([a[0] for a in attentions]).detach().numpy()
        self.assertEqual(len(layers), 2)
        for l in range(2):
            for h in range(3):
                for i in range(4):
                    for j in range(4):
                        self.assertAlmostEqual(layers[l][h][i][j], float(expected[l, h, i, j]), places=6)
        half = tuple(a.detach().half() for a in attentions)
        self.assertEqual(len(_data.normalize(half, list("abcd"))[0][0]), 3)

    def test_objects_with_a_numpy_method_like_tensorflow_tensors(self):
        class FakeEagerTensor:  # what TensorFlow's tensors offer: .numpy(), no .tolist()
            def __init__(self, nested):
                self.nested = nested

            def numpy(self):
                return _ListArray(self.nested)

        class _ListArray:
            def __init__(self, nested):
                self.nested = nested

            def tolist(self):
                return self.nested

        item = [[[0.25, 0.75], [0.5, 0.5]]]
        layers, _ = _data.normalize((FakeEagerTensor([item]), FakeEagerTensor([item])), ["a", "b"])
        self.assertEqual(layers, [item, item])

    def test_errors_name_the_argument(self):
        cases = [
            ((uniform(1, 1, 3), ["a", "b"]), ValueError, r"attentions\[0\]\[0\]: expected 2 rows"),
            (([[[[1.0, 0.0], [0.5]]]], ["a", "b"]), ValueError, r"attentions\[0\]\[0\]\[1\]: expected 2 weights"),
            (([[[[1.0, float("nan")], [0.5, 0.5]]]], ["a", "b"]), ValueError, "finite numbers"),
            (([[[[1.0, "x"], [0.5, 0.5]]]], ["a", "b"]), ValueError, "finite numbers"),
            ((uniform(1, 1, 2), "ab"), TypeError, "tokens: expected a list of strings"),
            ((uniform(1, 1, 2), ["a", 2]), TypeError, "tokens: expected strings"),
            ((None, ["a"]), TypeError, "output_attentions=True"),
            (([[[[[[1.0]]]]]], ["a"]), ValueError, "got 6 dimensions"),
            (([[]], ["a"]), ValueError, "empty list"),
        ]
        for args, error, message in cases:
            with self.subTest(message=message):
                with self.assertRaisesRegex(error, message):
                    _data.normalize(*args)
        with self.assertRaisesRegex(ValueError, "view: expected one of 'head', 'model', 'matrix'"):
            attnscope.html_fragment(uniform(1, 1, 2), ["a", "b"], view="pie")
        with self.assertRaisesRegex(ValueError, r"layer: expected 0 <= layer < 2"):
            attnscope.html_fragment(uniform(2, 1, 2), ["a", "b"], layer=2)
        with self.assertRaisesRegex(ValueError, r"head: expected 0 <= head < 3"):
            attnscope.html_fragment(uniform(1, 3, 2), ["a", "b"], head=-1)


class PairAndEncoderDecoderTest(unittest.TestCase):
    def test_show_takes_a_sentence_pair_and_its_filter(self):
        tokens = ["[CLS]", "a", "[SEP]", "b", "[SEP]"]
        attrs, _, _ = element_data(attnscope.html_fragment(uniform(1, 1, 5), tokens, sentence_b_start=3, pair_filter="ab"))
        self.assertEqual((attrs["sentence-b-start"], attrs["pair-filter"]), ("3", "ab"))
        cases = [
            (dict(sentence_b_start=5), ValueError, r"sentence_b_start: expected 0 <= sentence_b_start < 5"),
            (dict(pair_filter="ab"), ValueError, "pair_filter: 'ab' needs sentence_b_start"),
            (dict(sentence_b_start=3, pair_filter="ac"), ValueError, "pair_filter: expected one of 'all', 'aa', 'ab', 'ba', 'bb'"),
            (dict(kind="cross"), ValueError, "kind: applies to encoder-decoder inputs"),
        ]
        for kwargs, error, message in cases:
            with self.subTest(message=message):
                with self.assertRaisesRegex(error, message):
                    attnscope.html_fragment(uniform(1, 1, 5), tokens, **kwargs)

    def test_show_takes_an_encoder_decoder_model(self):
        enc, dec = ["<s>", "she", "sees", "</s>"], ["<s>", "sie"]
        cross = [[[[0.1, 0.2, 0.3, 0.4], [0.25, 0.25, 0.25, 0.25]]]]  # one layer, one head, 2 x 4
        fragment = attnscope.html_fragment(view="matrix", encoder_attention=uniform(2, 1, 4), cross_attention=cross,
                                           encoder_tokens=enc, decoder_tokens=dec, kind="cross", layer=0)
        tag = re.search(r"<attnscope-view ([^>]*)>", fragment).group(1)
        attrs = {k: html.unescape(v) for k, v in re.findall(r'([a-z-]+)="([^"]*)"', tag)}
        self.assertEqual((attrs["kind"], attrs["view"], attrs["layer"]), ("cross", "matrix", "0"))
        self.assertEqual(json.loads(attrs["cross-attentions"]), cross)
        self.assertEqual(len(json.loads(attrs["encoder-attentions"])), 2)
        self.assertNotIn("decoder-attentions", attrs)
        with self.assertRaisesRegex(ValueError, r"layer: expected 0 <= layer < 1 \(the number of layers\)"):
            attnscope.html_fragment(encoder_attention=uniform(2, 1, 4), cross_attention=cross, encoder_tokens=enc,
                                    decoder_tokens=dec, kind="cross", layer=1)
        with self.assertRaisesRegex(ValueError, r"kind: 'decoder', but no decoder_attention was given \(given: "
                                                r"encoder_attention, cross_attention\)"):
            attnscope.html_fragment(encoder_attention=uniform(2, 1, 4), cross_attention=cross, encoder_tokens=enc,
                                    decoder_tokens=dec, kind="decoder")

    @unittest.skipIf(torch is None, "torch not installed")
    def test_hugging_face_seq2seq_tensors(self):
        torch.manual_seed(1)
        cross = tuple(torch.softmax(torch.randn(1, 2, 3, 5), -1) for _ in range(2))  # [batch, heads, decoder, encoder]
        inputs = attnscope._inputs.read(None, None, cross_attention=cross, encoder_tokens=list("abcde"),
                                        decoder_tokens=list("xyz"))
        layers = inputs.parts["cross"]
        self.assertEqual([len(layers), len(layers[0]), len(layers[0][0]), len(layers[0][0][0])], [2, 2, 3, 5])
        self.assertAlmostEqual(layers[1][1][2][4], float(cross[1][0, 1, 2, 4]), places=6)


class HtmlTest(unittest.TestCase):
    def test_fragment_carries_data_bundle_and_a_fresh_id(self):
        tokens = ["<img src=x onerror=alert(1)>", "it's", '"q"']
        weights = [[[[0.123456789, 0.876543211, 0.0], [0.2, 0.3, 0.5], [1 / 3, 1 / 3, 1 / 3]]]]
        first = attnscope.html_fragment(weights, tokens, view="model")
        second = attnscope.html_fragment(weights, tokens, view="model")
        attrs, got_tokens, got_weights = element_data(first)
        self.assertEqual(got_tokens, tokens)  # escaped in the markup, intact after parsing
        self.assertNotIn("<img", first.split("<script", 1)[0])
        for row, expected in zip(got_weights[0][0], weights[0][0]):
            for w, e in zip(row, expected):
                self.assertAlmostEqual(w, e, delta=5e-6)
        self.assertEqual(attrs["view"], "model")
        self.assertNotEqual(attrs["id"], element_data(second)[0]["id"])
        self.assertIn('<script type="module">', first)
        self.assertIn("customElements", first)  # the whole bundle is inline: nothing to fetch
        self.assertNotRegex(first, r"<script[^>]+src=")

    def test_to_html_writes_a_standalone_page(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "fig.html")
            page = attnscope.to_html(uniform(1, 2, 3), ["a", "b", "c"], path, view="matrix", layer=0, head=1)
            with open(path, encoding="utf-8") as f:
                self.assertEqual(f.read(), page)
        self.assertTrue(page.startswith("<!doctype html>"))
        attrs, _, _ = element_data(page)
        self.assertEqual((attrs["view"], attrs["layer"], attrs["head"]), ("matrix", "0", "1"))
        self.assertNotIn("hide-special", attrs)
        attrs, _, _ = element_data(attnscope.html_fragment(uniform(1, 1, 2), ["[CLS]", "a"], hide_special=True))
        self.assertIn("hide-special", attrs)


if __name__ == "__main__":
    unittest.main()
