// Input of <attnscope-view>, given as JSON attributes or the `data` property, converted to the views'
// layout (one Float32Array per layer) with errors that name the argument and what was expected:
//   { tokens, attentions }                       layers × heads × n × n (one sequence; sentenceBStart for a pair)
//   { queryTokens, keyTokens, attentions }       layers × heads × nQ × nK (queries ≠ keys)
//   { encoder, decoder, cross }                  an encoder–decoder model, each part one of the above;
//                                                cross may omit its token lists (the decoder's and encoder's)
// Attentions are nested arrays or already one Float32Array of heads*nQ*nK per layer.
import { isEncoderDecoder, KINDS } from '../views/attention-data.js';

const describe = (v) => (v === null ? 'null' : Array.isArray(v) ? `an array of ${v.length}` : typeof v);

/** Parses a JSON attribute; `name` is the attribute's name for the error message. */
export function parseJsonAttribute(text, name) {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new SyntaxError(`<attnscope-view> attribute "${name}": expected JSON, ${error.message}`);
  }
}

export function checkTokens(tokens, name = 'tokens') {
  if (!Array.isArray(tokens) || tokens.length === 0) {
    throw new TypeError(`${name}: expected a non-empty array of strings, got ${describe(tokens)}`);
  }
  tokens.forEach((t, i) => {
    if (typeof t !== 'string') throw new TypeError(`${name}[${i}]: expected a string, got ${describe(t)}`);
  });
  return tokens;
}

// One layer given as heads × rows × cols nested arrays -> Float32Array(heads*rows*cols). `per` names
// what a row and a weight stand for in the messages.
function packLayer(layer, where, numHeads, rows, cols, per) {
  if (!Array.isArray(layer) || layer.length !== numHeads) {
    throw new RangeError(`${where}: expected ${numHeads} heads (as attentions[0]), got ${describe(layer)}`);
  }
  const packed = new Float32Array(numHeads * rows * cols);
  layer.forEach((head, h) => {
    if (!Array.isArray(head) || head.length !== rows) {
      throw new RangeError(`${where}[${h}]: expected ${rows} rows (one per ${per.row}), got ${describe(head)}`);
    }
    head.forEach((row, i) => {
      if (!Array.isArray(row) && !ArrayBuffer.isView(row)) {
        throw new TypeError(`${where}[${h}][${i}]: expected an array of ${cols} weights, got ${describe(row)}`);
      }
      if (row.length !== cols) {
        throw new RangeError(`${where}[${h}][${i}]: expected ${cols} weights (one per ${per.col}), got ${row.length}`);
      }
      const base = (h * rows + i) * cols;
      for (let j = 0; j < cols; j++) {
        const w = row[j];
        if (typeof w !== 'number' || !Number.isFinite(w)) {
          throw new TypeError(`${where}[${h}][${i}][${j}]: expected a finite number, got ${JSON.stringify(w) ?? describe(w)}`);
        }
        packed[base + j] = w;
      }
    });
  });
  return packed;
}

// One attention (any part) -> { tokens | queryTokens + keyTokens, attentions: Float32Array[], numHeads }.
function toPart(input, part, bundle) {
  const at = part ? `${part}.` : '';
  if (!input || typeof input !== 'object') {
    throw new TypeError(`${part || 'data'}: expected { tokens, attentions }, got ${describe(input)}`);
  }
  const rectangular = part === 'cross' || input.queryTokens !== undefined || input.keyTokens !== undefined;
  let tokens;
  if (rectangular) {
    const queryTokens = checkTokens(input.queryTokens ?? (part === 'cross' ? bundle.decoder?.tokens : undefined), `${at}queryTokens`);
    const keyTokens = checkTokens(input.keyTokens ?? (part === 'cross' ? bundle.encoder?.tokens : undefined), `${at}keyTokens`);
    tokens = { queryTokens, keyTokens };
  } else {
    tokens = { tokens: checkTokens(input.tokens, `${at}tokens`) };
  }
  const rows = (tokens.queryTokens ?? tokens.tokens).length;
  const cols = (tokens.keyTokens ?? tokens.tokens).length;
  const per = rectangular ? { row: 'query token', col: 'key token' } : { row: 'token', col: 'token' };
  const shape = `layers × heads × ${rows} × ${cols}`;
  const { attentions } = input;
  if (!Array.isArray(attentions) || attentions.length === 0) {
    throw new TypeError(`${at}attentions: expected a non-empty array, ${shape}, got ${describe(attentions)}`);
  }
  if (attentions.every((layer) => layer instanceof Float32Array)) {
    const numHeads = attentions[0].length / (rows * cols);
    if (!Number.isInteger(numHeads) || numHeads < 1 || attentions.some((a) => a.length !== attentions[0].length)) {
      throw new RangeError(`${at}attentions: each layer's Float32Array must hold heads*${rows}*${cols} values, got ${attentions.map((a) => a.length).join(', ')}`);
    }
    return { ...tokens, attentions, numHeads };
  }
  const first = attentions[0];
  if (!Array.isArray(first) || first.length === 0) {
    throw new TypeError(`${at}attentions[0]: expected an array of heads (${shape}), got ${describe(first)}`);
  }
  const numHeads = first.length;
  const packed = attentions.map((layer, l) => packLayer(layer, `${at}attentions[${l}]`, numHeads, rows, cols, per));
  return { ...tokens, attentions: packed, numHeads };
}

/**
 * What the element was given -> the views' data (see the top of this file). Shapes within each part
 * are checked here; how the parts of encoder–decoder data fit together, by the views.
 */
export function toViewData(input) {
  if (!input || typeof input !== 'object') {
    throw new TypeError(`data: expected { tokens, attentions }, { queryTokens, keyTokens, attentions } or { encoder, decoder, cross }, got ${describe(input)}`);
  }
  if (!isEncoderDecoder(input)) return toPart(input, '', null);
  const out = {};
  for (const kind of Object.keys(KINDS)) if (input[kind] != null) out[kind] = toPart(input[kind], kind, input);
  return out;
}

/**
 * The data the element's attributes give, or null when they give none:
 *   tokens + attentions; query-tokens + key-tokens + attentions; or encoder-tokens, decoder-tokens
 *   with any of encoder-attentions, decoder-attentions, cross-attentions.
 */
export function attributeInput(el) {
  const json = (name) => (el.hasAttribute(name) ? parseJsonAttribute(el.getAttribute(name), name) : undefined);
  const attentions = json('attentions');
  if (attentions !== undefined) {
    if (el.hasAttribute('tokens')) return { tokens: json('tokens'), attentions };
    if (el.hasAttribute('query-tokens') && el.hasAttribute('key-tokens')) {
      return { queryTokens: json('query-tokens'), keyTokens: json('key-tokens'), attentions };
    }
    throw new TypeError('<attnscope-view>: the "attentions" attribute needs a "tokens" attribute (JSON array of strings), ' +
      'or "query-tokens" and "key-tokens" when queries and keys differ');
  }
  const parts = Object.keys(KINDS).filter((kind) => el.hasAttribute(`${kind}-attentions`));
  if (parts.length === 0) return null;
  const need = (name, why) => {
    if (!el.hasAttribute(name)) throw new TypeError(`<attnscope-view>: ${why} needs the "${name}" attribute (JSON array of strings)`);
    return json(name);
  };
  const bundle = {};
  if (parts.includes('encoder')) bundle.encoder = { tokens: need('encoder-tokens', '"encoder-attentions"'), attentions: json('encoder-attentions') };
  if (parts.includes('decoder')) bundle.decoder = { tokens: need('decoder-tokens', '"decoder-attentions"'), attentions: json('decoder-attentions') };
  if (parts.includes('cross')) {
    bundle.cross = { queryTokens: need('decoder-tokens', '"cross-attentions" (queries: the decoder\'s tokens)'),
      keyTokens: need('encoder-tokens', '"cross-attentions" (keys: the encoder\'s tokens)'), attentions: json('cross-attentions') };
  }
  return bundle;
}
