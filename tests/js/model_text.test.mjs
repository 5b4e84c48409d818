// Text that is not well-formed UTF-16 reaches the tokenizer as U+FFFD (as TextEncoder would encode it),
// not as garbled bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { load } from '../../web/attnscope/src/index.js';

const modelDir = fileURLToPath(new URL('../../web/models/default/', import.meta.url));

test('a lone surrogate tokenizes like U+FFFD', async () => {
  const core = await load();
  const model = await core.loadModel(modelDir);
  try {
    assert.deepEqual(model.tokenize('mark \uD800 left').ids, model.tokenize('mark \uFFFD left').ids);
    assert.deepEqual(model.tokenize('mark \uDC00x left').ids, model.tokenize('mark \uFFFDx left').ids);
  } finally {
    model.dispose();
  }
});
