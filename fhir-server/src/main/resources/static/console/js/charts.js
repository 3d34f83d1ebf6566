// Charts with uPlot (WebJar). A canvas says nothing to a screen reader: every chart is a <figure>
// with a caption, an aria-label that states the numbers, and the same numbers as a table.
import uPlot from '/webjars/uplot/dist/uPlot.esm.js';
import { h, table, fmt } from './dom.js';

const COLOURS = ['#0b5cad', '#c45100', '#1d6b35', '#7b2cbf', '#a4161a', '#4a5360'];
const WIDTH = 360;
const HEIGHT = 220;

function figure(id, title, summary, dataTable) {
  const plot = h('div', { class: 'plot', role: 'img', 'aria-label': `${title}: ${summary}` });
  const fig = h('figure', { class: 'chart', id, 'data-chart': id },
    h('figcaption', {}, title), plot,
    h('details', {}, h('summary', {}, 'Data'), dataTable));
  return { fig, plot };
}

/** Counts by category as bars (SCAI stage, device, etiology, site, ...). */
export function barChart(id, title, labels, values, yLabel = 'patients') {
  const summary = labels.map((l, i) => `${l} ${values[i]}`).join(', ');
  const { fig, plot } = figure(id, title, summary,
    table(null, [{ label: 'Category' }, { label: yLabel, num: true }], labels.map((l, i) => [l, values[i]])));
  const xs = labels.map((_, i) => i);
  const opts = {
    width: WIDTH, height: HEIGHT, legend: { show: false }, cursor: { show: false },
    scales: { x: { time: false, range: [-0.6, labels.length - 0.4] }, y: { range: (u, min, max) => [0, Math.max(1, max) * 1.1] } },
    axes: [
      // long category names are turned so that they do not run into each other
      { splits: () => xs, values: (u, splits) => splits.map(i => labels[i] ?? ''), grid: { show: false },
        ...(labels.some(l => String(l).length > 7) ? { rotate: -30, size: 70 } : {}) },
      { label: yLabel, size: 50 },
    ],
    series: [{}, { label: yLabel, fill: COLOURS[0] + 'cc', stroke: COLOURS[0], paths: uPlot.paths.bars({ size: [0.6, 80] }), points: { show: false } }],
  };
  new uPlot(opts, [xs, values], plot);
  return fig;
}

/** Counts per minute as lines, one per series ({label, values}); times are ISO minutes. */
export function minuteChart(id, title, minutes, series, yLabel = 'resources / min') {
  const xs = minutes.map(m => Date.parse(m) / 1000);
  const totals = series.map(s => `${s.label} ${s.values.reduce((a, v) => a + v, 0)}`).join(', ');
  const { fig, plot } = figure(id, title, `last ${minutes.length} minutes: ${totals}`,
    table(null, [{ label: 'Minute (UTC)' }, ...series.map(s => ({ label: s.label, num: true }))],
      minutes.map((m, i) => [m.slice(11, 16), ...series.map(s => s.values[i])])));
  const opts = {
    width: WIDTH * 2, height: HEIGHT, cursor: { show: false },
    scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(1, max) * 1.1] } },
    axes: [{}, { label: yLabel, size: 60 }],
    series: [{}, ...series.map((s, i) => ({ label: s.label, stroke: COLOURS[i % COLOURS.length], width: 2, points: { show: xs.length < 3 } }))],
  };
  new uPlot(opts, [xs, ...series.map(s => s.values)], plot);
  return fig;
}

/**
 * Median and interquartile range per group, as horizontal boxes (q1..q3, a bar at the median):
 * the registry serves table-1 quartiles, not single values.
 */
export function iqrChart(id, title, unit, rows) {
  rows = rows.filter(r => r.median !== undefined && r.median !== null);
  const summary = rows.map(r => `${r.label} median ${fmt(r.median)} (IQR ${fmt(r.q1)}–${fmt(r.q3)}) ${unit}`).join('; ');
  const { fig, plot } = figure(id, title, summary || 'no values',
    table(null, [{ label: 'Group' }, { label: 'n', num: true }, { label: `median (${unit})`, num: true }, { label: 'Q1', num: true }, { label: 'Q3', num: true }],
      rows.map(r => [r.label, r.n, fmt(r.median, 2), fmt(r.q1, 2), fmt(r.q3, 2)])));
  if (!rows.length) return fig;
  const lo = Math.min(...rows.map(r => r.q1 ?? r.median));
  const hi = Math.max(...rows.map(r => r.q3 ?? r.median));
  const pad = Math.max((hi - lo) * 0.25, Math.abs(hi) * 0.05, 1);
  const ys = rows.map((_, i) => i);
  const draw = u => {
    const ctx = u.ctx;
    const band = Math.abs(u.valToPos(0, 'y', true) - u.valToPos(1, 'y', true)) * 0.5;
    rows.forEach((r, i) => {
      const y = u.valToPos(i, 'y', true);
      const x1 = u.valToPos(r.q1 ?? r.median, 'x', true);
      const x3 = u.valToPos(r.q3 ?? r.median, 'x', true);
      const xm = u.valToPos(r.median, 'x', true);
      ctx.fillStyle = COLOURS[i % COLOURS.length] + '55';
      ctx.strokeStyle = COLOURS[i % COLOURS.length];
      ctx.lineWidth = 2;
      ctx.fillRect(x1, y - band / 2, Math.max(x3 - x1, 2), band);
      ctx.strokeRect(x1, y - band / 2, Math.max(x3 - x1, 2), band);
      ctx.beginPath();
      ctx.moveTo(xm, y - band / 2 - 4);
      ctx.lineTo(xm, y + band / 2 + 4);
      ctx.lineWidth = 4;
      ctx.stroke();
    });
  };
  const opts = {
    width: WIDTH, height: Math.max(120, 60 + rows.length * 45), legend: { show: false }, cursor: { show: false },
    scales: { x: { time: false, range: [lo - pad, hi + pad] }, y: { range: [-0.7, rows.length - 0.3] } },
    axes: [{ label: unit }, { splits: () => ys, values: (u, s) => s.map(i => rows[i]?.label ?? ''), size: 110, grid: { show: false } }],
    series: [{}, { show: false }],
    hooks: { draw: [draw] },
  };
  new uPlot(opts, [[lo - pad, hi + pad], [null, null]], plot);
  return fig;
}

/** Kaplan-Meier survival curves, one per group of {time, event} (time in days). */
export function kaplanMeier(id, title, groups, horizon) {
  const curves = groups.map(g => ({ label: g.label, steps: kmSteps(g.subjects, horizon) }));
  const times = [...new Set([0, horizon, ...curves.flatMap(c => c.steps.map(s => s.t))])].sort((a, b) => a - b);
  const series = curves.map(c => times.map(t => {
    let s = 1;
    for (const step of c.steps) if (step.t <= t) s = step.s;
    return s;
  }));
  const summary = curves.map(c => `${c.label}: survival at day ${horizon} ${fmt(series[curves.indexOf(c)].at(-1), 3)}`).join('; ');
  const rows = curves.flatMap(c => c.steps.map(s => [c.label, fmt(s.t, 1), s.atRisk, s.events, fmt(s.s, 3)]));
  const { fig, plot } = figure(id, title, summary,
    table(null, [{ label: 'Group' }, { label: 'day', num: true }, { label: 'at risk', num: true }, { label: 'deaths', num: true }, { label: 'survival', num: true }], rows));
  const opts = {
    width: WIDTH + 120, height: HEIGHT + 40, legend: { show: true },
    scales: { x: { time: false, range: [0, horizon] }, y: { range: [0, 1.02] } },
    axes: [{ label: 'days since randomization' }, { label: 'survival', values: (u, s) => s.map(v => v.toFixed(1)) }],
    series: [{ label: 'day' }, ...curves.map((c, i) => ({
      label: c.label, stroke: COLOURS[i % COLOURS.length], width: 2,
      paths: uPlot.paths.stepped({ align: 1 }), points: { show: false },
    }))],
  };
  new uPlot(opts, [times, ...series], plot);
  return fig;
}

/** Product-limit estimate: at each distinct death time, S *= 1 - deaths / at risk. */
export function kmSteps(subjects, horizon) {
  const data = subjects.map(s => ({ t: Math.min(s.time, horizon), event: s.event && s.time <= horizon }))
    .sort((a, b) => a.t - b.t);
  const steps = [];
  let atRisk = data.length;
  let s = 1;
  for (let i = 0; i < data.length;) {
    const t = data[i].t;
    let deaths = 0;
    let leaving = 0;
    while (i < data.length && data[i].t === t) {
      if (data[i].event) deaths++;
      leaving++;
      i++;
    }
    if (deaths > 0) {
      s *= 1 - deaths / atRisk;
      steps.push({ t, s, atRisk, events: deaths });
    }
    atRisk -= leaving;
  }
  return steps;
}
