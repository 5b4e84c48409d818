"""What a call gives the viewer: one sequence's self-attention (attentions + tokens, maybe a sentence
pair) or an encoder-decoder model's parts (encoder_attention, decoder_attention, cross_attention +
encoder_tokens, decoder_tokens), read and checked once for show(), to_html() and BertViz's calls."""
from . import _data, _html

ENCODER_DECODER_ARGS = ("encoder_attention", "decoder_attention", "cross_attention", "encoder_tokens", "decoder_tokens")


class Inputs:
    """parts maps a part's name to its [layer][head][query][key] lists: "" for one sequence, else
    "encoder", "decoder", "cross" (in that order)."""

    def __init__(self, parts, tokens=None, encoder_tokens=None, decoder_tokens=None):
        self.parts = parts
        self.tokens = tokens
        self.encoder_tokens = encoder_tokens
        self.decoder_tokens = decoder_tokens

    @property
    def encoder_decoder(self):
        return "" not in self.parts

    def first(self, kind=None):
        """The layers of the part drawn first: `kind`, else the first part given."""
        return self.parts[kind if kind is not None else next(iter(self.parts))]

    def replace(self, layers=None, tokens=None):
        """A copy with layers(part, layers) applied to each part and tokens(list) to each token list."""
        layers = layers or (lambda _, x: x)
        tokens = tokens or (lambda x: x)
        fix = lambda t: None if t is None else tokens(t)
        return Inputs({k: layers(k, v) for k, v in self.parts.items()}, fix(self.tokens), fix(self.encoder_tokens),
                      fix(self.decoder_tokens))

    def check_kind(self, kind):
        if kind is None:
            return None
        if not self.encoder_decoder:
            raise ValueError("kind: applies to encoder-decoder inputs (encoder_attention, decoder_attention, "
                             "cross_attention), got %r for one sequence's attentions" % (kind,))
        _data.check_choice(kind, "kind", _data.KINDS)
        if kind not in self.parts:
            raise ValueError("kind: %r, but no %s_attention was given (given: %s)"
                             % (kind, kind, ", ".join(k + "_attention" for k in self.parts)))
        return kind

    def check_pair(self, sentence_b_start, pair_filter):
        """Checks sentence_b_start and pair_filter against the tokens; returns them."""
        if sentence_b_start is None and pair_filter is None:
            return None, None
        if self.encoder_decoder:
            raise ValueError("sentence_b_start, pair_filter: a sentence pair is marked in one sequence's tokens "
                             "(attention and tokens), not in encoder-decoder inputs")
        if sentence_b_start is not None:
            _data.check_index(sentence_b_start, "sentence_b_start", len(self.tokens), "the number of tokens")
        if pair_filter is not None:
            _data.check_choice(pair_filter, "pair_filter", _data.PAIR_FILTERS)
            if pair_filter != "all" and sentence_b_start is None:
                raise ValueError("pair_filter: %r needs sentence_b_start (the index of sentence B's first token)"
                                 % (pair_filter,))
        return sentence_b_start, pair_filter

    def attributes(self, digits):
        if not self.encoder_decoder:
            return _html.data_attributes(self.parts[""], self.tokens, digits)
        return _html.encoder_decoder_attributes(self.parts, self.encoder_tokens, self.decoder_tokens, digits)


def read(attention, tokens, encoder_attention=None, decoder_attention=None, cross_attention=None,
         encoder_tokens=None, decoder_tokens=None, batch_index=0, attention_name="attentions"):
    """Inputs from a call's arguments: `attention_name` is what the call names one sequence's attentions."""
    given = dict(zip(ENCODER_DECODER_ARGS, (encoder_attention, decoder_attention, cross_attention, encoder_tokens,
                                            decoder_tokens)))
    named = [k for k, v in given.items() if v is not None]
    if not named:
        if attention is None:
            raise TypeError("%s: got None; call the model with output_attentions=True (an encoder-decoder model's "
                            "attentions go to encoder_attention, decoder_attention and cross_attention)" % attention_name)
        layers, tokens = _data.normalize(attention, tokens, batch_index)
        return Inputs({"": layers}, tokens=tokens)
    if attention is not None or tokens is not None:
        raise ValueError("%s and tokens are for one sequence's self-attention, %s for an encoder-decoder model: "
                         "give one or the other" % (attention_name, ", ".join(named)))
    parts, enc, dec = _data.normalize_encoder_decoder(encoder_attention, decoder_attention, cross_attention,
                                                      encoder_tokens, decoder_tokens, batch_index)
    return Inputs(parts, encoder_tokens=enc, decoder_tokens=dec)
