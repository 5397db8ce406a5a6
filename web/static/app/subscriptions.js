// 报告订阅 Subscriptions: declared reports sent on a schedule to channels
// (GET /api/v1/subscriptions), each with its delivery history
// (GET /api/v1/subscriptions/{id}/history) and a link to its report's page
// (/reports/{name}). Analysts and admins, the roles the API lets write, also
// create, edit, delete and test-send them; a refusal is shown beside the
// field the API names. Channel settings (URLs, secrets) are never shown:
// the API gives channels' names and types only.
import { html, useEffect, useRef, useState } from '../vendor/preact-htm.js';
import { api, reportURL } from './api.js';
import { label } from './i18n.js';
import { ErrorBox, Progress } from './parts.js';

// EDITORS are the roles the subscription API lets write (analyst and above).
const EDITORS = ['analyst', 'admin'];

// FIELDS maps each form field to the API's error fields it answers for.
const FIELDS = [
  ['id', ['id']], ['name', ['name']], ['report', ['report', 'figures']],
  ['cron', ['schedule.cron', 'schedule']], ['tz', ['schedule.time_zone']],
  ['channels', ['channels']], ['lang', ['lang']],
];

// subFieldOf is the form field an API error names; '' when none matches.
export function subFieldOf(apiField) {
  if (!apiField) return '';
  for (const [f, prefixes] of FIELDS) {
    if (prefixes.some((p) => apiField === p || apiField.startsWith(p + '.') || apiField.startsWith(p + '['))) return f;
  }
  return '';
}

function reportTitle(session, name, lang) {
  const r = ((session && session.reports) || []).find((x) => x.name === name);
  return r ? label(r.title, lang) : name;
}

// localTime shows an instant in the model's zone.
function localTime(iso, zone, lang) {
  if (!iso) return '';
  try {
    return new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : 'zh-CN', { timeZone: zone, dateStyle: 'short', timeStyle: 'medium' }).format(new Date(iso));
  } catch (_) { return iso; }
}

export function Subscriptions({ ctx }) {
  const { t, lang, session } = ctx;
  const canEdit = !!session && EDITORS.includes(session.role);
  const [subs, setSubs] = useState(null);
  const [channels, setChannels] = useState([]);
  const [err, setErr] = useState(null);
  const [editing, setEditing] = useState(null); // null, {} for a new one, or a subscription
  const reports = (session && session.reports) || [];

  function load() {
    setErr(null);
    api('/subscriptions').then((r) => setSubs(r.subscriptions || []), setErr);
  }
  useEffect(() => {
    load();
    api('/channels').then((c) => setChannels(c.channels || []), () => {});
  }, []);
  const saved = () => { setEditing(null); load(); };

  return html`<section class="page subscriptions" aria-labelledby="subs-h">
    <div class="page-head"><h1 id="subs-h">${t('subsTitle')}</h1>
      ${canEdit && !editing ? html`<button type="button" class="primary" data-new-sub onClick=${() => setEditing({})}>${t('newSub')}</button>` : null}</div>
    <p class="muted small">${t('subsHelp')}</p>
    ${!canEdit && session ? html`<p class="muted small" data-read-only>${t('subsReadOnly', session.role)}</p>` : null}
    <h2 class="section-h">${t('reportsTitle')}</h2>
    ${reports.length ? html`<ul class="reports-list">${reports.map((r) => html`<li data-report=${r.name}>
        <a href=${reportURL(r.name, lang)} target="_blank" rel="noopener noreferrer">${label(r.title, lang)}</a> <code class="muted small">${r.name}</code></li>`)}</ul>`
      : html`<p class="muted">${t('noReports')}</p>`}
    ${editing && html`<${SubForm} key=${editing.id || 'new'} sub=${editing.id ? editing : null} ctx=${ctx} channels=${channels}
      onSaved=${saved} onCancel=${() => setEditing(null)} />`}
    <h2 class="section-h">${t('subsList')}</h2>
    ${err && html`<${ErrorBox} err=${err} t=${t} onRetry=${load} />`}
    ${!subs && !err && html`<${Progress} t=${t} />`}
    ${subs && !subs.length ? html`<p class="muted" data-no-subs>${t('noSubs')}</p>` : null}
    <div class="cards-col">${(subs || []).map((s) => html`<${SubCard} key=${s.id} s=${s} ctx=${ctx} canEdit=${canEdit}
      onEdit=${() => { setEditing(s); scrollTo(0, 0); }} onDeleted=${load} />`)}</div>
  </section>`;
}

// SubCard shows a subscription, a link to its report, its delivery history
// and, for editors, its actions. Subscriptions from YAML are changed in
// their file: they are only test-sent here.
function SubCard({ s, ctx, canEdit, onEdit, onDeleted }) {
  const { t, lang, session } = ctx;
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState('');
  const [result, setResult] = useState(null);
  const [err, setErr] = useState(null);
  const [hist, setHist] = useState(null);
  const fromAPI = !s.origin || s.origin === 'api';
  const zone = session.model.time_zone;
  const id = encodeURIComponent(s.id);
  const loadHistory = () => api('/subscriptions/' + id + '/history?limit=20').then(setHist, () => {});
  useEffect(() => { loadHistory(); }, [s.id]);
  async function testSend() {
    setBusy('test'); setErr(null); setResult(null);
    try { setResult(await api('/subscriptions/' + id + '/test', { method: 'POST' })); } catch (e) { setErr(e); }
    setBusy('');
    loadHistory();
  }
  async function remove() {
    setBusy('delete'); setErr(null);
    try { await api('/subscriptions/' + id, { method: 'DELETE' }); onDeleted(); } catch (e) { setErr(e); setBusy(''); }
  }
  const deliveries = (hist && hist.deliveries) || [];
  return html`<article class="card" aria-labelledby=${'sub-' + s.id} data-sub=${s.id}>
    <h2 id=${'sub-' + s.id}>${s.name || s.id} ${s.disabled ? html`<span class="badge warn">${t('disabled')}</span>` : null}
      ${!fromAPI ? html`<span class="badge" title=${s.origin}>${t('fromFile')}</span>` : null}</h2>
    <dl class="facts">
      <div><dt>${t('report')}</dt><dd><a href=${reportURL(s.report, s.lang || lang)} target="_blank" rel="noopener noreferrer" data-report-link>${reportTitle(session, s.report, lang)}</a></dd></div>
      <div><dt>${t('schedule')}</dt><dd><code>${s.schedule ? [s.schedule.cron, s.schedule.time_zone].filter(Boolean).join(' ') : ''}</code></dd></div>
      <div><dt>${t('nextAt')}</dt><dd data-next>${hist && hist.next_at ? localTime(hist.next_at, zone, lang) : '–'}</dd></div>
      <div><dt>${t('channels')}</dt><dd>${(s.channels || []).map((c) => c.name).join('、')}</dd></div>
      <div><dt>${t('msgLang')}</dt><dd>${s.lang === 'en' ? 'English' : '中文'}</dd></div>
      <div><dt>${t('owner')}</dt><dd>${(s.owner && s.owner.subject) || '–'}</dd></div>
      ${s.figures && s.figures.length ? html`<div><dt>${t('figures')}</dt><dd>${t('figuresN', s.figures.length)}</dd></div>` : null}
    </dl>
    ${canEdit ? html`<div class="actions rule-actions">
      ${fromAPI ? html`<button type="button" data-edit aria-label=${t('edit') + ': ' + (s.name || s.id)} onClick=${onEdit} disabled=${!!busy}>${t('edit')}</button>` : null}
      <button type="button" data-test-send aria-label=${t('sendTestNow') + ': ' + (s.name || s.id)} onClick=${testSend} disabled=${!!busy}>${t('sendTestNow')}</button>
      ${fromAPI ? (confirming
        ? html`<button type="button" class="danger" data-confirm-delete onClick=${remove} disabled=${!!busy}>${t('confirmDelete')}</button>
            <button type="button" onClick=${() => setConfirming(false)}>${t('cancel')}</button>`
        : html`<button type="button" data-delete aria-label=${t('delete') + ': ' + (s.name || s.id)} onClick=${() => setConfirming(true)} disabled=${!!busy}>${t('delete')}</button>`) : null}
    </div>` : null}
    ${busy === 'test' ? html`<${Progress} t=${t} text=${t('buildingReport')} />` : null}
    ${err && html`<${ErrorBox} err=${err} t=${t} />`}
    ${result && html`<div class="test-result" role="status" data-test-result>
      <p>${t('subTestSent')}</p>
      <ul class="small">${(result.deliveries || []).map((d) => html`<li data-delivery=${d.status}>${d.channel}: <strong>${t('deliveryStatus.' + d.status)}</strong>${d.http_status ? ` (HTTP ${d.http_status})` : ''}${d.answer && d.status !== 'sent' ? ' · ' + clip(d.answer) : ''}</li>`)}</ul>
    </div>`}
    <h3>${t('deliveries')}</h3>
    ${!hist ? html`<p class="muted small">${t('loading')}</p>` : deliveries.length ? html`<div class="table-wrap deliveries" tabindex="0" role="region" aria-label=${t('deliveries') + ': ' + (s.name || s.id)}><table>
      <thead><tr><th scope="col">${t('at')}</th><th scope="col">${t('deliveryKind')}</th><th scope="col">${t('channel')}</th>
        <th scope="col" class="num">${t('attempt')}</th><th scope="col">${t('status')}</th><th scope="col">${t('providerAnswer')}</th></tr></thead>
      <tbody>${deliveries.map((d) => html`<tr data-delivery-row=${d.status}>
        <td>${localTime(d.at, zone, lang)}</td><td>${t('deliveryKinds.' + d.kind) !== 'deliveryKinds.' + d.kind ? t('deliveryKinds.' + d.kind) : d.kind}</td>
        <td>${d.channel}</td><td class="num">${d.attempt}</td>
        <td><span class=${'state state-' + d.status}>${t('deliveryStatus.' + d.status) !== 'deliveryStatus.' + d.status ? t('deliveryStatus.' + d.status) : d.status}</span>${d.http_status ? html` <span class="muted small">HTTP ${d.http_status}</span>` : null}</td>
        <td class="wrap small">${clip(d.answer || '')}</td></tr>`)}</tbody></table></div>`
      : html`<p class="muted small" data-no-deliveries>${t('noDeliveries')}</p>`}
  </article>`;
}

// clip shortens a provider's answer (an HTML error page can be long).
function clip(s) {
  const one = String(s).replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
  return one.length > 160 ? one.slice(0, 160) + '…' : one;
}

function subFields(s, zone, reports) {
  return {
    id: (s && s.id) || '', name: (s && s.name) || '', report: (s && s.report) || (reports[0] && reports[0].name) || '',
    cron: (s && s.schedule && s.schedule.cron) || '0 9 * * 1', tz: (s && s.schedule && s.schedule.time_zone) || zone,
    channels: ((s && s.channels) || []).map((x) => x.name), lang: (s && s.lang) || 'zh', disabled: !!(s && s.disabled),
  };
}

// subBody builds the API's subscription from the form, keeping what the
// form does not show (figures, recipients, the owner) from the one edited.
function subBody(f, sub) {
  const base = sub ? JSON.parse(JSON.stringify(sub)) : {};
  delete base.origin;
  const old = new Map((base.channels || []).map((c) => [c.name, c]));
  return { ...base, id: f.id.trim(), name: f.name, report: f.report, schedule: { cron: f.cron, time_zone: f.tz },
    channels: f.channels.map((n) => old.get(n) || { name: n }), lang: f.lang, disabled: f.disabled || undefined };
}

// SubForm creates (POST /api/v1/subscriptions) or replaces (PUT) one.
function SubForm({ sub, ctx, channels, onSaved, onCancel }) {
  const { t, lang, session } = ctx;
  const reports = session.reports || [];
  const [f, setF] = useState(() => subFields(sub, session.model.time_zone, reports));
  const [errs, setErrs] = useState({});
  const [formErr, setFormErr] = useState(null);
  const [busy, setBusy] = useState(false);
  const form = useRef(null);
  useEffect(() => {
    const first = form.current && form.current.querySelector('input:not([disabled]), select');
    if (first) first.focus();
  }, []);
  const set = (k) => (e) => setF({ ...f, [k]: e.target.type === 'checkbox' ? e.target.checked : e.target.value });
  const toggle = (n) => setF({ ...f, channels: f.channels.includes(n) ? f.channels.filter((x) => x !== n) : [...f.channels, n] });
  async function submit(e) {
    e.preventDefault();
    setBusy(true); setErrs({}); setFormErr(null);
    try {
      const body = subBody(f, sub);
      if (sub) await api('/subscriptions/' + encodeURIComponent(sub.id), { method: 'PUT', body });
      else await api('/subscriptions', { method: 'POST', body });
      onSaved();
    } catch (x) {
      const field = subFieldOf(x.body && x.body.field);
      if (field) setErrs({ [field]: x.message });
      else setFormErr(x);
      setBusy(false);
    }
  }
  const onKey = (e) => { if (e.key === 'Escape') { e.preventDefault(); onCancel(); } };
  const field = (k, text, control) => html`<div class=${'field' + (errs[k] ? ' invalid' : '')} data-field=${k}>
    <label for=${'sf2-' + k}>${text}</label>${control}
    ${errs[k] ? html`<p class="field-error" id=${'sf2-' + k + '-err'} role="alert">${errs[k]}</p>` : null}</div>`;
  const aria = (k) => ({ id: 'sf2-' + k, 'aria-invalid': errs[k] ? 'true' : null, 'aria-describedby': errs[k] ? 'sf2-' + k + '-err' : null });
  const input = (k, props = {}) => html`<input type="text" ...${aria(k)} value=${f[k]} onInput=${set(k)} ...${props} />`;
  const known = reports.some((r) => r.name === f.report);
  return html`<form class="card rule-form" ref=${form} onSubmit=${submit} onKeyDown=${onKey} aria-labelledby="sf2-h" novalidate data-sub-form>
    <h2 id="sf2-h">${sub ? t('editSub', sub.name || sub.id) : t('newSub')}</h2>
    <div class="controls">
      ${field('id', t('subID'), input('id', { disabled: !!sub, placeholder: 'weekly-retention', autocomplete: 'off', spellcheck: false }))}
      ${field('name', t('ruleName'), input('name', { size: 30 }))}
      ${field('report', t('report'), html`<select ...${aria('report')} value=${f.report} onChange=${set('report')}>
        ${!known && f.report ? html`<option value=${f.report}>${f.report}</option>` : null}
        ${reports.map((r) => html`<option value=${r.name}>${label(r.title, lang)}</option>`)}</select>`)}
    </div>
    <div class="controls">
      ${field('cron', t('schedule'), input('cron', { size: 14, spellcheck: false, 'aria-describedby': errs.cron ? 'sf2-cron-err' : 'sf2-cron-help' }))}
      ${field('tz', t('zone'), input('tz', { size: 16, spellcheck: false }))}
      ${field('lang', t('msgLang'), html`<select ...${aria('lang')} value=${f.lang} onChange=${set('lang')}>
        <option value="zh">中文</option><option value="en">English</option></select>`)}
    </div>
    <p class="muted small" id="sf2-cron-help">${t('cronHelp')}</p>
    <fieldset class=${'field' + (errs.channels ? ' invalid' : '')} data-field="channels">
      <legend>${t('channels')}</legend>
      <div class="checks">${channels.map((c) => html`<label class="check"><input type="checkbox" name="channel" value=${c.name}
        checked=${f.channels.includes(c.name)} onChange=${() => toggle(c.name)} /> ${c.name} <span class="muted small">${c.type}</span></label>`)}
        ${!channels.length ? html`<span class="muted">${t('noChannels')}</span>` : null}</div>
      ${errs.channels ? html`<p class="field-error" role="alert">${errs.channels}</p>` : null}
    </fieldset>
    <label class="check"><input type="checkbox" id="sf2-disabled" checked=${f.disabled} onChange=${set('disabled')} /> ${t('disableSub')}</label>
    ${formErr && html`<${ErrorBox} err=${formErr} t=${t} />`}
    <div class="actions">
      <button type="submit" class="primary" disabled=${busy}>${t('save')}</button>
      <button type="button" onClick=${onCancel}>${t('cancel')}</button>
    </div>
  </form>`;
}
