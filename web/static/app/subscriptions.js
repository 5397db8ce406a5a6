// 报告订阅 Subscriptions: declared reports sent on a schedule to channels
// (GET /api/v1/subscriptions), each with its delivery history
// (GET /api/v1/subscriptions/{id}/history) and a link to its report's page
// (/reports/{name}). Analysts and admins, the roles the API lets write, also
// create, edit, delete and test-send them; a refusal is shown beside the
// field the API names. Channel settings (URLs, secrets) are never shown:
// the API gives channels' names and types only.
import { html, useEffect, useState } from '../vendor/preact-htm.js';
import { api, reportURL } from './api.js';
import { label } from './i18n.js';
import { instant, listSep } from './format.js';
import { ErrorBox, Progress } from './parts.js';
import { CardActions, ChannelChecks, clip, EDITORS, fieldMapper, FormFoot, stateName, TestResult, useCardActions, useEditForm } from './forms.js';

// FIELDS maps each form field to the API's error fields it answers for.
const FIELDS = [
  ['id', ['id']], ['name', ['name']], ['report', ['report', 'figures']],
  ['cron', ['schedule.cron', 'schedule']], ['tz', ['schedule.time_zone']],
  ['channels', ['channels']], ['lang', ['lang']],
];

// subFieldOf is the form field an API error names; '' when none matches.
export const subFieldOf = fieldMapper(FIELDS);

function reportTitle(session, name, lang) {
  const r = ((session && session.reports) || []).find((x) => x.name === name);
  return r ? label(r.title, lang) : name;
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
    ${session ? html`<p class="muted small" data-times-in>${t('timesIn', session.model.time_zone)}</p>` : null}
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
  const [hist, setHist] = useState(null);
  const fromAPI = !s.origin || s.origin === 'api';
  const zone = session.model.time_zone;
  const id = encodeURIComponent(s.id);
  const loadHistory = () => api('/subscriptions/' + id + '/history?limit=20').then(setHist, () => {});
  useEffect(() => { loadHistory(); }, [s.id]);
  const actions = useCardActions({ api, testPath: '/subscriptions/' + id + '/test', deletePath: '/subscriptions/' + id, onTested: loadHistory, onDeleted });
  const deliveries = (hist && hist.deliveries) || [];
  // The report link follows the page's language, as every other link does;
  // where the messages go out in the other language, a second link shows
  // the report as sent.
  const sentLang = s.lang === 'en' ? 'en' : 'zh';
  return html`<article class="card" aria-labelledby=${'sub-' + s.id} data-sub=${s.id}>
    <h2 id=${'sub-' + s.id}>${s.name || s.id} ${s.disabled ? html`<span class="badge warn">${t('disabled')}</span>` : null}
      ${!fromAPI ? html`<span class="badge" title=${s.origin}>${t('fromFile')}</span>` : null}</h2>
    <dl class="facts">
      <div><dt>${t('report')}</dt><dd><a href=${reportURL(s.report, lang)} target="_blank" rel="noopener noreferrer" data-report-link>${reportTitle(session, s.report, lang)}</a></dd></div>
      <div><dt>${t('schedule')}</dt><dd><code>${s.schedule ? [s.schedule.cron, s.schedule.time_zone].filter(Boolean).join(' ') : ''}</code></dd></div>
      <div><dt>${t('nextAt')}</dt><dd data-next>${hist && hist.next_at ? instant(hist.next_at, zone) : '–'}</dd></div>
      <div><dt>${t('channels')}</dt><dd>${(s.channels || []).map((c) => c.name).join(listSep(lang))}</dd></div>
      <div><dt>${t('msgLang')}</dt><dd>${sentLang === 'en' ? 'English' : '中文'}${sentLang !== lang ? html` · <a href=${reportURL(s.report, sentLang)} target="_blank" rel="noopener noreferrer" data-report-sent-link
        aria-label=${t('asSentLabel', reportTitle(session, s.report, lang))}>${t('asSent')}</a>` : null}</dd></div>
      <div><dt>${t('owner')}</dt><dd>${(s.owner && s.owner.subject) || '–'}</dd></div>
      ${s.figures && s.figures.length ? html`<div><dt>${t('figures')}</dt><dd>${t('figuresN', s.figures.length)}</dd></div>` : null}
    </dl>
    ${canEdit ? html`<${CardActions} t=${t} name=${s.name || s.id} fromAPI=${fromAPI} actions=${actions} testLabel=${t('sendTestNow')} onEdit=${onEdit} />` : null}
    <${TestResult} actions=${actions} t=${t} intro=${t('subTestSent')} progressText=${t('buildingReport')} />
    <h3>${t('deliveries')}</h3>
    ${!hist ? html`<p class="muted small">${t('loading')}</p>` : deliveries.length ? html`<div class="table-wrap deliveries" tabindex="0" role="region" aria-label=${t('deliveries') + ': ' + (s.name || s.id)}><table>
      <thead><tr><th scope="col">${t('at')}</th><th scope="col">${t('deliveryKind')}</th><th scope="col">${t('channel')}</th>
        <th scope="col" class="num">${t('attempt')}</th><th scope="col">${t('status')}</th><th scope="col">${t('providerAnswer')}</th></tr></thead>
      <tbody>${deliveries.map((d) => html`<tr data-delivery-row=${d.status}>
        <td>${instant(d.at, zone)}</td><td>${stateName(d.kind, t, 'deliveryKinds')}</td>
        <td>${d.channel}</td><td class="num">${d.attempt}</td>
        <td><span class=${'state state-' + d.status}>${stateName(d.status, t, 'deliveryStatus')}</span>${d.http_status ? html` <span class="muted small">HTTP ${d.http_status}</span>` : null}</td>
        <td class="wrap small">${clip(d.answer || '')}</td></tr>`)}</tbody></table></div>`
      : html`<p class="muted small" data-no-deliveries>${t('noDeliveries')}</p>`}
  </article>`;
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
  const form = useEditForm({
    initial: subFields(sub, session.model.time_zone, reports), prefix: 'sf2-', fieldOf: subFieldOf, t, onSaved, focusFirst: true,
    save: (f) => {
      const body = subBody(f, sub);
      return sub ? api('/subscriptions/' + encodeURIComponent(sub.id), { method: 'PUT', body }) : api('/subscriptions', { method: 'POST', body });
    },
  });
  const { f, set, errs, aria, field, input } = form;
  const onKey = (e) => { if (e.key === 'Escape') { e.preventDefault(); onCancel(); } };
  const known = reports.some((r) => r.name === f.report);
  return html`<form class="card rule-form" ref=${form.ref} onSubmit=${form.submit} onKeyDown=${onKey} aria-labelledby="sf2-h" novalidate data-sub-form>
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
    <${ChannelChecks} form=${form} channels=${channels} t=${t} />
    <label class="check"><input type="checkbox" id="sf2-disabled" checked=${f.disabled} onChange=${set('disabled')} /> ${t('disableSub')}</label>
    <${FormFoot} form=${form} t=${t} onCancel=${onCancel} />
  </form>`;
}
