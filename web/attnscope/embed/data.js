// Input of <attnscope-view>: tokens plus attentions `layers × heads × n × n`, given as nested arrays
// (a JSON attribute or a property) or already in the views' layout (one Float32Array of heads*n*n
// per layer). Converts to the views' layout, with errors that name the argument and what was expected.

const describe = (v) => (v === null ? 'null' : Array.isArray(v) ? `an array of ${v.length}` : typeof v);

/** Parses a JSON attribute; `name` is the attribute's name for the error message. */
export function parseJsonAttribute(text, name) {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new SyntaxError(`<attnscope-view> attribute "${name}": expected JSON, ${error.message}`);
  }
}

export function checkTokens(tokens) {
  if (!Array.isArray(tokens) || tokens.length === 0) {
    throw new TypeError(`tokens: expected a non-empty array of strings, got ${describe(tokens)}`);
  }
  tokens.forEach((t, i) => {
    if (typeof t !== 'string') throw new TypeError(`tokens[${i}]: expected a string, got ${describe(t)}`);
  });
  return tokens;
}

// One layer given as heads × n × n nested arrays -> Float32Array(heads*n*n).
function packLayer(layer, l, numHeads, n) {
  const where = `attentions[${l}]`;
  if (!Array.isArray(layer) || layer.length !== numHeads) {
    throw new RangeError(`${where}: expected ${numHeads} heads (as attentions[0]), got ${describe(layer)}`);
  }
  const packed = new Float32Array(numHeads * n * n);
  layer.forEach((head, h) => {
    if (!Array.isArray(head) || head.length !== n) {
      throw new RangeError(`${where}[${h}]: expected ${n} rows (one per token), got ${describe(head)}`);
    }
    head.forEach((row, i) => {
      if (!Array.isArray(row) && !ArrayBuffer.isView(row)) {
        throw new TypeError(`${where}[${h}][${i}]: expected an array of ${n} weights, got ${describe(row)}`);
      }
      if (row.length !== n) {
        throw new RangeError(`${where}[${h}][${i}]: expected ${n} weights (one per token), got ${row.length}`);
      }
      const base = (h * n + i) * n;
      for (let j = 0; j < n; j++) {
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

/**
 * { tokens, attentions } -> { tokens, attentions: Float32Array[] (one per layer), numHeads }.
 * attentions: layers × heads × n × n nested arrays, or Float32Arrays of heads*n*n per layer.
 */
export function toViewData(input) {
  if (!input || typeof input !== 'object') {
    throw new TypeError(`data: expected { tokens, attentions }, got ${describe(input)}`);
  }
  const tokens = checkTokens(input.tokens);
  const n = tokens.length;
  const { attentions } = input;
  if (!Array.isArray(attentions) || attentions.length === 0) {
    throw new TypeError(`attentions: expected a non-empty array, layers × heads × ${n} × ${n}, got ${describe(attentions)}`);
  }
  if (attentions.every((layer) => layer instanceof Float32Array)) {
    const numHeads = attentions[0].length / (n * n);
    if (!Number.isInteger(numHeads) || numHeads < 1 || attentions.some((a) => a.length !== attentions[0].length)) {
      throw new RangeError(`attentions: each layer's Float32Array must hold heads*${n}*${n} values, got ${attentions.map((a) => a.length).join(', ')}`);
    }
    return { tokens, attentions, numHeads };
  }
  const first = attentions[0];
  if (!Array.isArray(first) || first.length === 0) {
    throw new TypeError(`attentions[0]: expected an array of heads (layers × heads × ${n} × ${n}), got ${describe(first)}`);
  }
  const numHeads = first.length;
  return { tokens, attentions: attentions.map((layer, l) => packLayer(layer, l, numHeads, n)), numHeads };
}
