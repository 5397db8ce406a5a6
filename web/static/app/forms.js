// Pieces the Alerts and Subscriptions pages share: an edit form whose
// refusals appear beside the field the API names, the channels to pick,
// a card's actions (edit, test send, delete with a second click to
// confirm), the deliveries of a test send, and state names.
import { html, useLayoutEffect, useRef, useState } from '../vendor/preact-htm.js';
import { besideFieldMessage } from './errors.js';
import { ErrorBox, Progress } from './parts.js';

// EDITORS are the roles the alert and subscription APIs let write.
export const EDITORS = ['analyst', 'admin'];

// fieldMapper returns fieldOf(apiField): the form field that answers for
// an API error's field, from [formField, [apiPrefix, ...]] pairs ('' when
// none does). A prefix matches itself and its paths (schedule.cron,
// channels[0].name).
export function fieldMapper(fields) {
  return (apiField) => {
    if (!apiField) return '';
    for (const [f, prefixes] of fields) {
      if (prefixes.some((p) => apiField === p || apiField.startsWith(p + '.') || apiField.startsWith(p + '['))) return f;
    }
    return '';
  };
}

// useEditForm holds a form's values and its refusals. save(values) sends
// them; a refusal naming a field (fieldOf) is shown beside it, in the
// page's language, anything else above the buttons. prefix makes the
// controls' ids (prefix + key). With focusFirst the first control takes
// the focus when the form opens.
export function useEditForm({ initial, prefix, fieldOf, save, onSaved, t, focusFirst }) {
  const [f, setF] = useState(initial);
  const [errs, setErrs] = useState({});
  const [formErr, setFormErr] = useState(null);
  const [busy, setBusy] = useState(false);
  const ref = useRef(null);
  // Focus as soon as the form is in the page (a layout effect), so a
  // keyboard user's next keystroke lands in it.
  useLayoutEffect(() => {
    if (!focusFirst || !ref.current) return;
    const first = ref.current.querySelector('input:not([disabled]), select');
    if (first) first.focus();
  }, []);
  const set = (k) => (e) => setF({ ...f, [k]: e.target.type === 'checkbox' ? e.target.checked : e.target.value });
  const toggle = (n) => setF({ ...f, channels: f.channels.includes(n) ? f.channels.filter((x) => x !== n) : [...f.channels, n] });
  async function submit(e) {
    e.preventDefault();
    setBusy(true); setErrs({}); setFormErr(null);
    try {
      await save(f);
      onSaved();
    } catch (x) {
      const field = fieldOf(x.body && x.body.field);
      if (field) setErrs({ [field]: besideFieldMessage(x, t.lang) });
      else setFormErr(x);
      setBusy(false);
    }
  }
  const aria = (k) => ({ id: prefix + k, 'aria-invalid': errs[k] ? 'true' : null, 'aria-describedby': errs[k] ? prefix + k + '-err' : null });
  // field renders a labelled control with its refusal beside it.
  const field = (k, text, control) => html`<div class=${'field' + (errs[k] ? ' invalid' : '')} data-field=${k}>
    <label for=${prefix + k}>${text}</label>${control}
    ${errs[k] ? html`<p class="field-error" id=${prefix + k + '-err'} role="alert">${errs[k]}</p>` : null}</div>`;
  const input = (k, props = {}) => html`<input type="text" ...${aria(k)} value=${f[k]} onInput=${set(k)} ...${props} />`;
  return { f, set, toggle, errs, formErr, busy, submit, aria, field, input, ref };
}

// ChannelChecks picks a form's channels by name (their settings stay on
// the server), with the refusal about them.
export function ChannelChecks({ form, channels, t }) {
  const { f, toggle, errs } = form;
  return html`<fieldset class=${'field' + (errs.channels ? ' invalid' : '')} data-field="channels">
    <legend>${t('channels')}</legend>
    <div class="checks">${channels.map((c) => html`<label class="check"><input type="checkbox" name="channel" value=${c.name}
      checked=${f.channels.includes(c.name)} onChange=${() => toggle(c.name)} /> ${c.name} <span class="muted small">${c.type}</span></label>`)}
      ${!channels.length ? html`<span class="muted">${t('noChannels')}</span>` : null}</div>
    ${errs.channels ? html`<p class="field-error" role="alert">${errs.channels}</p>` : null}
  </fieldset>`;
}

// FormFoot is a form's refusal that names no field, and its buttons
// (submitLabel, else 保存 / Save).
export function FormFoot({ form, t, onCancel, submitLabel }) {
  return html`${form.formErr && html`<${ErrorBox} err=${form.formErr} t=${t} />`}
    <div class="actions">
      <button type="submit" class="primary" disabled=${form.busy}>${submitLabel || t('save')}</button>
      <button type="button" onClick=${onCancel}>${t('cancel')}</button>
    </div>`;
}

// useCardActions runs a card's test send and delete, keeping whether one
// is running, its result and its refusal.
export function useCardActions({ testPath, deletePath, onTested, onDeleted, api }) {
  const [busy, setBusy] = useState('');
  const [result, setResult] = useState(null);
  const [err, setErr] = useState(null);
  async function testSend() {
    setBusy('test'); setErr(null); setResult(null);
    try { setResult(await api(testPath, { method: 'POST' })); } catch (e) { setErr(e); }
    setBusy('');
    if (onTested) onTested();
  }
  async function remove() {
    setBusy('delete'); setErr(null);
    try { await api(deletePath, { method: 'DELETE' }); onDeleted(); } catch (e) { setErr(e); setBusy(''); }
  }
  return { busy, result, err, testSend, remove };
}

// CardActions are an editor's buttons on a card: edit and delete for what
// the API made (a YAML file's rules and subscriptions change in their
// file), test send always, and any extra buttons; each names its card for
// a screen reader. Delete asks for a second click.
export function CardActions({ t, name, fromAPI, actions, testLabel, onEdit, extra }) {
  const [confirming, setConfirming] = useState(false);
  const busy = !!actions.busy;
  return html`<div class="actions rule-actions">
    ${fromAPI ? html`<button type="button" data-edit aria-label=${t('edit') + ': ' + name} onClick=${onEdit} disabled=${busy}>${t('edit')}</button>` : null}
    <button type="button" data-test-send aria-label=${testLabel + ': ' + name} onClick=${actions.testSend} disabled=${busy}>${testLabel}</button>
    ${extra || null}
    ${fromAPI ? (confirming
      ? html`<button type="button" class="danger" data-confirm-delete onClick=${actions.remove} disabled=${busy}>${t('confirmDelete')}</button>
          <button type="button" onClick=${() => setConfirming(false)}>${t('cancel')}</button>`
      : html`<button type="button" data-delete aria-label=${t('delete') + ': ' + name} onClick=${() => setConfirming(true)} disabled=${busy}>${t('delete')}</button>`) : null}
  </div>`;
}

// TestResult shows a card's running action and the channels' deliveries
// of its test send.
export function TestResult({ actions, t, intro, progressText, children }) {
  const { busy, result, err } = actions;
  return html`${busy === 'test' ? html`<${Progress} t=${t} text=${progressText} />` : null}
    ${err && html`<${ErrorBox} err=${err} t=${t} />`}
    ${result && html`<div class="test-result" role="status" data-test-result>
      <p>${intro}</p>
      <ul class="small">${(result.deliveries || []).map((d) => html`<li data-delivery=${d.status}>${d.channel}: <strong>${stateName(d.status, t, 'deliveryStatus')}</strong>${d.http_status ? ` (HTTP ${d.http_status})` : ''}${d.answer && d.status !== 'sent' ? ' · ' + clip(d.answer) : ''}</li>`)}</ul>
      ${children || null}
    </div>`}`;
}

// stateName is a state (or delivery status, kind) in the page's language,
// or as the API wrote it when the page has no word for it.
export function stateName(s, t, words = 'alertStates') {
  const k = words + '.' + s;
  return t(k) !== k ? t(k) : s;
}

// clip shortens a provider's answer (an HTML error page can be long).
export function clip(s) {
  const one = String(s).replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
  return one.length > 160 ? one.slice(0, 160) + '…' : one;
}
