// Rewrites the relaxed-SIMD fused multiply-add that clang 14 (Emscripten 3.1.6) emits into the
// opcode the standard uses, in place:
//   node bindings/relaxed_simd_opcodes.mjs module.wasm
//
// Why: wasm SIMD128 has no FMA, so its GEMM micro-kernels issue a multiply and an add per step; the
// relaxed-SIMD proposal's f32x4.relaxed_madd (0xfd 0x105) lets V8 use the CPU's FMA and halves the
// arithmetic. clang 14 has the builtin (__builtin_wasm_fma_f32x4, -mrelaxed-simd) but encodes it
// with the proposal's early, pre-standard opcode 0xfd 0xaf ("f32x4.fma"), which no shipping engine
// accepts ("invalid simd opcode"). Both encodings are 3 bytes (LEB128 0xaf 0x01 and 0x85 0x02), so
// the rewrite changes no size or offset. The operands stay in order: the kernels call the builtin
// as fmadd(a, b, c) meaning a·b + c, which is relaxed_madd's meaning (src/kernels/simd_primitives.hpp).
//
// The code section is decoded instruction by instruction (every immediate skipped by its encoding),
// so a byte pattern inside an immediate is never touched. Any other pre-standard relaxed opcode, or
// an opcode this decoder does not know, is an error: the build stops rather than ship a module no
// engine validates.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const PRE_STANDARD_TO_STANDARD = new Map([
  [0xaf, 0x105],  // f32x4.fma  -> f32x4.relaxed_madd
  [0xb0, 0x106],  // f32x4.fms  -> f32x4.relaxed_nmadd
]);
// clang 14's other pre-standard relaxed opcodes (swizzle 0xa2; trunc 0xa5, 0xa6, 0xc5, 0xc6; lane
// selects 0xb2, 0xb3, 0xd2, 0xd3; min/max 0xb4, 0xe2, 0xd4, 0xee; f64x2 fma/fms 0xcf, 0xd0): the
// kernels do not use them, and they would need their own mapping. They sit in the gaps of the
// standard SIMD opcodes; the numbers around them are standard instructions any SIMD code may contain
// (0xa7/0xa8 i32x4.extend_*_i16x8_s, 0xb5 i32x4.mul, 0xd5 i64x2.mul, 0xe3 f32x4.sqrt, 0xef
// f64x2.sqrt).
const PRE_STANDARD_OTHERS = new Set([0xa2, 0xa5, 0xa6, 0xb2, 0xb3, 0xb4, 0xc5, 0xc6, 0xcf, 0xd0,
  0xd2, 0xd3, 0xd4, 0xe2, 0xee]);

class Reader {
  constructor(bytes, pos = 0) { this.bytes = bytes; this.pos = pos; }
  byte() {
    if (this.pos >= this.bytes.length) throw new Error(`unexpected end of the module at byte ${this.pos}`);
    return this.bytes[this.pos++];
  }
  leb() {  // unsigned or signed, up to 64 bits: only its length matters here, and its value when small
    let result = 0, shift = 0, b;
    do {
      b = this.byte();
      if (shift < 28) result |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80);
    return result >>> 0;
  }
  skip(n) { this.pos += n; }
}

const memarg = (r) => { r.leb(); r.leb(); };
const VALTYPES = new Set([0x7f, 0x7e, 0x7d, 0x7c, 0x7b, 0x70, 0x6f, 0x40]);
const blocktype = (r) => {
  if (VALTYPES.has(r.bytes[r.pos])) r.skip(1);
  else r.leb();  // s33 type index
};

// Immediates of the 0xfd (SIMD) instructions, by sub-opcode.
function skipSimdImmediates(r, op) {
  if (op <= 0x0b || op === 0x5c || op === 0x5d) memarg(r);  // loads, store, load32/64_zero
  else if (op === 0x0c || op === 0x0d) r.skip(16);          // v128.const, i8x16.shuffle
  else if (op >= 0x15 && op <= 0x22) r.skip(1);             // extract/replace lane
  else if (op >= 0x54 && op <= 0x5b) { memarg(r); r.skip(1); }  // load/store lane
}

// Reads one instruction and skips its immediates. For a SIMD (0xfd) one, returns where its
// sub-opcode is, the sub-opcode and its LEB length; otherwise null.
function step(r) {
  const op = r.byte();
  if (op === 0xfd) {
    const at = r.pos;
    const sub = r.leb();
    const length = r.pos - at;
    skipSimdImmediates(r, sub);
    return { at, sub, length };
  }
  if (op <= 0x01 || op === 0x05 || op === 0x0b || op === 0x0f || op === 0x19 ||
      op === 0x1a || op === 0x1b || (op >= 0x45 && op <= 0xc4) || op === 0xd1) return null;
  if (op >= 0x02 && op <= 0x04 || op === 0x06) blocktype(r);  // block, loop, if, try
  else if (op >= 0x07 && op <= 0x0e && op !== 0x0b) {
    if (op === 0x0e) { for (let n = r.leb(); n > 0; --n) r.leb(); r.leb(); }  // br_table
    else r.leb();  // catch, throw, rethrow, br, br_if
  } else if (op === 0x10 || op === 0x12 || op === 0x18 || (op >= 0x20 && op <= 0x26) || op === 0xd2) r.leb();
  else if (op === 0x11 || op === 0x13) { r.leb(); r.leb(); }  // call_indirect: type, table
  else if (op === 0x1c) { for (let n = r.leb(); n > 0; --n) r.skip(1); }  // select t*
  else if (op >= 0x28 && op <= 0x3e) memarg(r);
  else if (op === 0x3f || op === 0x40) r.leb();  // memory.size/grow: memory index
  else if (op === 0x41 || op === 0x42) r.leb();
  else if (op === 0x43) r.skip(4);
  else if (op === 0x44) r.skip(8);
  else if (op === 0xd0) r.skip(1);  // ref.null t
  else if (op === 0xfc) {
    const sub = r.leb();
    if (sub === 8 || sub === 12 || sub === 14) { r.leb(); r.leb(); }      // memory.init, table.init/copy
    else if (sub === 10) { r.leb(); r.leb(); }                             // memory.copy
    else if (sub === 9 || sub === 11 || sub === 13 || (sub >= 15 && sub <= 17)) r.leb();
    else if (sub > 7) throw new Error(`unknown instruction 0xfc ${sub} at byte ${r.pos}`);
  } else if (op === 0xfe) {
    const sub = r.leb();
    if (sub === 0x03) r.skip(1);  // atomic.fence
    else memarg(r);
  } else {
    throw new Error(`unknown opcode 0x${op.toString(16)} at byte ${r.pos - 1}`);
  }
  return null;
}

function writeLeb2(bytes, at, value) {
  bytes[at] = (value & 0x7f) | 0x80;
  bytes[at + 1] = value >> 7;
}

/** Rewrites `bytes` (a Uint8Array holding a .wasm) in place; returns how many opcodes changed. */
export function rewriteRelaxedSimdOpcodes(bytes) {
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    throw new Error('not a wasm module (no \\0asm magic)');
  }
  const r = new Reader(bytes, 8);
  let rewritten = 0;
  while (r.pos < bytes.length) {
    const id = r.byte();
    const size = r.leb();
    const end = r.pos + size;
    if (id !== 10) { r.pos = end; continue; }  // only the code section holds instructions
    for (let count = r.leb(); count > 0; --count) {
      const bodySize = r.leb();
      const bodyEnd = r.pos + bodySize;
      for (let groups = r.leb(); groups > 0; --groups) { r.leb(); r.skip(1); }  // locals
      while (r.pos < bodyEnd) {
        const simd = step(r);
        if (simd === null) continue;
        const standard = PRE_STANDARD_TO_STANDARD.get(simd.sub);
        if (standard !== undefined) {
          if (simd.length !== 2) throw new Error(`opcode 0xfd ${simd.sub} at byte ${simd.at} is not 2 LEB bytes`);
          writeLeb2(bytes, simd.at, standard);
          ++rewritten;
        } else if (PRE_STANDARD_OTHERS.has(simd.sub)) {
          throw new Error(`pre-standard relaxed-SIMD opcode 0xfd 0x${simd.sub.toString(16)} at byte ${simd.at} has no rewrite`);
        }
      }
      if (r.pos !== bodyEnd) throw new Error(`a function body ends at byte ${r.pos}, expected ${bodyEnd}`);
    }
    if (r.pos !== end) throw new Error(`the code section ends at byte ${r.pos}, expected ${end}`);
  }
  return rewritten;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [file] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node relaxed_simd_opcodes.mjs module.wasm');
    process.exit(2);
  }
  const bytes = new Uint8Array(readFileSync(file));
  const rewritten = rewriteRelaxedSimdOpcodes(bytes);
  if (rewritten === 0) {
    console.error(`${file}: no relaxed-SIMD multiply-add found (was it built with -mrelaxed-simd?)`);
    process.exit(1);
  }
  writeFileSync(file, bytes);
  console.log(`${file}: ${rewritten} f32x4 multiply-adds now use the standard relaxed-SIMD opcodes`);
}
