// Draws each chart of a Beacon report from the ECharts option in its
// data-option attribute. Loaded from Beacon itself (the page's CSP allows
// nothing else), after echarts.min.js.
(function () {
  'use strict';
  var charts = [];
  document.querySelectorAll('.chart[data-option]').forEach(function (el) {
    var chart = echarts.init(el, null, { renderer: 'canvas' });
    chart.setOption(JSON.parse(el.getAttribute('data-option')));
    charts.push(chart);
  });
  window.addEventListener('resize', function () {
    charts.forEach(function (c) { c.resize(); });
  });
  // A renderer (headless Chromium) waits for this before its snapshot.
  document.documentElement.setAttribute('data-charts-ready', String(charts.length));
})();
