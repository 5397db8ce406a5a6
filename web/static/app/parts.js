// Pieces shared by the pages: the result table, the reading of a query,
// progress while work runs, errors.
import { html, useEffect, useState } from '../vendor/preact-htm.js';
import { api } from './api.js';
import { cell, columnUnit, listSep, pctSaysNothing } from './format.js';
import { label } from './i18n.js';
import { valueLabel } from './chart.js';
import { errorText, scoringText } from './errors.js';

// ResultTable shows a result's rows with labelled, formatted columns; each
// cell keeps its raw value in data-value.
export function ResultTable({ res, lang, t, catalog, caption, max = 200 }) {
  const cols = res.columns || [];
  const rows = (res.rows || []).slice(0, max);
  if (!rows.length) return html`<p class="muted">${t('noData')}</p>`;
  const dashed = rows.some((r) => cols.some((c) => pctSaysNothing(r, c)));
  // One unit per column, chosen over the rows shown and named in its heading.
  const units = cols.map((c) => columnUnit(rows.map((r) => r[c.name]), c, lang));
  return html`<div class="table-wrap" tabindex="0" role="region" aria-label=${caption || t('rows', rows.length)}>
    <table>
      ${caption && html`<caption class="sr-only">${caption}</caption>`}
      <thead><tr>${cols.map((c, i) => html`<th scope="col" class=${c.type === 'number' ? 'num' : ''} data-col=${c.name} data-unit=${units[i] ? units[i].suffix : null}>${label(c.label, lang) || c.name}${units[i] ? units[i].header : ''}</th>`)}</tr></thead>
      <tbody>${rows.map((r) => html`<tr>${cols.map((c, i) => html`<td class=${c.type === 'number' ? 'num' : ''} data-col=${c.name}
          data-value=${r[c.name] === null ? '' : String(r[c.name])}>${c.role === 'dimension' ? valueLabel(catalog, c.name, r[c.name], lang) : cell(r[c.name], c, lang, t, res.time && res.time.grain, r, units[i])}</td>`)}</tr>`)}</tbody>
    </table></div>
    ${dashed ? html`<p class="muted small" data-change-note>${t('changeNote')}</p>` : null}
    <p class="muted small">${t('rows', (res.rows || []).length)}${res.truncated ? t('truncated') : ''}</p>`;
}

// rangeText says a resolved time: the named range, its dates and zone.
export function rangeText(time, t) {
  if (!time) return t('none');
  const name = time.range ? (t('ranges.' + time.range) !== 'ranges.' + time.range ? t('ranges.' + time.range) : time.range) : '';
  const dates = time.start ? `${time.start} – ${time.end}` : '';
  return [name, dates && `(${dates}, ${time.time_zone})`].filter(Boolean).join(' ');
}

// Reading lists what a query was taken to mean.
export function Reading({ query, time, lang, t, catalog }) {
  if (!query) return null;
  const metricNames = (query.metrics || []).map((m) => label(catalog.metrics[m] && catalog.metrics[m].label, lang) || m);
  const dimLabel = (d) => label(catalog.dims[d] && catalog.dims[d].label, lang) || d;
  const filters = (query.filters || []).map((f) => `${dimLabel(f.dimension)} ${opText(f.op)} ${
    f.values ? f.values.map((v) => valueLabel(catalog, f.dimension, v, lang)).join(listSep(lang)) : valueLabel(catalog, f.dimension, f.value, lang)}`);
  const cmp = time && time.comparison;
  return html`<dl class="reading">
    <div><dt>${t('metric')}</dt><dd data-reading="metric">${metricNames.join(listSep(lang))}</dd></div>
    <div><dt>${t('range')}</dt><dd data-reading="range">${rangeText(time, t)}${time && time.grain ? ` · ${t('grainNames.' + time.grain)}` : ''}</dd></div>
    ${query.dimensions && query.dimensions.length ? html`<div><dt>${t('by')}</dt><dd>${query.dimensions.map(dimLabel).join(listSep(lang))}</dd></div>` : null}
    <div><dt>${t('filters')}</dt><dd data-reading="filters">${filters.length ? filters.join(lang === 'en' ? '; ' : '；') : t('none')}</dd></div>
    <div><dt>${t('comparison')}</dt><dd data-reading="comparison">${cmp ? `${t(cmp.compare)} (${cmp.start} – ${cmp.end})` : t('none')}</dd></div>
  </dl>`;
}

function opText(op) {
  return { eq: '=', neq: '≠', in: '∈', not_in: '∉', gt: '>', gte: '≥', lt: '<', lte: '≤', between: '∈', contains: '⊃' }[op] || op;
}

// Progress is shown while work runs: an indeterminate bar and the time so
// far; with wait (an api call's onWait while the churn scores are
// computed), how far the scoring is and when the call asks again.
export function Progress({ t, text, wait }) {
  const [start] = useState(() => performance.now());
  const [now, setNow] = useState(start);
  useEffect(() => {
    const id = setInterval(() => setNow(performance.now()), 200);
    return () => clearInterval(id);
  }, []);
  if (wait) {
    const left = Math.max(0, Math.ceil((wait.retryAt - Date.now()) / 1000));
    const s = wait.scoring || {};
    return html`<div class="progress computing" role="status" aria-live="polite" data-computing=${`${s.months_done || 0}/${s.months_total || 0}`}>
      <div class="bar" aria-hidden="true"><span></span></div>
      <span>${t('computingWait', scoringText(wait.scoring, t.lang), left)} <span class="muted small">${t('computingNote')}</span></span>
    </div>`;
  }
  return html`<div class="progress" role="status" aria-live="polite">
    <div class="bar" aria-hidden="true"><span></span></div>
    <span>${text || t('loading')} <span class="muted">${t('elapsed', ((now - start) / 1000).toFixed(1))}</span></span>
  </div>`;
}

// ErrorBox says what went wrong in the page's language: a heading for the
// API's error code and its detail, in Chinese where errors.js knows the
// message (keeping what it names), else in the server's words, marked so.
export function ErrorBox({ err, t, onRetry }) {
  const e = errorText(err, t.lang);
  return html`<div class="error" role="alert" data-code=${e.code}>
    <strong>${t('error')}${t.lang === 'en' ? ': ' : '：'}${e.heading}</strong> ${err && err.status ? `(${err.status}) ` : ''}<span data-error-detail lang=${e.apiWords ? 'en' : null}>${e.apiWords ? t('serverSaid') : ''}${e.detail}</span>
    ${err && err.body && err.body.request_id ? html` <span class="muted small" title="request_id">#${err.body.request_id.slice(0, 8)}</span>` : null}
    ${onRetry && html` <button type="button" class="link" onClick=${onRetry}>${t('retry')}</button>`}
  </div>`;
}

// ScoresBehind warns when the latest churn scores are of a month before the
// data's last month: the server scores in the background after a start or
// a load, oldest month first, so a list may be of an earlier month for a
// while. month is YYYY-MM.
export function ScoresBehind({ month, ctx }) {
  const { t, session } = ctx;
  const to = session && session.data && session.data.to ? session.data.to.slice(0, 7) : '';
  if (!month || !to || month >= to) return null;
  return html`<p class="badge warn scores-behind" role="status" data-scores-behind>${t('scoresBehind', month, to)}</p>`;
}

// useDimensionValues is what a filter on dim offers: the values the viewer
// has rows for (GET /api/v1/dimensions/{dim}/values, the viewer's scope
// applied by the server). Until they come, an unscoped viewer is offered
// the catalog's values and a scoped one none.
export function useDimensionValues(ctx, dim) {
  const scoped = ctx.session && ctx.session.scope && Object.keys(ctx.session.scope).length > 0;
  const fallback = scoped ? [] : (ctx.catalog.dims[dim] && ctx.catalog.dims[dim].values) || [];
  const [vals, setVals] = useState(null);
  useEffect(() => {
    let live = true;
    api('/dimensions/' + encodeURIComponent(dim) + '/values').then((r) => { if (live) setVals(r.values || []); }, () => {});
    return () => { live = false; };
  }, [dim]);
  return vals || fallback;
}
