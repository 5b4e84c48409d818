// The Python package as a user installs it: a wheel built offline from bindings/python with Debian's
// setuptools and wheel (pip wheel --no-build-isolation, no index), then installed from that file alone
// (pip install --no-index --target <fresh folder>): no JavaScript build or repository at install time.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildBundle, ROOT } from './embed_browser.mjs';

export const PYTHON = '/usr/bin/python3';  // Debian's, with python3-torch; the kernel spec runs it too
const PACKAGE_JSON = join(ROOT, 'web', 'attnscope', 'package.json');

/** Builds the wheel into `work`/wheels and installs it into `work`/site; returns { wheel, site }. */
export function buildAndInstallWheel(work) {
  buildBundle();
  const wheels = join(work, 'wheels');
  const site = join(work, 'site');
  mkdirSync(wheels);
  execFileSync(PYTHON, ['-m', 'pip', 'wheel', '--quiet', '--no-build-isolation', '--no-deps', '--no-index',
    '--wheel-dir', wheels, join(ROOT, 'bindings', 'python')], { stdio: 'inherit' });
  const version = JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')).version;
  const names = readdirSync(wheels);
  assert.deepEqual(names, [`attnscope-${version}-py3-none-any.whl`], 'one pure-Python wheel, versioned as package.json');
  const wheel = join(wheels, names[0]);
  execFileSync(PYTHON, ['-m', 'pip', 'install', '--quiet', '--no-index', '--no-deps', '--root-user-action=ignore',
    '--target', site, wheel], { stdio: 'inherit', cwd: work });
  assert.ok(existsSync(join(site, 'attnscope', 'attnscope-embed.js')), 'the bundle is installed inside the package');
  const metadata = readFileSync(join(site, `attnscope-${version}.dist-info`, 'METADATA'), 'utf8');
  assert.match(metadata, /^License: MIT$/m);
  assert.match(metadata, new RegExp(`^Version: ${version.replaceAll('.', '\\.')}$`, 'm'));
  const installedVersion = execFileSync(PYTHON, ['-c', 'import attnscope; print(attnscope.__version__)'],
    { env: { ...process.env, PYTHONPATH: site }, cwd: work, encoding: 'utf8' }).trim();
  assert.equal(installedVersion, version);
  return { wheel, site };
}
