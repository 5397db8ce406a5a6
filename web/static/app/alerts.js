// 预警 Alerts: the rules the caller may see (GET /api/v1/alerts), each with
// its current states and recent changes (GET /api/v1/alerts/{id}/history),
// and the silences in force. Analysts and admins (the roles the API lets
// write) also create, edit, delete and test-send rules and add or end
// silences; every refusal is shown beside the field the API names.
import { html, useEffect, useState } from '../vendor/preact-htm.js';
import { api } from './api.js';
import { label } from './i18n.js';
import { ErrorBox, Progress } from './parts.js';
import { valueLabel } from './chart.js';
import { figure, instant, listSep } from './format.js';
import { fieldMessage } from './errors.js';
import { CardActions, ChannelChecks, EDITORS, fieldMapper, FormFoot, stateName, TestResult, useCardActions, useEditForm } from './forms.js';
const RANGES = ['last_month', 'last_quarter', 'last_3_months', 'last_6_months', 'last_12_months', 'this_month', 'this_year'];

// conditionText says a rule's condition in words, its bounds in the
// metric's format and unit (流失率 > 1.00%, not threshold > 0.01; 投诉率 >
// 8 ‰).
function conditionText(c, metricLabel, mdef, lang, t) {
  if (!c) return '';
  const format = mdef.format;
  const bound = (v) => {
    if (c.kind !== 'change') return figure(v, mdef, lang);
    if (c.change === 'percent') return v + '%';
    return format === 'percent' ? (v * 100).toFixed(2) + ' ' + t('pp') : figure(v, mdef, lang);
  };
  const subject = c.kind === 'change' ? t('changeOf', metricLabel, t(c.compare || 'previous_period')) : metricLabel;
  const parts = [];
  if (c.above !== undefined) parts.push(`${subject} > ${bound(c.above)}`);
  if (c.below !== undefined) parts.push(`${subject} < ${bound(c.below)}`);
  if (c.kind === 'band') parts.push(t('bandText', metricLabel, c.periods, t('grainNames.' + c.grain), c.k));
  return `${t('kinds.' + c.kind)}: ${parts.join(t('or'))}`;
}

// visibleSilences keeps the silences of rules the caller sees and those
// on a whole channel: another owner's rule is not the caller's business.
function visibleSilences(silences, rules) {
  const ids = new Set((rules || []).map((r) => r.id));
  return silences.filter((s) => !s.rule || ids.has(s.rule));
}

export function Alerts({ ctx }) {
  const { t, session } = ctx;
  const canEdit = !!session && EDITORS.includes(session.role);
  const [rules, setRules] = useState(null);
  const [hist, setHist] = useState({});
  const [silences, setSilences] = useState([]);
  const [channels, setChannels] = useState([]);
  const [err, setErr] = useState(null);
  const [editing, setEditing] = useState(null); // null, {} for a new rule, or a rule
  const [silencing, setSilencing] = useState(null); // null, or the rule id a silence starts from ('' for none)

  function load() {
    setErr(null);
    api('/alerts').then((r) => {
      setRules(r.alerts);
      for (const rule of r.alerts) {
        api('/alerts/' + encodeURIComponent(rule.id) + '/history?limit=10')
          .then((h) => setHist((m) => ({ ...m, [rule.id]: h })), () => {});
      }
    }, setErr);
    api('/silences').then((s) => setSilences(s.silences || []), () => {});
  }
  useEffect(() => {
    load();
    api('/channels').then((c) => setChannels(c.channels || []), () => {});
  }, []);

  const saved = () => { setEditing(null); load(); };
  const shown = visibleSilences(silences, rules);
  const zone = session && session.model.time_zone;
  return html`<section class="page alerts" aria-labelledby="alerts-h">
    <div class="page-head"><h1 id="alerts-h">${t('alertsTitle')}</h1>
      ${canEdit && !editing ? html`<button type="button" class="primary" data-new-rule onClick=${() => setEditing({})}>${t('newRule')}</button>` : null}</div>
    ${!canEdit && session ? html`<p class="muted small" data-read-only>${t('alertsReadOnly', session.role)}</p>` : null}
    ${zone ? html`<p class="muted small" data-times-in>${t('timesIn', zone)}</p>` : null}
    ${editing && html`<${RuleForm} key=${editing.id || 'new'} rule=${editing.id ? editing : null} ctx=${ctx} channels=${channels}
      onSaved=${saved} onCancel=${() => setEditing(null)} />`}
    ${err && html`<${ErrorBox} err=${err} t=${t} onRetry=${load} />`}
    ${!rules && !err && html`<${Progress} t=${t} />`}
    ${rules && !rules.length && html`<p class="muted">${t('noData')}</p>`}
    <div class="cards-col">${(rules || []).map((r) => html`<${RuleCard} key=${r.id} r=${r} h=${hist[r.id]} ctx=${ctx} canEdit=${canEdit}
      onEdit=${() => { setEditing(r); scrollTo(0, 0); }} onDeleted=${load} onSilence=${() => setSilencing(r.id)} />`)}</div>
    <h2 class="section-h">${t('silences')}</h2>
    ${shown.length ? html`<ul class="silences">${shown.map((s) => html`<li data-silence=${s.id}>
        ${s.rule ? html`<code>${s.rule}</code>` : null}${s.rule && s.channel ? ' · ' : ''}${s.channel ? html`<code>${s.channel}</code>` : null}
        · ${t('until')} ${instant(s.until, zone)}${s.reason ? ' · ' + s.reason : ''}${s.created_by ? html` <span class="muted small">(${s.created_by})</span>` : null}
        ${canEdit ? html` <${EndSilence} s=${s} ctx=${ctx} onDone=${load} />` : null}</li>`)}</ul>`
      : html`<p class="muted" data-no-silences>${t('none')}</p>`}
    ${canEdit && silencing === null ? html`<button type="button" data-add-silence onClick=${() => setSilencing('')}>${t('addSilence')}</button>` : null}
    ${canEdit && silencing !== null ? html`<${SilenceForm} key=${silencing} rule=${silencing} rules=${rules || []} channels=${channels} ctx=${ctx}
      onDone=${() => { setSilencing(null); load(); }} onCancel=${() => setSilencing(null)} />` : null}
  </section>`;
}


// RuleCard shows a rule, its states and recent changes, and for editors
// its actions. Rules loaded from YAML are changed in their file.
function RuleCard({ r, h, ctx, canEdit, onEdit, onDeleted, onSilence }) {
  const { t, lang, catalog, session } = ctx;
  const id = encodeURIComponent(r.id);
  const actions = useCardActions({ api, testPath: '/alerts/' + id + '/test', deletePath: '/alerts/' + id, onDeleted });
  const name = r.name || r.id;
  const metric = r.metric || (r.query && r.query.metrics && r.query.metrics[0]);
  const mdef = catalog.metrics[metric] || {};
  const mlabel = label(mdef.label, lang) || metric;
  // A breakdown group reads dim=value (several joined by commas): each
  // value is shown with its label in the language.
  const group = (g) => String(g).split(/,\s*/).map((part) => {
    const i = part.indexOf('=');
    return i < 0 ? part : valueLabel(catalog, part.slice(0, i), part.slice(i + 1), lang);
  }).join(' · ');
  const fromAPI = !r.origin || r.origin === 'api';
  // The states' figures share two decimals when any has a fraction (0.00
  // beside 5.71), counts excepted.
  const fixed = mdef.format !== 'count' && !!h && (h.states || []).some((s) => typeof s.value === 'number' && !Number.isInteger(s.value));
  return html`<article class="card" aria-labelledby=${'al-' + r.id} data-rule=${r.id}>
    <h2 id=${'al-' + r.id}>${r.name || r.id} ${r.disabled ? html`<span class="badge warn">${t('disabled')}</span>` : null}
      ${!fromAPI ? html`<span class="badge" title=${r.origin}>${t('fromFile')}</span>` : null}</h2>
    <dl class="facts">
      <div><dt>${t('metric')}</dt><dd>${label(catalog.metrics[metric] && catalog.metrics[metric].label, lang) || metric}</dd></div>
      ${r.query && r.query.dimensions && r.query.dimensions.length ? html`<div><dt>${t('by')}</dt><dd>${r.query.dimensions.map((d) => label(catalog.dims[d] && catalog.dims[d].label, lang) || d).join(listSep(lang))}</dd></div>` : null}
      <div><dt>${t('condition')}</dt><dd data-condition>${conditionText(r.condition, mlabel, mdef, lang, t)}</dd></div>
      <div><dt>${t('schedule')}</dt><dd><code>${r.schedule ? [r.schedule.cron, r.schedule.time_zone].filter(Boolean).join(' ') : ''}</code></dd></div>
      <div><dt>${t('channels')}</dt><dd>${(r.channels || []).map((c) => c.name).join(listSep(lang))}</dd></div>
    </dl>
    ${h ? html`<h3>${t('states')}</h3>
      <ul class="states">${h.states && h.states.length ? h.states.map((s) => html`<li data-state=${s.state}><span class=${'state state-' + s.state}>${stateName(s.state, t)}</span> ${s.group ? group(s.group) : ''} ${s.value !== null && s.value !== undefined ? html`· <span data-value=${String(s.value)}>${figure(s.value, mdef, lang, fixed)}</span>` : ''}</li>`) : html`<li class="muted">${t('none')}</li>`}</ul>
      ${h.transitions && h.transitions.length ? html`<h3>${t('history')}</h3><ul class="small">${h.transitions.map((x) => html`<li>${instant(x.at, session && session.model.time_zone)} · ${x.group ? group(x.group) + ' · ' : ''}${stateName(x.from, t)} → ${stateName(x.to, t)}${x.detail ? ' · ' + x.detail : ''}</li>`)}</ul>` : null}` : null}
    ${canEdit ? html`<${CardActions} t=${t} name=${name} fromAPI=${fromAPI} actions=${actions} testLabel=${t('testSend')} onEdit=${onEdit}
      extra=${html`<button type="button" data-silence-rule aria-label=${t('silence') + ': ' + name} onClick=${onSilence} disabled=${!!actions.busy}>${t('silence')}</button>`} />` : null}
    ${actions.busy === 'delete' ? html`<${Progress} t=${t} />` : null}
    <${TestResult} actions=${actions} t=${t} intro=${t('testSent')}>
      ${actions.result && actions.result.observations ? html`<p class="muted small">${t('observations', actions.result.observations.length)}</p>` : null}
    </${TestResult}>
  </article>`;
}

// FIELDS maps each form field to the API's error fields it answers for.
const FIELDS = [
  ['id', ['id']], ['name', ['name']], ['metric', ['metric', 'query.metrics', 'metrics']],
  ['dim', ['query.dimensions', 'dimensions', 'query.filters', 'filters']], ['range', ['query.time', 'time', 'query']],
  ['above', ['condition.above']], ['below', ['condition.below']], ['compare', ['condition.compare']], ['change', ['condition.change']],
  ['periods', ['condition.periods']], ['k', ['condition.k']], ['grain', ['condition.grain']], ['kind', ['condition']],
  ['cron', ['schedule.cron', 'schedule']], ['tz', ['schedule.time_zone']], ['for', ['for']], ['repeat', ['repeat']],
  ['channels', ['channels']], ['lang', ['lang']],
];

// fieldOf is the form field an API error names; '' when none matches.
export const fieldOf = fieldMapper(FIELDS);

// num sends a number as a number and anything else as typed, so that the
// API says what is wrong with it, against its field.
function num(v) {
  const s = String(v == null ? '' : v).trim();
  if (s === '') return undefined;
  return Number.isFinite(Number(s)) ? Number(s) : s;
}

function ruleFields(r, zone) {
  const c = (r && r.condition) || {};
  const q = (r && r.query) || {};
  const str = (v) => (v === undefined || v === null ? '' : String(v));
  return {
    id: (r && r.id) || '', name: (r && r.name) || '', metric: (r && r.metric) || (q.metrics || [])[0] || 'churn_rate',
    dim: (q.dimensions || [])[0] || '', range: (q.time && q.time.range) || 'last_month',
    kind: c.kind || 'threshold', above: str(c.above), below: str(c.below), compare: c.compare || 'previous_period',
    change: c.change || 'percent', periods: str(c.periods || 12), k: str(c.k || 2), grain: c.grain || 'month',
    cron: (r && r.schedule && r.schedule.cron) || '0 9 * * *', tz: (r && r.schedule && r.schedule.time_zone) || zone,
    for: str(r && r.for), repeat: (r && r.repeat) || '24h', channels: ((r && r.channels) || []).map((x) => x.name),
    lang: (r && r.lang) || 'zh', disabled: !!(r && r.disabled),
  };
}

// ruleBody builds the API's rule from the form, keeping what the form does
// not show (filters, recipients, the owner) from the rule being edited.
function ruleBody(f, rule) {
  const base = rule ? JSON.parse(JSON.stringify(rule)) : {};
  delete base.origin;
  const q = { ...(base.query || {}) };
  q.metrics = [f.metric];
  if (f.dim) q.dimensions = [f.dim]; else delete q.dimensions;
  q.time = { ...(q.time || {}), range: f.range };
  const cond = { kind: f.kind };
  if (f.kind === 'band') Object.assign(cond, { periods: num(f.periods), k: num(f.k), grain: f.grain });
  else {
    if (num(f.above) !== undefined) cond.above = num(f.above);
    if (num(f.below) !== undefined) cond.below = num(f.below);
    if (f.kind === 'change') Object.assign(cond, { compare: f.compare, change: f.change });
  }
  const old = new Map((base.channels || []).map((c) => [c.name, c]));
  const body = { ...base, id: f.id.trim(), name: f.name, query: q, condition: cond,
    schedule: { cron: f.cron, time_zone: f.tz }, repeat: f.repeat.trim() || undefined, lang: f.lang, disabled: f.disabled || undefined,
    channels: f.channels.map((n) => old.get(n) || { name: n }) };
  delete body.metric;
  const fr = num(f.for);
  if (fr === undefined) delete body.for; else body.for = fr;
  return body;
}

// RuleForm creates (POST /api/v1/alerts) or replaces (PUT) a rule.
function RuleForm({ rule, ctx, channels, onSaved, onCancel }) {
  const { t, lang, catalog, session } = ctx;
  const form = useEditForm({
    initial: ruleFields(rule, session.model.time_zone), prefix: 'rf-', fieldOf, t, onSaved,
    save: (f) => {
      const body = ruleBody(f, rule);
      return rule ? api('/alerts/' + encodeURIComponent(rule.id), { method: 'PUT', body }) : api('/alerts', { method: 'POST', body });
    },
  });
  const { f, set, aria, field, input } = form;
  const dims = f.metric && catalog.metrics[f.metric] ? catalog.metrics[f.metric].dimensions || [] : [];
  return html`<form class="card rule-form" onSubmit=${form.submit} aria-labelledby="rf-h" novalidate>
    <h2 id="rf-h">${rule ? t('editRule', rule.name || rule.id) : t('newRule')}</h2>
    <div class="controls">
      ${field('id', t('ruleID'), input('id', { disabled: !!rule, placeholder: 'branch-churn-high', autocomplete: 'off' }))}
      ${field('name', t('ruleName'), input('name', { size: 30 }))}
      ${field('metric', t('metric'), html`<select ...${aria('metric')} value=${f.metric} onChange=${set('metric')}>
        ${catalog.list.map((m) => html`<option value=${m.name}>${label(m.label, lang)}</option>`)}</select>`)}
      ${field('dim', t('by'), html`<select ...${aria('dim')} value=${f.dim} onChange=${set('dim')}>
        <option value="">${t('none')}</option>
        ${dims.map((d) => html`<option value=${d}>${label(catalog.dims[d] && catalog.dims[d].label, lang) || d}</option>`)}</select>`)}
      ${field('range', t('period'), html`<select ...${aria('range')} value=${f.range} onChange=${set('range')}>
        ${RANGES.map((r) => html`<option value=${r}>${t('ranges.' + r)}</option>`)}</select>`)}
    </div>
    <div class="controls">
      ${field('kind', t('condition'), html`<select ...${aria('kind')} value=${f.kind} onChange=${set('kind')}>
        ${['threshold', 'change', 'band'].map((k) => html`<option value=${k}>${t('kinds.' + k)}</option>`)}</select>`)}
      ${f.kind === 'change' ? html`
        ${field('compare', t('compare'), html`<select ...${aria('compare')} value=${f.compare} onChange=${set('compare')}>
          ${['previous_period', 'same_period_last_year'].map((k) => html`<option value=${k}>${t(k)}</option>`)}</select>`)}
        ${field('change', t('changeIn'), html`<select ...${aria('change')} value=${f.change} onChange=${set('change')}>
          ${['percent', 'absolute'].map((k) => html`<option value=${k}>${t('changes.' + k)}</option>`)}</select>`)}` : null}
      ${f.kind === 'band' ? html`
        ${field('periods', t('periods'), input('periods', { inputmode: 'numeric', size: 5 }))}
        ${field('k', t('bandK'), input('k', { inputmode: 'decimal', size: 5 }))}
        ${field('grain', t('grain'), html`<select ...${aria('grain')} value=${f.grain} onChange=${set('grain')}>
          ${['day', 'week', 'month', 'quarter'].map((g) => html`<option value=${g}>${t('grainNames.' + g)}</option>`)}</select>`)}`
      : html`
        ${field('above', t('above'), input('above', { inputmode: 'decimal', size: 8 }))}
        ${field('below', t('below'), input('below', { inputmode: 'decimal', size: 8 }))}`}
    </div>
    <p class="muted small">${t('conditionHelp')}</p>
    <div class="controls">
      ${field('cron', t('schedule'), input('cron', { size: 14, spellcheck: false }))}
      ${field('tz', t('zone'), input('tz', { size: 16, spellcheck: false }))}
      ${field('for', t('forN'), input('for', { inputmode: 'numeric', size: 4 }))}
      ${field('repeat', t('repeat'), input('repeat', { size: 6 }))}
      ${field('lang', t('msgLang'), html`<select ...${aria('lang')} value=${f.lang} onChange=${set('lang')}>
        <option value="zh">中文</option><option value="en">English</option></select>`)}
    </div>
    <${ChannelChecks} form=${form} channels=${channels} t=${t} />
    <label class="check"><input type="checkbox" id="rf-disabled" checked=${f.disabled} onChange=${set('disabled')} /> ${t('disableRule')}</label>
    <${FormFoot} form=${form} t=${t} onCancel=${onCancel} />
  </form>`;
}

// silenceFieldOf is the silence form's field an API error names.
const silenceFieldOf = fieldMapper([['rule', ['rule']], ['channel', ['channel']], ['until', ['until']], ['reason', ['reason']]]);

// SilenceForm mutes a rule, a channel or a rule on a channel until a time
// (POST /api/v1/silences).
function SilenceForm({ rule, rules, channels, ctx, onDone, onCancel }) {
  const { t } = ctx;
  const form = useEditForm({
    initial: { rule, channel: '', until: localInput(new Date(Date.now() + 24 * 3600 * 1000)), reason: '' },
    prefix: 'sf-', fieldOf: silenceFieldOf, t, onSaved: onDone,
    save: (f) => {
      const d = new Date(f.until);
      return api('/silences', { method: 'POST', body: { rule: f.rule || undefined, channel: f.channel || undefined, reason: f.reason || undefined,
        until: Number.isNaN(d.getTime()) ? f.until : d.toISOString().replace(/\.\d{3}Z$/, 'Z') } });
    },
  });
  const { f, set, aria, field } = form;
  return html`<form class="card silence-form" onSubmit=${form.submit} aria-labelledby="sf-h" novalidate>
    <h3 id="sf-h">${t('addSilence')}</h3>
    <div class="controls">
      ${field('rule', t('rule'), html`<select ...${aria('rule')} value=${f.rule} onChange=${set('rule')}><option value="">${t('anyRule')}</option>
        ${rules.map((r) => html`<option value=${r.id}>${r.name || r.id}</option>`)}</select>`)}
      ${field('channel', t('channel'), html`<select ...${aria('channel')} value=${f.channel} onChange=${set('channel')}><option value="">${t('anyChannel')}</option>
        ${channels.map((c) => html`<option value=${c.name}>${c.name}</option>`)}</select>`)}
      ${field('until', t('silenceUntil'), html`<input type="datetime-local" ...${aria('until')} value=${f.until} onInput=${set('until')} />`)}
      ${field('reason', t('reason'), html`<input type="text" ...${aria('reason')} size="30" value=${f.reason} onInput=${set('reason')} />`)}
    </div>
    <${FormFoot} form=${form} t=${t} onCancel=${onCancel} submitLabel=${t('silence')} />
  </form>`;
}

// localInput writes a time as a datetime-local input holds it (the browser's zone).
function localInput(d) {
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

// EndSilence ends a silence now (DELETE /api/v1/silences/{id}); the
// notices it held are sent.
function EndSilence({ s, ctx, onDone }) {
  const { t } = ctx;
  const [err, setErr] = useState(null);
  const end = () => api('/silences/' + encodeURIComponent(s.id), { method: 'DELETE' }).then(onDone, setErr);
  return html`<button type="button" class="link" data-end-silence=${s.id} onClick=${end}>${t('endSilence')}</button>
    ${err ? html`<span class="error small" role="alert">${fieldMessage(err, t.lang)}</span>` : null}`;
}
