"""The head atlas in notebooks: the options show() passes to the element (which scores every head
in the page with the attnscope core), and probe_ids(), the repeated random sequence whose attentions
give the induction scores, drawn exactly as the core draws its own probe (docs/api.md#head-atlas)."""
from . import _data, _html

PATTERNS = ("previousToken", "nextToken", "self", "firstToken", "special", "induction", "broad", "entropy", "copying")
_MASK64 = (1 << 64) - 1


def probe_ids(vocab_size, length=50, seed=0, prefix=(), suffix=(), excluded=()):
    """The probe: `length` distinct ids drawn uniformly among [0, vocab_size) minus `excluded` (a
    partial Fisher-Yates shuffle driven by splitmix64 from `seed`), twice, between `prefix` and
    `suffix` (e.g. [CLS] and [SEP]). Returns (ids, start): start is the first copy's first position.

        ids, start = probe_ids(tokenizer.vocab_size, 50, prefix=[tokenizer.cls_token_id],
                               suffix=[tokenizer.sep_token_id], excluded=tokenizer.all_special_ids)
        probe = model(torch.tensor([ids]), output_attentions=True).attentions
        show(outputs.attentions, tokens, view="model", atlas=True,
             probe={"attentions": probe, "start": start, "length": 50})
    """
    for name, value in (("vocab_size", vocab_size), ("length", length), ("seed", seed)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError("%s: expected an int >= 0, got %r" % (name, value))
    if length < 2:
        raise ValueError("length: expected at least 2 tokens, got %d" % length)
    skip = set(int(i) for i in excluded)
    candidates = [i for i in range(vocab_size) if i not in skip]
    if len(candidates) < length:
        raise ValueError("length: the probe needs %d distinct ids, but only %d can be drawn" % (length, len(candidates)))
    state = seed & _MASK64
    for i in range(length):
        state = (state + 0x9E3779B97F4A7C15) & _MASK64
        z = ((state ^ (state >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
        z ^= z >> 31
        j = i + z % (len(candidates) - i)
        candidates[i], candidates[j] = candidates[j], candidates[i]
    draw = candidates[:length]
    return [int(i) for i in prefix] + draw + draw + [int(i) for i in suffix], len(prefix)


def element_options(atlas, probe, sort_by, atlas_filter, batch_index, inputs, digits):
    """The element's atlas attributes as (name, value) pairs, checked against the inputs (_inputs.Inputs)."""
    if not isinstance(atlas, bool):
        raise TypeError("atlas: expected True or False, got %r" % (atlas,))
    for name, value in (("sort_by", sort_by), ("atlas_filter", atlas_filter)):
        if value is not None and value not in PATTERNS:
            raise ValueError("%s: expected one of %s, got %r" % (name, ", ".join(PATTERNS), value))
        if value is not None and not atlas:
            raise ValueError("%s: needs atlas=True" % name)
    if probe is not None and not atlas:
        raise ValueError("probe: needs atlas=True")
    if atlas and inputs.encoder_decoder:
        raise ValueError("atlas: the head atlas scores one sequence's self-attention (attentions and tokens), "
                         "not encoder-decoder inputs")
    attrs = [("atlas", "")] if atlas else []
    if sort_by is not None:
        attrs.append(("sort-by", sort_by))
    if atlas_filter is not None:
        attrs.append(("atlas-filter", atlas_filter))
    if probe is not None:
        if not isinstance(probe, dict) or "attentions" not in probe or "length" not in probe:
            raise TypeError("probe: expected {'attentions': ..., 'length': T, 'start': s}")
        start, length = probe.get("start", 0), probe["length"]
        for name, value in (("probe['start']", start), ("probe['length']", length)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError("%s: expected an int >= 0, got %r" % (name, value))
        probe_layers = _data.square_layers(probe["attentions"], batch_index, "probe['attentions']")
        n = len(probe_layers[0][0])
        if length < 1 or start + 2 * length > n:
            raise ValueError("probe: two copies of %d tokens from position %d do not fit in its %d tokens"
                             % (length, start, n))
        layers = inputs.first()
        if len(probe_layers) != len(layers) or len(probe_layers[0]) != len(layers[0]):
            raise ValueError("probe['attentions']: expected %d layers of %d heads, like attentions"
                             % (len(layers), len(layers[0])))
        attrs += [("probe-attentions", _html.compact_layers(probe_layers, digits)), ("probe-start", str(start)),
                  ("probe-length", str(length))]
    return attrs
