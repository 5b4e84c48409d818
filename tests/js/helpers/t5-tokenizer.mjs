// A T5-style tokenizer.json (Unigram, Metaspace, "$A </s>") over the 72 ids of the tiny T5 golden.
export function t5TokenizerJson() {
  const special = ['<pad>', '</s>', '<unk>'];
  const words = ['the', 'cat', 'sat', 'on', 'mat', 'le', 'chat', 'est', 'assis', 'dog', 'a', 'is'];
  const letters = 'abcdefghijklmnopqrstuvwxyz'.split('');
  const pieces = [...special.map((p) => [p, 0]), ['▁', -2], ...words.map((w) => [`▁${w}`, -3]),
    ...letters.map((c) => [c, -5]), ...letters.map((c) => [`▁${c}`, -4])].slice(0, 72);
  const added = special.map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false,
    normalized: false, special: true }));
  return JSON.stringify({
    version: '1.0', truncation: null, padding: null, added_tokens: added, normalizer: null,
    pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
    post_processor: { type: 'TemplateProcessing',
      single: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
      pair: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
      special_tokens: { '</s>': { id: '</s>', ids: [1], tokens: ['</s>'] } } },
    decoder: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
    model: { type: 'Unigram', unk_id: 2, vocab: pieces, byte_fallback: false },
  });
}
