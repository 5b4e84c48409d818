// A loaded golden checkpoint (tests/golden/models/<name>) against torch's reference outputs written
// beside it by scripts/golden/make_model_golden.py: attentions within 1e-5, hidden states within 1e-4.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { maxAbsDiff } from './numeric.mjs';
import { readModelReference } from './safetensors.mjs';

export const MODELS = fileURLToPath(new URL('../../golden/models/', import.meta.url));

export function checkAgainstReference(model, name) {
  const ref = readModelReference(join(MODELS, name));
  const out = model.run(ref.ids);
  assert.deepEqual(Array.from(out.ids), Array.from(ref.ids));
  assert.equal(out.tokens.length, ref.ids.length);
  assert.equal(out.attentions.length, ref.attentions.length);
  out.attentions.forEach((a, l) => {
    assert.ok(a instanceof Float32Array);
    const diff = maxAbsDiff(a, ref.attentions[l]);
    assert.ok(diff <= 1e-5, `${name} layer ${l}: attention differs by ${diff}`);
  });
  const diff = maxAbsDiff(out.hidden, ref.hidden);
  assert.ok(diff <= 1e-4, `${name}: hidden differs by ${diff}`);
}
