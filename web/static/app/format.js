// Number formats: 万 and 亿 in Chinese, K/M/B in English; percents with two
// decimals; a change of a percent in percentage points.

function trim(s) {
  return s.replace(/\.0+$/, '').replace(/(\.\d*?)0+$/, '$1');
}

// big writes a large number in the language's units.
export function big(v, lang, digits = 2) {
  const a = Math.abs(v);
  if (lang === 'zh') {
    if (a >= 1e8) return trim((v / 1e8).toFixed(digits)) + '亿';
    if (a >= 1e4) return trim((v / 1e4).toFixed(digits)) + '万';
  } else {
    if (a >= 1e9) return trim((v / 1e9).toFixed(digits)) + 'B';
    if (a >= 1e6) return trim((v / 1e6).toFixed(digits)) + 'M';
    if (a >= 1e4) return trim((v / 1e3).toFixed(1)) + 'K';
  }
  return Number.isInteger(v) ? v.toLocaleString('en-US') : trim(v.toFixed(digits));
}

// value formats a metric's value by its format.
export function value(v, format, lang) {
  if (v === null || v === undefined || v === '') return '–';
  if (typeof v !== 'number') return String(v);
  switch (format) {
    case 'percent':
      return (v * 100).toFixed(2) + '%';
    case 'currency':
      return (lang === 'zh' ? '' : '¥') + big(v, lang) + (lang === 'zh' ? '元' : '');
    default:
      return big(v, lang);
  }
}

// figure writes a metric's value by its definition (format and the
// model's unit, e.g. ‰ or 人, after the figure, as the server's sentences
// write it: 5.71 ‰). With fixed, a figure under 10,000 keeps two decimals
// even when whole, so that figures listed together align (0.00 beside
// 5.71, not 0). Percents and money carry their own sign and ignore both.
export function figure(v, def, lang, fixed) {
  const d = def || {};
  if (typeof v !== 'number' || d.format === 'percent' || d.format === 'currency') return value(v, d.format, lang);
  const s = fixed && Math.abs(v) < 1e4 ? v.toFixed(2) : value(v, d.format, lang);
  return d.unit ? s + ' ' + d.unit : s;
}

// period writes a period's first day by its grain: 2026-01 for a month,
// 2026 Q1 (2026年Q1) for a quarter, 2026 for a year; a day or week as is.
export function period(v, grain, lang) {
  const s = String(v);
  const m = s.match(/^(\d{4})-(\d{2})-\d{2}/);
  if (!m) return s;
  switch (grain) {
    case 'month': return `${m[1]}-${m[2]}`;
    case 'quarter': return `${m[1]}${lang === 'en' ? ' ' : '年'}Q${Math.floor((Number(m[2]) - 1) / 3) + 1}`;
    case 'year': return m[1];
    default: return s;
  }
}

// pctSaysNothing says whether a row's percent-change cell (column col)
// has a base at or below zero or a tiny one: the table shows "—" there.
export function pctSaysNothing(row, col) {
  if (!row || col.role !== 'comparison' || !col.name.endsWith('_pct_change')) return false;
  const m = col.name.slice(0, -'_pct_change'.length);
  let base = row[m + '_previous'];
  if (typeof base !== 'number' && typeof row[m] === 'number' && typeof row[m + '_delta'] === 'number') base = row[m] - row[m + '_delta'];
  if (typeof base !== 'number') return false;
  const p = row[col.name];
  return typeof p !== 'number' || !percentSays(base, p);
}

// UNITS are the steps a table column may be written in, per language.
const UNITS = {
  zh: [[1, ''], [1e4, '万'], [1e8, '亿']],
  en: [[1, ''], [1e3, 'K'], [1e6, 'M'], [1e9, 'B']],
};

// scaled says whether a column's figures are amounts or counts that a unit
// (万, 亿; K, M, B) shortens: not percents, percent changes or periods.
function scaled(col) {
  if (col.type !== 'number' || col.role === 'dimension' || col.role === 'time') return false;
  if (col.format === 'percent' || col.name.endsWith('_pct_change')) return false;
  return true;
}

// columnUnit chooses one unit for a whole table column, so that its cells
// compare by eye (never 1.19亿元 above 219.44万元): the unit of the median
// non-zero magnitude, or a smaller one where the smallest non-zero figure
// would read below 0.1 of it. It returns null for a column that takes no
// unit; else { div, suffix, decimals, header }, header being what the
// column's heading adds: （亿元） or （万）, (¥M) or (K); empty for plain
// counts.
export function columnUnit(values, col, lang) {
  if (!scaled(col)) return null;
  const mags = values.filter((v) => typeof v === 'number' && v !== 0 && Number.isFinite(v)).map(Math.abs).sort((a, b) => a - b);
  const steps = UNITS[lang === 'zh' ? 'zh' : 'en'];
  let i = 0;
  if (mags.length) {
    const median = mags[Math.floor((mags.length - 1) / 2)];
    while (i + 1 < steps.length && steps[i + 1][0] <= median) i++;
    while (i > 0 && mags[0] / steps[i][0] < 0.1) i--;
  }
  const [div, suffix] = steps[i];
  const whole = values.every((v) => typeof v !== 'number' || Number.isInteger(v));
  const decimals = div === 1 && whole ? 0 : 2;
  const currency = col.format === 'currency';
  let header = '';
  if (lang === 'zh') header = currency ? `（${suffix}元）` : suffix ? `（${suffix}）` : '';
  else header = currency ? ` (¥${suffix})` : suffix ? ` (${suffix})` : '';
  return { div, suffix, decimals, header };
}

// inUnit writes v in a column's unit: the figure alone, grouped by
// thousands, with the column's decimals (the unit is in the heading).
export function inUnit(v, unit) {
  return (v / unit.div).toLocaleString('en-US', { minimumFractionDigits: unit.decimals, maximumFractionDigits: unit.decimals });
}

// cell formats a result cell by its column (comparison columns included);
// grain is the result's time grain, for its period column; row, when
// given, lets a percent change from a base that makes it meaningless read
// "—"; unit, when given (columnUnit), writes a figure in the column's unit.
export function cell(v, col, lang, t, grain, row, unit) {
  if (row && pctSaysNothing(row, col)) return '—';
  if (v === null || v === undefined) return '–';
  if (unit && typeof v === 'number') {
    const s = inUnit(v, unit);
    return col.name.endsWith('_delta') ? signed(s) : s;
  }
  if (col.role === 'time') return period(v, grain, lang);
  if (col.role === 'comparison' && typeof v === 'number') {
    if (col.name.endsWith('_pct_change')) return signed((v * 100).toFixed(1)) + '%';
    if (col.name.endsWith('_delta')) {
      if (col.format === 'percent') return signed((v * 100).toFixed(2)) + ' ' + t('pp');
      return signed(value(v, col.format, lang));
    }
  }
  if (col.role === 'time' || col.type === 'date') return String(v);
  return value(v, col.format, lang);
}

// signed puts a sign before a figure; one that rounds to zero has none
// (never "-0.00").
function signed(s) {
  if (parseFloat(s.replace(/[^\d.-]/g, '')) === 0) return s.replace(/^[-–]/, '');
  return s.startsWith('-') || s.startsWith('–') ? s : '+' + s;
}

// TINY_BASE is the percent change (as a fraction, 500%) from which a
// percent is noise rather than news, as the server's sentences and report
// pages judge it (narrate.PercentSays).
export const TINY_BASE = 5;

// percentSays says whether a percent change p from a base says anything:
// not from a base at or below zero (net inflow after an outflow), nor one
// so small that the change is 500% of it or more (+7378%).
export function percentSays(base, p) {
  return base > 0 && Math.abs(p) < TINY_BASE;
}

// change says how a KPI moved: its delta for percents (in points), its
// percent change otherwise, or its amount (amount: true) where a percent
// would say nothing (percentSays).
export function change(row, metric, format, lang, t) {
  const d = row[metric + '_delta'];
  let p = row[metric + '_pct_change'];
  if (d === null || d === undefined) return null;
  const base = typeof row[metric] === 'number' ? row[metric] - d : null;
  if (base !== null && typeof p === 'number' && !percentSays(base, p)) p = null;
  if (base !== null && base <= 0) p = null;
  const amount = format !== 'percent' && (p === null || p === undefined);
  const text = format === 'percent'
    ? signed((d * 100).toFixed(2)) + ' ' + t('pp')
    : amount ? signed(value(d, format, lang)) : signed((p * 100).toFixed(1)) + '%';
  return { text, dir: d > 0 ? 'up' : d < 0 ? 'down' : 'flat', amount };
}

// listSep joins a list in the language: 、 in Chinese, ", " in English.
export function listSep(lang) {
  return lang === 'en' ? ', ' : '、';
}

// csvName is a file name for a download.
export function fileName(parts, ext) {
  return parts.filter(Boolean).join('_').replace(/[^\w\u4e00-\u9fff.-]+/g, '-') + '.' + ext;
}

// instant writes an instant (ISO text) as YYYY-MM-DD HH:mm in a time zone
// (the server's, which the header names), so that every page reads one
// zone in one format whatever the browser's zone; the text as given where
// it is not a time or the zone is unknown.
export function instant(iso, zone) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  try {
    const p = {};
    for (const x of new Intl.DateTimeFormat('en-GB', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(d)) p[x.type] = x.value;
    return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
  } catch (_) { return String(iso); }
}
