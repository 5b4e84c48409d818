// Every relative link in README.md and docs/*.md reaches an existing file, and a link with a
// #fragment reaches a heading of that file (GitHub's anchor for it). Links inside code are not links.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DOCS = [join(ROOT, 'README.md'), ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => join(ROOT, 'docs', f))];

/** The text outside fenced code blocks and inline code. */
function prose(markdown) {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
export function slug(heading) {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
}

function anchors(markdown) {
  const seen = new Map();
  const out = new Set();
  for (const [, text] of prose(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slug(text.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1'));
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n ? `${base}-${n}` : base);
  }
  return out;
}

/** [text](target) and ![alt](target) links of a markdown text, with their line numbers. */
function links(markdown) {
  const out = [];
  prose(markdown).split('\n').forEach((line, i) => {
    for (const [, target] of line.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) out.push({ target, line: i + 1 });
  });
  return out;
}

/** The problems of `file`'s relative links (an empty list when all resolve). */
function brokenLinks(file, markdown = readFileSync(file, 'utf8')) {
  const problems = [];
  for (const { target, line } of links(markdown)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;  // http:, https:, mailto: ...
    const [path, fragment] = target.split('#');
    const where = `${relative(ROOT, file)}:${line}: ${target}`;
    let text = markdown;  // a bare #fragment points into this file
    if (path) {
      const resolved = resolve(dirname(file), decodeURIComponent(path));
      if (!existsSync(resolved)) { problems.push(`${where}: no such file`); continue; }
      if (fragment === undefined) continue;
      if (statSync(resolved).isDirectory() || !resolved.endsWith('.md')) { problems.push(`${where}: a #fragment on a non-markdown target`); continue; }
      text = readFileSync(resolved, 'utf8');
    }
    if (!anchors(text).has(fragment)) problems.push(`${where}: no heading with anchor #${fragment}`);
  }
  return problems;
}

describe('documentation links', () => {
  test('the checker finds broken links and accepts good ones', () => {
    assert.equal(slug('Relaxed SIMD (fused multiply-add)'), 'relaxed-simd-fused-multiply-add');
    assert.equal(slug('The package as a user gets it'), 'the-package-as-a-user-gets-it');
    const file = join(ROOT, 'docs', 'probe.md');
    const text = '# Top\n## Two words\n[ok](#two-words) [ok](../README.md) [bad](#nope) [bad](missing.md)\n'
      + '[bad](api.md#not-a-heading) `[code](nowhere.md)`\n```\n[fenced](nowhere.md)\n```\n[web](https://example.org/x)\n';
    assert.deepEqual(brokenLinks(file, text), [
      'docs/probe.md:3: #nope: no heading with anchor #nope',
      'docs/probe.md:3: missing.md: no such file',
      'docs/probe.md:4: api.md#not-a-heading: no heading with anchor #not-a-heading',
    ]);
  });

  test('README.md and docs/ exist and link to each other', () => {
    assert.ok(DOCS.length >= 7, DOCS.join(', '));
    const readmeTargets = links(readFileSync(join(ROOT, 'README.md'), 'utf8')).map((l) => l.target);
    for (const doc of DOCS.slice(1)) assert.ok(readmeTargets.includes(relative(ROOT, doc)), `README.md does not link ${relative(ROOT, doc)}`);
  });

  for (const file of DOCS) {
    test(`${relative(ROOT, file)}: every relative link resolves`, () => {
      assert.deepEqual(brokenLinks(file), []);
    });
  }
});
