// The messages of the Hub errors users meet: each names the model, the file and what to do.
// `repo` is { id, endpoint, revision, what }.
import { isNode } from './platform.js';

const where = (repo, file) => `${repo.what}: ${file} of the Hugging Face model ${repo.id} (revision ${repo.revision}, ${repo.endpoint})`;

/** An HTTP error answer of the endpoint (the Hub names the kind in X-Error-Code). */
export function hubErrorMessage(repo, file, response, { token, firstRequest }) {
  const { status } = response;
  const code = response.headers.get('X-Error-Code');
  const said = response.headers.get('X-Error-Message');
  const server = said ? ` (the server says: ${said.slice(0, 300)})` : '';
  const page = `${repo.endpoint}/${repo.id}`;
  let problem;
  if (code === 'RepoNotFound') {
    problem = token
      ? `there is no model ${repo.id} that this token can read: check the id, and the token's access`
      : `there is no model ${repo.id}: check the id (a private model also needs a Hugging Face token: the token option)`;
  } else if (status === 401 || status === 403) {
    problem = token
      ? `the token was refused (HTTP ${status}): check that it is valid and that its account may read this model ` +
        `(for a gated model, accept its conditions at ${page})`
      : `this model needs a Hugging Face token (HTTP ${status}): it is gated or private. Accept its conditions at ${page}, ` +
        `create a read token at ${repo.endpoint}/settings/tokens and pass it as the token option`;
  } else if (code === 'RevisionNotFound') {
    problem = `the repository has no revision ${JSON.stringify(repo.revision)}: check the revision (a branch, tag or commit id)`;
  } else if (status === 404 && firstRequest) {
    problem = `not found (HTTP 404): check the model id and the revision`;
  } else if (status === 429) {
    problem = 'too many requests (HTTP 429): wait a minute and try again, or pass a token';
  } else {
    problem = `the server answered HTTP ${status}${response.statusText ? ` ${response.statusText}` : ''}: try again later`;
  }
  return `${where(repo, file)}: ${problem}${server}`;
}

/** fetch() itself failed: no network, a refused connection, CORS or the page's CSP (all a TypeError in pages). */
export function networkErrorMessage(repo, file, url, error, { cache, known }) {
  const origin = new URL(url).origin;
  let reason;
  if (isNode) {
    const code = error?.cause?.code ?? error?.cause?.name;
    reason = `${origin} cannot be reached (${code ?? error?.cause?.message ?? error?.message}): check the network and the endpoint`;
  } else if (globalThis.navigator?.onLine === false) {
    reason = `the browser is offline (${url})`;
  } else {
    reason = `${url} could not be fetched: the network is down, or the request was refused before it reached this page — ` +
      `the server must allow this origin (CORS: Access-Control-Allow-Origin), and the page's Content-Security-Policy ` +
      `must allow ${origin} and the hosts it redirects to (connect-src)`;
  }
  const cached = !cache ? '' : known
    ? `; this file of commit ${known.slice(0, 12)} is not in the cache`
    : `; nothing is cached for ${repo.id} at ${repo.revision}: load it once while online`;
  return `${where(repo, file)}: ${reason}${cached}`;
}

/** The body stopped before Content-Length: never loaded as a shorter file, never cached. */
export function cutOffMessage(repo, file, received, size, error) {
  const of = size === null ? '' : ` of ${size}`;
  const why = error ? `: ${error.cause?.message ?? error.message}` : '';
  return `${where(repo, file)}: the download was cut off after ${received}${of} bytes${why}. ` +
    'Nothing of it was kept or cached; try again';
}
