// 问数 Ask: a conversation with ChatBI. Each answer shows its sentence, a
// chart, the rows, the reading Beacon resolved and, folded, the SQL.
import { html, useEffect, useRef, useState } from '../vendor/preact-htm.js';
import { api } from './api.js';
import { fieldMessage } from './errors.js';
import { Chart } from './chart.js';
import { label } from './i18n.js';
import { ErrorBox, Progress, Reading, ResultTable } from './parts.js';
import { RouteAnswer, RouteReading } from './routes.js';

// suggestions are questions built from the catalog's own words.
function suggestions(catalog, lang, t) {
  const pick = ['churn_rate', 'renewal_rate', 'aum', 'net_inflow', 'win_back_rate'].filter((m) => catalog.metrics[m]);
  const names = pick.length ? pick : catalog.list.slice(0, 4).map((m) => m.name);
  const out = names.slice(0, 3).map((m) => t('askAbout', label(catalog.metrics[m].label, lang)));
  const seg = catalog.dims.segment || catalog.dimList[0];
  if (seg && names[0]) out.push(t('byQ', label(catalog.metrics[names[0]].label, lang), label(seg.label, lang)));
  return out;
}

export function Ask({ ctx }) {
  const { t, lang, catalog } = ctx;
  const [thread, setThread] = useState([]);
  const [conv, setConv] = useState('');
  const [q, setQ] = useState('');
  const busy = thread.some((e) => e.state === 'loading');
  const input = useRef(null);
  const end = useRef(null);

  useEffect(() => { if (input.current) input.current.focus(); }, []);

  async function ask(question) {
    question = question.trim();
    if (!question || busy) return;
    const id = Date.now() + Math.random();
    setThread((th) => [...th, { id, question, state: 'loading' }]);
    setQ('');
    try {
      const res = await api('/chat', { method: 'POST', body: conv ? { question, conversation_id: conv } : { question } });
      setConv(res.conversation_id);
      setThread((th) => th.map((e) => (e.id === id ? { ...e, state: 'done', res } : e)));
    } catch (err) {
      setThread((th) => th.map((e) => (e.id === id ? { ...e, state: 'error', err } : e)));
    }
  }

  useEffect(() => {
    if (end.current && thread.length) end.current.scrollIntoView({ block: 'nearest' });
  }, [thread.length]);

  const submit = (e) => { e.preventDefault(); ask(q); };
  const restart = () => { setThread([]); setConv(''); if (input.current) input.current.focus(); };

  return html`<section class="page ask" aria-labelledby="ask-h">
    <h1 id="ask-h">${t('askTitle')}</h1>
    <div class="thread" aria-live="polite">
      ${thread.map((e) => html`<${Answer} key=${e.id} entry=${e} ctx=${ctx} onAsk=${ask} />`)}
      <div ref=${end}></div>
    </div>
    <form class="ask-form" onSubmit=${submit}>
      <label for="ask-input">${t('askLabel')}</label>
      <div class="ask-row">
        <input id="ask-input" ref=${input} type="text" autocomplete="off" maxlength="500" value=${q}
          placeholder=${t('askPlaceholder')} onInput=${(e) => setQ(e.target.value)} />
        <button type="submit" class="primary" disabled=${busy || !q.trim()}>${t('send')}</button>
        ${thread.length ? html`<button type="button" onClick=${restart}>${t('newThread')}</button>` : null}
      </div>
    </form>
    <div class="suggest" aria-label=${t('suggested')} role="group">
      <span class="muted">${t('suggested')}${lang === 'en' ? ': ' : '：'}</span>
      ${suggestions(catalog, lang, t).map((s) => html`<button type="button" class="chip" disabled=${busy} onClick=${() => ask(s)}>${s}</button>`)}
    </div>
  </section>`;
}

function Answer({ entry, ctx, onAsk }) {
  const { t, lang, catalog } = ctx;
  const { question, state, res, err } = entry;
  return html`<article class="answer" data-state=${state} data-status=${res ? res.status : ''}>
    <p class="question"><span class="who">${t('you')}</span> ${question}</p>
    ${state === 'loading' && html`<div class="answer-body placeholder"><${Progress} t=${t} text=${t('thinking')} /></div>`}
    ${state === 'error' && html`<${ErrorBox} err=${err} t=${t} onRetry=${() => onAsk(question)} />`}
    ${state === 'done' && html`<div class="answer-body">
      <p class="sentence">${res.answer}</p>
      ${res.status === 'refuse' && res.interpretation && res.interpretation.suggestions && res.interpretation.suggestions.length
        ? html`<${MetricButtons} names=${res.interpretation.suggestions} intro=${t('tryInstead')} ctx=${ctx} onAsk=${onAsk} />` : null}
      ${res.status === 'clarify' && res.interpretation && res.interpretation.candidates && res.interpretation.candidates.length
        ? html`<${MetricButtons} names=${res.interpretation.candidates} intro=${t('clarifyPick')} ctx=${ctx} onAsk=${onAsk} />` : null}
      ${res.status !== 'answer' && res.route ? html`<${RouteReading} res=${res} ctx=${ctx} />` : null}
      ${res.status === 'answer' && routed(res) ? html`<${RouteAnswer} res=${res} ctx=${ctx} />` : null}
      ${res.status === 'answer' && !routed(res) && html`
        ${res.chart && res.rows && res.rows.length ? (kpiText(res.chart)
          ? html`<p class="kpi-answer kpi-value" data-kpi>${kpiText(res.chart)}</p>`
          : html`<${Chart} option=${chartOption(res.chart, lang, catalog)} name=${res.answer} height=${res.rows.length === 1 ? 220 : 320} />`) : null}
        ${res.rows ? html`<${ResultTable} res=${res} lang=${lang} t=${t} catalog=${catalog} caption=${question} />` : null}
        <${Reading} query=${res.query} time=${res.time} lang=${lang} t=${t} catalog=${catalog} />
        ${ctx.session && ctx.session.features && ctx.session.features.pins && res.query ? html`<${PinButton} res=${res} question=${question} ctx=${ctx} />` : null}
        ${res.sql && html`<details class="sql"><summary>${t('sql')}</summary><pre><code>${res.sql}</code></pre>
          ${res.params && res.params.length ? html`<p class="muted small">params: ${JSON.stringify(res.params)}</p>` : null}</details>`}`}
    </div>`}
  </article>`;
}

// routed says whether an answer came from a capability other than a
// metric query (explain, the risk list, uplift, the what-if).
function routed(res) {
  return !!(res.route && res.route !== 'metric' && res.route_result);
}

// kpiText is the figure of a one-value answer: the server draws it as a
// KPI card (no series; the question and the figure as titles), which here,
// where the question is shown above, is the figure alone.
function kpiText(opt) {
  if ((opt.series || []).length || !Array.isArray(opt.title) || !opt.title[1]) return '';
  return opt.title[1].text || '';
}

// chartOption takes the server's option, without its title (the question
// is shown above it) and without animation; in English the category
// labels (dimension values, in the model's Chinese) take their English
// labels where the catalog has them, as the table's do.
function chartOption(opt, lang, catalog) {
  const o = { ...opt, animation: false };
  delete o.title;
  o.grid = { left: 56, right: 16, top: 24, bottom: 48, containLabel: true };
  if (lang === 'en' && catalog) {
    const en = englishValues(catalog);
    const tr = (v) => (typeof v === 'string' && en.has(v) ? en.get(v) : v);
    const axes = (a) => (Array.isArray(a) ? a.map(axes) : a && a.data ? { ...a, data: a.data.map(tr) } : a);
    if (o.xAxis) o.xAxis = axes(o.xAxis);
    if (o.yAxis) o.yAxis = axes(o.yAxis);
    if (o.legend && o.legend.data) o.legend = { ...o.legend, data: o.legend.data.map(tr) };
    if (Array.isArray(o.series)) {
      o.series = o.series.map((x) => ({ ...x, name: tr(x.name),
        data: Array.isArray(x.data) ? x.data.map((d) => (d && typeof d === 'object' && 'name' in d ? { ...d, name: tr(d.name) } : d)) : x.data }));
    }
  }
  return o;
}

// englishValues maps every dimension value the catalog labels in English.
function englishValues(catalog) {
  const m = new Map();
  for (const d of catalog.dimList || []) {
    for (const v of d.values || []) if (v.label && v.label.en) m.set(v.value, v.label.en);
  }
  return m;
}

function MetricButtons({ names, intro, ctx, onAsk }) {
  const { t, lang, catalog } = ctx;
  return html`<div class="suggest" role="group" aria-label=${intro}>
    <span class="muted">${intro}</span>
    ${names.map((n) => {
      const l = label(catalog.metrics[n] && catalog.metrics[n].label, lang) || n;
      return html`<button type="button" class="chip" data-metric=${n} onClick=${() => onAsk(t('askAbout', l))}>${l}</button>`;
    })}
  </div>`;
}

// pinKind is how a pinned answer is drawn on the dashboard: one figure as a
// KPI card, otherwise as the answer's own chart, else as a table.
function pinKind(res) {
  const q = res.query || {};
  const timed = q.time && q.time.grain;
  if (!timed && !(q.dimensions && q.dimensions.length) && (res.rows || []).length <= 1) return 'kpi';
  const s = res.chart && res.chart.series && res.chart.series[0];
  const type = s && s.type;
  return ['line', 'bar', 'pie'].includes(type) ? type : 'table';
}

// PinButton pins an answer's query to the viewer's own dashboard
// (POST /api/v1/pins); the pin keeps the query, not the figures.
function PinButton({ res, question, ctx }) {
  const { t, navigate } = ctx;
  const [state, setState] = useState('idle');
  const [err, setErr] = useState(null);
  async function pin() {
    setState('saving');
    setErr(null);
    try {
      await api('/pins', { method: 'POST', body: { title: question.slice(0, 200), kind: pinKind(res), query: res.query } });
      setState('pinned');
    } catch (e) {
      setErr(e);
      setState('idle');
    }
  }
  return html`<div class="pin-row">
    ${state === 'pinned'
      ? html`<span class="muted" role="status" data-pinned="1">${t('pinned')} · <a href="/dashboards" onClick=${(e) => navigate(e, '/dashboards')}>${t('openPins')}</a></span>`
      : html`<button type="button" data-pin="1" disabled=${state === 'saving'} onClick=${pin}>${t('pin')}</button>`}
    ${err && html`<span class="error small" role="alert">${fieldMessage(err, t.lang)}</span>`}
  </div>`;
}
