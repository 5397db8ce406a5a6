// Charts: an ECharts instance per element (ECharts is loaded by index.html
// from /assets/vendor), and options built from a query result.
import { html, useEffect, useRef, useState } from '../vendor/preact-htm.js';
import { period, value } from './format.js';
import { label } from './i18n.js';

const palette = ['#1f5fbf', '#d9480f', '#2b8a3e', '#7048e8', '#c2255c', '#0b7285', '#5c940d', '#862e9c'];

let echartsLoading = null;

// loadECharts adds ECharts (1 MB) to the page the first time a chart is
// drawn, so that a page without charts is ready sooner.
export function loadECharts() {
  if (window.echarts) return Promise.resolve(window.echarts);
  if (!echartsLoading) {
    echartsLoading = new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = '/assets/vendor/echarts.min.js';
      s.onload = () => resolve(window.echarts);
      s.onerror = () => { echartsLoading = null; reject(new Error('could not load ECharts')); };
      document.head.appendChild(s);
    });
  }
  return echartsLoading;
}

// Chart draws option in a box of fixed height, so nothing moves when it arrives.
export function Chart({ option, height = 320, name }) {
  const el = useRef(null);
  const inst = useRef(null);
  // The latest option, for the instance made once ECharts is in: where
  // ECharts was already loaded, ready starts true and setting it again
  // re-renders nothing, so the option must be drawn here, not left to
  // the effect below (a chart mounted after another one stayed blank).
  const latest = useRef(option);
  latest.current = option;
  const [ready, setReady] = useState(!!window.echarts);
  useEffect(() => {
    let gone = false;
    let ro = null;
    loadECharts().then((echarts) => {
      if (gone || !el.current) return;
      inst.current = echarts.init(el.current, null, { renderer: 'canvas' });
      if (latest.current) inst.current.setOption(latest.current, true);
      ro = new ResizeObserver(() => inst.current && inst.current.resize());
      ro.observe(el.current);
      setReady(true);
    }, () => { /* the script failed to load: the box stays empty, no chart */ });
    return () => {
      gone = true;
      if (ro) ro.disconnect();
      if (inst.current) inst.current.dispose();
      inst.current = null;
    };
  }, []);
  useEffect(() => {
    if (ready && inst.current && option) inst.current.setOption(option, true);
  }, [option, ready]);
  return html`<div class="chart" ref=${el} style=${{ height: height + 'px' }} role="img" aria-label=${name || ''} data-chart="1"></div>`;
}

// valueLabel shows a dimension's value in the language (the model may give
// an English label).
export function valueLabel(catalog, dim, v, lang) {
  if (lang !== 'en' || !catalog) return v;
  const d = catalog.dims[dim];
  const known = d && d.values && d.values.find((x) => x.value === v);
  return (known && known.label && known.label.en) || v;
}

// optionLabel shows a value offered by /dimensions/{name}/values in the
// language: its own English label where it has one (a scoped caller's
// catalog lists no values of a dimension read from the data, so the
// catalog alone would leave 华东 in English), else valueLabel's.
export function optionLabel(catalog, dim, v, lang) {
  return (lang === 'en' && v.label && v.label.en) || valueLabel(catalog, dim, v.value, lang);
}

// resultOption builds a chart from a query result: a line per group over
// time, bars per value of a dimension, or a pie of shares.
export function resultOption(res, kind, lang, catalog) {
  const cols = res.columns || [];
  const rows = res.rows || [];
  const timeCol = cols.find((c) => c.role === 'time');
  const dimCols = cols.filter((c) => c.role === 'dimension');
  const metricCols = cols.filter((c) => c.role === 'metric');
  if (!rows.length || !metricCols.length) return null;
  const scale = (c) => (c.format === 'percent' ? 100 : 1);
  const fmt = (c) => (v) => (c.format === 'percent' ? Number(v).toFixed(2) + '%' : value(v, c.format, lang));
  const groupOf = (r) => dimCols.map((d) => valueLabel(catalog, d.name, r[d.name], lang)).join(' · ');
  const base = {
    color: palette,
    tooltip: { trigger: kind === 'pie' ? 'item' : 'axis', valueFormatter: fmt(metricCols[0]) },
    legend: { type: 'scroll', bottom: 0 },
    grid: { left: 56, right: 16, top: 24, bottom: 48, containLabel: true },
    animation: false,
  };
  const m0 = metricCols[0];
  if (kind === 'pie' && dimCols.length) {
    return { ...base, series: [{ type: 'pie', radius: ['35%', '65%'], name: label(m0.label, lang),
      data: rows.map((r) => ({ name: groupOf(r), value: r[m0.name] * scale(m0) })),
      label: { formatter: '{b}: {d}%' } }] };
  }
  const yAxis = { type: 'value', axisLabel: { formatter: m0.format === 'percent' ? '{value}%' : (v) => value(v, m0.format, lang) } };
  if (timeCol) {
    const periods = [...new Set(rows.map((r) => r[timeCol.name]))].sort();
    const series = [];
    for (const m of metricCols) {
      const groups = new Map();
      for (const r of rows) {
        const g = groupOf(r);
        if (!groups.has(g)) groups.set(g, new Map());
        groups.get(g).set(r[timeCol.name], r[m.name]);
      }
      for (const [g, byPeriod] of groups) {
        const name = [metricCols.length > 1 ? label(m.label, lang) : '', g].filter(Boolean).join(' · ') || label(m.label, lang);
        // One period draws no line: bars show it.
        series.push({ name, type: kind === 'bar' || periods.length === 1 ? 'bar' : 'line', showSymbol: periods.length < 16,
          data: periods.map((p) => (byPeriod.has(p) && byPeriod.get(p) !== null ? byPeriod.get(p) * scale(m) : null)) });
      }
    }
    const grain = (res.time && res.time.grain) || 'month';
    return { ...base, xAxis: { type: 'category', data: periods.map((p) => period(p, grain, lang)) }, yAxis, series };
  }
  if (dimCols.length) {
    return { ...base, xAxis: { type: 'category', data: rows.map(groupOf), axisLabel: { interval: rows.length > 12 ? 'auto' : 0, rotate: rows.length > 12 ? 45 : rows.length > 6 ? 30 : 0 } },
      yAxis, series: metricCols.map((m) => ({ name: label(m.label, lang), type: 'bar', data: rows.map((r) => (r[m.name] === null ? null : r[m.name] * scale(m))) })) };
  }
  return { ...base, xAxis: { type: 'category', data: metricCols.map((m) => label(m.label, lang)) }, yAxis,
    series: [{ type: 'bar', data: metricCols.map((m) => (rows[0][m.name] === null ? null : rows[0][m.name] * scale(m))) }] };
}

// sparkOption is a small trend line without axes.
export function sparkOption(res, metric) {
  const rows = res.rows || [];
  const col = (res.columns || []).find((c) => c.name === metric) || {};
  const k = col.format === 'percent' ? 100 : 1;
  return {
    animation: false, grid: { left: 4, right: 4, top: 8, bottom: 4 },
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'category', show: false, data: rows.map((r) => r.period) },
    yAxis: { type: 'value', show: false, scale: true },
    series: [{ type: 'line', data: rows.map((r) => (r[metric] === null ? null : r[metric] * k)), showSymbol: false, lineStyle: { width: 2 }, areaStyle: { opacity: 0.08 } }],
    color: palette,
  };
}
