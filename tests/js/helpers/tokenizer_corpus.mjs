// Text for the tokenizer peer tests: real lines in several languages and scripts, deterministic.
//   english-sample.txt     4,173 lines of Debian's fortunes (committed, see tokenizer_make_fixtures.mjs)
//   Debian's fortunes-zh (Tang and Song poems, with their ANSI colour escapes), fortunes-ru,
//   fortunes-de: installed by ./scripts/setup, read from /usr/share/games/fortunes
//   multiscript-sample.txt Arabic, Devanagari, Greek, Thai, Hebrew, Japanese, Korean, Latin with
//                          diacritics, emoji (ZWJ sequences, flags, modifiers), code, URLs,
//                          whitespace runs, tabs, CRLF, control characters, typed special tokens
// plus paragraphs (lines joined by newlines) and sentence pairs.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const FIXTURES = new URL('../../fixtures/tokenizers/', import.meta.url);
const FORTUNES = '/usr/share/games/fortunes';

const nonEmptyLines = (text) => text.split('\n').filter((line) => line.trim() !== '' && line !== '%');
const fixtureLines = (name) => nonEmptyLines(readFileSync(new URL(name, FIXTURES), 'utf8'));

// Every `step`-th line of the fortune files under `dir` (files without a dot: .dat/.u8 are indexes).
function fortuneLines(dir, step, limit) {
  const path = join(FORTUNES, dir);
  if (!existsSync(path)) {
    throw new Error(`${path} is missing: run ./scripts/setup (installs Debian's fortunes, fortunes-zh, fortunes-ru, fortunes-de)`);
  }
  const files = statSync(path).isDirectory() ? readdirSync(path).sort().map((f) => join(path, f)) : [path];
  const lines = [];
  for (const file of files) {
    if (file.slice(FORTUNES.length).includes('.') || !statSync(file).isFile()) continue;
    lines.push(...nonEmptyLines(readFileSync(file, 'utf8')));
  }
  return lines.filter((_, i) => i % step === 0).slice(0, limit);
}

/** { lines, paragraphs, pairs }: the texts every tokenizer is compared on. */
export function tokenizerCorpus() {
  const english = fixtureLines('english-sample.txt');
  const chinese = [...fortuneLines('tang300', 3, 300), ...fortuneLines('chinese', 97, 300)];
  const russian = fortuneLines('ru', 17, 400);
  const german = fortuneLines('de', 31, 300);
  const multiscript = fixtureLines('multiscript-sample.txt');
  const lines = [...english, ...chinese, ...russian, ...german, ...multiscript];
  const paragraphs = [];
  for (let i = 0; i + 5 <= lines.length; i += 61) paragraphs.push(lines.slice(i, i + 5).join('\n') + '\n');
  paragraphs.push(multiscript.join('\n'));
  const pairs = [];
  for (let i = 0; i + 1 < lines.length; i += 23) pairs.push([lines[i], lines[i + 1]]);
  return { lines, paragraphs, pairs, counts: { english: english.length, chinese: chinese.length,
    russian: russian.length, german: german.length, multiscript: multiscript.length } };
}
