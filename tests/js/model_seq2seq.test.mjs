// model.run({ source, target }) on the encoder–decoder goldens (tests/golden/seq2seq, written by
// scripts/generate/make_seq2seq_golden.py): the three attention kinds within 1e-5 and both hidden
// states within 1e-4 of torch's float64 reference, padded sources, steps of each kind; then the
// errors of a wrong input or option, after which the model still runs.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

import { FLAVOURS, load } from './helpers/module.mjs';
import { MODELS } from './helpers/model-reference.mjs';
import { maxAbsDiff } from './helpers/numeric.mjs';
import { readSafetensors } from './helpers/safetensors.mjs';
import { t5TokenizerJson } from './helpers/t5-tokenizer.mjs';

const SEQ2SEQ = fileURLToPath(new URL('../golden/seq2seq/', import.meta.url));
const NAMES = readdirSync(SEQ2SEQ).sort();
const STEP_KEYS = { x: 'x', q: 'q', k: 'k', v: 'v', scores: 'scores', scaled: 'scaled', weights: 'weights',
  headOutput: 'head_output', output: 'output' };

const numbered = (t, prefix) => {
  const out = [];
  for (let l = 0; t[`${prefix}${l}`]; l++) out.push(t[`${prefix}${l}`]);
  return out;
};

function checkKinds(result, t, prefix, name) {
  for (const [ours, theirs] of [['encoderAttentions', 'encoder_attentions.'], ['decoderAttentions', 'decoder_attentions.'],
    ['crossAttentions', 'cross_attentions.']]) {
    const want = numbered(t, prefix + theirs);
    assert.ok(want.length > 0);
    assert.equal(result[ours].length, want.length, `${name} ${ours} layers`);
    want.forEach((w, l) => assert.ok(maxAbsDiff(result[ours][l], w) < 1e-5, `${name} ${prefix}${ours}[${l}]`));
  }
  assert.ok(maxAbsDiff(result.encoderHidden, t[`${prefix}encoder_hidden`]) < 1e-4, `${name} encoderHidden`);
  assert.ok(maxAbsDiff(result.hidden, t[`${prefix}hidden`]) < 1e-4, `${name} hidden`);
}

const flavour = FLAVOURS[0];  // the input checks below need one build

for (const { name: flavourName, options } of FLAVOURS) describe(`encoder-decoder goldens (${flavourName})`, () => {
  let core;
  before(async () => { core = await load(options); });

  for (const name of NAMES) {
    test(`${name}: attentions, hidden states and steps match torch`, async () => {
      const model = await core.loadModel(join(SEQ2SEQ, name));
      try {
        const t = readSafetensors(join(SEQ2SEQ, name, 'reference.safetensors')).tensors;
        assert.equal(model.architecture, name.split('-')[0]);
        assert.equal(model.config.encoderDecoder, true);
        assert.equal(model.config.decoderLayers, numbered(t, 'decoder_attentions.').length);
        const source = Array.from(t.source_ids), target = t.target_ids;
        const result = model.run({ source, target });
        checkKinds(result, t, '', name);
        assert.deepEqual(Array.from(result.sourceIds), source);
        assert.deepEqual(Array.from(result.targetIds), Array.from(target));
        assert.equal(result.sourceTokens.length, source.length);
        assert.equal(result.targetTokens.length, target.length);
        const { numHeads, decoderHeads } = model.config;
        assert.equal(result.crossAttentions[0].length, decoderHeads * target.length * source.length);
        assert.equal(result.encoderAttentions[0].length, numHeads * source.length * source.length);

        const padded = model.run({ source, target }, { attentionMask: Array.from(t['padded.source_mask']) });
        checkKinds(padded, t, 'padded.', name);

        for (const kind of ['encoder', 'decoder', 'cross']) {
          const layer = t[`steps.${kind}.layer`][0];
          const { steps } = model.run({ source, target }, { attentions: false, hidden: false, steps: { layer, kind } });
          assert.equal(steps.kind, kind);
          assert.equal(steps.queries, kind === 'encoder' ? source.length : target.length);
          assert.equal(steps.keys, kind === 'decoder' ? target.length : source.length);
          for (const [ours, theirs] of Object.entries(STEP_KEYS)) {
            const want = t[`steps.${kind}.${theirs}`];
            const scale = Math.max(1, ...Array.from(want, Math.abs));
            const tolerance = ours === 'weights' ? 1e-5 : (ours === 'scores' ? 1e-3 : 1e-4) * scale;
            assert.ok(maxAbsDiff(steps[ours], want) < tolerance, `${name} steps.${kind}.${ours}`);
          }
          // What the Step view writes of the scaled step holds for torch's numbers: scaled = scores × scale,
          // plus T5's position bias in its self-attentions only (steps.positionBias).
          const t5 = model.architecture === 't5';
          assert.equal(steps.positionBias, t5 && kind !== 'cross', `${name} steps.${kind}.positionBias`);
          assert.ok(Math.abs(steps.scale - (t5 ? 1 : 1 / Math.sqrt(steps.dHead))) < 1e-6, `${name} steps.${kind}.scale`);
          const scores = t[`steps.${kind}.scores`], scaled = t[`steps.${kind}.scaled`];
          const rest = Float32Array.from(scaled, (v, i) => v - scores[i] * steps.scale);
          const restMax = Math.max(...Array.from(rest, Math.abs));
          if (steps.positionBias) assert.ok(restMax > 1e-2, `${name} ${kind}: a position bias in torch's scaled (${restMax})`);
          else assert.ok(restMax < 1e-4 * Math.max(1, ...Array.from(scaled, Math.abs)), `${name} ${kind}: scaled = scores × scale (${restMax})`);
        }
      } finally {
        model.dispose();
      }
    });
  }
});

describe('encoder-decoder input errors', () => {
  let core, bart, bert;
  before(async () => {
    core = await load(flavour.options);
    bart = await core.loadModel(join(SEQ2SEQ, 'bart-f32'));
    bert = await core.loadModel(join(MODELS, 'bert-f32'));
  });
  after(() => { bart.dispose(); bert.dispose(); });

  const source = [5, 6, 7, 8], target = [2, 9, 10];
  const cases = [
    ['text to an encoder-decoder model', () => bart.run('hello'), TypeError, /bart is an encoder-decoder model: give \{ source, target \}/],
    ['token ids without source/target', () => bart.run([1, 2, 3]), TypeError, /give \{ source, target \}/],
    ['{ text } to an encoder-decoder model', () => bart.run({ text: 'a', source, target }), TypeError, /not text/],
    ['a missing target', () => bart.run({ source }), TypeError, /input\.target must be a text or token ids/],
    ['an empty target', () => bart.run({ source, target: [] }), RangeError, /input\.target has no tokens \(empty target\)/],
    ['an empty source', () => bart.run({ source: [], target }), RangeError, /input\.source has no tokens/],
    ['a source id out of range', () => bart.run({ source: [5, 80], target }), RangeError, /input\.source: ids\[1\] = 80 is not a token id in \[0, 80\)/],
    ['a target id that is not an integer', () => bart.run({ source, target: [2, 1.5] }), RangeError, /input\.target: ids\[1\] = 1\.5/],
    ['a source longer than the positions', () => bart.run({ source: new Array(41).fill(5), target }), RangeError, /input\.source has 41 tokens, more than this model's maximum of 40/],
    ['target text without a tokenizer', () => bart.run({ source, target: 'hi' }), Error, /no tokenizer files/],
    ['a mask of the wrong length', () => bart.run({ source, target }, { attentionMask: [1, 1] }), RangeError, /attentionMask has 2 entries, expected one per source token \(4\)/],
    ['steps of an unknown kind', () => bart.run({ source, target }, { steps: { layer: 0, kind: 'self' } }), TypeError, /steps\.kind must be 'encoder', 'decoder' or 'cross'/],
    ['steps of a layer outside the decoder', () => bart.run({ source, target }, { steps: { layer: 2, kind: 'cross' } }), RangeError, /steps\.layer 2 is outside \[0, 2\) \(cross\)/],
    ['steps of a head outside the decoder', () => bart.run({ source, target }, { steps: { layer: 0, head: 2, kind: 'decoder' } }), RangeError, /steps\.head 2 is outside \[0, 2\) \(decoder\)/],
    ['attentions as layer indices', () => bart.run({ source, target }, { attentions: [0] }), TypeError, /attentions must be true or false/],
    ['source/target to an encoder-only model', () => bert.run({ source, target }), TypeError, /source and target are for encoder-decoder models .* bert takes a text/],
  ];
  for (const [what, run, type, message] of cases) {
    test(`${what} is refused by name, and the model still runs`, () => {
      assert.throws(run, (e) => e instanceof type && message.test(e.message), what);
      assert.equal(bart.run({ source, target }).crossAttentions.length, 2);
    });
  }

  test('a T5 config over BART weights is refused naming the missing tensor', async () => {
    const dir = (name) => join(SEQ2SEQ, name);
    await assert.rejects(core.loadModel({ 'config.json': readFileSync(join(dir('t5-relu-bf16'), 'config.json')),
      'model.safetensors': readFileSync(join(dir('bart-f32'), 'model.safetensors')) }),
    /encoder\.block\.0\.layer\.0\.layer_norm\.weight.*model_type right/);
  });

  test('target text gets decoder_start_token_id in front; target ids are used as given', () => {
    assert.equal(bart.config.decoderStartTokenId, 2);
    const r = bart.run({ source, target });
    assert.deepEqual(Array.from(r.targetIds), target);
    assert.equal(r.targetTokens[0], '[2]');  // no tokenizer: ids are labelled by number
  });
});

describe('encoder-decoder text input', () => {
  let core, t5;
  before(async () => {
    core = await load(flavour.options);
    const dir = join(SEQ2SEQ, 't5-relu-bf16');
    t5 = await core.loadModel({
      'config.json': readFileSync(join(dir, 'config.json')), 'model.safetensors': readFileSync(join(dir, 'model.safetensors')),
      'tokenizer.json': t5TokenizerJson(),
    });
  });
  after(() => t5.dispose());

  test('a target text gets decoder_start_token_id in front; the same ids give the same numbers', () => {
    assert.equal(t5.config.decoderStartTokenId, 0);
    const source = t5.tokenize('the cat sat on the mat');
    const target = t5.tokenize('le chat est assis');
    assert.deepEqual(source.tokens, ['▁the', '▁cat', '▁sat', '▁on', '▁the', '▁mat', '</s>']);
    const fromText = t5.run({ source: 'the cat sat on the mat', target: 'le chat est assis' });
    assert.deepEqual(fromText.sourceTokens, source.tokens);
    assert.deepEqual(fromText.targetTokens, ['<pad>', ...target.tokens]);
    assert.deepEqual(Array.from(fromText.targetIds), [0, ...target.ids]);
    const fromIds = t5.run({ source: source.ids, target: [0, ...target.ids] });
    assert.deepEqual(fromIds.crossAttentions, fromText.crossAttentions);
    assert.deepEqual(fromIds.hidden, fromText.hidden);
    assert.equal(fromText.crossAttentions[0].length, 4 * fromText.targetIds.length * fromText.sourceIds.length);
  });

  test('text to the encoder-decoder model without source/target is refused by name', () => {
    assert.throws(() => t5.run('the cat'), /t5 is an encoder-decoder model: give \{ source, target \}/);
    assert.throws(() => t5.run({ source: 'the cat', target: '' }), (e) => e instanceof RangeError &&
      /input\.target is an empty text/.test(e.message));
    assert.throws(() => t5.run({ source: '', target: 'le chat' }), /input\.source is an empty text/);
    assert.equal(t5.run({ source: 'the cat', target: 'le chat' }).targetIds[0], 0);  // still usable
  });
});
