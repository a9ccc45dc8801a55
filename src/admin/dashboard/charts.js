// Small time-series line charts drawn as SVG: one polyline per series, gaps where a bucket has no
// value, the maximum on the y axis and the window's start and end on the x axis.
/* global document */

const SVG = 'http://www.w3.org/2000/svg';
export const PALETTE = ['#2f6fdb', '#d0383a', '#2e9d5b', '#d18b12', '#7b4bd1', '#0f9aa6', '#c2458d', '#6b7585'];

function el(name, attrs, parent) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  parent.appendChild(e);
  return e;
}

function fmt(v) {
  if (v === 0) return '0';
  if (v >= 100) return String(Math.round(v));
  if (v >= 1) return v.toFixed(1);
  return v.toPrecision(2);
}

function clock(t) {
  return new Date(t).toTimeString().slice(0, 8);
}

/**
 * `series`: [{ name, colour, points: [{ t, v }] }] with v null for no value. `range`: [t0, t1].
 * Shows `empty` when no series has a value.
 */
export function lineChart(svg, series, range, empty) {
  while (svg.firstChild) svg.removeChild(svg.firstChild);
  const W = 300;
  const H = 110;
  const pad = { l: 30, r: 6, t: 8, b: 16 };
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('preserveAspectRatio', 'none');
  const values = series.flatMap((s) => s.points.map((p) => p.v)).filter((v) => v !== null && Number.isFinite(v));
  el('line', { class: 'axis', x1: pad.l, x2: W - pad.r, y1: H - pad.b, y2: H - pad.b }, svg);
  if (values.length === 0) {
    el('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle' }, svg).textContent = empty;
    return;
  }
  const max = Math.max(...values) * 1.1 || 1;
  const [t0, t1] = range;
  const x = (t) => pad.l + ((t - t0) / Math.max(1, t1 - t0)) * (W - pad.l - pad.r);
  const y = (v) => H - pad.b - (v / max) * (H - pad.t - pad.b);
  el('text', { x: pad.l - 3, y: pad.t + 6, 'text-anchor': 'end' }, svg).textContent = fmt(max / 1.1);
  el('text', { x: pad.l - 3, y: H - pad.b, 'text-anchor': 'end' }, svg).textContent = '0';
  el('text', { x: pad.l, y: H - 4 }, svg).textContent = clock(t0);
  el('text', { x: W - pad.r, y: H - 4, 'text-anchor': 'end' }, svg).textContent = clock(t1);
  for (const s of series) {
    let run = [];
    const flush = () => {
      if (run.length === 1) el('circle', { cx: run[0][0], cy: run[0][1], r: 1.8, fill: s.colour }, svg);
      else if (run.length > 1) el('polyline', { points: run.map((p) => p.join(',')).join(' '), stroke: s.colour, 'data-series': s.name }, svg);
      run = [];
    };
    for (const p of s.points) {
      if (p.v === null || !Number.isFinite(p.v)) flush();
      else run.push([x(p.t).toFixed(1), y(p.v).toFixed(1)]);
    }
    flush();
  }
}
