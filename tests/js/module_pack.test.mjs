// The real tarball: `npm pack` in web/, installed offline into a fresh scratch project, then
//   - imported by name from Node (both builds),
//   - type-checked: a consumer .ts passes `tsc --strict`, a misusing one fails on each misuse,
//   - built into a page (+ module Web Worker) by Vite, served, and run in headless Chromium;
//     the same page from the Vite dev server (with the optimizeDeps.exclude the README asks for).
// Dev tools (vite, typescript, playwright-core) come from tests/node_modules by path: no network.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';

import { startServer } from '../../scripts/serve.mjs';
import { guardPage, launchChromium } from '../e2e/browser.mjs';
import { assertClose } from './helpers/numeric.mjs';
import { goldenCases } from './helpers/safetensors.mjs';

const run = promisify(execFile);
const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const WEB = here('../../web/');
const FIXTURES = here('../pack/');
const DEV_MODULES = here('../node_modules/');
const TSC = join(DEV_MODULES, 'typescript/bin/tsc');

const golden = goldenCases('sdpa').find((g) => g.metadata.mask === 'allowed');
const goldenArgs = (() => {
  const { q, k, v, mask } = golden.tensors;
  const meta = golden.metadata;
  return { q: Array.from(q), k: Array.from(k), v: Array.from(v), mask: Array.from(mask),
    n: +meta.n, m: +meta.m, dK: +meta.d_k, dV: +meta.d_v };
})();
const checkGolden = (r, what) => {
  assertClose(Float32Array.from(r.output), golden.tensors.output, { atol: 2e-5, what: `${what} output` });
  assertClose(Float32Array.from(r.weights), golden.tensors.weights, { atol: 2e-5, what: `${what} weights` });
};

let scratch;      // temp dir holding the tarball and the project
let project;      // the scratch consumer project
let packed;       // npm pack --json result

before(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'attnscope-pack-'));
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', scratch], { cwd: WEB });
  [packed] = JSON.parse(stdout);
  project = join(scratch, 'project');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  await run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--cache', join(scratch, 'npm-cache'),
    join(scratch, packed.filename)], { cwd: project });
  cpSync(FIXTURES, project, { recursive: true });
});

after(() => { if (scratch) rmSync(scratch, { recursive: true, force: true }); });

describe('npm pack', () => {
  test('the tarball ships the module, its wasm builds and the types, nothing else', () => {
    const files = packed.files.map((f) => f.path).sort();
    for (const required of ['package.json', 'attnscope.d.ts', 'src/index.js', 'src/heap.js', 'src/loader.js',
      'dist/attnscope-simd.js', 'dist/attnscope-simd.wasm', 'dist/attnscope-scalar.js', 'dist/attnscope-scalar.wasm']) {
      assert.ok(files.includes(required), `${required} missing from the tarball: ${files.join(', ')}`);
    }
    for (const file of files) {
      assert.match(file, /^(package\.json|README\.md|attnscope\.d\.ts|src\/[\w-]+\.js|dist\/attnscope-(simd|scalar|simd-threads|relaxed-simd|relaxed-simd-threads)\.(js|wasm)|dist\/attnscope-(relaxed-)?simd-threads\.worker\.js)$/,
        `unexpected file in the tarball: ${file}`);
    }
    for (const flavour of ['simd', 'scalar']) {
      const wasm = readFileSync(join(WEB, 'dist', `attnscope-${flavour}.wasm`));
      console.log(`attnscope-${flavour}.wasm: ${wasm.length} bytes, ${gzipSync(wasm, { level: 9 }).length} gzip`);
    }
  });

  test('installed by name: Node imports it and gets PyTorch\'s numbers from both builds', async () => {
    const argsFile = join(scratch, 'args.json');
    writeFileSync(argsFile, JSON.stringify(goldenArgs));
    const { stdout } = await run(process.execPath, ['node-check.mjs', argsFile], { cwd: project });
    const out = JSON.parse(stdout);
    assert.equal(out.version, JSON.parse(readFileSync(join(WEB, 'package.json'), 'utf8')).version);
    assert.equal(out.simd.simd, true);
    assert.equal(out.scalar.simd, false);
    checkGolden(out.simd, 'node simd');
    checkGolden(out.scalar, 'node scalar');
  });
});

describe('TypeScript', () => {
  const tsc = (file) => run(process.execPath, [TSC, '--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext',
    '--moduleResolution', 'nodenext', file], { cwd: project });

  test('a consumer .ts type-checks against the shipped types', async () => {
    await tsc('consumer.ts').catch((error) => assert.fail(`tsc rejected consumer.ts:\n${error.stdout}${error.stderr}`));
  });

  test('misuse fails to type-check, each line reported', async () => {
    const failure = await tsc('consumer-bad.ts').then(() => null, (error) => error);
    assert.ok(failure, 'tsc accepted consumer-bad.ts');
    const lines = new Set([...failure.stdout.matchAll(/consumer-bad\.ts\((\d+),\d+\): error TS\d+/g)].map((m) => +m[1]));
    assert.deepEqual([...lines].sort((a, b) => a - b), [4, 5, 6, 7, 8], failure.stdout);
  });
});

/** Opens the page, runs one golden case in the page (both builds) and in its module Web Worker. */
async function checkPage(browser, origin, path) {
  const page = await browser.context.newPage();
  const problems = await guardPage(page, origin);
  await page.goto(`${origin}${path}`);
  await page.waitForFunction(() => document.getElementById('status').textContent === 'ready');
  const r = await page.evaluate((args) => window.attnscopeRun(args), goldenArgs);
  assert.equal(r.simd, true, 'Chromium supports wasm SIMD');
  assert.equal(r.scalarSimd, false);
  assert.equal(r.worker.simd, true);
  checkGolden(r.main, 'page simd');
  checkGolden(r.scalar, 'page scalar');
  checkGolden(r.worker, 'worker');
  assert.deepEqual(r.badInput, { name: 'RangeError', message: 'attention: n must be a positive integer, got 0' });
  checkGolden(r.afterBadInput, 'page after a bad input');
  assert.deepEqual(problems, { consoleErrors: [], pageErrors: [], external: [] });
  await page.close();
}

describe('Vite in headless Chromium', () => {
  let vite;
  let server;
  let browser;
  before(async () => {
    // The dev tools live in tests/node_modules; the page resolves `attnscope` from the scratch project.
    vite = await import(pathToFileURL(join(DEV_MODULES, 'vite/dist/node/index.js')).href);
    await vite.build({
      root: join(project, 'page'), configFile: false, logLevel: 'warn',
      build: { outDir: join(project, 'page-dist'), emptyOutDir: true },
      worker: { format: 'es' },  // the module code-splits (one wasm build loaded on demand)
    });
    server = await startServer({ root: join(project, 'page-dist'), port: 0, landing: '/index.html' });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('vite build: the built page and its module Web Worker match PyTorch', { timeout: 120_000 }, async () => {
    await checkPage(browser, server.url, '/index.html');
  });

  test('vite dev server (with the README\'s optimizeDeps.exclude) serves a working page and worker', { timeout: 120_000 }, async () => {
    const dev = await vite.createServer({
      root: join(project, 'page'), configFile: false, logLevel: 'warn', cacheDir: join(project, '.vite-cache'),
      server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false },
      worker: { format: 'es' }, optimizeDeps: { exclude: ['attnscope'] },
    });
    await dev.listen();
    try {
      await checkPage(browser, new URL(dev.resolvedUrls.local[0]).origin, '/');
    } finally {
      await dev.close();
    }
  });
});
