// The npm package as a user gets it: `npm pack` in web/attnscope/, installed into an empty project
// under the system's temp folder together with the consumer's own tools (typescript, vite,
// playwright-core, from npm's cache, at the versions tests/ uses), then
//   - every subpath imported by name from Node (attnscope in both builds, attnscope/views,
//     attnscope/embed, attnscope/embed/bundle): PyTorch's numbers from each core,
//   - type-checked: a consumer .ts using every subpath passes `tsc --strict`, a misusing one fails
//     on each misuse,
//   - the CLI through `npx attnscope render` (SVG and PNG),
//   - built into a page (+ module Web Worker) by Vite, served, and run in headless Chromium; the
//     same page from the Vite dev server (with the optimizeDeps.exclude the docs ask for).
// The project has no way back into the repository: no relative paths, no NODE_PATH, the package
// copied (not linked) into its node_modules; only the test harness (this file, the browser) lives here.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';

import { startServer } from '../../scripts/serve.mjs';
import { guardPage, launchChromium } from '../e2e/browser.mjs';
import { buildBundle } from '../e2e/embed_browser.mjs';
import { assertClose } from './helpers/numeric.mjs';
import { goldenCases } from './helpers/safetensors.mjs';

const run = promisify(execFile);
const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const REPO = here('../../');
const PACKAGE = here('../../web/attnscope/');
const FIXTURES = here('../pack/');
// The consumer's tools, at the versions the repository's tests install (so npm finds them in its cache).
const TOOLS = ['typescript', 'vite', 'playwright-core'].map((name) =>
  `${name}@${JSON.parse(readFileSync(here(`../node_modules/${name}/package.json`), 'utf8')).version}`);
// The consumer's environment: nothing pointing into the repository.
const { NODE_PATH: _unused, ...cleanEnv } = process.env;
const inProject = (command, args, options = {}) => run(command, args, { cwd: project, env: cleanEnv, maxBuffer: 64 << 20, ...options });

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
let installed;    // project/node_modules/attnscope

before(async () => {
  buildBundle();  // attnscope/embed/bundle is a built file, like the wasm
  scratch = mkdtempSync(join(tmpdir(), 'attnscope-pack-'));
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', scratch], { cwd: PACKAGE });
  [packed] = JSON.parse(stdout);
  project = join(scratch, 'project');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  await inProject('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error',
    join(scratch, packed.filename), ...TOOLS]);
  cpSync(FIXTURES, project, { recursive: true });
  installed = join(project, 'node_modules', 'attnscope');
}, { timeout: 300_000 });

after(() => { if (scratch) rmSync(scratch, { recursive: true, force: true }); });

const listFiles = (dir) => readdirSync(dir, { recursive: true, withFileTypes: true })
  .filter((e) => e.isFile()).map((e) => join(e.parentPath ?? e.path, e.name));

describe('npm pack', () => {
  test('the tarball ships the module, views, element, bundle, CLI, types and wasm builds, nothing else', () => {
    const files = packed.files.map((f) => f.path).sort();
    for (const required of ['package.json', 'LICENSE', 'attnscope.d.ts', 'src/index.js', 'src/heap.js', 'src/loader.js',
      'src/version.js', 'views/index.js', 'views/index.d.ts', 'views/views.css', 'views/theme.js',
      'embed/index.js', 'embed/index.d.ts', 'embed/bundle.d.ts', 'embed/attnscope-view.js', 'embed/seeded-model.js',
      'bin/attnscope.mjs', 'dist/attnscope-embed.js',
      'dist/attnscope-simd.js', 'dist/attnscope-simd.wasm', 'dist/attnscope-scalar.js', 'dist/attnscope-scalar.wasm']) {
      assert.ok(files.includes(required), `${required} missing from the tarball: ${files.join(', ')}`);
    }
    for (const file of files) {
      assert.match(file, /^(package\.json|README\.md|LICENSE|attnscope\.d\.ts|(src|views|embed)\/[\w-]+\.(js|d\.ts)|views\/[\w-]+\.css|bin\/attnscope\.mjs|dist\/attnscope-embed\.js|dist\/attnscope-(simd|scalar|simd-threads|relaxed-simd|relaxed-simd-threads)\.(js|wasm)|dist\/attnscope-(relaxed-)?simd-threads\.worker\.js)$/,
        `unexpected file in the tarball: ${file}`);
    }
    const manifest = JSON.parse(readFileSync(join(PACKAGE, 'package.json'), 'utf8'));
    assert.equal(manifest.license, 'MIT');
    assert.deepEqual(Object.keys(manifest.exports).sort(), ['.', './embed', './embed/bundle', './package.json', './views', './views/views.css']);
    assert.deepEqual(manifest.bin, { attnscope: './bin/attnscope.mjs' });
    for (const flavour of ['simd', 'scalar']) {
      const wasm = readFileSync(join(PACKAGE, 'dist', `attnscope-${flavour}.wasm`));
      console.log(`attnscope-${flavour}.wasm: ${wasm.length} bytes, ${gzipSync(wasm, { level: 9 }).length} gzip`);
      // The tokenizer tests' binding (bindings/tokenizer_bindings.cpp) is linked into a test-only module.
      assert.ok(!wasm.includes('TokenizerHandle'), `attnscope-${flavour}.wasm contains the test-only TokenizerHandle`);
    }
  });

  test('installed as a copy that never reaches back into the repository or its tests', () => {
    assert.ok(lstatSync(installed).isDirectory() && !lstatSync(installed).isSymbolicLink(), 'the package is copied, not linked');
    for (const file of listFiles(installed).filter((f) => /\.(m?js|ts)$/.test(f) && !f.endsWith('.wasm'))) {
      const text = readFileSync(file, 'utf8');
      const where = relative(installed, file);
      assert.ok(!text.includes(REPO), `${where} names the repository's path`);
      assert.doesNotMatch(text, /['"`/]tests\/|tests\/package\.json|node_modules\/\.\.\//, `${where} reads from a tests/ folder`);
    }
  });

  test('installed by name: Node imports every subpath and gets PyTorch\'s numbers from each core', async () => {
    const argsFile = join(scratch, 'args.json');
    writeFileSync(argsFile, JSON.stringify(goldenArgs));
    const { stdout } = await inProject(process.execPath, ['node-check.mjs', argsFile]);
    const out = JSON.parse(stdout);
    const version = JSON.parse(readFileSync(join(PACKAGE, 'package.json'), 'utf8')).version;
    assert.deepEqual([out.version, out.embedVersion, out.bundleVersion, out.packageJsonVersion], [version, version, version, version]);
    assert.equal(out.resolved, pathToFileURL(join(installed, 'src', 'index.js')).href);
    assert.equal(out.simd.simd, true);
    assert.equal(out.scalar.simd, false);
    for (const core of ['simd', 'scalar', 'embed', 'bundle']) checkGolden(out[core], `node ${core}`);
    assert.deepEqual(out.views, { classes: ['function', 'function', 'function', 'function'], themes: ['auto', 'light', 'dark'],
      colormap: ['viridis', 256], special: [true, false], normalized: { n: 2, numLayers: 1, numHeads: 1 } });
    assert.equal(out.defineWithoutDom, null);
  });
});

describe('TypeScript', () => {
  const tsc = (file) => inProject(process.execPath, [join(project, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit',
    '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', file]);

  test('a consumer .ts of every subpath type-checks against the shipped types', async () => {
    await tsc('consumer.ts').catch((error) => assert.fail(`tsc rejected consumer.ts:\n${error.stdout}${error.stderr}`));
  });

  test('misuse fails to type-check, each line reported', async () => {
    const failure = await tsc('consumer-bad.ts').then(() => null, (error) => error);
    assert.ok(failure, 'tsc accepted consumer-bad.ts');
    const lines = new Set([...failure.stdout.matchAll(/consumer-bad\.ts\((\d+),\d+\): error TS\d+/g)].map((m) => +m[1]));
    assert.deepEqual([...lines].sort((a, b) => a - b), [4, 5, 6, 7, 8, 9, 10, 11, 12, 13], failure.stdout);
  });
});

describe('CLI', () => {
  test('npx attnscope render writes an SVG and a PNG figure', { timeout: 240_000 }, async () => {
    const help = await inProject('npx', ['--no-install', 'attnscope', '--help']);
    assert.match(help.stdout, /usage: attnscope render/);
    await inProject('npx', ['--no-install', 'attnscope', 'render', '--view', 'head', '--theme', 'dark', '--out', 'fig.svg']);
    const svg = readFileSync(join(project, 'fig.svg'), 'utf8');
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.match(svg, /<line /, 'the head view drew its lines');
    assert.match(svg, />mark</, 'the default sentence\'s tokens are in the figure');
    await inProject('npx', ['--no-install', 'attnscope', 'render', '--view', 'matrix', '--width', '600', '--out', 'fig.png']);
    const png = readFileSync(join(project, 'fig.png'));
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.ok(png.length > 2000, `PNG of ${png.length} bytes`);
    const bad = await inProject('npx', ['--no-install', 'attnscope', 'render', '--out', 'fig.gif']).then(() => null, (e) => e);
    assert.equal(bad?.code, 2);
    assert.match(bad.stderr, /--out: expected a \.svg or \.png file name/);
  });
});

/**
 * Opens the page, runs one golden case in the page (both builds and attnscope/embed's core) and in its
 * module Web Worker (attnscope and attnscope/embed/bundle), and reads what the views and the element drew.
 */
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
  checkGolden(r.embed, 'page attnscope/embed');
  checkGolden(r.worker, 'worker');
  checkGolden(r.worker.bundle, 'worker attnscope/embed/bundle');
  assert.equal(r.worker.views, 1);
  assert.ok(r.matrix.canvases >= 2 && r.matrix.dark, `MatrixView drew in the dark theme: ${JSON.stringify(r.matrix)}`);
  assert.deepEqual(r.element, { state: 'rendered', canvases: r.element.canvases, sentenceBStart: 2, svg: true });
  assert.ok(r.element.canvases >= 2, `the element drew its heatmap: ${JSON.stringify(r.element)}`);
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
    // The consumer's own Vite; the page resolves `attnscope` from the scratch project.
    vite = await import(pathToFileURL(join(project, 'node_modules', 'vite', 'dist', 'node', 'index.js')).href);
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

  test('vite dev server (with the documented optimizeDeps.exclude) serves a working page and worker', { timeout: 120_000 }, async () => {
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
