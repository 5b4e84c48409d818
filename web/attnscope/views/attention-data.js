// The data every view takes, and the shared transforms behind the researchers' controls:
// the measure drawn, the part of an encoder–decoder model, the sentence-pair filter, hide special
// tokens, average heads (threshold, normalisation and colours are in paint.js).
//
// Three forms of data:
//   one sequence's self-attention   { tokens: string[n], attentions: Float32Array[] (one per layer,
//                                     [numHeads*n*n]), sentenceBStart?: number (a sentence pair) }
//   queries ≠ keys                  { queryTokens: string[nQ], keyTokens: string[nK],
//                                     attentions: Float32Array[] (one per layer, [numHeads*nQ*nK]) }
//   an encoder–decoder model        { encoder?: data, decoder?: data, cross?: data }: the encoder's and
//                                     the decoder's self-attention, and cross-attention (queries: the
//                                     decoder's tokens, keys: the encoder's; it may give its attentions
//                                     alone and take both token lists from encoder and decoder)
// Row = query, column = key, head-major. Each form may carry numHeads, numKvHeads (grouped-query
// attention: query head h reads key/value head h / (numHeads / numKvHeads); the model and head views
// mark the heads that share one), valueNorms (one Float32Array
// [numHeads*nK] per layer: ‖v_j·W_O^h‖, for measure 'value') and, one sequence only, rollout (one
// Float32Array [n*n] per layer, for measure 'rollout').
//
// Measures (what a cell of a view shows for query i, key j):
//   'weights'  the attention weight α_ij of each head
//   'value'    α_ij·‖v_j·W_O^h‖, the norm of what key j adds to query i's output through head h
//              (Kobayashi et al. 2020): a weight on a value vector that W_O shrinks counts for little
//   'rollout'  attention rollout up to each layer (Abnar & Zuidema 2020), one matrix per layer; it
//              follows one sequence through its layers, so it exists for square self-attention only
//
// Sentence pairs (BertViz's filter): sentence A is tokens [0, sentenceBStart), sentence B the rest;
// pairFilter 'aa' | 'ab' | 'ba' | 'bb' keeps the query rows of the first letter's sentence and the key
// columns of the second's ('ab': how A's tokens attend to B's), 'all' keeps everything.
//
// Views never modify the arrays they are given.
export { colorPooled, displayToken, formatNumber, normalization, paintAttention, paintSigned, poolAttention,
  thresholdCutoff } from './paint.js';

export const SPECIAL_TOKENS = new Set(['[CLS]', '[SEP]', '[PAD]', '[MASK]', '<|endoftext|>', '<s>', '</s>',
  '<pad>', '<mask>', '<unk>']);

export function isSpecialToken(token) {
  return SPECIAL_TOKENS.has(token);
}

export const MEASURES = Object.freeze({
  weights: { label: 'attention weight', short: 'weight' },
  value: { label: 'value-weighted attention ‖α·v·W_O‖', short: '‖α·v·W_O‖' },
  rollout: { label: 'attention rollout', short: 'rollout' },
});

/** The parts of an encoder–decoder model, in the order a view offers them, with their labels. */
export const KINDS = Object.freeze({ encoder: 'Encoder', decoder: 'Decoder', cross: 'Cross' });

/** The sentence-pair filters (BertViz's), with their labels. */
export const PAIR_FILTERS = Object.freeze({
  all: 'All', aa: 'Sentence A → Sentence A', ab: 'Sentence A → Sentence B', ba: 'Sentence B → Sentence A',
  bb: 'Sentence B → Sentence B',
});

/** True for encoder–decoder data { encoder, decoder, cross } (as opposed to one attention). */
export function isEncoderDecoder(data) {
  return Boolean(data) && typeof data === 'object' && !('attentions' in data)
    && Object.keys(KINDS).some((kind) => data[kind] != null);
}

/**
 * Checks `data` (any form) and returns, for the part `kind` names (encoder–decoder data only; default
 * its first part), { queryTokens, keyTokens, tokens (one sequence: the same list; else null),
 * attentions, nQ, nK, n (one sequence: nQ; else null), square, numLayers, numHeads, sentenceBStart,
 * kind, kinds (the parts present; [] for one attention), measure }, where attentions hold the chosen
 * measure's values (derived arrays are computed once per data and kept).
 */
export function normalizeData(data, measure = 'weights', kind = null) {
  const part = selectPart(data, kind);
  const d = { ...checkData(part.data), kind: part.kind, kinds: part.kinds };
  if (!(measure in MEASURES)) {
    throw new RangeError(`attention data: measure must be one of ${Object.keys(MEASURES).join(', ')}, got ${measure}`);
  }
  if (measure === 'weights') return { ...d, measure };
  const cache = derivedCache.get(d.attentions) ?? new Map();
  derivedCache.set(d.attentions, cache);
  if (!cache.has(measure)) {
    cache.set(measure, measure === 'value' ? valueWeighted(d, part.data.valueNorms) : rolloutLayers(d, part.data.rollout));
  }
  const attentions = cache.get(measure);
  return { ...d, attentions, numHeads: measure === 'rollout' ? 1 : d.numHeads, measure };
}

const derivedCache = new WeakMap();  // data.attentions -> Map(measure -> derived attentions)

function valueWeighted(d, valueNorms) {
  const { nQ, nK, numHeads } = d;
  if (!Array.isArray(valueNorms) || valueNorms.length !== d.numLayers) {
    throw new TypeError('attention data: the value-weighted measure needs valueNorms, one Float32Array ' +
      '[numHeads*nK] per layer (model.run(..., { valueNorms: true }))');
  }
  return d.attentions.map((layer, l) => {
    const norms = valueNorms[l];
    if (!(norms instanceof Float32Array) || norms.length !== numHeads * nK) {
      throw new RangeError(`attention data: valueNorms[${l}] must be a Float32Array of ${numHeads}*${nK} values (one per head and key)`);
    }
    const out = new Float32Array(layer.length);
    for (let h = 0; h < numHeads; h++) {
      for (let i = 0; i < nQ; i++) {
        const row = (h * nQ + i) * nK;
        for (let j = 0; j < nK; j++) out[row + j] = layer[row + j] * norms[h * nK + j];
      }
    }
    return out;
  });
}

function rolloutLayers(d, rollout) {
  if (!d.square) {
    throw new RangeError(`attention data: the rollout measure is defined only for square self-attention (one token list ` +
      `attending to itself through the layers); this attention has ${d.nQ} queries × ${d.nK} keys (e.g. cross-attention)`);
  }
  if (!Array.isArray(rollout) || rollout.length !== d.numLayers) {
    throw new TypeError('attention data: the rollout measure needs rollout, one Float32Array [n*n] per layer ' +
      '(core.attentionRollout(attentions, { numHeads }))');
  }
  rollout.forEach((r, l) => {
    if (!(r instanceof Float32Array) || r.length !== d.n * d.n) {
      throw new RangeError(`attention data: rollout[${l}] must be a Float32Array of ${d.n}*${d.n} values`);
    }
  });
  return rollout;
}

/**
 * The part of `data` a view draws: { data, kind, kinds }. One attention is its own part (kind null);
 * encoder–decoder data is checked as a whole and gives the part `kind` names (default the first
 * present), with cross-attention's token lists filled in from the decoder (queries) and encoder (keys).
 */
export function selectPart(data, kind = null) {
  if (!isEncoderDecoder(data)) {
    if (kind != null) {
      throw new RangeError(`attention data: kind "${kind}" needs encoder–decoder data { encoder, decoder, cross }; this data is one attention`);
    }
    return { data, kind: null, kinds: [] };
  }
  const parts = encoderDecoderParts(data);
  const kinds = Object.keys(parts);
  const chosen = kind ?? kinds[0];
  if (!(chosen in KINDS)) {
    throw new RangeError(`attention data: kind must be one of ${Object.keys(KINDS).join(', ')}, got ${JSON.stringify(kind)}`);
  }
  if (!parts[chosen]) {
    throw new RangeError(`attention data: kind "${chosen}": this encoder–decoder data has no ${chosen} attention (it has ${kinds.join(', ')})`);
  }
  return { data: parts[chosen], kind: chosen, kinds };
}

function encoderDecoderParts(bundle) {
  const parts = {};
  const checked = {};
  for (const kind of ['encoder', 'decoder']) {
    if (bundle[kind] == null) continue;
    checked[kind] = checkData(bundle[kind], kind);
    if (!checked[kind].square) {
      throw new TypeError(`attention data: ${kind} must be self-attention over one token list { tokens, attentions }`);
    }
    parts[kind] = bundle[kind];
  }
  const cross = bundle.cross;
  if (cross != null) {
    if (typeof cross !== 'object') throw new TypeError('attention data: cross must be an object { queryTokens, keyTokens, attentions }');
    if (cross.tokens !== undefined) {
      throw new TypeError('attention data: cross-attention has two token lists: give cross.queryTokens (the decoder\'s) and cross.keyTokens (the encoder\'s), not cross.tokens');
    }
    const filled = { ...cross, queryTokens: cross.queryTokens ?? bundle.decoder?.tokens, keyTokens: cross.keyTokens ?? bundle.encoder?.tokens };
    const c = checkData(filled, 'cross');
    const sameSide = (mine, side, other) => {
      if (!other) return;
      const what = side === 'decoder' ? 'queries (cross.queryTokens)' : 'keys (cross.keyTokens)';
      if (mine.length !== other.tokens.length) {
        throw new RangeError(`attention data: cross-attention has ${mine.length} ${what}, but the ${side} has ${other.tokens.length} tokens: ` +
          `its ${side === 'decoder' ? 'queries' : 'keys'} are the ${side}'s tokens`);
      }
      const at = mine.findIndex((t, i) => t !== other.tokens[i]);
      if (at >= 0) {
        throw new RangeError(`attention data: cross ${what}[${at}] is ${JSON.stringify(mine[at])}, but the ${side}'s token ${at} is ${JSON.stringify(other.tokens[at])}`);
      }
    };
    sameSide(c.queryTokens, 'decoder', checked.decoder);
    sameSide(c.keyTokens, 'encoder', checked.encoder);
    if (checked.decoder && c.numLayers !== checked.decoder.numLayers) {
      throw new RangeError(`attention data: cross has ${c.numLayers} layers and the decoder ${checked.decoder.numLayers}: ` +
        'every decoder layer has one cross-attention');
    }
    parts.cross = filled;
  }
  return parts;
}

function checkTokenList(tokens, name) {
  if (!Array.isArray(tokens)) throw new TypeError(`attention data: ${name} must be an array of strings`);
  return tokens.map(String);
}

function checkData(data, part = '') {
  const at = part ? `${part}.` : '';
  if (!data || typeof data !== 'object') {
    throw new TypeError(`attention data: expected an object { tokens, attentions }${part ? ` for ${part}` : ''}`);
  }
  const { attentions } = data;
  const square = part !== 'cross' && data.queryTokens === undefined && data.keyTokens === undefined;
  const queryTokens = checkTokenList(square ? data.tokens : data.queryTokens, `${at}${square ? 'tokens' : 'queryTokens'}`);
  const keyTokens = square ? queryTokens : checkTokenList(data.keyTokens, `${at}keyTokens`);
  if (!Array.isArray(attentions) || attentions.length === 0) {
    throw new TypeError(`attention data: ${at}attentions must be a non-empty array with one Float32Array per layer`);
  }
  const nQ = queryTokens.length;
  const nK = keyTokens.length;
  const shape = square ? `${nQ}*${nQ}` : `${nQ}*${nK}`;
  const perLayer = attentions[0]?.length;
  const numHeads = data.numHeads ?? (nQ * nK > 0 ? perLayer / (nQ * nK) : 0);
  if (!Number.isInteger(numHeads) || numHeads < 1) {
    const whose = part ? `${part}: ` : '';
    throw new RangeError(square
      ? `attention data: ${whose}each layer must hold numHeads*n*n values (n = ${nQ} tokens), got ${perLayer}`
      : `attention data: ${whose}each layer must hold numHeads*nQ*nK values (${nQ} queryTokens × ${nK} keyTokens), got ${perLayer}`);
  }
  attentions.forEach((layer, l) => {
    if (!(layer instanceof Float32Array) || layer.length !== numHeads * nQ * nK) {
      throw new RangeError(`attention data: ${at}attentions[${l}] must be a Float32Array of ${numHeads}*${shape} values`);
    }
  });
  const sentenceBStart = data.sentenceBStart ?? null;
  if (sentenceBStart !== null) {
    if (!square) {
      throw new RangeError(`attention data: ${at}sentenceBStart marks sentence B in one token list (tokens); ` +
        'it does not apply to queryTokens × keyTokens');
    }
    if (!Number.isInteger(sentenceBStart) || sentenceBStart < 0 || sentenceBStart >= nQ) {
      throw new RangeError(`attention data: ${at}sentenceBStart must be a token index from 0 to ${nQ - 1}, got ${JSON.stringify(sentenceBStart)}`);
    }
  }
  const numKvHeads = data.numKvHeads ?? numHeads;
  if (!Number.isInteger(numKvHeads) || numKvHeads < 1 || numHeads % numKvHeads !== 0) {
    throw new RangeError(`attention data: ${at}numKvHeads must be a whole divisor of numHeads (${numHeads}), got ${data.numKvHeads}`);
  }
  return { queryTokens, keyTokens, tokens: square ? queryTokens : null, attentions, nQ, nK, n: square ? nQ : null,
    square, numLayers: attentions.length, numHeads, numKvHeads, sentenceBStart };
}

/**
 * The key/value head that query head `head` reads, when several query heads share one (grouped-query
 * or multi-query attention), else null: every head has its own and there is nothing to mark.
 */
export function kvHeadOf(d, head) {
  if (d.measure === 'rollout' || !(d.numKvHeads < d.numHeads) || typeof head !== 'number') return null;
  return Math.floor(head / (d.numHeads / d.numKvHeads));
}

/** "heads 0–3 share key/value head 0" for head `head`'s tooltip (null without grouping). */
export function kvHeadText(d, head) {
  const g = kvHeadOf(d, head);
  if (g === null) return null;
  const size = d.numHeads / d.numKvHeads;
  return `heads ${g * size}–${(g + 1) * size - 1} share key/value head ${g}`;
}

/** Checks a pairFilter option against normalized data `d`; returns it ('all' when null). */
export function checkPairFilter(d, pairFilter) {
  const filter = pairFilter ?? 'all';
  if (!(filter in PAIR_FILTERS)) {
    throw new RangeError(`pairFilter: expected one of ${Object.keys(PAIR_FILTERS).join(', ')}, got ${JSON.stringify(pairFilter)}`);
  }
  if (filter !== 'all' && d.sentenceBStart === null) {
    throw new RangeError(`pairFilter "${filter}": the data has no sentence B (give sentenceBStart, the index of its first token)`);
  }
  return filter;
}

/** Indices of the tokens a view shows. */
export function visibleIndices(tokens, hideSpecial) {
  const keep = [];
  tokens.forEach((t, i) => { if (!hideSpecial || !isSpecialToken(t)) keep.push(i); });
  return Int32Array.from(keep);
}

/**
 * The query rows and key columns a view shows: { rows, cols } (indices into queryTokens / keyTokens),
 * without special tokens when `hideSpecial`, and only the sentences `pairFilter` names.
 */
export function visibleCells(d, { hideSpecial = false, pairFilter = 'all' } = {}) {
  const filter = checkPairFilter(d, pairFilter);
  const inSentence = (letter) => (i) => (letter === 'a' ? i < d.sentenceBStart : i >= d.sentenceBStart);
  const pick = (tokens, letter) => {
    const keep = visibleIndices(tokens, hideSpecial);
    return filter === 'all' ? keep : keep.filter(inSentence(letter));
  };
  return { rows: pick(d.queryTokens, filter[0]), cols: pick(d.keyTokens, filter[1]) };
}

/**
 * The [rows.length*cols.length] matrix of one head (head = number) or the mean over heads (head =
 * 'mean') of one layer, restricted to the query rows `rows` and key columns `cols` (default: `rows`,
 * for square data). Returns a view without copying when one head is shown whole.
 */
export function headMatrix(d, layer, head, rows, cols = rows) {
  const nQ = d.nQ ?? d.n;
  const nK = d.nK ?? d.n;
  const { numHeads } = d;
  const att = d.attentions[layer];
  const r = rows.length;
  const c = cols.length;
  const allCols = c === nK;
  if (head !== 'mean' && r === nQ && allCols) return att.subarray(head * nQ * nK, (head + 1) * nQ * nK);
  const out = new Float32Array(r * c);
  const heads = head === 'mean' ? [...Array(numHeads).keys()] : [head];
  const inv = 1 / heads.length;
  for (const h of heads) {
    const base = h * nQ * nK;
    for (let a = 0; a < r; a++) {
      const row = base + rows[a] * nK;
      const dst = a * c;
      if (allCols) {
        for (let b = 0; b < c; b++) out[dst + b] += att[row + b] * inv;
      } else {
        for (let b = 0; b < c; b++) out[dst + b] += att[row + cols[b]] * inv;
      }
    }
  }
  return out;
}
