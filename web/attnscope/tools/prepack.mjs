// npm's prepack hook: the package ships the repository's LICENSE (npm takes it from the package
// root only), and refuses to pack without the built files that `exports` and `bin` point at.
import { copyFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
copyFileSync(join(packageRoot, '..', '..', 'LICENSE'), join(packageRoot, 'LICENSE'));
const needed = {
  'src/version.js': 'configure any CMake build (./scripts/build native) to generate it',
  'dist/attnscope-simd.wasm': 'run ./scripts/build wasm-simd wasm-scalar',
  'dist/attnscope-scalar.wasm': 'run ./scripts/build wasm-simd wasm-scalar',
  'dist/attnscope-embed.js': 'run ./scripts/build-embed (or npm run build:embed)',
};
for (const [file, how] of Object.entries(needed)) {
  if (!existsSync(join(packageRoot, file))) {
    console.error(`attnscope prepack: ${file} is missing: ${how}`);
    process.exit(1);
  }
}
