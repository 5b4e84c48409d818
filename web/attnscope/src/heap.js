// Moving typed arrays in and out of the wasm heap, and turning the bindings' error strings into JS
// errors. Shared by every part of the module that talks to the wasm (attention.js, model.js, ...).
//
// One call = one HeapBlock: every input and output of the call lives in a single malloc'd block,
// which is freed in `finally`, also when the call fails. Results are copied out (`slice`), so they
// are caller-owned and stay valid after the heap grows or the next call reuses the memory.

/** The wasm memory limit the module is linked with (-sMAXIMUM_MEMORY=4GB). */
export const MAX_WASM_BYTES = 4 * 1024 ** 3;

const ALIGN = 16;
const alignUp = (bytes) => Math.ceil(bytes / ALIGN) * ALIGN;

/**
 * Throws a RangeError when a call needing `bytes` more heap could not fit in the wasm memory limit.
 * Called BEFORE allocating, so an oversized request never reaches malloc or the core.
 */
export function checkMemory(wasm, bytes, what) {
  const inUse = wasm.heapBytesInUse();
  if (!Number.isFinite(bytes) || bytes + inUse > MAX_WASM_BYTES) {
    const gib = (b) => (b / 1024 ** 3).toFixed(2);
    throw new RangeError(`${what}: needs ${gib(bytes)} GiB of wasm memory, more than the ` +
      `${gib(MAX_WASM_BYTES - inUse)} GiB left under the 4 GiB wasm limit; use smaller sizes`);
  }
}

/**
 * A single heap allocation split into 16-byte aligned slots.
 *   const block = new HeapBlock(wasm, what);
 *   const q = block.floats(n * dK); ... block.allocate(); block.put(q, array); ...; block.free();
 * Slots are laid out first (`floats`/`bytes` return slot handles), then `allocate()` mallocs once.
 */
export class HeapBlock {
  constructor(wasm, what) {
    this.wasm = wasm;
    this.what = what;
    this.size = 0;
    this.base = 0;
  }

  /** Reserves room for `count` float32 values; returns a slot {offset, count}. */
  floats(count) { return this.#reserve(count, 4); }

  /** Reserves room for `count` bytes. */
  bytes(count) { return this.#reserve(count, 1); }

  #reserve(count, elementBytes) {
    const slot = { offset: this.size, count, elementBytes };
    this.size += alignUp(count * elementBytes);
    return slot;
  }

  /** Checks the memory limit, then mallocs the whole block (RangeError when the heap cannot grow). */
  allocate(extraBytes = 0) {
    checkMemory(this.wasm, this.size + extraBytes, this.what);
    const base = this.wasm._malloc(Math.max(this.size, ALIGN)) >>> 0;
    if (base === 0) {
      throw new RangeError(`${this.what}: out of wasm memory (could not allocate ${this.size} bytes)`);
    }
    this.base = base;
  }

  /** Heap address of a slot (0 for a missing slot, which the bindings read as "absent"). */
  address(slot) { return slot ? this.base + slot.offset : 0; }

  /** Copies a typed array into its slot. */
  put(slot, array) {
    const address = this.address(slot);
    if (slot.elementBytes === 4) this.wasm.HEAPF32.set(array, address >>> 2);
    else this.wasm.HEAPU8.set(array, address);
  }

  /** A caller-owned copy of a float slot (a fresh Float32Array, independent of the heap). */
  take(slot) {
    return this.view(slot).slice();
  }

  /** A float slot as a view of the heap: valid only until the next allocation or free. */
  view(slot) {
    const start = this.address(slot) >>> 2;
    return this.wasm.HEAPF32.subarray(start, start + slot.count);
  }

  free() {
    if (this.base !== 0) this.wasm._free(this.base);
    this.base = 0;
  }
}

/**
 * The bindings return "" on success or "<kind>:<message>" (see bindings/guard.hpp). Rethrows as a JS
 * error carrying the core's message: invalid input -> Error, out of memory -> RangeError.
 */
export function throwIfFailed(status, what) {
  if (status === '') return;
  const colon = status.indexOf(':');
  const kind = status.slice(0, colon);
  const message = status.slice(colon + 1);
  if (kind === 'memory') throw new RangeError(`${what}: ${message}`);
  if (kind === 'invalid') throw new Error(message.startsWith(what) ? message : `${what}: ${message}`);
  throw new Error(`${what}: internal error in the wasm core: ${message}`);
}
