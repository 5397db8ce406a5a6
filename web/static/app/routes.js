// Routed answers on Ask: a question ChatBI sends to explain, the risk list,
// the uplift view or the what-if shows what that capability returned
// (route_result), beside the reading of the request Beacon made of it.
// Every figure here is the capability's own; nothing is computed anew.
import { html } from '../vendor/preact-htm.js';
import { Chart, valueLabel } from './chart.js';
import { value } from './format.js';
import { label } from './i18n.js';
import { ScoresBehind } from './parts.js';

// RouteAnswer draws a routed answer's result by its route.
export function RouteAnswer({ res, ctx }) {
  const r = res.route_result;
  const req = res.request || {};
  switch (res.route) {
    case 'explain': return html`<${ExplainView} e=${r} req=${req.explain || {}} ctx=${ctx} />`;
    case 'risk_list': return html`<${RiskView} page=${r} req=${req.risk || {}} ctx=${ctx} />`;
    case 'uplift': return html`<${UpliftView} v=${r} req=${req.uplift || {}} ctx=${ctx} />`;
    case 'whatif': return html`<${WhatIfView} w=${r} req=${req.whatif || {}} ctx=${ctx} />`;
    default: return null;
  }
}

// RouteReading says which capability a routed question went to and the
// request made of it, when the capability could not answer (no figures).
export function RouteReading({ res, ctx }) {
  const { t } = ctx;
  const req = res.request || {};
  const body = req.explain || req.risk || req.uplift || req.whatif;
  if (!res.route || res.route === 'metric' || !body) return null;
  // The server scores churn in the background after a start: say so in
  // the user's words rather than leave them with a command to run.
  const unscored = /no customer has been scored yet/.test(res.answer || '');
  return html`${unscored ? html`<p class="badge warn scores-behind" role="status" data-no-scores>${t('noScoresYet')}</p>` : null}
    <dl class="reading" data-route-reading=${res.route}>
    <${Fact} k="route" dt=${t('route')} dd=${t('routes.' + res.route)} />
    <${Fact} k="request" dt=${t('request')} dd=${html`<code>${JSON.stringify(body)}</code>`} />
  </dl>`;
}

function Fact({ k, dt, dd }) {
  return html`<div><dt>${dt}</dt><dd data-reading=${k}>${dd}</dd></div>`;
}

const signed = (s) => (s.startsWith('-') ? '−' + s.slice(1) : '+' + s);
const f1 = (v) => (v === null || v === undefined ? '–' : Number(v).toFixed(1));
const pct1 = (v) => (v === null || v === undefined ? '–' : (v * 100).toFixed(1) + '%');

// delta writes a change in the metric's units: percentage points for a
// percent metric, the value's own format otherwise.
function delta(v, format, lang, t) {
  if (v === null || v === undefined) return '–';
  // A move under 0.005 points (a mix effect, often) is written as none.
  if (format === 'percent') return (Math.abs(v * 100) < 0.005 ? '0.00' : signed((v * 100).toFixed(2))) + ' ' + t('pp');
  return signed(value(v, format, lang));
}

function dimLabel(catalog, d, lang) {
  return label(catalog.dims[d] && catalog.dims[d].label, lang) || d;
}

// sep joins a list in the language.
const sep = (lang) => (lang === 'en' ? ', ' : '、');

function period(p) {
  return p && p.start ? `${p.start} – ${p.end} (${p.time_zone})` : '–';
}

// num is a table cell holding a raw figure in data-value and its text.
function num(col, raw, text) {
  return html`<td class="num" data-col=${col} data-value=${raw === null || raw === undefined ? '' : String(raw)}>${text}</td>`;
}

// ExplainView: the change, then per dimension its drivers (table and a bar
// chart of contributions), and the drill into the biggest driver.
function ExplainView({ e, req, ctx }) {
  const { t, lang, catalog } = ctx;
  const filters = (req.filters || []).map((f) => `${dimLabel(catalog, f.dimension, lang)} = ${
    f.values ? f.values.map((v) => valueLabel(catalog, f.dimension, v, lang)).join(sep(lang)) : valueLabel(catalog, f.dimension, f.value, lang)}`);
  const mlabel = label(catalog.metrics[e.metric] && catalog.metrics[e.metric].label, lang) || e.label || e.metric;
  return html`<div class="route-result" data-route="explain">
    <dl class="reading">
      <${Fact} k="route" dt=${t('route')} dd=${t('routes.explain')} />
      <${Fact} k="metric" dt=${t('metric')} dd=${mlabel} />
      <${Fact} k="current" dt=${t('currentPeriod')} dd=${period(e.current)} />
      <${Fact} k="baseline" dt=${t('baselinePeriod')} dd=${period(e.baseline)} />
      <${Fact} k="dimensions" dt=${t('by')} dd=${(e.breakdowns || []).map((b) => dimLabel(catalog, b.dimension, lang)).join(sep(lang))} />
      <${Fact} k="filters" dt=${t('filters')} dd=${filters.length ? filters.join(lang === 'en' ? '; ' : '；') : t('none')} />
    </dl>
    <div class="route-figures">
      <${Figure} k="baseline_value" dt=${t('baselineValue')} raw=${e.baseline_value} text=${value(e.baseline_value, e.format, lang)} />
      <${Figure} k="current_value" dt=${t('currentValue')} raw=${e.current_value} text=${value(e.current_value, e.format, lang)} />
      <${Figure} k="change" dt=${t('change')} raw=${e.change} text=${delta(e.change, e.format, lang, t)} />
    </div>
    ${(e.breakdowns || []).map((b) => html`<${Drivers} key=${b.dimension} b=${b} e=${e} ctx=${ctx}
      title=${t('driversBy', dimLabel(catalog, b.dimension, lang))} />`)}
    ${e.drill ? html`<${Drivers} b=${e.drill} e=${e} ctx=${ctx} drill=${true}
      title=${t('drillWithin', valueLabel(catalog, e.drill.within.dimension, e.drill.within.value, lang), dimLabel(catalog, e.drill.dimension, lang))} />` : null}
  </div>`;
}

function Figure({ k, dt, raw, text, sub }) {
  return html`<div class="route-figure" data-figure=${k} data-value=${raw === null || raw === undefined ? '' : String(raw)}>
    <span class="muted small">${dt}</span><strong>${text}</strong>${sub ? html`<span class="muted small">${sub}</span>` : null}</div>`;
}

// Drivers is one breakdown: a table of its groups and a bar chart of
// their contributions to the change.
function Drivers({ b, e, ctx, title, drill }) {
  const { t, lang, catalog } = ctx;
  const ratio = e.kind === 'ratio';
  const name = (d) => (d.value === '' ? t('noValue') : lang === 'en' ? valueLabel(catalog, b.dimension, d.value, lang) : d.label || d.value);
  const drivers = b.drivers || [];
  const k = e.format === 'percent' ? 100 : 1;
  const fmtC = (v) => delta(v, e.format, lang, t);
  const option = drivers.length ? {
    animation: false, grid: { left: 8, right: 32, top: 8, bottom: 8, containLabel: true },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (v) => fmtC(v / k) },
    xAxis: { type: 'value', name: e.format === 'percent' ? t('pp') : '', nameGap: 4, axisLabel: { formatter: (v) => (e.format === 'percent' ? v.toFixed(2) : value(v, e.format, lang)) } },
    yAxis: { type: 'category', inverse: true, data: drivers.map(name) },
    series: [{ type: 'bar', name: t('contribution'), data: drivers.map((d) => ({ value: d.contribution * k,
      itemStyle: { color: d.contribution > 0 ? '#c2410c' : '#1f5fbf' } })) }],
  } : null;
  const cap = `${title}${e.format === 'percent' ? ` (${t('pp')})` : ''}`;
  return html`<section class="drivers" data-breakdown=${b.dimension} data-drill=${drill ? '1' : null}>
    <h3>${title}</h3>
    ${option ? html`<${Chart} option=${option} name=${cap} height=${Math.min(60 + drivers.length * 28, 360)} />` : null}
    <div class="table-wrap" tabindex="0" role="region" aria-label=${title}><table>
      <caption class="sr-only">${title}</caption>
      <thead><tr><th scope="col">${dimLabel(catalog, b.dimension, lang)}</th>
        <th scope="col" class="num">${t('baselineValue')}</th><th scope="col" class="num">${t('currentValue')}</th>
        <th scope="col" class="num">${t('contribution')}</th><th scope="col" class="num">${t('share')}</th>
        ${ratio ? html`<th scope="col" class="num">${t('rateEffect')}</th><th scope="col" class="num">${t('mixEffect')}</th>` : null}</tr></thead>
      <tbody>${drivers.map((d) => html`<tr data-driver=${d.value}>
        <th scope="row">${name(d)}</th>
        ${num('baseline', d.baseline, value(d.baseline, e.format, lang))}
        ${num('current', d.current, value(d.current, e.format, lang))}
        ${num('contribution', d.contribution, fmtC(d.contribution))}
        ${num('share', d.share, pct1(d.share))}
        ${ratio ? html`${num('rate_effect', d.rate_effect, fmtC(d.rate_effect))}${num('mix_effect', d.mix_effect, fmtC(d.mix_effect))}` : null}
      </tr>`)}
      ${b.rest ? html`<tr data-driver-rest="1"><th scope="row">${t('restGroups', b.rest.groups)}</th><td></td><td></td>
        ${num('contribution', b.rest.contribution, fmtC(b.rest.contribution))}<td></td>${ratio ? html`<td></td><td></td>` : null}</tr>` : null}</tbody>
      <tfoot><tr><th scope="row">${t('total')}</th>${num('baseline', b.baseline, value(b.baseline, e.format, lang))}
        ${num('current', b.current, value(b.current, e.format, lang))}${num('contribution', b.change, fmtC(b.change))}<td class="num">100%</td>
        ${ratio ? html`${num('rate_effect', b.rate_effect, fmtC(b.rate_effect))}${num('mix_effect', b.mix_effect, fmtC(b.mix_effect))}` : null}</tr></tfoot>
    </table></div>
  </section>`;
}

function text2(lang, zh, en) {
  return lang === 'en' ? en || zh : zh || en;
}

// RiskView: the early-warning list the question asked for, with a link to
// the same list on the Watch list page.
function RiskView({ page, req, ctx }) {
  const { t, lang, catalog, navigate } = ctx;
  const q = new URLSearchParams();
  if (req.tier) q.set('tier', req.tier);
  if (req.segment) q.set('segment', req.segment);
  const href = '/watchlist' + (q.toString() ? '?' + q : '');
  const customers = page.customers || [];
  const inactive = !!req.inactive;
  return html`<div class="route-result" data-route="risk_list">
    <dl class="reading">
      <${Fact} k="route" dt=${t('route')} dd=${t('routes.risk_list')} />
      <${Fact} k="tier" dt=${t('tier')} dd=${req.tier ? t('tiers.' + req.tier) : t('all')} />
      ${req.segment ? html`<${Fact} k="segment" dt=${dimLabel(catalog, 'segment', lang)} dd=${valueLabel(catalog, 'segment', req.segment, lang)} />` : null}
      ${req.branch ? html`<${Fact} k="branch" dt=${t('branchCol')} dd=${req.branch} />` : null}
      ${inactive ? html`<${Fact} k="inactive" dt=${t('inactiveFor')} dd=${t('months', req.inactive)} />` : null}
      <${Fact} k="month" dt=${t('scoredMonth')} dd=${page.month} />
      <${Fact} k="total" dt=${t('listed')} dd=${t('listedOf', customers.length, page.total)} />
    </dl>
    <${ScoresBehind} month=${page.month} ctx=${ctx} />
    <p><a href=${href} data-watchlist-link onClick=${(ev) => navigate(ev, href)}>${t('openWatchlist')}</a></p>
    ${customers.length ? html`<div class="table-wrap" tabindex="0" role="region" aria-label=${t('watchTitle')}><table>
      <thead><tr><th scope="col">${t('customer')}</th><th scope="col">${t('branchCol')}</th><th scope="col">${dimLabel(catalog, 'segment', lang)}</th>
        <th scope="col" class="num">${t('score')}</th><th scope="col">${t('tier')}</th>
        ${inactive ? html`<th scope="col" class="num">${t('inactiveFor')}</th>` : null}
        <th scope="col">${t('reasons')}</th><th scope="col">${t('action')}</th></tr></thead>
      <tbody>${customers.map((c) => html`<tr data-customer=${c.customer_id}>
        <td>${c.customer_id}</td><td data-col="branch" data-value=${c.branch}>${c.branch}</td><td>${valueLabel(catalog, 'segment', c.segment, lang)}</td>
        ${num('score', c.score, pct1(c.score))}<td><span class=${'tier tier-' + c.tier}>${t('tiers.' + c.tier)}</span></td>
        ${inactive ? num('months_inactive', c.months_inactive, c.months_inactive) : null}
        <td class="wrap">${(c.reasons || []).map((r) => text2(lang, r.zh, r.en)).join(lang === 'en' ? '; ' : '；')}</td>
        <td class="wrap">${c.action ? text2(lang, c.action.zh, c.action.en) : ''}</td></tr>`)}</tbody>
    </table></div>` : html`<p class="muted">${t('noData')}</p>`}
  </div>`;
}

// interval writes a 95% interval of a fraction in percentage points.
function ppInterval(lo, hi) {
  if (lo === null || lo === undefined) return '–';
  return `${(lo * 100).toFixed(1)} – ${(hi * 100).toFixed(1)}`;
}

// UpliftView: each group's treated and comparable untreated customers,
// retention, uplift with its 95% interval, and what it cost.
function UpliftView({ v, req, ctx }) {
  const { t, lang, catalog } = ctx;
  const by = v.by || req.by || [];
  const keyText = (key) => by.map((d) => valueLabel(catalog, d, (key || {})[d], lang)).join(' · ') || t('total');
  const rows = [...(v.groups || []), ...(v.total ? [{ ...v.total, isTotal: true }] : [])];
  return html`<div class="route-result" data-route="uplift">
    <dl class="reading">
      <${Fact} k="route" dt=${t('route')} dd=${t('routes.uplift')} />
      <${Fact} k="by" dt=${t('by')} dd=${by.map((d) => dimLabel(catalog, d, lang)).join(sep(lang))} />
      <${Fact} k="period" dt=${t('period')} dd=${req.from || req.to ? `${req.from || '…'} – ${req.to || '…'}` : t('allHistory')} />
      <${Fact} k="as_of" dt=${t('measuredTo')} dd=${v.as_of} />
      <${Fact} k="min_n" dt=${t('minN')} dd=${v.min_n} />
      <${Fact} k="comparison" dt=${t('comparedWith')} dd=${v.comparison} />
    </dl>
    <div class="table-wrap" tabindex="0" role="region" aria-label=${t('routes.uplift')}><table>
      <thead><tr><th scope="col">${by.map((d) => dimLabel(catalog, d, lang)).join(' · ')}</th>
        <th scope="col" class="num">${t('treated')}</th><th scope="col" class="num">${t('untreated')}</th>
        <th scope="col" class="num">${t('treatedRetention')}</th><th scope="col" class="num">${t('untreatedRetention')}</th>
        <th scope="col" class="num">${t('uplift')}</th><th scope="col" class="num">${t('ppInterval95')}</th>
        <th scope="col" class="num">${t('customersKept')}</th><th scope="col" class="num">${t('cost')}</th>
        <th scope="col" class="num">${t('costPerKept')}</th><th scope="col">${t('notes')}</th></tr></thead>
      <tbody>${rows.map((g) => html`<tr class=${g.isTotal ? 'total-row' : ''} data-group=${g.isTotal ? '' : keyText(g.key)}>
        <th scope="row">${g.isTotal ? t('total') : keyText(g.key)}</th>
        ${num('treated', g.treated, g.treated)}${num('untreated', g.untreated, g.untreated)}
        ${num('treated_retention', g.treated_retention, pct1(g.treated_retention))}${num('untreated_retention', g.untreated_retention, pct1(g.untreated_retention))}
        ${num('uplift', g.uplift, g.uplift === null || g.uplift === undefined ? '–' : signed((g.uplift * 100).toFixed(1)) + ' ' + t('pp'))}
        <td class="num" data-col="interval" data-low=${g.uplift_low} data-high=${g.uplift_high}>${ppInterval(g.uplift_low, g.uplift_high)}</td>
        ${num('customers_kept', g.customers_kept, f1(g.customers_kept))}
        ${num('cost', g.cost, value(g.cost, 'currency', lang))}
        ${num('cost_per_customer_kept', g.cost_per_customer_kept, value(g.cost_per_customer_kept, 'currency', lang))}
        <td class="wrap">${g.conclusive === false ? html`<span class="badge warn">${t('inconclusive')}</span> ` : null}${g.note || ''}</td></tr>`)}</tbody>
    </table></div>
  </div>`;
}

// WhatIfView: the customers and AUM expected to be kept, each with its 95%
// interval, the cost, and the measured effect the estimate rests on.
function WhatIfView({ w, req, ctx }) {
  const { t, lang, catalog } = ctx;
  const money = (v) => value(v, 'currency', lang);
  const ef = w.effect || {};
  return html`<div class="route-result" data-route="whatif">
    <dl class="reading">
      <${Fact} k="route" dt=${t('route')} dd=${t('routes.whatif')} />
      <${Fact} k="segment" dt=${dimLabel(catalog, 'segment', lang)} dd=${valueLabel(catalog, 'segment', w.segment || req.segment, lang)} />
      <${Fact} k="top_n" dt=${t('topN')} dd=${t('topNof', w.top_n, w.candidates)} />
      <${Fact} k="action_type" dt=${t('actionType')} dd=${valueLabel(catalog, 'action_type', w.action_type, lang)} />
      <${Fact} k="month" dt=${t('scoredMonth')} dd=${w.month} />
      ${w.basis ? html`<${Fact} k="basis" dt=${t('basis')} dd=${w.basis} />` : null}
    </dl>
    <${ScoresBehind} month=${w.stand_in ? '' : w.month} ctx=${ctx} />
    <div class="route-figures">
      <${Figure} k="customers_kept" dt=${t('customersKept')} raw=${w.customers_kept} text=${f1(w.customers_kept)}
        sub=${`${t('interval95')} ${f1(w.customers_kept_low)} – ${f1(w.customers_kept_high)}`} />
      <${Figure} k="aum_kept" dt=${t('aumKept')} raw=${w.aum_kept} text=${money(w.aum_kept)}
        sub=${`${t('interval95')} ${money(w.aum_kept_low)} – ${money(w.aum_kept_high)}`} />
      <${Figure} k="win_back" dt=${t('winBack')} raw=${w.win_back} text=${pct1(w.win_back)}
        sub=${`${t('interval95')} ${pct1(w.win_back_low)} – ${pct1(w.win_back_high)}`} />
      <${Figure} k="expected_leavers" dt=${t('expectedLeavers')} raw=${w.expected_leavers} text=${f1(w.expected_leavers)}
        sub=${`${t('aumAtRisk')} ${money(w.aum_at_risk)}`} />
      <${Figure} k="cost" dt=${t('cost')} raw=${w.cost} text=${money(w.cost)}
        sub=${`${t('costPerKept')} ${money(w.cost_per_customer_kept)}`} />
    </div>
    ${ef.treated !== undefined ? html`<p class="muted small" data-effect>${t('effectBasis', ef.treated, ef.untreated,
      signed((ef.uplift * 100).toFixed(1)), ppInterval(ef.uplift_low, ef.uplift_high))}</p>` : null}
    ${w.note ? html`<p class="muted small">${w.note}</p>` : null}
  </div>`;
}
