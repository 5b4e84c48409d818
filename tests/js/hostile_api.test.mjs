// Hostile input for every public function of the module (issue 9): a table of bad calls, each of
// which must throw (or reject with) the right error class with a message naming the problem. After
// every one the module must still work: a valid attention call matches an independent float64
// reference computed here, a loaded model still matches PyTorch's reference, nothing stays
// allocated, and requests too large for wasm memory leave the heap ungrown (checked before malloc).
// Complements module_errors.test.mjs (the documented misuse) with odder values: BigInt, Symbol,
// boxed numbers, -0, 2^53, detached buffers, typed arrays of the wrong kind, offset views, lying
// checkpoint files, disposed objects and calls made while a load is still pending.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { before, describe, test } from 'node:test';

import { FLAVOURS, load } from './helpers/module.mjs';
import { randomFloats, randomParameters } from './helpers/numeric.mjs';
import { readModelReference } from './helpers/safetensors.mjs';

const MODEL_DIR = new URL('../golden/models/bert-f32/', import.meta.url);
const MODEL_FILE_NAMES = ['config.json', 'vocab.txt', 'tokenizer_config.json', 'model.safetensors'];
const modelFiles = () => Object.fromEntries(MODEL_FILE_NAMES.map((f) => [f, readFileSync(new URL(f, MODEL_DIR))]));
const config = JSON.parse(readFileSync(new URL('config.json', MODEL_DIR), 'utf8'));
const withConfig = (changes) => ({ ...modelFiles(), 'config.json': JSON.stringify({ ...config, ...changes }) });

const modelReference = readModelReference(fileURLToPath(MODEL_DIR));

/** softmax(q·kᵀ/√dK)·v in float64, written independently of the module (the module-keeps-working check). */
function referenceAttention(q, k, v, n, m, dK, dV) {
  const output = new Float64Array(n * dV);
  for (let i = 0; i < n; i++) {
    const scores = [];
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let c = 0; c < dK; c++) s += q[i * dK + c] * k[j * dK + c];
      scores.push(s / Math.sqrt(dK));
    }
    const top = Math.max(...scores);
    const e = scores.map((s) => Math.exp(s - top));
    const sum = e.reduce((a, b) => a + b, 0);
    for (let j = 0; j < m; j++) for (let c = 0; c < dV; c++) output[i * dV + c] += (e[j] / sum) * v[j * dV + c];
  }
  return output;
}

const maxDiff = (a, b) => a.reduce((worst, x, i) => Math.max(worst, Math.abs(x - b[i])), 0);
const F = (length) => new Float32Array(length);
const detached = () => { const a = F(8); structuredClone(a.buffer, { transfer: [a.buffer] }); return a; };
const A = (changes = {}) => ({ q: F(8), k: F(12), v: F(15), n: 2, m: 3, dK: 4, dV: 5, ...changes });
const mhaParams = randomParameters(8, 2, 3);
const MHA = (changes = {}) => ({ ...mhaParams, x: F(24), n: 3, ...changes });

// [function, case, call(ctx) (may return a promise), error class, message]. ctx: { core, mha, model }.
const CASES = [
  ['attention', 'n a BigInt', ({ core }) => core.attention(A({ n: 2n })), TypeError, /attention: n must be a positive integer, got BigInt/],
  ['attention', 'n a boxed Number', ({ core }) => core.attention(A({ n: new Number(2) })), TypeError, /attention: n must be a positive integer, got Number/],
  ['attention', 'n a Symbol', ({ core }) => core.attention(A({ n: Symbol('n') })), TypeError, /attention: n must be a positive integer, got Symbol/],
  ['attention', 'n true', ({ core }) => core.attention(A({ n: true })), TypeError, /attention: n must be a positive integer, got Boolean/],
  ['attention', 'n -0', ({ core }) => core.attention(A({ n: -0 })), RangeError, /attention: n must be a positive integer, got 0/],
  ['attention', 'n 2^53 (not a safe integer)', ({ core }) => core.attention(A({ n: 2 ** 53 })), RangeError, /attention: n must be a positive integer, got 9007199254740992/],
  ['attention', 'dK -Infinity', ({ core }) => core.attention(A({ dK: -Infinity })), RangeError, /attention: dK must be a positive integer, got -Infinity/],
  ['attention', 'm fractional', ({ core }) => core.attention(A({ m: 2.5 })), RangeError, /attention: m must be a positive integer, got 2.5/],
  ['attention', 'dK 2^30 with a short q', ({ core }) => core.attention(A({ dK: 2 ** 30 })), RangeError, /attention: q has length 8, expected n\*dK = 2147483648/],
  ['attention', 'options an array', ({ core }) => core.attention([A()]), TypeError, /attention: expected an options object, got Array\(1\)/],
  ['attention', 'options a string', ({ core }) => core.attention('q k v'), TypeError, /attention: expected an options object, got "q k v"/],
  ['attention', 'q a Symbol', ({ core }) => core.attention(A({ q: Symbol('q') })), TypeError, /attention: q must be a Float32Array of length n\*dK = 8, got Symbol/],
  ['attention', 'q a detached buffer', ({ core }) => core.attention(A({ q: detached() })), RangeError, /attention: q has length 0, expected n\*dK = 8/],
  ['attention', 'k NaN in the last element', ({ core }) => { const k = F(12); k[11] = NaN; return core.attention(A({ k })); }, Error, /k\[11\] is NaN, expected a finite number/],
  ['attention', 'v -Infinity', ({ core }) => core.attention(A({ v: F(15).fill(-Infinity) })), Error, /v\[0\] is -Inf, expected a finite number/],
  ['attention', 'mask a Uint8ClampedArray', ({ core }) => core.attention(A({ mask: new Uint8ClampedArray(6) })), TypeError, /attention: mask must be null, 'causal' or a Uint8Array of length n\*m = 6 .* got Uint8ClampedArray\(6\)/],
  ['attention', 'mask an Int8Array', ({ core }) => core.attention(A({ mask: new Int8Array(6) })), TypeError, /mask must be .* got Int8Array\(6\)/],
  ['attention', "mask 'Causal' (wrong case)", ({ core }) => core.attention(A({ mask: 'Causal' })), TypeError, /mask must be .* got "Causal"/],
  ['attention', 'mask too long', ({ core }) => core.attention(A({ mask: new Uint8Array(7) })), RangeError, /attention: mask has length 7, expected n\*m = 2\*3 = 6/],
  ['attention', 'more than the wasm memory', ({ core }) => core.attention({ q: F(70000), k: F(70000), v: F(70000), n: 70000, dK: 1, steps: true }),
    RangeError, /attention: needs \d+\.\d\d GiB of wasm memory, more than the .* GiB left under the 4 GiB wasm limit/],

  ['multiHeadAttention', 'numHeads larger than dModel', ({ core }) => core.multiHeadAttention(MHA({ numHeads: 16 })), Error, /multiHeadAttention: dModel \(8\) must be divisible by numHeads \(16\)/],
  ['multiHeadAttention', 'numHeads 2^40', ({ core }) => core.multiHeadAttention(MHA({ numHeads: 2 ** 40 })), Error, /dModel \(8\) must be divisible by numHeads \(1099511627776\)/],
  ['multiHeadAttention', 'dModel 65536 with 8x8 weights', ({ core }) => core.multiHeadAttention(MHA({ dModel: 65536, x: F(65536) })), RangeError, /multiHeadAttention: wq has length 64, expected dModel\*dModel = 4294967296/],
  ['multiHeadAttention', 'bo NaN', ({ core }) => core.multiHeadAttention(MHA({ bo: F(8).fill(NaN) })), Error, /bo\[0\] is NaN, expected a finite number/],
  ['multiHeadAttention', 'x Infinity at the end', ({ core }) => { const x = F(24); x[23] = Infinity; return core.multiHeadAttention(MHA({ x })); }, Error, /x\[23\] is .*Inf.*, expected a finite number/],
  ['multiHeadAttention', 'context NaN', ({ core }) => core.multiHeadAttention(MHA({ context: F(16).fill(NaN), m: 2 })), Error, /context\[0\] is NaN/],
  ['multiHeadAttention', 'm a string', ({ core }) => core.multiHeadAttention(MHA({ context: F(16), m: '2' })), TypeError, /multiHeadAttention: m must be a positive integer, got "2"/],
  ['multiHeadAttention', 'mask for the wrong m', ({ core }) => core.multiHeadAttention(MHA({ context: F(16), m: 2, mask: new Uint8Array(9) })), RangeError, /mask has length 9, expected n\*m = 3\*2 = 6/],
  ['multiHeadAttention', 'heads flag a string', ({ core }) => core.multiHeadAttention(MHA({ heads: 'no' })), TypeError, /multiHeadAttention: heads must be true or false, got "no"/],
  ['multiHeadAttention', 'more than the wasm memory', ({ core }) => core.multiHeadAttention(MHA({ x: F(8 * 50000), n: 50000 })),
    RangeError, /multiHeadAttention: needs .* GiB of wasm memory, more than .* left under the 4 GiB wasm limit/],

  ['createMultiHeadAttention', 'no options', ({ core }) => core.createMultiHeadAttention(), TypeError, /createMultiHeadAttention: expected an options object, got undefined/],
  ['createMultiHeadAttention', 'wq NaN', ({ core }) => core.createMultiHeadAttention({ ...mhaParams, wq: F(64).fill(NaN) }), Error, /wq\[0\] is NaN, expected a finite number/],
  ['createMultiHeadAttention', 'numHeads fractional', ({ core }) => core.createMultiHeadAttention({ ...mhaParams, numHeads: 2.5 }), RangeError, /createMultiHeadAttention: numHeads must be a positive integer, got 2.5/],
  ['createMultiHeadAttention', 'wk a Float64Array', ({ core }) => core.createMultiHeadAttention({ ...mhaParams, wk: new Float64Array(64) }), TypeError, /createMultiHeadAttention: wk must be a Float32Array .* got Float64Array\(64\)/],
  ['forward', 'x NaN', ({ mha }) => mha.forward(F(24).fill(NaN)), Error, /MultiHeadAttention.forward: .*x\[0\] is NaN, expected a finite number/],
  ['forward', 'x a number', ({ mha }) => mha.forward(24), TypeError, /MultiHeadAttention.forward: x must be a Float32Array/],
  ['forward', 'n fractional', ({ mha }) => mha.forward(F(24), { n: 1.5 }), RangeError, /MultiHeadAttention.forward: n must be a positive integer, got 1.5/],
  ['forward', 'mask of the wrong size', ({ mha }) => mha.forward(F(24), { mask: new Uint8Array(3) }), RangeError, /MultiHeadAttention.forward: mask has length 3, expected n\*m = 3\*3 = 9/],
  ['forward', 'context of the wrong length', ({ mha }) => mha.forward(F(24), { context: F(7) }), RangeError, /MultiHeadAttention.forward: context has length 7, expected a positive multiple of dModel = 8/],
  ['forward', 'options null', ({ mha }) => mha.forward(F(24), null), TypeError, /MultiHeadAttention.forward: expected an options object, got null/],
  ['forward', 'more than the wasm memory', ({ mha }) => mha.forward(F(8 * 100000), { weights: true }), RangeError, /MultiHeadAttention.forward: needs .* GiB of wasm memory/],
  ['forward', 'on a disposed object', ({ core }) => { const h = core.createMultiHeadAttention(mhaParams); h.dispose(); h.dispose(); return h.forward(F(24)); },
    Error, /MultiHeadAttention.forward: this object was disposed; create a new one/],

  ['loadModel', 'source null', ({ core }) => core.loadModel(null), TypeError, /loadModel: source must be a folder URL, a FileList or File\[\].* got null/],
  ['loadModel', 'source a number', ({ core }) => core.loadModel(42), TypeError, /loadModel: source must be .* got 42/],
  ['loadModel', 'options null', ({ core }) => core.loadModel(modelFiles(), null), TypeError, /loadModel: expected an options object, got null/],
  ['loadModel', 'onProgress a string', ({ core }) => core.loadModel(modelFiles(), { onProgress: 'x' }), TypeError, /loadModel: onProgress must be a function/],
  ['loadModel', 'an empty folder', ({ core }) => core.loadModel({}), Error, /loadModel: the given object has no config\.json/],
  ['loadModel', 'a file of the wrong type', ({ core }) => core.loadModel({ ...modelFiles(), 'vocab.txt': 5 }), TypeError, /loadModel: source\['vocab\.txt'\] must be a string, Uint8Array, ArrayBuffer or Blob, got 5/],
  ['loadModel', 'config.json cut short', ({ core }) => core.loadModel({ ...modelFiles(), 'config.json': '{"model_type": "bert",' }), Error, /loadModel: config\.json: not valid JSON \(json: .* at byte 22\)/],
  ['loadModel', 'config.json with 1e400', ({ core }) => core.loadModel({ ...modelFiles(), 'config.json': '{"model_type":"bert","vocab_size":1e400}' }), Error, /config\.json: not valid JSON \(json: number 1e400 is out of range/],
  ['loadModel', 'an unsupported model_type', ({ core }) => core.loadModel(withConfig({ model_type: 'pegasus' })), Error, /config\.json: model_type 'pegasus' is not supported \(supported: bert, roberta, xlm-roberta, distilbert, gpt2, llama, mistral, qwen2, qwen3, gemma, phi3, bart, mbart, marian, t5\)/],
  ['loadModel', 'zero heads', ({ core }) => core.loadModel(withConfig({ num_attention_heads: 0 })), Error, /config\.json: 'num_attention_heads' must be an integer in \[1, /],
  ['loadModel', 'fractional hidden_size', ({ core }) => core.loadModel(withConfig({ hidden_size: 32.5 })), Error, /config\.json: 'hidden_size' must be an integer/],
  ['loadModel', 'negative layers', ({ core }) => core.loadModel(withConfig({ num_hidden_layers: -1 })), Error, /config\.json: 'num_hidden_layers' must be an integer/],
  ['loadModel', 'a config whose weights exceed wasm memory', ({ core }) => core.loadModel(withConfig({ hidden_size: 16384, num_attention_heads: 16, intermediate_size: 65536, num_hidden_layers: 24, vocab_size: 100000 })),
    RangeError, /loadModel: .*GiB.*(wasm|memory|limit)/],
  ['loadModel', 'no model.safetensors', ({ core }) => { const f = modelFiles(); delete f['model.safetensors']; return core.loadModel(f); }, Error, /loadModel: the given object has no model\.safetensors/],
  ['loadModel', 'empty model.safetensors', ({ core }) => core.loadModel({ ...modelFiles(), 'model.safetensors': new Uint8Array(0) }), Error, /model\.safetensors: file of 0 bytes is too short for a safetensors header/],
  ['loadModel', 'model.safetensors of 0xFF bytes', ({ core }) => core.loadModel({ ...modelFiles(), 'model.safetensors': new Uint8Array(100).fill(255) }), Error, /model\.safetensors: header length 18446744073709551615 exceeds the limit/],
  ['loadModel', 'truncated model.safetensors', ({ core }) => core.loadModel({ ...modelFiles(), 'model.safetensors': modelFiles()['model.safetensors'].subarray(0, 5000) }), Error, /model\.safetensors: tensor '.*'.* larger than the data section/],
  ['loadModel', 'an empty vocab.txt', ({ core }) => core.loadModel({ ...modelFiles(), 'vocab.txt': '' }), Error, /vocab\.txt: the file is empty/],
  ['loadModel', 'tokenizer_config.json an array', ({ core }) => core.loadModel({ ...modelFiles(), 'tokenizer_config.json': '[1]' }), Error, /tokenizer_config\.json: expected a JSON object/],

  ['tokenize', 'a number', ({ model }) => model.tokenize(5), TypeError, /model\.tokenize: text must be a string, got 5/],
  ['tokenize', 'a String object', ({ model }) => model.tokenize(new String('x')), TypeError, /model\.tokenize: text must be a string, got String/],
  ['run', 'no input', ({ model }) => model.run(), TypeError, /model\.run: input must be a string or token ids .* got undefined/],
  ['run', 'an empty id list', ({ model }) => model.run([]), RangeError, /model\.run: no tokens to run \(empty input\)/],
  ['run', 'a negative id', ({ model }) => model.run([2, -1]), RangeError, /model\.run: ids\[1\] = -1 is not a token id in \[0, 100\)/],
  ['run', 'a fractional id', ({ model }) => model.run([1.5]), RangeError, /ids\[0\] = 1\.5 is not a token id/],
  ['run', 'a NaN id', ({ model }) => model.run([NaN]), RangeError, /ids\[0\] = NaN is not a token id/],
  ['run', 'an Infinity id', ({ model }) => model.run([Infinity]), RangeError, /ids\[0\] = Infinity is not a token id/],
  ['run', 'id = vocabSize', ({ model }) => model.run([100]), RangeError, /ids\[0\] = 100 is not a token id in \[0, 100\)/],
  ['run', 'id 2^32-1 in a Uint32Array', ({ model }) => model.run(new Uint32Array([4294967295])), RangeError, /ids\[0\] = 4294967295 is not a token id/],
  ['run', 'a string id', ({ model }) => model.run(['1']), RangeError, /ids\[0\] = "1" is not a token id/],
  ['run', 'ids in a Float32Array', ({ model }) => model.run(new Float32Array([1, 2])), TypeError, /model\.run: input must be a string or token ids \(Int32Array or number\[\]\), got Float32Array\(2\)/],
  ['run', 'ids in a BigInt64Array', ({ model }) => model.run(new BigInt64Array([1n])), TypeError, /got BigInt64Array\(1\)/],
  ['run', 'more ids than max positions', ({ model }) => model.run(new Int32Array(65)), RangeError, /model\.run: 65 tokens, more than this model's maximum of 64/],
  ['run', 'a text longer than max positions', ({ model }) => model.run('hello '.repeat(100)), RangeError, /model\.run: \d+ tokens, more than this model's maximum of 64/],
  ['run', 'options null', ({ model }) => model.run([1], null), TypeError, /model\.run: expected an options object, got null/],
  ['run', "attentions: 'yes'", ({ model }) => model.run([1], { attentions: 'yes' }), TypeError, /model\.run: attentions must be true, false or an array of layer indices, got "yes"/],
  ['run', 'on a disposed model', async ({ core }) => { const m = await core.loadModel(modelFiles()); m.dispose(); m.dispose(); return m.run([1]); },
    Error, /model\.run: this model was disposed; load it again/],
  ['tokenize', 'on a disposed model', async ({ core }) => { const m = await core.loadModel(modelFiles()); m.dispose(); return m.tokenize('x'); },
    Error, /model\.tokenize: this model was disposed; load it again/],
];

const MODEL_FUNCTIONS = new Set(['loadModel', 'tokenize', 'run']);
// A model keeps its last tokenization (ids and token strings) until the next one; tokenizing the same
// text before each heap measurement makes that state identical, so any other change is a leak.
const LAST_TEXT = 'Mark told Sam that he was leaving.';

/** The module still computes the right numbers: attention against the float64 reference. */
function checkAttention(core) {
  const n = 3, m = 4, dK = 5, dV = 2;
  const q = randomFloats(n * dK, 1), k = randomFloats(m * dK, 2), v = randomFloats(m * dV, 3);
  // Offset views (byteOffset != 0) must read the right elements.
  const padded = new Float32Array(3 + n * dK);
  padded.set(q, 3);
  const r = core.attention({ q: padded.subarray(3), k, v, n, m, dK, dV });
  const diff = maxDiff(r.output, referenceAttention(q, k, v, n, m, dK, dV));
  assert.ok(diff < 1e-5, `attention after the error differs from the float64 reference by ${diff}`);
}

/** ... and the loaded model still matches PyTorch's attentions. */
function checkModel(model) {
  const out = model.run(modelReference.ids);
  out.attentions.forEach((a, l) => {
    const diff = maxDiff(a, modelReference.attentions[l]);
    assert.ok(diff <= 1e-5, `model layer ${l} after the error differs from PyTorch by ${diff}`);
  });
}

// dlmalloc's in-use count moves by a chunk header or two as the same sizes land in different free
// chunks; anything a failed call could leak (its heap block, a model's weights) is far larger.
const LEAK_SLACK_BYTES = 256;
function assertNoLeak(after, baseline, when) {
  const grown = after.bytesInUse - baseline.bytesInUse;
  assert.ok(grown <= LEAK_SLACK_BYTES, `${grown} more bytes allocated ${when} than before (baseline ${baseline.bytesInUse})`);
}

async function expectFailure(call, ErrorClass, message) {
  let error = null;
  try {
    await call();
  } catch (e) {
    error = e;
  }
  assert.ok(error, 'expected an error, the call succeeded');
  assert.equal(error.constructor, ErrorClass, `${error.constructor.name}: ${error.message}`);
  assert.match(error.message, message);
}

for (const flavour of FLAVOURS) {
  describe(`hostile input, ${flavour.name} build`, () => {
    const ctx = {};
    let baseline;
    before(async () => {
      ctx.core = await load(flavour.options);
      ctx.mha = ctx.core.createMultiHeadAttention(mhaParams);
      ctx.model = typeof ctx.core.loadModel === 'function' ? await ctx.core.loadModel(modelFiles()) : null;
      checkAttention(ctx.core);  // warm the workspaces before taking the baseline
      ctx.mha.forward(F(24));
      if (ctx.model) {
        checkModel(ctx.model);
        ctx.model.tokenize(LAST_TEXT);
      }
      baseline = ctx.core.memory();
    });

    for (const [fn, name, call, ErrorClass, message] of CASES) {
      test(`${fn}: ${name}`, async (t) => {
        if (MODEL_FUNCTIONS.has(fn) && !ctx.model) {
          t.skip(`${fn} does not exist in this module (no core.loadModel)`);
          return;
        }
        await expectFailure(() => call(ctx), ErrorClass, message);
        checkAttention(ctx.core);
        assert.equal(ctx.mha.forward(F(24).fill(0.25)).output.length, 24);
        if (ctx.model) {
          checkModel(ctx.model);
          ctx.model.tokenize(LAST_TEXT);
        }
        const after = ctx.core.memory();
        assertNoLeak(after, baseline, 'after the error');
        if (/wasm memory|exceed wasm/.test(name)) {
          assert.equal(after.heapBytes, baseline.heapBytes, 'the heap grew: the oversized request was allocated');
        }
      });
    }

    test('calls during a pending loadModel, and two loads at once', async (t) => {
      if (!ctx.model) { t.skip('loadModel does not exist in this module'); return; }
      // Blob sources are read asynchronously, so both loads are really pending while we compute.
      const blobs = () => Object.fromEntries(Object.entries(modelFiles()).map(([k, v]) => [k, new Blob([v])]));
      let progressCalls = 0;
      const first = ctx.core.loadModel(blobs(), { onProgress: () => { progressCalls++; } });
      const second = ctx.core.loadModel(blobs());
      const failing = ctx.core.loadModel({ ...blobs(), 'model.safetensors': new Blob([new Uint8Array(9)]) });
      checkAttention(ctx.core);   // the core answers while the loads are pending
      checkModel(ctx.model);      // and so does an already loaded model
      const [a, b] = await Promise.all([first, second]);
      await expectFailure(() => failing, Error, /model\.safetensors/);
      assert.ok(progressCalls > 0, 'onProgress was called');
      checkModel(a);
      checkModel(b);
      a.dispose();
      checkModel(b);               // disposing one model leaves the other intact
      b.dispose();
      ctx.model.tokenize(LAST_TEXT);
      assertNoLeak(ctx.core.memory(), baseline, 'after the loads');
    });

    test('load() called twice at once gives two independent working cores', async () => {
      const [c1, c2] = await Promise.all([load(flavour.options), load(flavour.options)]);
      assert.throws(() => c1.attention(A({ n: NaN })), RangeError);
      checkAttention(c2);
      checkAttention(c1);
    });
  });
}
