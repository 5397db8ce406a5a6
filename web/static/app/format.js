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

// cell formats a result cell by its column (comparison columns included);
// grain is the result's time grain, for its period column.
export function cell(v, col, lang, t, grain) {
  if (v === null || v === undefined) return '–';
  if (col.role === 'time') return period(v, grain, lang);
  if (col.role === 'comparison' && typeof v === 'number') {
    if (col.name.endsWith('_pct_change')) return signed((v * 100).toFixed(2)) + '%';
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

// change says how a KPI moved: its delta for percents (in points), its
// percent change otherwise.
export function change(row, metric, format, lang, t) {
  const d = row[metric + '_delta'];
  let p = row[metric + '_pct_change'];
  if (d === null || d === undefined) return null;
  // A percent change from a base at or below zero (net inflow from an
  // outflow) says nothing: the change itself is shown instead.
  const base = typeof row[metric] === 'number' ? row[metric] - d : null;
  if (base !== null && base <= 0) p = null;
  const text = format === 'percent'
    ? signed((d * 100).toFixed(2)) + ' ' + t('pp')
    : p === null || p === undefined ? signed(value(d, format, lang)) : signed((p * 100).toFixed(1)) + '%';
  return { text, dir: d > 0 ? 'up' : d < 0 ? 'down' : 'flat' };
}

// csvName is a file name for a download.
export function fileName(parts, ext) {
  return parts.filter(Boolean).join('_').replace(/[^\w\u4e00-\u9fff.-]+/g, '-') + '.' + ext;
}
