// Unigram + Precompiled against SentencePiece itself (Debian's python3-sentencepiece, installed by
// ./scripts/setup): the fixture tests/fixtures/tokenizers/unigram/ is a model trained on Debian's
// fortunes and its tokenizer.json made by scripts/generate/make_unigram_fixture.py (which this
// test also re-runs, to check that the committed tokenizer.json is the conversion of the committed
// model). Reference ids come from tests/js/helpers/sentencepiece_ids.py at test time.
//
// Left out, with the reason: texts that contain "<s>", "</s>" or "<unk>". SentencePiece reads them
// as plain text; a tokenizer.json lists its control pieces as special added tokens, which
// Hugging Face's tokenizers (and so attnscope) match in the text.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, copyFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';

import { tokenizerCorpus } from './helpers/tokenizer_corpus.mjs';
import { TOKENIZER_FLAVOURS, loadTokenizer } from './helpers/tokenizer_module.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const fixture = join(root, 'tests/fixtures/tokenizers/unigram/');
const python = '/usr/bin/python3';

const corpus = tokenizerCorpus();
const texts = [...corpus.lines, ...corpus.paragraphs].filter((t) => !/<\/?s>|<unk>/.test(t));

function sentencepieceIds(list) {
  const out = execFileSync(python, [join(root, 'tests/js/helpers/sentencepiece_ids.py'), `${fixture}unigram.model`],
    { input: JSON.stringify(list), maxBuffer: 1 << 30 });
  return JSON.parse(out);
}

const reference = sentencepieceIds(texts);
const tokenizerJson = readFileSync(`${fixture}tokenizer.json`, 'utf8');

test('the committed tokenizer.json is the conversion of the committed model', () => {
  // Convert a copy of the model in a scratch tree laid out like the repository.
  const scratch = mkdtempSync(join(tmpdir(), 'unigram-'));
  try {
    const out = join(scratch, 'tests/fixtures/tokenizers/unigram');
    mkdirSync(out, { recursive: true });
    mkdirSync(join(scratch, 'scripts/generate'), { recursive: true });
    copyFileSync(`${fixture}unigram.model`, join(out, 'unigram.model'));
    copyFileSync(join(root, 'scripts/generate/make_unigram_fixture.py'), join(scratch, 'scripts/generate/make_unigram_fixture.py'));
    execFileSync(python, [join(scratch, 'scripts/generate/make_unigram_fixture.py'), '--convert-only']);
    assert.equal(readFileSync(join(out, 'tokenizer.json'), 'utf8'), tokenizerJson);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});

for (const flavour of TOKENIZER_FLAVOURS) {
  describe(`Unigram tokenizer.json (${flavour} build) vs SentencePiece`, () => {
    test('same ids on every line and paragraph', async (t) => {
      const ours = await loadTokenizer(flavour, 't5', { 'tokenizer.json': tokenizerJson });
      try {
        let ids = 0, unknown = 0;
        texts.forEach((text, i) => {
          const got = Array.from(ours.encode(text, false).ids);
          assert.deepEqual(got, reference[i], `text ${i}: ${JSON.stringify(text)}`);
          ids += got.length;
          unknown += got.filter((id) => id === 0).length;
        });
        assert.ok(texts.length > 5000 && unknown > 100, `${texts.length} texts, ${unknown} unknown pieces`);
        t.diagnostic(`${texts.length} texts, ${ids} ids identical (${unknown} <unk>)`);
      } finally {
        ours.dispose();
      }
    });

    test('T5 template, pairs and display strings', async () => {
      const ours = await loadTokenizer(flavour, 't5', { 'tokenizer.json': tokenizerJson });
      try {
        const [a, b] = sentencepieceIds(['Hello world', 'Good night']);
        const eos = ours.encode('', true).ids[0];
        assert.equal(ours.tokenOf(eos), '</s>');
        assert.deepEqual(Array.from(ours.encode('Hello world').ids), [...a, eos]);
        const pair = ours.encodePair('Hello world', 'Good night');
        assert.deepEqual(Array.from(pair.ids), [...a, eos, ...b, eos]);
        assert.deepEqual(Array.from(pair.typeIds), new Array(pair.ids.length).fill(0));
        assert.equal(pair.sentenceBStart, a.length + 1);
        const e = ours.encode('Hello  world', false);
        assert.equal(e.displayTokens.join(''), ' Hello world');  // ▁ shown as the space it stands for
        assert.ok(e.tokens.every((token, i) => token.replaceAll('\u2581', ' ') === e.displayTokens[i]));
      } finally {
        ours.dispose();
      }
    });
  });
}
