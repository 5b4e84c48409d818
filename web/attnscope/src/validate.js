// Argument checks for the public API. Every message names the function, the argument and what was
// expected, and shows what was given:
//   TypeError   wrong type (not an object, not a Float32Array, not a number, unknown mask kind)
//   RangeError  right type, wrong value (length, non-integer / non-positive / NaN size)
//   Error       inconsistent combination (dModel not divisible by numHeads)

/** A short description of a value for error messages. */
export function describe(value) {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${value.length})`;
  if (Array.isArray(value)) return `Array(${value.length})`;
  return value?.constructor?.name ?? typeof value;
}

export function requireOptions(options, what) {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`${what}: expected an options object, got ${describe(options)}`);
  }
  return options;
}

/** A size: an integer >= 1 (a safe integer, so products of sizes stay exact). */
export function requireSize(value, name, what) {
  if (typeof value !== 'number') {
    throw new TypeError(`${what}: ${name} must be a positive integer, got ${describe(value)}`);
  }
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`${what}: ${name} must be a positive integer, got ${describe(value)}`);
  }
  return value;
}

/** A Float32Array of exactly `length` elements; `shape` says how the length is made, e.g. "n*dK". */
export function requireFloats(value, name, length, shape, what) {
  if (!(value instanceof Float32Array)) {
    throw new TypeError(`${what}: ${name} must be a Float32Array of length ${shape} = ${length}, got ${describe(value)}`);
  }
  if (value.length !== length) {
    throw new RangeError(`${what}: ${name} has length ${value.length}, expected ${shape} = ${length}`);
  }
  return value;
}

/** An optional Float32Array (undefined/null = absent). */
export function optionalFloats(value, name, length, shape, what) {
  return value === undefined || value === null ? null : requireFloats(value, name, length, shape, what);
}

export function optionalBoolean(value, name, fallback, what) {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new TypeError(`${what}: ${name} must be true or false, got ${describe(value)}`);
  return value;
}

/** Mask kinds as the bindings number them. */
export const MaskKind = Object.freeze({ none: 0, causal: 1, allowed: 2 });

/** mask: null | undefined | 'causal' | Uint8Array(n*m), 1 = may attend. Returns {kind, allowed}. */
export function parseMask(mask, n, m, what) {
  if (mask === null || mask === undefined) return { kind: MaskKind.none, allowed: null };
  if (mask === 'causal') return { kind: MaskKind.causal, allowed: null };
  if (mask instanceof Uint8Array) {
    if (mask.length !== n * m) {
      throw new RangeError(`${what}: mask has length ${mask.length}, expected n*m = ${n}*${m} = ${n * m}`);
    }
    return { kind: MaskKind.allowed, allowed: mask };
  }
  throw new TypeError(`${what}: mask must be null, 'causal' or a Uint8Array of length n*m = ${n * m} ` +
    `(1 = may attend), got ${describe(mask)}`);
}
