// A small static server for the demo and the browser tests: serves web/ on 127.0.0.1 only, with
// the cross-origin isolation headers (COOP/COEP) that threaded wasm needs, and correct MIME types.
//   node scripts/serve.mjs [--port N] [--root DIR] [--hub-endpoint URL [--hub-host ORIGIN]...]
// (PORT env var also works; 0 = any free port). With a hub endpoint (a mirror of the Hugging Face Hub),
// pages that name theirs (<meta name="attnscope-hub-endpoint">) are served with that endpoint, and
// their CSP's connect-src allows it and the hosts it redirects file downloads to, instead of the Hub's.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const MIME = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8', '.wasm': 'application/wasm', '.svg': 'image/svg+xml',
  '.png': 'image/png', '.txt': 'text/plain; charset=utf-8', '.md': 'text/plain; charset=utf-8',
  '.safetensors': 'application/octet-stream', '.ts': 'text/plain; charset=utf-8',
};

/** A page's HTML with its Hub endpoint and connect-src set to `hub` ({ endpoint, hosts }). */
export function withHubEndpoint(html, { endpoint, hosts = [] }) {
  const sources = [endpoint, ...hosts].map((url) => {
    const parsed = new URL(url);
    if (!['http:', 'https:'].includes(parsed.protocol) || /[\s;"'<>]/.test(url)) throw new TypeError(`not an http(s) origin: ${url}`);
    // A mirror under a path (https://example.org/hf) allows only that path and below.
    return parsed.origin + (parsed.pathname === '/' ? '' : parsed.pathname.replace(/\/?$/, '/'));
  });
  return html
    .replace(/(<meta name="attnscope-hub-endpoint" content=")[^"]*"/, `$1${sources[0]}"`)
    .replace(/(http-equiv="Content-Security-Policy" content="[^"]*connect-src )[^;"]*/, `$1'self' ${sources.join(' ')}`);
}

export function startServer({ root, port = 0, host = '127.0.0.1', landing = '/demo/', hub = null } = {}) {
  const base = resolve(root);
  const server = createServer(async (req, res) => {
    const headers = {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cross-Origin-Resource-Policy': 'same-origin',
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-cache',
    };
    try {
      const url = new URL(req.url, 'http://localhost');
      if (url.pathname === '/') {
        res.writeHead(302, { ...headers, Location: landing + url.search }).end();
        return;
      }
      let path = normalize(join(base, decodeURIComponent(url.pathname)));
      if (path !== base && !path.startsWith(base + sep)) throw Object.assign(new Error('outside root'), { status: 403 });
      if ((await stat(path)).isDirectory()) path = join(path, 'index.html');
      let body = await readFile(path);
      if (hub && extname(path) === '.html') body = withHubEndpoint(body.toString('utf8'), hub);
      res.writeHead(200, { ...headers, 'Content-Type': MIME[extname(path)] ?? 'application/octet-stream' });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch (err) {
      const status = err.status ?? (err.code === 'ENOENT' || err.code === 'ENOTDIR' ? 404 : 500);
      res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' }).end(`${status}\n`);
    }
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const { port: actual } = server.address();
      resolvePromise({ server, url: `http://${host}:${actual}`, close: () => new Promise((r) => server.close(r)) });
    });
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const opt = (name, fallback) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : fallback; };
  const root = opt('--root', fileURLToPath(new URL('../web', import.meta.url)));
  const port = Number(opt('--port', process.env.PORT ?? 8765));
  const endpoint = opt('--hub-endpoint', undefined);
  const hosts = args.flatMap((a, i) => (args[i - 1] === '--hub-host' ? [a] : []));
  const { url } = await startServer({ root, port, hub: endpoint ? { endpoint, hosts } : null });
  console.log(`attnscope demo: ${url}/demo/`);
}
