// 高风险客户 Watch list: the churn early-warning list (GET /api/v1/risk/customers),
// each customer with score, tier, reasons and the suggested action; analysts
// record the action taken (POST /api/v1/retention/actions).
import { html, useEffect, useRef, useState } from '../vendor/preact-htm.js';
import { api } from './api.js';
import { besideFieldMessage, fieldMessage } from './errors.js';
import { label } from './i18n.js';
import { ErrorBox, Progress, ScoresBehind, useDimensionValues } from './parts.js';
import { valueLabel } from './chart.js';

export function Watch({ ctx, search }) {
  const { t, lang, catalog, session } = ctx;
  const p = new URLSearchParams(search);
  const tier = p.get('tier') || 'high';
  const segment = p.get('segment') || '';
  const [res, setRes] = useState(null);
  const [err, setErr] = useState(null);
  const [wait, setWait] = useState(null);
  const [acting, setActing] = useState(null);
  const segValues = useDimensionValues(ctx, 'segment');
  const set = (k, v) => {
    const np = new URLSearchParams(search);
    if (v) np.set(k, v); else np.delete(k);
    ctx.replace('/watchlist?' + np);
  };
  const [more, setMore] = useState(false);
  const page = (offset) => {
    const q = new URLSearchParams({ tier, limit: '100', offset: String(offset) });
    if (segment) q.set('segment', segment);
    return api('/risk/customers?' + q, { onWait: setWait }).finally(() => setWait(null));
  };
  const load = () => { setErr(null); setRes(null); page(0).then(setRes, setErr); };
  // loadMore appends the next hundred customers of the list.
  const loadMore = () => {
    setMore(true);
    page(res.customers.length).then((r) => { setRes({ ...res, customers: [...res.customers, ...r.customers] }); setMore(false); },
      (e) => { setErr(e); setMore(false); });
  };
  useEffect(load, [tier, segment]);
  const canAct = session && ['analyst', 'admin'].includes(session.role);
  const seg = catalog.dims.segment;
  return html`<section class="page watch" aria-labelledby="watch-h">
    <h1 id="watch-h">${t('watchTitle')}</h1>
    <form class="controls" onSubmit=${(e) => e.preventDefault()}>
      <div class="field"><label for="w-tier">${t('tier')}</label>
        <select id="w-tier" value=${tier} onChange=${(e) => set('tier', e.target.value)}>
          ${['high', 'medium', 'low'].map((x) => html`<option value=${x}>${t('tiers.' + x)}</option>`)}</select></div>
      ${seg && html`<div class="field"><label for="w-seg">${label(seg.label, lang)}</label>
        <select id="w-seg" value=${segment} onChange=${(e) => set('segment', e.target.value)}>
          <option value="">${t('all')}</option>
          ${segValues.map((v) => html`<option value=${v.value}>${valueLabel(catalog, 'segment', v.value, lang)}</option>`)}</select></div>`}
    </form>
    ${err && html`<${ErrorBox} err=${err} t=${t} onRetry=${load} />`}
    ${!res && !err && html`<${Progress} t=${t} wait=${wait} />`}
    ${res && html`<p class="muted small">${t('scoredMonth')}: ${res.month} · ${t('shownOf', res.customers.length, res.total)}</p>
      <${ScoresBehind} month=${res.month} ctx=${ctx} />
      <div class="table-wrap" tabindex="0" role="region" aria-label=${t('watchTitle')}><table>
        <thead><tr><th scope="col">${t('customer')}</th><th scope="col">${t('branchCol')}</th><th scope="col">${label(seg && seg.label, lang)}</th>
          <th scope="col" class="num">${t('score')}</th><th scope="col">${t('tier')}</th><th scope="col">${t('reasons')}</th><th scope="col">${t('action')}</th>
          ${canAct ? html`<th scope="col"><span class="sr-only">${t('record')}</span></th>` : null}</tr></thead>
        <tbody>${res.customers.map((c) => html`<tr>
          <td>${c.customer_id}</td><td data-col="branch" data-value=${c.branch}>${c.branch}</td><td>${valueLabel(catalog, 'segment', c.segment, lang)}</td>
          <td class="num">${(c.score * 100).toFixed(1)}%</td><td><span class=${'tier tier-' + c.tier}>${t('tiers.' + c.tier)}</span></td>
          <td class="wrap">${(c.reasons || []).map((r) => (lang === 'en' ? r.en : r.zh)).join(lang === 'en' ? '; ' : '；')}</td>
          <td class="wrap">${c.action ? (lang === 'en' ? c.action.en : c.action.zh) : ''}</td>
          ${canAct ? html`<td><button type="button" class="link" aria-label=${t('recordFor', c.customer_id)} onClick=${() => setActing(c)}>${t('record')}</button></td>` : null}
        </tr>`)}</tbody></table></div>
      ${res.customers.length < res.total ? html`<div class="actions more-row"><button type="button" data-more onClick=${loadMore} disabled=${more}>${t('showMore', Math.min(100, res.total - res.customers.length))}</button>
        ${more ? html`<${Progress} t=${t} />` : null}</div>` : null}`}
    ${acting && html`<${RecordAction} key=${acting.customer_id} c=${acting} ctx=${ctx} onClose=${() => setActing(null)} />`}
  </section>`;
}

// CHANNELS are how an action reaches the customer (risk.ActionChannels).
const CHANNELS = ['phone', 'branch', 'app', 'sms', 'wechat', 'email', 'visit'];

// todayIn is today's date in a time zone, as YYYY-MM-DD (for a server
// that does not say its own).
function todayIn(zone) {
  try {
    return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
  } catch (_) { return new Date().toISOString().slice(0, 10); }
}

// RecordAction records the action taken for a customer
// (POST /api/v1/retention/actions); a refusal is shown beside its field.
function RecordAction({ c, ctx, onClose }) {
  const { t, lang, catalog, session } = ctx;
  const types = (catalog.dims.action_type && catalog.dims.action_type.values) || [];
  const [f, setF] = useState(() => ({ action_type: types.length ? types[0].value : '', channel: 'phone', cost: '0',
    date: session.data.today || todayIn(session.model.time_zone), owner: session.subject || '', note: '' }));
  const [errs, setErrs] = useState({});
  const [msg, setMsg] = useState(null);
  const form = useRef(null);
  // The form opens below the list: bring it into view, focus on its first field.
  useEffect(() => {
    if (!form.current) return;
    form.current.scrollIntoView({ block: 'nearest' });
    const first = form.current.querySelector('select, input');
    if (first) first.focus({ preventScroll: true });
  }, [c.customer_id]);
  const set = (k) => (e) => setF({ ...f, [k]: e.target.value });
  async function submit(e) {
    e.preventDefault();
    setErrs({}); setMsg(null);
    const cost = f.cost.trim() === '' ? undefined : Number.isFinite(Number(f.cost)) ? Number(f.cost) : f.cost;
    const body = { customer_id: c.customer_id, action_type: f.action_type, channel: f.channel, cost, date: f.date, owner: f.owner, note: f.note || undefined };
    try {
      const a = await api('/retention/actions', { method: 'POST', body });
      setMsg({ ok: true, text: `${t('recorded')} #${a.action_id}` });
    } catch (x) {
      const k = x.body && x.body.field;
      if (k && k in f) setErrs({ [k]: besideFieldMessage(x, lang) }); else setMsg({ ok: false, text: fieldMessage(x, lang) });
    }
  }
  const aria = (k) => ({ id: 'ra-' + k, 'aria-invalid': errs[k] ? 'true' : null, 'aria-describedby': errs[k] ? 'ra-' + k + '-err' : null });
  const field = (k, text, control) => html`<div class=${'field' + (errs[k] ? ' invalid' : '')} data-field=${k}>
    <label for=${'ra-' + k}>${text}</label>${control}
    ${errs[k] ? html`<p class="field-error" id=${'ra-' + k + '-err'} role="alert">${errs[k]}</p>` : null}</div>`;
  return html`<form class="card record" ref=${form} onSubmit=${submit} aria-labelledby="ra-h" novalidate>
    <h2 id="ra-h">${t('record')}: ${c.customer_id}</h2>
    <div class="controls">
      ${field('action_type', t('actionType'), html`<select ...${aria('action_type')} value=${f.action_type} onChange=${set('action_type')}>
        ${types.map((v) => html`<option value=${v.value}>${valueLabel(catalog, 'action_type', v.value, lang)}</option>`)}</select>`)}
      ${field('channel', t('channel'), html`<select ...${aria('channel')} value=${f.channel} onChange=${set('channel')}>
        ${CHANNELS.map((x) => html`<option value=${x}>${t('actionChannels.' + x)}</option>`)}</select>`)}
      ${field('cost', t('cost'), html`<input type="text" inputmode="decimal" size="8" ...${aria('cost')} value=${f.cost} onInput=${set('cost')} />`)}
      ${field('date', t('actionDate'), html`<input type="date" ...${aria('date')} value=${f.date} onInput=${set('date')} />`)}
      ${field('owner', t('actionOwner'), html`<input type="text" size="14" ...${aria('owner')} value=${f.owner} onInput=${set('owner')} />`)}
      ${field('note', t('note'), html`<input type="text" size="24" ...${aria('note')} value=${f.note} onInput=${set('note')} />`)}
    </div>
    <div class="actions">
      <button type="submit" class="primary">${t('record')}</button>
      <button type="button" onClick=${onClose}>${t('close')}</button>
    </div>
    ${msg && html`<p class=${msg.ok ? 'muted' : 'error'} role="status" data-recorded=${msg.ok ? '1' : null}>${msg.text}</p>`}
  </form>`;
}
