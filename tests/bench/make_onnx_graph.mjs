// Builds the ONNX graph the benchmark gives onnxruntime-web: multi-head self-attention made of
// standard ONNX ops only (MatMul, Add, Reshape, Transpose, Mul, Softmax), opset 13, with the
// attention probabilities as a second output. The protobuf is written by hand here so that the
// bench needs neither Python nor the `onnx` package; the field numbers are those of onnx.proto3.
//
// Weights are graph *inputs* (not initializers) so every engine is fed the very same random
// weights in attnscope's layout: W row-major [dModel, dModel] with y = x·W.
//
//   node tests/bench/make_onnx_graph.mjs OUT.onnx DMODEL HEADS [causal]   writes one graph to disk
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// ---- a minimal protobuf writer: varints, length-delimited fields, nested messages ----------------
const WIRE_VARINT = 0;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

class ProtoWriter {
  constructor() { this.bytes = []; }
  tag(field, wire) { this.varint((field << 3) | wire); }
  varint(value) {
    let v = BigInt.asUintN(64, BigInt(value));  // negative int64s are ten-byte varints
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v !== 0n) byte |= 0x80;
      this.bytes.push(byte);
    } while (v !== 0n);
    return this;
  }
  int(field, value) { this.tag(field, WIRE_VARINT); return this.varint(value); }
  float(field, value) {
    this.tag(field, WIRE_FIXED32);
    const b = new Uint8Array(new Float32Array([value]).buffer);
    this.bytes.push(...b);
    return this;
  }
  raw(field, u8) { this.tag(field, WIRE_LEN); this.varint(u8.length); this.bytes.push(...u8); return this; }
  string(field, s) { return this.raw(field, new TextEncoder().encode(s)); }
  message(field, build) { const w = new ProtoWriter(); build(w); return this.raw(field, w.bytes); }
  finish() { return Uint8Array.from(this.bytes); }
}

// onnx.proto3 field numbers used below
const FLOAT = 1;
const INT64 = 7;
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_INTS = 7;

function tensorType(w, elemType, dims) {  // TypeProto{ tensor_type{ elem_type, shape{ dim* } } }
  w.message(1, (t) => {
    t.int(1, elemType);
    t.message(2, (shape) => {
      for (const d of dims) {
        shape.message(1, (dim) => (typeof d === 'string' ? dim.string(2, d) : dim.int(1, d)));
      }
    });
  });
}

function valueInfo(w, field, name, elemType, dims) {  // GraphProto.input (11) / output (12)
  w.message(field, (vi) => { vi.string(1, name); vi.message(2, (t) => tensorType(t, elemType, dims)); });
}

function int64Initializer(w, name, values) {  // GraphProto.initializer (5): TensorProto
  w.message(5, (t) => {
    t.int(1, values.length);
    t.int(2, INT64);
    t.tag(7, WIRE_LEN);
    const packed = new ProtoWriter();
    for (const v of values) packed.varint(v);
    t.varint(packed.bytes.length);
    t.bytes.push(...packed.bytes);
    t.string(8, name);
  });
}

function node(w, opType, inputs, outputs, attrs = {}) {  // GraphProto.node (1): NodeProto
  w.message(1, (n) => {
    for (const i of inputs) n.string(1, i);
    for (const o of outputs) n.string(2, o);
    n.string(3, `${opType}_${outputs[0]}`);
    n.string(4, opType);
    for (const [name, value] of Object.entries(attrs)) {
      n.message(5, (a) => {
        a.string(1, name);
        if (Array.isArray(value)) { for (const v of value) a.int(8, v); a.int(20, ATTR_INTS); }
        else if (Number.isInteger(value)) { a.int(3, value); a.int(20, ATTR_INT); }
        else { a.float(2, value); a.int(20, ATTR_FLOAT); }
      });
    }
  });
}

// Multi-head self-attention, sequence length left symbolic ("n") so one graph serves every n.
// Inputs: x [n, d], wq wk wv wo [d, d], bq bk bv bo [d], and for causal graphs
// mask_bias [n, n] (0 where allowed, a large negative number where masked) added before Softmax.
// Outputs: y [n, d] and probs [h, n, n].
export function buildMultiHeadAttentionOnnx({ dModel, numHeads, causal = false }) {
  if (!Number.isInteger(dModel) || dModel <= 0) throw new RangeError(`dModel must be a positive integer, got ${dModel}`);
  if (!Number.isInteger(numHeads) || numHeads <= 0 || dModel % numHeads !== 0) {
    throw new RangeError(`numHeads must divide dModel (${dModel}), got ${numHeads}`);
  }
  const dHead = dModel / numHeads;
  const graph = (g) => {
    node(g, 'MatMul', ['x', 'wq'], ['q0']); node(g, 'Add', ['q0', 'bq'], ['q']);
    node(g, 'MatMul', ['x', 'wk'], ['k0']); node(g, 'Add', ['k0', 'bk'], ['k']);
    node(g, 'MatMul', ['x', 'wv'], ['v0']); node(g, 'Add', ['v0', 'bv'], ['v']);
    for (const t of ['q', 'k', 'v']) node(g, 'Reshape', [t, 'heads_shape'], [`${t}_3d`]);  // [n, h, dh]
    node(g, 'Transpose', ['q_3d'], ['qh'], { perm: [1, 0, 2] });  // [h, n, dh]
    node(g, 'Transpose', ['k_3d'], ['kht'], { perm: [1, 2, 0] });  // [h, dh, n]
    node(g, 'Transpose', ['v_3d'], ['vh'], { perm: [1, 0, 2] });  // [h, n, dh]
    node(g, 'MatMul', ['qh', 'kht'], ['scores']);
    node(g, 'Mul', ['scores', 'scale'], [causal ? 'scaled' : 'logits']);
    if (causal) node(g, 'Add', ['scaled', 'mask_bias'], ['logits']);
    node(g, 'Softmax', ['logits'], ['probs'], { axis: -1 });
    node(g, 'MatMul', ['probs', 'vh'], ['heads_3d']);  // [h, n, dh]
    node(g, 'Transpose', ['heads_3d'], ['heads_t'], { perm: [1, 0, 2] });  // [n, h, dh]
    node(g, 'Reshape', ['heads_t', 'model_shape'], ['heads']);  // [n, d]
    node(g, 'MatMul', ['heads', 'wo'], ['y0']); node(g, 'Add', ['y0', 'bo'], ['y']);
    g.string(2, `mha_d${dModel}_h${numHeads}${causal ? '_causal' : ''}`);
    int64Initializer(g, 'heads_shape', [0, numHeads, dHead]);  // 0 = keep n
    int64Initializer(g, 'model_shape', [0, dModel]);
    g.message(5, (t) => { t.int(2, FLOAT); t.float(4, 1 / Math.sqrt(dHead)); t.string(8, 'scale'); });  // scalar
    valueInfo(g, 11, 'x', FLOAT, ['n', dModel]);
    for (const w of ['wq', 'wk', 'wv', 'wo']) valueInfo(g, 11, w, FLOAT, [dModel, dModel]);
    for (const b of ['bq', 'bk', 'bv', 'bo']) valueInfo(g, 11, b, FLOAT, [dModel]);
    if (causal) valueInfo(g, 11, 'mask_bias', FLOAT, ['n', 'n']);
    valueInfo(g, 12, 'y', FLOAT, ['n', dModel]);
    valueInfo(g, 12, 'probs', FLOAT, [numHeads, 'n', 'n']);
  };
  const model = new ProtoWriter();
  model.int(1, 8);  // ir_version 8 (ONNX 1.10+), opset 13
  model.string(2, 'attnscope-bench');
  model.message(8, (op) => { op.string(1, ''); op.int(2, 13); });
  model.message(7, graph);
  return model.finish();
}

// mask_bias for a causal graph: 0 where key j <= query i, -1e30 above the diagonal
// (Softmax of a finite large negative is exactly 0 in float32, and avoids Inf arithmetic).
export function causalMaskBias(n) {
  const bias = new Float32Array(n * n);
  for (let i = 0; i < n; i++) bias.fill(-1e30, i * n + i + 1, (i + 1) * n);
  return bias;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [out, d, h, causal] = process.argv.slice(2);
  if (!out || !d || !h) {
    console.error('usage: node make_onnx_graph.mjs OUT.onnx DMODEL HEADS [causal]');
    process.exit(2);
  }
  const bytes = buildMultiHeadAttentionOnnx({ dModel: Number(d), numHeads: Number(h), causal: causal === 'causal' });
  writeFileSync(out, bytes);
  console.log(`wrote ${out} (${bytes.length} bytes)`);
}
