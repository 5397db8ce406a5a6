// The API client: every call carries the signed-in token, kept in this
// tab's sessionStorage only.
const KEY = 'beacon.token';

export class APIError extends Error {
  constructor(status, body) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
    this.code = this.body.code || '';
  }
}

// MAX_COMPUTING_WAITS bounds how often a call asked again while the churn
// scores are computed (each wait at most COMPUTING_WAIT_MAX seconds): about
// ten minutes, longer than scoring a default bank takes.
const MAX_COMPUTING_WAITS = 60;
const COMPUTING_WAIT_MAX = 10;

// sleep waits ms, or less when signal aborts.
function sleep(ms, signal) {
  return new Promise((done) => {
    const id = setTimeout(done, ms);
    if (signal) signal.addEventListener('abort', () => { clearTimeout(id); done(); }, { once: true });
  });
}

export function getToken() {
  return sessionStorage.getItem(KEY) || '';
}

export function setToken(t) {
  if (t) sessionStorage.setItem(KEY, t);
  else sessionStorage.removeItem(KEY);
}

// takeTokenFromURL accepts a token handed over in the URL fragment
// (#token=...), which browsers never send to a server, then removes it.
export function takeTokenFromURL() {
  const m = location.hash.match(/(?:^#|&)token=([^&]+)/);
  if (!m) return;
  setToken(decodeURIComponent(m[1]));
  history.replaceState(history.state, '', location.pathname + location.search);
}

// api calls /api/v1 + path; as 'blob' returns the body as a Blob. While
// the server computes the churn scores an answer needs (503, code
// computing, with the scoring state), it asks again after the wait the
// server suggests, telling onWait the state each time ({scoring, retryAt,
// waits}) so the page can show progress (parts.js, Progress).
export async function api(path, { method = 'GET', body, as = 'json', signal, retries = 6, onWait, waits = 0 } = {}) {
  const headers = { Accept: 'application/json' };
  const t = getToken();
  if (t) headers.Authorization = 'Bearer ' + t;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  // Reports (/reports/...) sit beside the API and take the same token.
  const url = path.startsWith('/reports/') ? path : '/api/v1' + path;
  const res = await fetch(url, {
    method, headers, signal, body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) {
    let err;
    try { err = (await res.json()).error; } catch (_) { /* not JSON */ }
    const aborted = signal && signal.aborted;
    // Scores still being computed: not a fault, and it ends by itself.
    if (res.status === 503 && err && err.code === 'computing' && waits < MAX_COMPUTING_WAITS && !aborted) {
      const wait = Math.min(Number(err.retry_after || res.headers.get('Retry-After')) || 5, COMPUTING_WAIT_MAX);
      if (onWait) onWait({ scoring: err.scoring || null, retryAt: Date.now() + wait * 1000, waits: waits + 1 });
      await sleep(wait * 1000, signal);
      return api(path, { method, body, as, signal, retries, onWait, waits: waits + 1 });
    }
    // A busy server refuses work it has no room for (503 with Retry-After)
    // and nothing has run: wait as it asks and try again, a few times.
    if (res.status === 503 && retries > 0 && !aborted && !(err && err.code === 'computing')) {
      const wait = Math.min(Number(res.headers.get('Retry-After')) || 1, 10);
      await sleep(wait * 1000, signal);
      return api(path, { method, body, as, signal, retries: retries - 1, onWait, waits });
    }
    throw new APIError(res.status, err);
  }
  if (res.status === 204) return null; // deleted: no body
  return as === 'blob' ? res.blob() : res.json();
}

// download saves a Blob under a file name.
export function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// reportURL is the address of a declared report's page (/reports/{name}).
// A browser opening a link sends no Authorization header, so with a token
// the link carries it as access_token, which the report routes accept
// (their pages send no Referer and are not cached).
export function reportURL(name, lang) {
  const q = new URLSearchParams({ lang: lang === 'en' ? 'en' : 'zh' });
  const t = getToken();
  if (t) q.set('access_token', t);
  return '/reports/' + encodeURIComponent(name) + '?' + q;
}
