// The service map: four columns (clients → routes → backends → endpoints) laid out by a small
// layered-graph heuristic, drawn as SVG. Edge width follows the request rate, edge and node colour the
// share of failed flows. Labels come from requests (model names, identities): they are only ever set
// as text, never as markup.
/* global document */

const SVG = 'http://www.w3.org/2000/svg';
const COLUMNS = ['client', 'route', 'backend', 'endpoint'];
const TITLES = ['clients', 'routes', 'backends / pools', 'endpoints'];
const NODE_W = 190;
const NODE_H = 34;
const ROW = 46;
const TOP = 26;

function el(name, attrs, parent) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (parent) parent.appendChild(e);
  return e;
}

/** Green at no failures to red at half or more. */
export function failureColour(failed, total) {
  const ratio = total > 0 ? Math.min(failed / total, 0.5) : 0;
  return `hsl(${Math.round(140 - 280 * ratio)}, 62%, ${ratio > 0 ? 46 : 40}%)`;
}

function shorten(text, max) {
  return text.length <= max ? text : '…' + text.slice(text.length - max + 1);
}

/**
 * Positions: each node gets a column by kind and a row. Rows start in request order, then are
 * reordered by the mean row of their neighbours (a few sweeps right and left), which keeps edges
 * from crossing in the common shapes (a route fanning out to a pool's endpoints).
 */
export function layoutMap(nodes, edges) {
  const cols = COLUMNS.map((kind) => nodes.filter((n) => n.kind === kind).sort((a, b) => b.requests - a.requests || a.id.localeCompare(b.id)));
  const row = new Map();
  const place = () => cols.forEach((col) => col.forEach((n, i) => row.set(n.id, i - (col.length - 1) / 2)));
  place();
  const neighbours = (id, dir) => edges.filter((e) => (dir > 0 ? e.to === id : e.from === id)).map((e) => ({ id: dir > 0 ? e.from : e.to, w: e.requests }));
  for (let sweep = 0; sweep < 4; sweep++) {
    const order = sweep % 2 === 0 ? [1, 2, 3] : [2, 1, 0];
    const dir = sweep % 2 === 0 ? 1 : -1;
    for (const c of order) {
      const score = new Map(cols[c].map((n) => {
        const ns = neighbours(n.id, dir).filter((x) => row.has(x.id));
        const w = ns.reduce((s, x) => s + x.w, 0);
        return [n.id, w > 0 ? ns.reduce((s, x) => s + row.get(x.id) * x.w, 0) / w : row.get(n.id)];
      }));
      cols[c].sort((a, b) => score.get(a.id) - score.get(b.id) || a.id.localeCompare(b.id));
      place();
    }
  }
  const rows = Math.max(1, ...cols.map((c) => c.length));
  return { cols, rows, row };
}

/** Draws `map` ({nodes, edges} of /api/summary) into `svg`. */
export function drawServiceMap(svg, map) {
  while (svg.firstChild) svg.removeChild(svg.firstChild);
  const { cols, rows, row } = layoutMap(map.nodes, map.edges);
  const width = Math.max(svg.clientWidth || 900, 4 * NODE_W + 3 * 60);
  const height = TOP + rows * ROW + 8;
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('height', String(height));
  const gap = (width - 4 * NODE_W) / 3;
  const x = (c) => c * (NODE_W + gap);
  const mid = TOP + (rows * ROW) / 2;
  const y = (id) => mid + row.get(id) * ROW - NODE_H / 2;
  const colOf = new Map();
  cols.forEach((col, c) => col.forEach((n) => colOf.set(n.id, c)));
  TITLES.forEach((t, c) => el('text', { x: x(c), y: 12, class: 'column-title' }, svg).textContent = t);

  const maxRate = Math.max(1e-9, ...map.edges.map((e) => e.rate));
  const edgeLayer = el('g', { class: 'edges' }, svg);
  for (const e of map.edges) {
    if (!colOf.has(e.from) || !colOf.has(e.to)) continue;
    const x1 = x(colOf.get(e.from)) + NODE_W;
    const x2 = x(colOf.get(e.to));
    const y1 = y(e.from) + NODE_H / 2;
    const y2 = y(e.to) + NODE_H / 2;
    const dx = (x2 - x1) / 2;
    const path = el('path', {
      class: 'edge',
      d: `M${x1},${y1} C${x1 + dx},${y1} ${x2 - dx},${y2} ${x2},${y2}`,
      stroke: failureColour(e.failed, e.requests),
      'stroke-width': (1.5 + 9 * Math.sqrt(e.rate / maxRate)).toFixed(2),
      'data-edge': `${e.from} -> ${e.to}`,
    }, edgeLayer);
    el('title', {}, path).textContent = `${e.requests} requests (${e.rate}/s), ${e.failed} failed`;
  }

  const nodeLayer = el('g', { class: 'nodes' }, svg);
  cols.forEach((col, c) => {
    for (const n of col) {
      const g = el('g', { class: n.failed > 0 ? 'node failing' : 'node', 'data-node': n.id, 'data-kind': n.kind, transform: `translate(${x(c)},${y(n.id)})` }, nodeLayer);
      // Backends are `Kind namespace/name`: the name on the first line, the kind on the second.
      const space = n.kind === 'backend' ? n.label.indexOf(' ') : -1;
      const name = space > 0 ? n.label.slice(space + 1) : n.label;
      const kind = space > 0 ? `${n.label.slice(0, space)} · ` : '';
      el('rect', { class: 'frame', width: NODE_W, height: NODE_H, rx: 5 }, g);
      el('text', { x: 8, y: 14 }, g).textContent = shorten(name, 28);
      el('text', { x: 8, y: 27, class: 'count' }, g).textContent = `${kind}${n.requests} req${n.failed > 0 ? ` · ${n.failed} failed` : ''}`;
      el('rect', { class: 'health', x: NODE_W - 7, y: 5, width: 3, height: NODE_H - 10, rx: 1, fill: failureColour(n.failed, n.requests) }, g);
      el('title', {}, g).textContent = n.id.slice(n.id.indexOf(':') + 1);
    }
  });
}
