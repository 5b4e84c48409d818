// Shared launcher for the browser tests: Debian's Chromium headless via playwright-core, a fresh
// user-data dir per launch, the project's static server on a free port, and a page guard that fails
// any request leaving the origin and records console errors and uncaught exceptions.
//
//   import { startDemo } from './browser.mjs';
//   const demo = await startDemo();                 // { context, url, root, close() }
//   const { page, problems } = await demo.newPage(); // problems: { consoleErrors, pageErrors, external }
//   ...; await demo.close();
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from '../../scripts/serve.mjs';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const WEB_ROOT = join(ROOT, 'web');
export const ARTIFACTS = join(ROOT, 'tests', 'artifacts');

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];

/** A persistent Chromium context in a fresh temporary profile. */
export async function launchChromium({ viewport = { width: 1280, height: 800 } } = {}) {
  const profile = await mkdtemp(join(tmpdir(), 'attnscope-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
    acceptDownloads: true,
  });
  return {
    context,
    close: async () => { await context.close(); await rm(profile, { recursive: true, force: true }); },
  };
}

/**
 * Watches a page: any request outside `origin` and the `allow`ed origins (other than data:/blob:) is
 * aborted and recorded; console errors and uncaught exceptions are recorded.
 */
export async function guardPage(page, origin, { allow = [] } = {}) {
  const problems = { consoleErrors: [], pageErrors: [], external: [] };
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if ([origin, ...allow].some((o) => url.startsWith(`${o}/`)) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
    problems.external.push(url);
    return route.abort('blockedbyclient');
  });
  page.on('console', (msg) => { if (msg.type() === 'error') problems.consoleErrors.push(`${msg.text()} @ ${msg.location()?.url ?? ''}`); });
  page.on('pageerror', (err) => problems.pageErrors.push(String(err?.stack ?? err)));
  return problems;
}

/**
 * The server on web/ (or `root`) plus a browser; newPage() gives a guarded page. `hub` ({ endpoint,
 * hosts }) serves the pages with that Hugging Face Hub endpoint, whose origins the guard then allows.
 */
export async function startDemo({ root = WEB_ROOT, hub = null, ...options } = {}) {
  const server = await startServer({ root, port: 0, hub });
  const browser = await launchChromium(options);
  return {
    url: server.url,
    context: browser.context,
    async newPage() {
      const page = await browser.context.newPage();
      const allow = hub ? [hub.endpoint, ...(hub.hosts ?? [])].map((url) => new URL(url).origin) : [];
      const problems = await guardPage(page, server.url, { allow });
      return { page, problems };
    },
    async close() { await browser.close(); await server.close(); },
  };
}
