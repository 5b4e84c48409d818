// The architecture's rules that a reader checks with grep, checked here so a change cannot break them
// unnoticed: the per-head attention (Q·Kᵀ, the scaled masked softmax, ·V, or the streaming kernel)
// runs in one place, attention/head.cpp, called by one per-head loop (attention/heads.cpp) and by the
// single-head entry points; no model or other layer has its own.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return /\.(cpp|hpp)$/.test(e.name) ? [path] : [];
  });
}

/** Files outside src/kernels/ whose code (comments removed) calls `name(`. */
function callers(name) {
  const pattern = new RegExp(`\\b${name}\\s*\\(`);
  return sources(SRC)
    .filter((path) => !relative(SRC, path).startsWith('kernels/'))
    .filter((path) => pattern.test(readFileSync(path, 'utf8').replace(/\/\/.*$/gm, '')))
    .map((path) => relative(SRC, path))
    .sort();
}

test('the per-head attention kernels are called only by attention/head.cpp', () => {
  for (const kernel of ['gemm_nt', 'scale_mask_softmax', 'online_softmax_attention']) {
    assert.deepEqual(callers(kernel), ['attention/head.cpp'], kernel);
  }
});

test('one head runs through head.cpp, from the one per-head loop (heads.cpp) and the single-head APIs', () => {
  assert.deepEqual(callers('attend_one_head'), ['attention/head.cpp', 'attention/head.hpp', 'attention/heads.cpp',
    'attention/scaled_dot_product.cpp']);
  assert.deepEqual(callers('stream_one_head'), ['attention/head.cpp', 'attention/head.hpp', 'attention/heads.cpp',
    'attention/streaming.cpp']);
  assert.deepEqual(callers('attend_heads'), ['attention/heads.cpp', 'attention/heads.hpp', 'attention/multi_head.cpp']);
});
