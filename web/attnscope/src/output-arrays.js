// Where model.run and the attention functions put their outputs when they leave the wasm heap: fresh
// Float32Arrays, or with the `reuse` option the arrays of an earlier result, overwritten in place.
// Fresh arrays are new memory that the OS maps page by page on first write, which on some machines
// costs far more than the copy itself (docs/performance.md, "Returning the attentions"); a loop over
// many inputs that reuses its arrays copies at memory bandwidth.
import { describe } from './validate.js';

/** Checks the `reuse` option: an earlier result of the same call (or any object of such arrays), or null. */
export function parseReuse(value, what) {
  if (value === undefined || value === null || value === false) return null;
  if (typeof value !== 'object' || Array.isArray(value) || ArrayBuffer.isView(value)) {
    throw new TypeError(`${what}: reuse must be an earlier result of the same call (whose arrays are overwritten), got ${describe(value)}`);
  }
  return value;
}

/** Copies wasm heap views out, into the reused arrays where they fit, else into fresh arrays. */
export class OutputArrays {
  /** @param reuse the checked `reuse` option (null: every output is a fresh array) */
  constructor(reuse) {
    this.reuse = reuse;
    this.taken = new Set();  // buffers already written by this run: no two outputs share memory
  }

  /** `view`'s values in `reuse[key]` (or `reuse[key][index]`) when that array fits, else in a fresh array. */
  copy(view, key, index = -1) {
    let old = this.reuse?.[key];
    if (index >= 0) old = Array.isArray(old) ? old[index] : undefined;
    if (this.fits(old, view)) {
      old.set(view);
      this.taken.add(old.buffer);
      return old;
    }
    return view.slice();
  }

  /** A list of views (one per layer) copied as `copy` does, index by index. */
  copyList(views, key) {
    return views.map((view, i) => this.copy(view, key, i));
  }

  // Only a Float32Array that owns its whole, ordinary buffer is overwritten: never a view into the wasm
  // heap or a SharedArrayBuffer, never part of a buffer that another output (or another part) uses.
  fits(old, view) {
    return old instanceof Float32Array && old.length === view.length && old.buffer instanceof ArrayBuffer
      && old.byteOffset === 0 && old.byteLength === old.buffer.byteLength && old.buffer !== view.buffer
      && !this.taken.has(old.buffer);
  }
}
