// 分析 Explore: one metric, cut by dimensions and filters, at a grain over a
// range, with a comparison. The URL holds every choice, so a link shares it.
import { html, useEffect, useState } from '../vendor/preact-htm.js';
import { api, download } from './api.js';
import { Chart, optionLabel, resultOption } from './chart.js';
import { fileName } from './format.js';
import { label } from './i18n.js';
import { ErrorBox, Progress, Reading, ResultTable, useDimensionValues } from './parts.js';

const RANGES = ['last_month', 'last_quarter', 'last_3_months', 'last_6_months', 'last_12_months', 'this_quarter', 'this_year', 'last_year', 'ytd'];

// readState reads the choices from a query string.
export function readState(search, catalog) {
  const p = new URLSearchParams(search);
  const m = catalog.metrics[p.get('m')] ? p.get('m') : (catalog.metrics.churn_rate ? 'churn_rate' : catalog.list[0].name);
  const def = catalog.metrics[m];
  const grains = def.grains || [];
  const s = {
    m,
    by: (p.get('by') || '').split(',').filter((d) => (def.dimensions || []).includes(d)),
    filters: p.getAll('f').map((f) => {
      const i = f.indexOf(':');
      return { dimension: f.slice(0, i), values: f.slice(i + 1).split('|').filter(Boolean) };
    }).filter((f) => (def.dimensions || []).includes(f.dimension)),
    // A monthly trend by default; a link naming its period without a
    // grain asks for that period as one figure.
    grain: p.has('grain') ? p.get('grain') : (!p.has('range') && grains.includes('month') ? 'month' : ''),
    range: p.get('range') || (grains.length ? 'last_12_months' : ''),
    start: p.get('start') || '', end: p.get('end') || '',
    compare: p.get('compare') || '',
  };
  if (s.grain && !grains.includes(s.grain)) s.grain = '';
  if (!grains.length) { s.range = ''; s.compare = ''; }
  return s;
}

// writeState is the query string for the choices.
export function writeState(s) {
  const p = new URLSearchParams();
  p.set('m', s.m);
  if (s.by.length) p.set('by', s.by.join(','));
  // A filter still without values is kept too: the row just added stays
  // on the page while the user picks its values (the query skips it).
  for (const f of s.filters) p.append('f', f.dimension + ':' + f.values.join('|'));
  p.set('grain', s.grain);
  if (s.range) p.set('range', s.range);
  if (s.range === 'custom') { p.set('start', s.start); p.set('end', s.end); }
  if (s.compare) p.set('compare', s.compare);
  return '?' + p.toString();
}

// queryOf is the metric query for the choices.
export function queryOf(s) {
  const q = { metrics: [s.m], limit: 5000 };
  if (s.by.length) q.dimensions = s.by;
  const filters = s.filters.filter((f) => f.values.length).map((f) => (f.values.length === 1
    ? { dimension: f.dimension, op: 'eq', value: f.values[0] } : { dimension: f.dimension, op: 'in', values: f.values }));
  if (filters.length) q.filters = filters;
  const time = {};
  if (s.grain) time.grain = s.grain;
  if (s.range === 'custom') { if (s.start && s.end) { time.start = s.start; time.end = s.end; } } else if (s.range) time.range = s.range;
  if (Object.keys(time).length) q.time = time;
  if (s.compare && (time.range || time.start)) q.compare = s.compare;
  return q;
}

export function Explore({ ctx, search }) {
  const { t, lang, catalog } = ctx;
  const s = readState(search, catalog);
  const key = writeState(s);
  const def = catalog.metrics[s.m];
  const [res, setRes] = useState(null);
  const [err, setErr] = useState(null);
  const [busy, setBusy] = useState(false);
  const [dl, setDl] = useState('');
  // A link naming a metric the catalog lacks (a typo in a shared link)
  // shows another metric: the page says so until one is picked, as the
  // address is rewritten at once.
  const [unknownM, setUnknownM] = useState(() => {
    const m = new URLSearchParams(search).get('m');
    return m && !catalog.metrics[m] ? m : '';
  });

  const set = (patch) => ctx.replace('/explore' + writeState({ ...s, ...patch }));

  // The query runs when it changes, not when only the form does (a filter
  // row without values yet).
  const [wait, setWait] = useState(null);
  const qkey = JSON.stringify(queryOf(s));
  useEffect(() => { if (key !== search) ctx.replace('/explore' + key); }, [key]);
  useEffect(() => {
    const ac = new AbortController();
    setBusy(true);
    setErr(null);
    // A metric over churn scores still being computed waits, showing how far.
    api('/query', { method: 'POST', body: queryOf(s), signal: ac.signal, onWait: setWait })
      .then((r) => { setRes(r); setBusy(false); }, (e) => { if (e.name !== 'AbortError') { setErr(e); setBusy(false); } })
      .finally(() => setWait(null));
    return () => ac.abort();
  }, [qkey]);

  async function csv(format) {
    setDl(format);
    try {
      // XLSX comes from the report renderer, which takes the same query.
      const path = format === 'xlsx' ? `/reports/query?format=xlsx&lang=${lang}` : '/query?format=' + format;
      const blob = await api(path, { method: 'POST', body: queryOf(s), as: 'blob' });
      // The two CSVs differ (Excel's has a BOM): they get different names.
      download(blob, fileName([s.m, ...s.by, s.grain, s.range, format === 'excel' ? 'excel' : ''], format === 'xlsx' ? 'xlsx' : 'csv'));
    } catch (e) { setErr(e); } finally { setDl(''); }
  }

  const dims = def.dimensions || [];
  const dimLabel = (d) => label(catalog.dims[d] && catalog.dims[d].label, lang) || d;
  return html`<section class="page explore" aria-labelledby="explore-h">
    <h1 id="explore-h">${t('exploreTitle')}</h1>
    ${unknownM ? html`<p class="error" role="alert" data-unknown-metric=${unknownM}>${t('unknownMetricShown', unknownM, `${label(def.label, lang)} (${s.m})`)}</p>` : null}
    <form class="controls" onSubmit=${(e) => e.preventDefault()}>
      <div class="field"><label for="ex-metric">${t('metricPick')}</label>
        <select id="ex-metric" value=${s.m} onChange=${(e) => { setUnknownM(''); set({ m: e.target.value, by: [], filters: [] }); }}>
          ${catalog.list.map((m) => html`<option value=${m.name}>${label(m.label, lang)} (${m.name})</option>`)}
        </select></div>
      <fieldset class="field"><legend>${t('by')}</legend>
        <div class="checks">${dims.map((d) => html`<label class="check"><input type="checkbox" name="by" value=${d} checked=${s.by.includes(d)}
          onChange=${(e) => set({ by: e.target.checked ? [...s.by, d] : s.by.filter((x) => x !== d) })} /> ${dimLabel(d)}</label>`)}</div>
      </fieldset>
      <div class="field"><label for="ex-grain">${t('grain')}</label>
        <select id="ex-grain" value=${s.grain} onChange=${(e) => set({ grain: e.target.value })}>
          <option value="">${t('noGrain')}</option>
          ${(def.grains || []).map((g) => html`<option value=${g}>${t('grainNames.' + g)}</option>`)}
        </select></div>
      <div class="field"><label for="ex-range">${t('period')}</label>
        <select id="ex-range" value=${s.range} disabled=${!(def.grains || []).length} onChange=${(e) => set({ range: e.target.value })}>
          <option value="">${t('none')}</option>
          ${RANGES.map((r) => html`<option value=${r}>${t('ranges.' + r)}</option>`)}
          <option value="custom">${t('custom')}</option>
        </select></div>
      ${s.range === 'custom' && html`<div class="field"><label for="ex-start">${t('start')}</label>
          <input id="ex-start" type="date" value=${s.start} onChange=${(e) => set({ start: e.target.value })} /></div>
        <div class="field"><label for="ex-end">${t('end')}</label>
          <input id="ex-end" type="date" value=${s.end} onChange=${(e) => set({ end: e.target.value })} /></div>`}
      <div class="field"><label for="ex-compare">${t('compare')}</label>
        <select id="ex-compare" value=${s.compare} disabled=${!s.range} onChange=${(e) => set({ compare: e.target.value })}>
          <option value="">${t('noCompare')}</option>
          <option value="previous_period">${t('previous_period')}</option>
          <option value="same_period_last_year">${t('same_period_last_year')}</option>
        </select></div>
      <fieldset class="field filters"><legend>${t('filters')}</legend>
        ${s.filters.map((f, i) => html`<${FilterRow} key=${i} i=${i} f=${f} dims=${dims} ctx=${ctx}
          onChange=${(nf) => set({ filters: s.filters.map((x, j) => (j === i ? nf : x)) })}
          onRemove=${() => set({ filters: s.filters.filter((_, j) => j !== i) })} />`)}
        <button type="button" data-add-filter onClick=${() => set({ filters: [...s.filters, { dimension: dims[0], values: [] }] })} disabled=${!dims.length}>+ ${t('addFilter')}</button>
      </fieldset>
    </form>
    <div class="actions">
      <button type="button" onClick=${() => csv('csv')} disabled=${!!dl} data-download="csv">${t('downloadCSV')}</button>
      <button type="button" onClick=${() => csv('excel')} disabled=${!!dl}>${t('downloadExcel')}</button>
      <button type="button" onClick=${() => csv('xlsx')} disabled=${!!dl} data-download="xlsx">${t('downloadXLSX')}</button>
      <span class="muted small">${t('shareLink')}</span>
    </div>
    <div class="result" aria-busy=${busy ? 'true' : 'false'}>
      <div class="status-line">${busy ? html`<${Progress} t=${t} wait=${wait} />` : null}</div>
      ${err && html`<${ErrorBox} err=${err} t=${t} />`}
      <div class="card chart-card">${res && res.rows && res.rows.length
        ? html`<${Chart} option=${resultOption(res, s.grain ? 'line' : 'bar', lang, catalog)} name=${label(def.label, lang)} />`
        : html`<div class="chart-empty">${res && !busy ? t('noData') : ''}</div>`}</div>
      ${res && html`<${Reading} query=${res.query} time=${res.time} lang=${lang} t=${t} catalog=${catalog} />
        <${ResultTable} res=${res} lang=${lang} t=${t} catalog=${catalog} caption=${label(def.label, lang)} />`}
    </div>
  </section>`;
}

function FilterRow({ f, i, dims, ctx, onChange, onRemove }) {
  const { t, lang, catalog } = ctx;
  // The values the viewer has rows for (its scope applied by the server).
  const known = useDimensionValues(ctx, f.dimension);
  return html`<div class="filter-row">
    <label class="sr-only" for=${'ex-fd-' + i}>${t('dimension')}</label>
    <select id=${'ex-fd-' + i} value=${f.dimension} onChange=${(e) => onChange({ dimension: e.target.value, values: [] })}>
      ${dims.map((x) => html`<option value=${x}>${label(catalog.dims[x] && catalog.dims[x].label, lang) || x}</option>`)}
    </select>
    <label class="sr-only" for=${'ex-fv-' + i}>${t('values')}</label>
    ${known.length
      ? html`<select id=${'ex-fv-' + i} multiple size=${Math.min(4, known.length)}
          onChange=${(e) => onChange({ ...f, values: [...e.target.selectedOptions].map((o) => o.value) })}>
          ${known.map((v) => html`<option value=${v.value} selected=${f.values.includes(v.value)}>${optionLabel(catalog, f.dimension, v, lang)}</option>`)}
        </select>`
      : html`<input id=${'ex-fv-' + i} type="text" value=${f.values.join(',')} placeholder="a,b"
          onChange=${(e) => onChange({ ...f, values: e.target.value.split(/[,，]/).map((x) => x.trim()).filter(Boolean) })} />`}
    <button type="button" class="link" onClick=${onRemove}>${t('remove')}</button>
  </div>`;
}
