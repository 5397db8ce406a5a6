// 预警 Alerts: the rules the caller may see (GET /api/v1/alerts), each with
// its current states and recent changes (GET /api/v1/alerts/{id}/history),
// and the silences in force.
import { html, useEffect, useState } from '../vendor/preact-htm.js';
import { api } from './api.js';
import { label } from './i18n.js';
import { ErrorBox, Progress } from './parts.js';

function conditionText(c) {
  if (!c) return '';
  const parts = [c.kind];
  if (c.above !== undefined) parts.push('> ' + c.above);
  if (c.below !== undefined) parts.push('< ' + c.below);
  if (c.compare) parts.push(c.compare);
  if (c.change) parts.push(c.change);
  return parts.join(' ');
}

export function Alerts({ ctx }) {
  const { t, lang, catalog } = ctx;
  const [rules, setRules] = useState(null);
  const [hist, setHist] = useState({});
  const [silences, setSilences] = useState([]);
  const [err, setErr] = useState(null);
  useEffect(() => {
    api('/alerts').then((r) => {
      setRules(r.alerts);
      for (const rule of r.alerts) {
        api('/alerts/' + encodeURIComponent(rule.id) + '/history?limit=10')
          .then((h) => setHist((m) => ({ ...m, [rule.id]: h })), () => {});
      }
    }, setErr);
    api('/silences').then((s) => setSilences(s.silences || []), () => {});
  }, []);
  return html`<section class="page alerts" aria-labelledby="alerts-h">
    <h1 id="alerts-h">${t('alertsTitle')}</h1>
    ${err && html`<${ErrorBox} err=${err} t=${t} />`}
    ${!rules && !err && html`<${Progress} t=${t} />`}
    ${rules && !rules.length && html`<p class="muted">${t('noData')}</p>`}
    <div class="cards-col">${(rules || []).map((r) => {
      const h = hist[r.id];
      const metric = r.metric || (r.query && r.query.metrics && r.query.metrics[0]);
      return html`<article class="card" aria-labelledby=${'al-' + r.id}>
        <h2 id=${'al-' + r.id}>${r.name || r.id} ${r.disabled ? html`<span class="badge warn">${t('disabled')}</span>` : null}</h2>
        <dl class="facts">
          <div><dt>${t('metric')}</dt><dd>${label(catalog.metrics[metric] && catalog.metrics[metric].label, lang) || metric}</dd></div>
          <div><dt>${t('condition')}</dt><dd><code>${conditionText(r.condition)}</code></dd></div>
          <div><dt>${t('schedule')}</dt><dd><code>${r.schedule ? Object.values(r.schedule).filter(Boolean).join(' ') : ''}</code></dd></div>
          <div><dt>${t('channels')}</dt><dd>${(r.channels || []).map((c) => c.name || c.channel || JSON.stringify(c)).join('、')}</dd></div>
        </dl>
        ${h ? html`<h3>${t('states')}</h3>
          <ul class="states">${h.states.length ? h.states.map((s) => html`<li><span class=${'state state-' + s.state}>${s.state}</span> ${s.group || ''} ${s.value !== null && s.value !== undefined ? '· ' + s.value : ''}</li>`) : html`<li class="muted">${t('none')}</li>`}</ul>
          ${h.transitions.length ? html`<h3>${t('history')}</h3><ul class="small">${h.transitions.map((x) => html`<li>${x.at.slice(0, 16).replace('T', ' ')} · ${x.from} → ${x.to}${x.detail ? ' · ' + x.detail : ''}</li>`)}</ul>` : null}` : null}
      </article>`;
    })}</div>
    <h2>${t('silences')}</h2>
    ${silences.length ? html`<ul>${silences.map((s) => html`<li>${s.rule || s.channel} · ${t('until')} ${s.until.slice(0, 16).replace('T', ' ')}${s.reason ? ' · ' + s.reason : ''}</li>`)}</ul>` : html`<p class="muted">${t('none')}</p>`}
  </section>`;
}
