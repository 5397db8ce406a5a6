// 指标 Metrics: the governed catalog, searchable in Chinese and English.
import { html, useEffect, useState } from '../vendor/preact-htm.js';
import { api } from './api.js';
import { Chart, sparkOption } from './chart.js';
import { describe, label } from './i18n.js';
import { listSep, value } from './format.js';
import { ErrorBox, Progress } from './parts.js';

function matches(m, q) {
  if (!q) return true;
  const hay = [m.name, m.label && m.label.zh, m.label && m.label.en, m.description, m.description_zh,
    ...((m.synonyms && m.synonyms.zh) || []), ...((m.synonyms && m.synonyms.en) || [])].join(' ').toLowerCase();
  return q.toLowerCase().split(/\s+/).every((w) => hay.includes(w));
}

export function Metrics({ ctx, name }) {
  const { t, lang, catalog, navigate } = ctx;
  const [q, setQ] = useState('');
  const list = catalog.list.filter((m) => matches(m, q.trim()));
  const sel = catalog.metrics[name] || null;
  return html`<section class="page metrics" aria-labelledby="metrics-h">
    <h1 id="metrics-h">${t('metricsTitle')}</h1>
    <div class="split">
      <div class="list-pane">
        <label for="metric-search" class="sr-only">${t('search')}</label>
        <input id="metric-search" type="search" placeholder=${t('search')} value=${q} onInput=${(e) => setQ(e.target.value)} />
        <ul class="metric-list" aria-label=${t('metricsTitle')}>
          ${list.map((m) => html`<li key=${m.name}>
            <a href=${'/metrics/' + m.name} aria-current=${sel && sel.name === m.name ? 'true' : null}
              onClick=${(e) => navigate(e, '/metrics/' + m.name)}>
              <span class="ml">${label(m.label, lang)}</span> <code>${m.name}</code></a></li>`)}
        </ul>
        ${list.length ? null : html`<p class="muted">${t('noMatch')}</p>`}
      </div>
      <div class="detail-pane">${sel ? html`<${MetricDetail} key=${sel.name} m=${sel} ctx=${ctx} />` : null}</div>
    </div>
  </section>`;
}

function MetricDetail({ m, ctx }) {
  const { t, lang, catalog, navigate } = ctx;
  const [trend, setTrend] = useState(null);
  const [err, setErr] = useState(null);
  const [wait, setWait] = useState(null);
  const monthly = (m.grains || []).includes('month');
  useEffect(() => {
    if (!monthly) return undefined;
    setTrend(null); setErr(null);
    const ac = new AbortController();
    api(`/metrics/${encodeURIComponent(m.name)}?grain=month&range=last_12_months`, { signal: ac.signal, onWait: setWait })
      .then(setTrend, (e) => { if (!ac.signal.aborted) setErr(e); }).finally(() => setWait(null));
    return () => ac.abort();
  }, [m.name]);
  const dims = (m.dimensions || []).map((d) => label(catalog.dims[d] && catalog.dims[d].label, lang) || d);
  return html`<article class="card metric-detail" aria-labelledby="md-h">
    <h2 id="md-h">${label(m.label, lang)} <code>${m.name}</code></h2>
    <p data-definition>${describe(m, lang)}</p>
    <dl class="facts">
      <div><dt>${t('owner')}</dt><dd>${m.owner || '–'}</dd></div>
      <div><dt>${t('version')}</dt><dd>${m.version}</dd></div>
      <div><dt>${t('format')}</dt><dd>${t('formats.' + (m.format || 'number'))}</dd></div>
      <div><dt>${t('type')}</dt><dd>${m.type ? t('metricTypes.' + m.type) : '–'}</dd></div>
      <div><dt>${t('formula')}</dt><dd><code>${m.formula}</code></dd></div>
      <div><dt>${t('dimensions')}</dt><dd>${dims.join(listSep(lang)) || '–'}</dd></div>
      <div><dt>${t('grains')}</dt><dd>${(m.grains || []).map((g) => t('grainNames.' + g)).join(listSep(lang)) || '–'}</dd></div>
      ${m.data_from ? html`<div><dt>${t('dataRange')}</dt><dd>${m.data_from} – ${m.data_to}</dd></div>` : null}
    </dl>
    ${monthly && html`<h3>${t('trend')}</h3>
      <div class="spark-box">${err ? html`<${ErrorBox} err=${err} t=${t} />` : trend ? html`<${Chart} option=${sparkOption(trend, m.name)} height=${120} name=${t('trend')} />` : html`<${Progress} t=${t} wait=${wait} />`}</div>
      ${trend ? html`<${SparkNote} res=${trend} m=${m} ctx=${ctx} />` : null}`}
    <p><a href=${'/explore?m=' + m.name} onClick=${(e) => navigate(e, '/explore?m=' + m.name)}>${t('openExplore')} →</a></p>
  </article>`;
}

// SparkNote says what the small trend spans and where it ends: the first
// and last months and the last month's value.
function SparkNote({ res, m, ctx }) {
  const { t, lang } = ctx;
  const rows = (res.rows || []).filter((r) => r[m.name] !== null && r[m.name] !== undefined);
  if (!rows.length) return null;
  const first = rows[0].period, last = rows[rows.length - 1];
  return html`<p class="muted small" data-spark-note>${String(first).slice(0, 7)} – ${String(last.period).slice(0, 7)}
    ${' · ' + t('latest')} <strong>${value(last[m.name], m.format, lang)}</strong></p>`;
}
