// The Sluice dashboard: polls GET /api/summary every second (service map, per-model series, pools,
// drops, totals) and follows GET /api/flows as Server-Sent Events for the live flow list. Everything
// shown that came from a request (models, identities, paths) is set as text, never parsed as HTML.
/* global document, window, fetch, EventSource, setTimeout, clearTimeout */
import { drawServiceMap } from './map.js';
import { PALETTE, lineChart } from './charts.js';

const WINDOW = '5m';
const BUCKET = '5s';
const MAX_FLOW_ROWS = 100;
const $ = (id) => document.getElementById(id);

function td(text, cls) {
  const c = document.createElement('td');
  c.textContent = text;
  if (cls) c.className = cls;
  return c;
}

function row(cells) {
  const tr = document.createElement('tr');
  for (const c of cells) tr.appendChild(typeof c === 'string' ? td(c) : c);
  return tr;
}

function verdictCell(v) {
  const c = document.createElement('td');
  const s = document.createElement('span');
  s.className = `verdict ${v}`;
  s.textContent = v;
  c.appendChild(s);
  return c;
}

const int = (n) => Math.round(n).toLocaleString('en-US');
const ms = (v) => (v === null || v === undefined ? '–' : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(v < 10 ? 1 : 0)} ms`);
const usd = (v) => (v === null || v === undefined ? '–' : `$${v < 0.01 ? v.toFixed(6) : v.toFixed(4)}`);
const pct = (v) => (v === null || v === undefined ? '–' : `${Math.round(v * 100)}%`);
const clock = (iso) => {
  const d = new Date(iso);
  return `${d.toTimeString().slice(0, 8)}.${String(d.getMilliseconds()).padStart(3, '0')}`;
};

// A model keeps its colour for the page's lifetime.
const colours = new Map();
function colourOf(model) {
  if (!colours.has(model)) colours.set(model, PALETTE[colours.size % PALETTE.length]);
  return colours.get(model);
}

function setRows(tbody, rows) {
  tbody.replaceChildren(...rows);
}

function renderTotals(s) {
  $('stat-requests').textContent = int(s.flowLog.lastSeq);
  $('stat-rate').textContent = s.totals.rate.toFixed(1);
  $('stat-failed').textContent = int(s.totals.failed);
  $('stat-tokens').textContent = `${int(s.totals.inputTokens)} / ${int(s.totals.outputTokens)}`;
  $('stat-cost').textContent = usd(s.totals.cost);
  $('window-label').textContent = `(${Math.round(s.windowMs / 60000)} min)`;
  $('generation').textContent = `configuration generation ${s.generation}`;
}

function renderMap(s) {
  const empty = s.map.nodes.length === 0;
  $('map-empty').classList.toggle('hidden', !empty);
  drawServiceMap($('service-map'), s.map);
}

function renderModels(s) {
  setRows($('models').tBodies[0], s.models.map((m) => {
    const name = td(m.model || '(none)');
    name.title = m.model;
    return row([
      name,
      td(int(m.requests), 'num'),
      td(int(m.failed), 'num'),
      td(int(m.inputTokens), 'num'),
      td(int(m.outputTokens), 'num'),
      td(int(m.cachedTokens), 'num'),
      td(usd(m.cost), 'num'),
      td(m.ttftMs ? `${ms(m.ttftMs.p50)} / ${ms(m.ttftMs.p95)}` : '–', 'num'),
      td(m.tpotMs ? ms(m.tpotMs.p50) : '–', 'num'),
    ]);
  }));
  const bucketSec = s.bucketMs / 1000;
  const end = Date.parse(s.now);
  const range = [end - s.windowMs, end];
  const series = (value) => s.models.map((m) => ({ name: m.model, colour: colourOf(m.model), points: m.buckets.map((b) => ({ t: b.t + s.bucketMs / 2, v: value(b) })) }));
  lineChart($('chart-tokens'), series((b) => (b.inputTokens + b.outputTokens) / bucketSec), range, 'no tokens yet');
  lineChart($('chart-ttft'), series((b) => b.ttftMs), range, 'no streams yet');
  lineChart($('chart-tpot'), series((b) => b.tpotMs), range, 'no streams yet');
  lineChart($('chart-cost'), series((b) => b.cost), range, 'no cost data yet');
  const legend = $('legend');
  legend.replaceChildren(...s.models.map((m) => {
    const span = document.createElement('span');
    const i = document.createElement('i');
    i.style.background = colourOf(m.model);
    span.append(i, m.model || '(none)');
    return span;
  }));
}

function bar(fraction, hot) {
  const c = document.createElement('td');
  const b = document.createElement('span');
  b.className = hot ? 'bar hot' : 'bar';
  const fill = document.createElement('b');
  fill.style.width = `${Math.max(0, Math.min(1, fraction)) * 100}%`;
  b.appendChild(fill);
  c.append(b, pct(fraction));
  return c;
}

function renderPools(s) {
  const box = $('pools');
  if (s.pools.length === 0) {
    const p = document.createElement('p');
    p.className = 'empty';
    p.textContent = 'No InferencePool is served.';
    box.replaceChildren(p);
    return;
  }
  box.replaceChildren(...s.pools.map((pool) => {
    const div = document.createElement('div');
    div.className = 'pool';
    div.dataset.pool = pool.pool;
    const h = document.createElement('h3');
    h.textContent = `InferencePool ${pool.pool}`;
    const table = document.createElement('table');
    const head = row(['pod', 'endpoint', 'ready', 'queue', 'running', 'in flight', 'KV cache', 'prefix hit', 'requests']);
    for (const c of head.children) {
      const th = document.createElement('th');
      th.textContent = c.textContent;
      c.replaceWith(th);
    }
    const thead = document.createElement('thead');
    thead.appendChild(head);
    const tbody = document.createElement('tbody');
    for (const e of pool.endpoints) {
      const tr = row([
        td(e.pod || '–'),
        td(e.endpoint),
        td(e.ready ? 'yes' : 'no'),
        td(int(e.waiting), 'num'),
        td(int(e.running), 'num'),
        td(int(e.inflight), 'num'),
        bar(e.kvCacheUsage, e.kvCacheUsage > 0.8),
        td(pct(e.prefixHitRate), 'num'),
        td(int(e.requests), 'num'),
      ]);
      tr.dataset.endpoint = e.endpoint;
      tbody.appendChild(tr);
    }
    table.append(thead, tbody);
    div.append(h, table);
    return div;
  }));
}

function renderDrops(s) {
  $('drops-empty').classList.toggle('hidden', s.drops.length > 0);
  setRows($('drops').tBodies[0], s.drops.map((d) => row([clock(d.time), verdictCell(d.verdict), td(d.reason || d.error), td(String(d.status), 'num'), td(d.model || '–'), td(d.source), td(d.id)])));
}

let failures = 0;
let timer;
async function poll() {
  clearTimeout(timer);
  try {
    const res = await fetch(`/api/summary?window=${WINDOW}&bucket=${BUCKET}`, { cache: 'no-store' });
    if (!res.ok) throw new Error(`summary: HTTP ${res.status}`);
    const s = await res.json();
    failures = 0;
    renderTotals(s);
    renderMap(s);
    renderModels(s);
    renderPools(s);
    renderDrops(s);
    document.body.dataset.updated = s.now;
  } catch {
    failures++;
    setLive(false);
  }
  timer = setTimeout(poll, failures > 0 ? Math.min(10_000, 1000 * 2 ** failures) : 1000);
}

function setLive(on) {
  const live = $('live');
  live.classList.toggle('off', !on);
  live.textContent = on ? 'live' : 'reconnecting…';
}

function flowRow(f) {
  const d = f.destination;
  const dest = d.pod || d.endpoint || d.pool || d.backend || '–';
  const tr = row([
    clock(f.time),
    verdictCell(f.verdict),
    td(f.source.identity || f.source.address),
    td(d.route || '–'),
    td(dest),
    td(f.model.original || '–'),
    td(String(f.status), 'num'),
    td(f.tokens.total ? `${f.tokens.input}→${f.tokens.output}` : '–', 'num'),
    td(ms(f.ttftMs), 'num'),
    td(ms(f.durationMs), 'num'),
  ]);
  tr.dataset.seq = String(f.seq);
  if (f.dropReason || f.error) tr.title = `${f.dropReason || ''} ${f.error || ''}`.trim();
  return tr;
}

function addFlowRow(tr) {
  const tbody = $('flows').tBodies[0];
  tbody.insertBefore(tr, tbody.firstChild);
  while (tbody.rows.length > MAX_FLOW_ROWS) tbody.deleteRow(-1);
}

function follow() {
  // The browser resumes from the last event id by itself after a reconnect (no gap while the ring holds it).
  const source = new EventSource('/api/flows?follow=1&last=30');
  source.onopen = () => setLive(true);
  source.onerror = () => setLive(false);
  source.addEventListener('flow', (ev) => addFlowRow(flowRow(JSON.parse(ev.data))));
  source.addEventListener('lost', (ev) => {
    const lost = JSON.parse(ev.data);
    const tr = row(['', verdictCell('LOST'), td(`${lost.count} flows not shown (${lost.reason})`)]);
    tr.className = 'lost';
    addFlowRow(tr);
  });
  window.addEventListener('pagehide', () => source.close());
}

poll();
follow();
