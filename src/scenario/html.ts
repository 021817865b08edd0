/**
 * The scenario report: one self-contained HTML page (no network, no library) with the summary table
 * and charts over simulated time — concurrency per function against its limits, throttles, queue
 * depth, async event age, cold starts, outcomes. The charts are drawn in the page from the embedded
 * data as SVG; each chart then records, per series, the maximum it actually plotted (read back from
 * the drawn points) in `data-plotted-max-<function>`, so a test can check what was drawn.
 */
import type { ScenarioResult, ScenarioSeries } from './runner.js';
import { formatSummary } from './report.js';

const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export const CHARTS = [
  { key: 'concurrency', title: 'Concurrent executions (dashed: reservation; dotted: account limit)', summary: 'maxConcurrency' },
  { key: 'throttles', title: 'Throttles per bucket', summary: undefined },
  { key: 'queueDepth', title: 'Async queue depth (events waiting or retrying)', summary: undefined },
  { key: 'eventAgeMax', title: 'Async event age at delivery, max per bucket (ms)', summary: undefined },
  { key: 'coldStarts', title: 'Cold starts per bucket', summary: undefined },
  { key: 'outcomes', title: 'Outcomes per bucket (solid: successes; dashed: errors)', summary: undefined },
] as const;

export function renderHtml(result: ScenarioResult, series: ScenarioSeries): string {
  const data = JSON.stringify({ result, series, charts: CHARTS }).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(result.name)} — lambda-sim</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #1b1f24; background: #fff; }
h1 { font-size: 20px; margin: 0 0 4px; } .sub { color: #57606a; margin-bottom: 16px; }
.grid { display: grid; grid-template-columns: repeat(2, minmax(420px, 1fr)); gap: 16px; }
.chart { border: 1px solid #d0d7de; border-radius: 6px; padding: 8px 12px; }
.chart h2 { font-size: 13px; margin: 0 0 6px; font-weight: 600; }
.legend span { margin-right: 12px; font-size: 12px; } .legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; border-radius: 2px; }
pre { background: #f6f8fa; padding: 12px; overflow-x: auto; font-size: 12px; }
.ok { color: #1a7f37; } .fail { color: #cf222e; font-weight: 600; }
</style></head>
<body>
<h1>${escape(result.name)}</h1>
<div class="sub">seed ${result.seed} · ${result.durationSeconds} s of traffic · settled after ${result.settledAfterSeconds.toFixed(1)} s simulated · ${(result.realMs / 1000).toFixed(2)} s real ·
${result.expectations.length === 0 ? 'no expectations' : result.passed ? '<span class="ok">all expectations met</span>' : '<span class="fail">expectations failed</span>'}</div>
<div class="grid" id="charts"></div>
<h2>Summary</h2>
<pre>${escape(formatSummary(result))}</pre>
<script type="application/json" id="data">${data}</script>
<script>
(function () {
  var d = JSON.parse(document.getElementById('data').textContent);
  var S = d.series, names = Object.keys(S.functions);
  var colours = ['#0969da', '#cf222e', '#1a7f37', '#8250df', '#bf8700', '#1b7c83', '#e16f24', '#6e7781'];
  var W = 520, H = 200, L = 48, B = 22, T = 8, R = 8;
  var NS = 'http://www.w3.org/2000/svg';
  function el(tag, attrs, parent) { var e = document.createElementNS(NS, tag); for (var k in attrs) e.setAttribute(k, attrs[k]); if (parent) parent.appendChild(e); return e; }
  function values(fn, key) { var f = S.functions[fn]; return key === 'outcomes' ? f.successes : f[key]; }
  d.charts.forEach(function (c) {
    var box = document.createElement('div'); box.className = 'chart';
    var h = document.createElement('h2'); h.textContent = c.title; box.appendChild(h);
    var lines = [];
    names.forEach(function (fn, i) {
      lines.push({ fn: fn, v: values(fn, c.key), colour: colours[i % colours.length], dash: '' });
      if (c.key === 'outcomes') lines.push({ fn: fn + ' errors', v: S.functions[fn].errors, colour: colours[i % colours.length], dash: '5 3' });
    });
    var limits = [];
    if (c.key === 'concurrency') {
      names.forEach(function (fn, i) { if (S.functions[fn].limit !== null) limits.push({ y: S.functions[fn].limit, colour: colours[i % colours.length], dash: '6 4' }); });
      limits.push({ y: S.accountLimit, colour: '#6e7781', dash: '2 3' });
    }
    var n = Math.max(1, lines.reduce(function (m, l) { return Math.max(m, l.v.length); }, 1));
    var ymax = 1;
    lines.forEach(function (l) { l.v.forEach(function (v) { if (v > ymax) ymax = v; }); });
    limits.forEach(function (l) { if (l.y > ymax && l.y <= ymax * 1.5) ymax = l.y; });
    var svg = el('svg', { width: W, height: H, viewBox: '0 0 ' + W + ' ' + H, 'data-chart': c.key, 'data-ymax': ymax });
    var x = function (i) { return L + (i / Math.max(1, n - 1)) * (W - L - R); };
    var y = function (v) { return T + (1 - v / ymax) * (H - T - B); };
    el('line', { x1: L, y1: H - B, x2: W - R, y2: H - B, stroke: '#8c959f' }, svg);
    el('line', { x1: L, y1: T, x2: L, y2: H - B, stroke: '#8c959f' }, svg);
    [0, 0.5, 1].forEach(function (f) {
      var t = el('text', { x: L - 6, y: y(ymax * f) + 4, 'text-anchor': 'end', 'font-size': 10, fill: '#57606a' }, svg);
      t.textContent = String(Math.round(ymax * f * 10) / 10);
    });
    var endS = (Math.max(1, n - 1) * S.bucketMs) / 1000; // the last point sits at bucket n - 1
    [0, 0.5, 1].forEach(function (f) {
      var t = el('text', { x: L + f * (W - L - R), y: H - 6, 'text-anchor': f === 0 ? 'start' : f === 1 ? 'end' : 'middle', 'font-size': 10, fill: '#57606a' }, svg);
      t.textContent = (Math.round(endS * f * 10) / 10) + ' s';
    });
    limits.forEach(function (l) { if (l.y <= ymax) el('line', { x1: L, x2: W - R, y1: y(l.y), y2: y(l.y), stroke: l.colour, 'stroke-dasharray': l.dash, 'stroke-width': 1 }, svg); });
    lines.forEach(function (l) {
      var pts = l.v.map(function (v, i) { return x(i).toFixed(2) + ',' + y(v).toFixed(3); }).join(' ');
      var p = el('polyline', { points: pts, fill: 'none', stroke: l.colour, 'stroke-width': 1.5, 'stroke-dasharray': l.dash, 'data-series': l.fn }, svg);
      // What was actually drawn, read back from the points: the highest point, in data units.
      var top = Infinity;
      p.getAttribute('points').split(' ').forEach(function (xy) { var py = Number(xy.split(',')[1]); if (py < top) top = py; });
      var plotted = top === Infinity ? 0 : Math.round((1 - (top - T) / (H - T - B)) * ymax * 1000) / 1000;
      svg.setAttribute('data-plotted-max-' + l.fn.replace(/[^a-zA-Z0-9-_]/g, '_'), String(plotted));
    });
    box.appendChild(svg);
    var legend = document.createElement('div'); legend.className = 'legend';
    names.forEach(function (fn, i) { var s = document.createElement('span'); s.innerHTML = '<i style="background:' + colours[i % colours.length] + '"></i>'; s.appendChild(document.createTextNode(fn)); legend.appendChild(s); });
    box.appendChild(legend);
    document.getElementById('charts').appendChild(box);
  });
  document.body.setAttribute('data-rendered', String(d.charts.length));
})();
</script>
</body></html>
`;
}
