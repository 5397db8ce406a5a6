// 看板 Dashboards: defined in YAML on the server (GET /api/v1/dashboards),
// each panel's query run here with the viewer's token, so every user sees
// only their rows.
import { html, useEffect, useState } from '../vendor/preact-htm.js';
import { api } from './api.js';
import { Chart, optionLabel, resultOption } from './chart.js';
import { change, value } from './format.js';
import { label } from './i18n.js';
import { ErrorBox, Progress, rangeText, ResultTable, useDimensionValues } from './parts.js';
import { errorText } from './errors.js';

// WORSE_UP are the metrics whose rise is bad news.
const WORSE_UP = ['churn_rate', 'churned_customers', 'complaints', 'complaint_rate', 'withdrawals', 'cost_to_serve',
  'retention_cost', 'high_risk_customers', 'cumulative_churned_customers'];

export function Dashboards({ ctx, name, search }) {
  const { t, lang, navigate, session } = ctx;
  const [list, setList] = useState(null);
  const [err, setErr] = useState(null);
  useEffect(() => { if (!name) api('/dashboards').then((r) => setList(r.dashboards), setErr); }, [name]);
  if (name) return html`<${Dashboard} key=${name} name=${name} ctx=${ctx} search=${search} />`;
  const pins = session && session.features && session.features.pins;
  return html`<section class="page" aria-labelledby="dash-h">
    <h1 id="dash-h">${t('dashboardsTitle')}</h1>
    ${err && html`<${ErrorBox} err=${err} t=${t} />`}
    ${!list && !err && html`<${Progress} t=${t} />`}
    <ul class="cards">${(list || []).map((d) => html`<li class="card">
      <h2><a href=${'/dashboards/' + d.name} onClick=${(e) => navigate(e, '/dashboards/' + d.name)}>${label(d.title, lang)}</a></h2>
      <p class="muted">${label(d.description, lang)}</p></li>`)}</ul>
    ${pins ? html`<${Pins} ctx=${ctx} />` : null}
  </section>`;
}

// Pins is the viewer's own dashboard: the answers they pinned from Ask
// (GET /api/v1/pins), each run here with their token, each removable.
function Pins({ ctx }) {
  const { t } = ctx;
  const [pins, setPins] = useState(null);
  const [max, setMax] = useState(0);
  const [err, setErr] = useState(null);
  const load = () => { setErr(null); api('/pins').then((r) => { setPins(r.pins); setMax(r.max); }, setErr); };
  useEffect(load, []);
  const remove = (id) => api('/pins/' + encodeURIComponent(id), { method: 'DELETE' })
    .then(() => setPins((ps) => ps.filter((p) => p.id !== id)), setErr);
  const shared = { range: '', filters: {} };
  return html`<section class="pins" aria-labelledby="pins-h">
    <h2 id="pins-h" class="section-h">${t('myPins')} ${pins ? html`<span class="muted small" data-pins=${pins.length}>${t('pinCount', pins.length, max)}</span>` : null}</h2>
    ${err && html`<${ErrorBox} err=${err} t=${t} onRetry=${load} />`}
    ${!pins && !err && html`<${Progress} t=${t} />`}
    ${pins && !pins.length && html`<p class="muted">${t('noPins')}</p>`}
    ${pins && pins.length ? html`<div class="panels">${pins.map((p) => html`<${Panel} key=${p.id} p=${{ ...p, span: p.kind === 'table' ? 2 : 1 }}
      shared=${shared} ctx=${ctx} pin=${p.id} onRemove=${() => remove(p.id)} />`)}</div>` : null}
  </section>`;
}

// panelQuery adds the shared period and filters to a panel's query; a
// filter on a dimension a panel's metrics cannot be cut by is left out.
function panelQuery(p, shared, catalog) {
  const q = JSON.parse(JSON.stringify(p.query));
  q.time = q.time || {};
  if (!q.time.range && !q.time.start && shared.range) q.time.range = shared.range;
  const cuttable = (d) => q.metrics.every((m) => ((catalog.metrics[m] && catalog.metrics[m].dimensions) || []).includes(d));
  let skipped = false;
  for (const [dim, v] of Object.entries(shared.filters)) {
    if (!v) continue;
    if (!cuttable(dim)) { skipped = true; continue; }
    q.filters = [...(q.filters || []), { dimension: dim, op: 'eq', value: v }];
  }
  return { q, skipped };
}

function Dashboard({ name, ctx, search }) {
  const { t, lang, catalog } = ctx;
  const [d, setD] = useState(null);
  const [err, setErr] = useState(null);
  useEffect(() => { api('/dashboards/' + encodeURIComponent(name)).then(setD, setErr); }, [name]);
  if (err) return html`<section class="page"><${ErrorBox} err=${err} t=${t} /></section>`;
  if (!d) return html`<section class="page"><${Progress} t=${t} /></section>`;
  const p = new URLSearchParams(search);
  const shared = { range: p.get('range') || d.range || '', filters: {} };
  for (const f of d.filters || []) shared.filters[f.dimension] = p.get(f.dimension) || '';
  const set = (k, v) => {
    const np = new URLSearchParams(search);
    if (v) np.set(k, v); else np.delete(k);
    ctx.replace('/dashboards/' + name + (np.toString() ? '?' + np : ''));
  };
  const kpis = d.panels.filter((x) => x.kind === 'kpi');
  const others = d.panels.filter((x) => x.kind !== 'kpi');
  return html`<section class="page dashboard" aria-labelledby="dash-h">
    <h1 id="dash-h">${label(d.title, lang)}</h1>
    <p class="muted">${label(d.description, lang)}</p>
    <form class="controls" onSubmit=${(e) => e.preventDefault()}>
      ${(d.ranges || []).length ? html`<div class="field"><label for="db-range">${t('period')}</label>
        <select id="db-range" value=${shared.range} onChange=${(e) => set('range', e.target.value)}>
          ${d.ranges.map((r) => html`<option value=${r}>${t('ranges.' + r)}</option>`)}</select></div>` : null}
      ${(d.filters || []).map((f) => html`<${SharedFilter} key=${f.dimension} dim=${f.dimension} value=${shared.filters[f.dimension]}
        onChange=${(v) => set(f.dimension, v)} ctx=${ctx} />`)}
    </form>
    <div class="kpis">${kpis.map((k, i) => html`<${Panel} key=${'k' + i} p=${k} shared=${shared} ctx=${ctx} />`)}</div>
    <div class="panels">${others.map((k, i) => html`<${Panel} key=${'p' + i} p=${k} shared=${shared} ctx=${ctx} />`)}</div>
  </section>`;
}

// SharedFilter is a dashboard's filter on one dimension: it offers the
// values the viewer has rows for (a branch head sees its own region, not
// the bank's six whose every choice would be empty).
function SharedFilter({ dim, value, onChange, ctx }) {
  const { t, lang, catalog } = ctx;
  const values = useDimensionValues(ctx, dim);
  const d = catalog.dims[dim] || {};
  return html`<div class="field"><label for=${'db-f-' + dim}>${label(d.label, lang) || dim}</label>
    <select id=${'db-f-' + dim} value=${value} onChange=${(e) => onChange(e.target.value)} data-options=${values.length}>
      <option value="">${t('all')}</option>
      ${values.map((v) => html`<option value=${v.value}>${optionLabel(catalog, dim, v, lang)}</option>`)}
    </select></div>`;
}

// NOT_YET stands for the refusal a query of a month the data does not
// reach yet would get, known without asking.
const NOT_YET = { status: 400, message: 'this_month lies outside the data', body: {} };

// notYet says whether a panel asks for this month of metrics whose data
// (as the catalog said when the page loaded) ends before it: the churn
// scores of the latest month, while the server is still computing them
// after a start. Such a query would only be refused.
function notYet(q, catalog, session) {
  const today = session && session.data && session.data.today;
  if (!today || !q.time || q.time.range !== 'this_month') return false;
  const first = today.slice(0, 8) + '01';
  return q.metrics.every((m) => catalog.metrics[m] && catalog.metrics[m].data_to && catalog.metrics[m].data_to < first);
}

// outsideData says whether a panel's query was refused only because its
// period lies outside the data (a KPI over churn scores while the server is
// still scoring the latest months after a start): no data yet, not a fault.
function outsideData(err) {
  return err && err.status === 400 && /outside the data/.test(err.message || '');
}

// Panel is one card of a dashboard; a pin's card has a button to remove it.
function Panel({ p, shared, ctx, pin, onRemove }) {
  const { t, lang, catalog } = ctx;
  const [res, setRes] = useState(null);
  const [err, setErr] = useState(null);
  const [wait, setWait] = useState(null);
  const { q, skipped } = panelQuery(p, shared, catalog);
  const key = JSON.stringify(q);
  const load = () => {
    setErr(null);
    if (notYet(q, catalog, ctx.session)) { setErr(NOT_YET); return undefined; }
    // While the churn scores a panel reads are computed, the call waits
    // and asks again; the panel shows how far the scoring is.
    const ac = new AbortController();
    api('/query', { method: 'POST', body: q, signal: ac.signal, onWait: setWait })
      .then(setRes, (e) => { if (!ac.signal.aborted) setErr(e); }).finally(() => setWait(null));
    return () => ac.abort();
  };
  useEffect(load, [key]);
  const title = label(p.title, lang);
  const cls = `card panel panel-${p.kind}${p.span === 2 ? ' span2' : ''}`;
  const body = err ? (outsideData(err)
    ? html`<div data-no-data><p class="muted">${t('outsideData')}</p>${errorText(err, lang).detail ? html`<details class="small muted"><summary>${t('details')}</summary>${errorText(err, lang).detail}</details>` : null}</div>`
    : html`<${ErrorBox} err=${err} t=${t} onRetry=${load} />`)
    : !res ? html`<div class=${'panel-wait panel-wait-' + p.kind}><${Progress} t=${t} wait=${wait} /></div>`
      : p.kind === 'kpi' ? html`<${KPI} res=${res} metric=${q.metrics[0]} ctx=${ctx} />`
        : p.kind === 'table' ? html`<${ResultTable} res=${res} lang=${lang} t=${t} catalog=${catalog} caption=${title} />`
          : res.rows && res.rows.length ? html`<${Chart} option=${resultOption(res, p.kind, lang, catalog)} height=${280} name=${title} />`
            : html`<p class="muted">${t('noData')}</p>`;
  return html`<article class=${cls} data-panel=${p.kind} data-pin=${pin || null} aria-label=${title}>
    <div class="panel-head"><h2>${title}</h2>
      ${onRemove ? html`<button type="button" class="link" data-unpin=${pin} aria-label=${t('unpinLabel', title)} onClick=${onRemove}>${t('unpin')}</button>` : null}</div>
    ${body}
    ${res && p.kind !== 'kpi' ? html`<p class="muted small">${rangeText(res.time, t)}</p>` : null}
    ${skipped ? html`<p class="muted small">${t('notScoped')}</p>` : null}
  </article>`;
}

function KPI({ res, metric, ctx }) {
  const { t, lang } = ctx;
  const row = (res.rows || [])[0];
  const col = (res.columns || []).find((c) => c.name === metric) || {};
  if (!row) return html`<p class="kpi-value muted">${t('noData')}</p>`;
  const ch = change(row, metric, col.format, lang, t);
  const arrow = ch ? { up: '▲', down: '▼', flat: '■' }[ch.dir] : '';
  // Red for a move the bank does not want, green for one it does.
  const bad = ch && ch.dir !== 'flat' && (ch.dir === 'up') === WORSE_UP.includes(metric);
  const tone = !ch || ch.dir === 'flat' ? '' : bad ? ' bad' : ' good';
  return html`<p class="kpi-value" data-metric=${metric} data-value=${row[metric] === null ? '' : String(row[metric])}>${value(row[metric], col.format, lang)}</p>
    ${ch ? html`<p class=${'kpi-change' + tone} data-change=${ch.amount ? 'amount' : 'percent'} title=${ch.amount ? t('changeNote') : null}><span aria-hidden="true">${arrow}</span> ${ch.text} <span class="muted">${t('kpiChange')}</span>${ch.amount ? html`<span class="sr-only"> (${t('changeNote')})</span>` : null}</p>` : null}
    <p class="muted small">${res.time && res.time.start ? `${res.time.start} – ${res.time.end}` : ''}</p>`;
}
