package render

// chartPage is the document of a tab that renders options: one element for
// the chart on a white page, at the top left, so that the chart's box is the
// screenshot's clip. lang makes Chromium prefer the Simplified Chinese forms
// of the CJK font.
const chartPage = `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<style>html,body{margin:0;padding:0;background:#fff;overflow:hidden}
#chart{position:absolute;left:0;top:0}</style></head>
<body><div id="chart"></div></body></html>`

// chartScript runs once per tab, after ECharts: it defines the function each
// render calls. The option comes in as a JSON string and is parsed as data,
// never evaluated. Animation is turned off so that 'finished' means drawn,
// and a chart without a background gets a white one (a transparent PNG is
// unreadable on a dark chat theme). The promise settles on ECharts'
// 'finished' event, or rejects on a bad option.
const chartScript = `(() => {
  const root = document.getElementById('chart');
  let chart = null;
  window.__beaconRender = (text, w, h) => new Promise((resolve, reject) => {
    if (chart) { chart.dispose(); chart = null; }
    let option;
    try { option = JSON.parse(text); } catch (e) { reject(new Error('option is not JSON: ' + e.message)); return; }
    if (option === null || typeof option !== 'object' || Array.isArray(option)) { reject(new Error('option is not a JSON object')); return; }
    option.animation = false;
    if (option.backgroundColor === undefined) option.backgroundColor = '#ffffff';
    root.style.width = w + 'px';
    root.style.height = h + 'px';
    try {
      chart = echarts.init(root, null, {renderer: 'canvas', width: w, height: h, devicePixelRatio: 1});
      chart.on('finished', () => resolve(true));
      chart.setOption(option);
    } catch (e) { reject(e); }
  });
})();`

// pageHook is evaluated in every document of a page tab before the page's
// own scripts. It wraps echarts.init as the page's ECharts script defines it
// (the UMD build assigns window.echarts, then its init), so that every chart
// the page draws is known, and a chart counts as pending from each setOption
// until its 'finished' event. (A resize is not tracked: ECharts draws it
// at once unless asked to animate, and may skip an unchanged size.) A page may also hold the capture back by
// setting window.beaconReady = false until it is done.
const pageHook = `(() => {
  const pending = new Set();
  let count = 0;
  const wrap = (init) => function (...args) {
    const inst = init.apply(this, args);
    count++;
    inst.on('finished', () => pending.delete(inst));
    const setOption = inst.setOption;
    inst.setOption = function (...a) { pending.add(inst); return setOption.apply(this, a); };
    return inst;
  };
  const hookInit = (ec) => {
    if (!ec || typeof ec !== 'object') return;
    let init = typeof ec.init === 'function' ? wrap(ec.init) : undefined;
    Object.defineProperty(ec, 'init', {configurable: true, enumerable: true,
      get() { return init; }, set(fn) { init = typeof fn === 'function' ? wrap(fn) : fn; }});
  };
  let echartsValue;
  Object.defineProperty(window, 'echarts', {configurable: true, enumerable: true,
    get() { return echartsValue; }, set(v) { echartsValue = v; hookInit(v); }});
  window.__beaconPageState = () => ({
    ready: document.readyState === 'complete' && pending.size === 0 && window.beaconReady !== false,
    charts: count,
    height: Math.ceil(Math.max(document.documentElement.scrollHeight, document.body ? document.body.scrollHeight : 0)),
  });
})();`
