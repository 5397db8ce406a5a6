// The Beacon front: a header (pages, language, who is signed in, the time
// zone and how recent the data is) over one page at a time, routed here.
import { html, render, useEffect, useRef, useState } from '../vendor/preact-htm.js';
import { api, APIError, getToken, reportURL, setToken, takeTokenFromURL } from './api.js';
import { fieldMessage } from './errors.js';
import { Alerts } from './alerts.js';
import { Ask } from './ask.js';
import { Dashboards } from './dashboards.js';
import { Explore } from './explore.js';
import { label, translator } from './i18n.js';
import { Metrics } from './metrics.js';
import { Subscriptions } from './subscriptions.js';
import { Watch } from './watch.js';
import { ErrorBox, Progress } from './parts.js';
import { instant } from './format.js';

const LANG = 'beacon.lang';

function indexCatalog(c) {
  const metrics = {};
  for (const m of c.metrics) metrics[m.name] = m;
  const dims = {};
  for (const d of c.dimensions) dims[d.name] = d;
  return { model: c.model, list: c.metrics, metrics, dims, dimList: c.dimensions };
}

function useLocation() {
  const [loc, setLoc] = useState({ path: location.pathname, search: location.search });
  useEffect(() => {
    const on = () => setLoc({ path: location.pathname, search: location.search });
    addEventListener('popstate', on);
    return () => removeEventListener('popstate', on);
  }, []);
  const go = (url, replace) => {
    if (replace) history.replaceState(null, '', url); else history.pushState(null, '', url);
    setLoc({ path: location.pathname, search: location.search });
  };
  return [loc, go];
}

function App() {
  const [lang, setLang] = useState(() => localStorage.getItem(LANG) || 'zh');
  const [loc, go] = useLocation();
  const [session, setSession] = useState(null);
  const [catalog, setCatalog] = useState(null);
  const [err, setErr] = useState(null);
  const [needSignIn, setNeedSignIn] = useState(false);
  const t = translator(lang);

  useEffect(() => {
    document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
    document.title = `Beacon · ${t(pageOf(loc.path))}`;
  }, [lang, loc.path]);

  async function start() {
    setErr(null);
    try {
      const [s, c] = await Promise.all([api('/session'), api('/metrics')]);
      setSession(s);
      setCatalog(indexCatalog(c));
      setNeedSignIn(false);
    } catch (e) {
      if (e instanceof APIError && e.status === 401) setNeedSignIn(true);
      else setErr(e);
    }
  }
  useEffect(() => { takeTokenFromURL(); start(); }, []);

  const switchLang = () => {
    const l = lang === 'zh' ? 'en' : 'zh';
    localStorage.setItem(LANG, l);
    setLang(l);
  };
  const signOut = () => { setToken(''); setSession(null); setCatalog(null); setNeedSignIn(true); };
  const navigate = (e, url) => {
    if (e && (e.ctrlKey || e.metaKey || e.shiftKey || e.button === 1)) return;
    if (e) e.preventDefault();
    go(url);
    const main = document.getElementById('main');
    if (main) main.focus({ preventScroll: true });
    scrollTo(0, 0);
  };
  const ctx = { t, lang, catalog, session, navigate, replace: (url) => go(url, true) };

  let body;
  if (needSignIn) body = html`<${SignIn} t=${t} onDone=${start} />`;
  else if (err) body = html`<${ErrorBox} err=${err} t=${t} onRetry=${start} />`;
  else if (!catalog) body = html`<${Progress} t=${t} />`;
  else body = page(loc, ctx);

  return html`<a class="skip" href="#main">${t('skip')}</a>
    <header class="top">
      <a class="brand" href="/ask" onClick=${(e) => navigate(e, '/ask')}>Beacon <span class="muted">${t('brand').replace('Beacon ', '')}</span></a>
      <nav aria-label=${t('nav')}><ul>
        ${pages(session).map((p) => html`<li><a href=${'/' + p} data-nav=${p}
          aria-current=${pageOf(loc.path) === p ? 'page' : null} onClick=${(e) => navigate(e, '/' + p)}>${t(p)}</a></li>`)}
        <${ReportsMenu} session=${session} lang=${lang} t=${t} />
      </ul></nav>
      <div class="who">
        ${session && (session.auth
          ? html`<span class="badge" data-session="on">${session.subject} · ${session.role}</span>
              <span class="muted small" data-scope>${t('scope')}: ${scopeText(session.scope, t, catalog, lang)}</span>
              ${getToken() ? html`<button type="button" class="link" onClick=${signOut}>${t('signOut')}</button>` : null}`
          : html`<span class="badge warn" data-session="off">${t('authOff')}</span>`)}
        <button type="button" id="lang-switch" aria-label=${t('langSwitchLabel')} lang=${lang === 'zh' ? 'en' : 'zh'} onClick=${switchLang}>${t('langSwitch')}</button>
      </div>
    </header>
    <div class="status-bar muted small" aria-label="status">
      ${session && html`<span>${t('zone')}: <strong data-zone>${session.model.time_zone}</strong></span>
        ${session.data.to ? html`<span>${t('dataTo')}: <strong data-data-to>${dataTo(session.data, t)}</strong></span>` : null}
        ${session.data.loaded_at ? html`<span>${t('loadedAt')}: <strong data-loaded>${instant(session.data.loaded_at, session.model.time_zone)}</strong></span>` : null}
        <span>${label(session.model.title, lang)}</span>`}
    </div>
    <main id="main" tabindex="-1">${body}</main>`;
}

// ReportsMenu lists the declared reports (from /api/v1/session) in the
// navigation, each opening its server-rendered page (/reports/{name}) in
// the page's language, in a new tab as Subscriptions' links do; the link
// carries the token, which a followed link cannot send as a header.
function ReportsMenu({ session, lang, t }) {
  const reports = (session && session.reports) || [];
  const ref = useRef(null);
  // A click elsewhere closes the menu, as a menu does.
  useEffect(() => {
    const away = (e) => { if (ref.current && ref.current.open && !ref.current.contains(e.target)) ref.current.open = false; };
    document.addEventListener('click', away);
    return () => document.removeEventListener('click', away);
  }, []);
  if (!reports.length) return null;
  const close = (e) => { const d = e.currentTarget.closest('details'); if (d) d.open = false; };
  const onKey = (e) => { if (e.key === 'Escape') { e.currentTarget.open = false; e.currentTarget.querySelector('summary').focus(); } };
  return html`<li class="nav-menu"><details data-nav="reports" ref=${ref} onKeyDown=${onKey}>
    <summary>${t('reportsTitle')}</summary>
    <ul class="menu" aria-label=${t('reportsTitle')}>${reports.map((r) => html`<li><a href=${reportURL(r.name, lang)} data-report=${r.name}
      target="_blank" rel="noopener noreferrer" onClick=${close}>${label(r.title, lang)}</a></li>`)}</ul>
  </details></li>`;
}

// pages are those whose APIs this server has: alerts and the watch list
// only where the server runs them.
function pages(session) {
  const f = (session && session.features) || {};
  return ['ask', 'metrics', 'explore', 'dashboards', ...(f.risk ? ['watchlist'] : []), ...(f.alerts ? ['alerts', 'subscriptions'] : [])];
}

function pageOf(path) {
  const p = path.split('/')[1] || 'ask';
  return ['ask', 'metrics', 'explore', 'dashboards', 'watchlist', 'alerts', 'subscriptions'].includes(p) ? p : 'ask';
}

function page(loc, ctx) {
  const [, first, second] = loc.path.split('/');
  switch (first) {
    case 'metrics': return html`<${Metrics} ctx=${ctx} name=${second ? decodeURIComponent(second) : ''} />`;
    case 'explore': return html`<${Explore} ctx=${ctx} search=${loc.search} />`;
    case 'watchlist': return html`<${Watch} ctx=${ctx} search=${loc.search} />`;
    case 'alerts': return html`<${Alerts} ctx=${ctx} />`;
    case 'subscriptions': return html`<${Subscriptions} ctx=${ctx} />`;
    case 'dashboards': return html`<${Dashboards} ctx=${ctx} name=${second ? decodeURIComponent(second) : ''} search=${loc.search} />`;
    default: return html`<${Ask} ctx=${ctx} />`;
  }
}

// dataTo says how far the data reaches: a monthly history (every date the
// first of a month) reaches through its last month, so it reads 2026-11
// (monthly snapshots), not 2026-11-01, which looks like a stale day.
function dataTo(data, t) {
  const monthly = /-01$/.test(data.to) && (!data.from || /-01$/.test(data.from));
  return monthly ? t('monthlyTo', data.to.slice(0, 7)) : data.to;
}

// scopeText says a row scope with the dimensions' labels (支行, not branch).
function scopeText(scope, t, catalog, lang) {
  const dimLabel = (d) => (catalog && catalog.dims[d] && label(catalog.dims[d].label, lang)) || d;
  const parts = Object.entries(scope || {}).map(([d, v]) => `${dimLabel(d)}: ${v.join(lang === 'en' ? ', ' : '、')}`);
  return parts.length ? parts.join('; ') : t('allData');
}

function SignIn({ t, onDone }) {
  const [tok, setTok] = useState('');
  const [err, setErr] = useState('');
  async function submit(e) {
    e.preventDefault();
    setToken(tok.trim());
    try {
      await api('/session');
      onDone();
    } catch (x) {
      setToken('');
      setErr(t('badToken') + fieldMessage(x, t.lang));
    }
  }
  return html`<section class="page signin" aria-labelledby="signin-h">
    <h1 id="signin-h">${t('signInTitle')}</h1>
    <p>${t('signInHelp')}</p>
    <form onSubmit=${submit}>
      <label for="token-input">${t('tokenLabel')}</label>
      <textarea id="token-input" rows="4" autocomplete="off" spellcheck="false" value=${tok} onInput=${(e) => setTok(e.target.value)}></textarea>
      ${err && html`<p class="error" role="alert">${err}</p>`}
      <button type="submit" class="primary" disabled=${!tok.trim()}>${t('signIn')}</button>
    </form>
  </section>`;
}

render(html`<${App} />`, document.getElementById('app'));
