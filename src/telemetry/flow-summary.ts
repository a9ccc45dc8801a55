// Aggregates of the flow log for the dashboard (`GET /api/summary`): per-model tokens, cost, TTFT and
// TPOT in time buckets; the service map (clients → routes → backends → endpoints, with request and
// failure counts per edge); per-endpoint pick figures (requests, prefix-cache blocks matched); the
// latest drops. Computed on demand from the records held (at most the ring's capacity).
import { flowFailed, flowModel } from './flow-record.ts';
import type { FlowRecord } from './flow-record.ts';

export interface SummaryOptions {
  /** Epoch ms the window ends at (default now). */
  readonly nowMs?: number;
  /** How far back the summary looks (default 5 minutes). */
  readonly windowMs?: number;
  /** Bucket width of the time series (default 10 s). */
  readonly bucketMs?: number;
  /** Drops listed (default 20). */
  readonly drops?: number;
  /** Client nodes drawn on the map before the rest are grouped as `others` (default 12). */
  readonly maxClients?: number;
}

export interface ModelBucket {
  /** Bucket start, epoch ms. */
  readonly t: number;
  requests: number;
  failed: number;
  inputTokens: number;
  outputTokens: number;
  /** USD; null when no flow in the bucket had a cost. */
  cost: number | null;
  /** Mean TTFT and TPOT of the bucket's streams, ms (null when none). */
  ttftMs: number | null;
  tpotMs: number | null;
}

export interface ModelSummary {
  readonly model: string;
  requests: number;
  failed: number;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
  cost: number | null;
  ttftMs: { avg: number; p50: number; p95: number } | null;
  tpotMs: { avg: number; p50: number; p95: number } | null;
  readonly buckets: ModelBucket[];
}

export type MapNodeKind = 'client' | 'route' | 'backend' | 'endpoint';

export interface MapNode {
  /** `kind:key`, stable across summaries. */
  readonly id: string;
  readonly kind: MapNodeKind;
  readonly label: string;
  requests: number;
  failed: number;
}

export interface MapEdge {
  readonly from: string;
  readonly to: string;
  requests: number;
  failed: number;
  /** Requests per second over the window. */
  rate: number;
}

export interface EndpointFlowStats {
  readonly endpoint: string;
  requests: number;
  failed: number;
  /** Prefix blocks the picker expected this endpoint to hold, and blocks hashed, over its picks. */
  prefixMatched: number;
  prefixTotal: number;
}

export interface DropSummary {
  readonly seq: number;
  readonly time: string;
  readonly id: string;
  readonly verdict: string;
  readonly reason: string;
  readonly error: string;
  readonly status: number;
  readonly source: string;
  readonly route: string;
  readonly model: string;
}

export interface FlowSummary {
  readonly now: string;
  readonly windowMs: number;
  readonly bucketMs: number;
  readonly totals: { flows: number; forwarded: number; retried: number; dropped: number; errors: number; failed: number; inputTokens: number; outputTokens: number; cost: number | null; rate: number };
  readonly models: ModelSummary[];
  readonly map: { readonly nodes: MapNode[]; readonly edges: MapEdge[] };
  readonly endpoints: EndpointFlowStats[];
  readonly drops: DropSummary[];
}

function stats(values: number[]): { avg: number; p50: number; p95: number } | null {
  if (values.length === 0) return null;
  values.sort((a, b) => a - b);
  const at = (q: number) => values[Math.min(values.length - 1, Math.floor(q * values.length))]!;
  const r = (n: number) => Math.round(n * 100) / 100;
  return { avg: r(values.reduce((s, v) => s + v, 0) / values.length), p50: r(at(0.5)), p95: r(at(0.95)) };
}

const addCost = (a: number | null, b: number | undefined): number | null => (b === undefined ? a : (a ?? 0) + b);

/** The client a flow came from, as the map names it: the identity, else the address. */
export function clientOf(r: FlowRecord): string {
  return r.source.identity ?? (r.source.address || 'unknown');
}

export function summarizeFlows(records: Iterable<FlowRecord>, options: SummaryOptions = {}): FlowSummary {
  const now = options.nowMs ?? Date.now();
  const windowMs = options.windowMs ?? 5 * 60_000;
  const bucketMs = Math.max(1000, options.bucketMs ?? 10_000);
  const from = now - windowMs;
  const firstBucket = Math.floor(from / bucketMs) * bucketMs;
  const nBuckets = Math.floor(now / bucketMs) - firstBucket / bucketMs + 1;
  const totals = { flows: 0, forwarded: 0, retried: 0, dropped: 0, errors: 0, failed: 0, inputTokens: 0, outputTokens: 0, cost: null as number | null, rate: 0 };
  const models = new Map<string, { s: ModelSummary; ttft: number[]; tpot: number[]; bt: number[][]; bp: number[][] }>();
  const nodes = new Map<string, MapNode>();
  const edges = new Map<string, MapEdge>();
  const endpoints = new Map<string, EndpointFlowStats>();
  const drops: DropSummary[] = [];
  const inWindow: FlowRecord[] = [];
  const clientCounts = new Map<string, number>();

  for (const r of records) {
    const t = Date.parse(r.time);
    if (!(t >= from && t <= now)) continue;
    inWindow.push(r);
    const c = clientOf(r);
    clientCounts.set(c, (clientCounts.get(c) ?? 0) + 1);
  }
  const maxClients = options.maxClients ?? 12;
  const shownClients = new Set([...clientCounts.entries()].sort((a, b) => b[1] - a[1]).slice(0, maxClients).map(([c]) => c));

  const node = (kind: MapNodeKind, key: string, label: string, failed: boolean): string => {
    const id = `${kind}:${key}`;
    let n = nodes.get(id);
    if (!n) nodes.set(id, (n = { id, kind, label, requests: 0, failed: 0 }));
    n.requests++;
    if (failed) n.failed++;
    return id;
  };
  const edge = (from: string, to: string, failed: boolean): void => {
    const key = `${from}\u0000${to}`;
    let e = edges.get(key);
    if (!e) edges.set(key, (e = { from, to, requests: 0, failed: 0, rate: 0 }));
    e.requests++;
    if (failed) e.failed++;
  };

  for (const r of inWindow) {
    const t = Date.parse(r.time);
    const failed = flowFailed(r);
    totals.flows++;
    if (r.verdict === 'FORWARDED') totals.forwarded++;
    else if (r.verdict === 'RETRIED') totals.retried++;
    else if (r.verdict === 'DROPPED') totals.dropped++;
    else totals.errors++;
    if (failed) totals.failed++;
    totals.inputTokens += r.tokens.input;
    totals.outputTokens += r.tokens.output;
    totals.cost = addCost(totals.cost, r.cost);

    const name = flowModel(r);
    let m = models.get(name);
    if (!m) {
      const buckets: ModelBucket[] = [];
      for (let i = 0; i < nBuckets; i++) buckets.push({ t: firstBucket + i * bucketMs, requests: 0, failed: 0, inputTokens: 0, outputTokens: 0, cost: null, ttftMs: null, tpotMs: null });
      m = {
        s: { model: name, requests: 0, failed: 0, inputTokens: 0, outputTokens: 0, cachedTokens: 0, reasoningTokens: 0, cost: null, ttftMs: null, tpotMs: null, buckets },
        ttft: [],
        tpot: [],
        bt: buckets.map(() => []),
        bp: buckets.map(() => []),
      };
      models.set(name, m);
    }
    const s = m.s;
    s.requests++;
    if (failed) s.failed++;
    s.inputTokens += r.tokens.input;
    s.outputTokens += r.tokens.output;
    s.cachedTokens += r.tokens.cached;
    s.reasoningTokens += r.tokens.reasoning;
    s.cost = addCost(s.cost, r.cost);
    const bi = Math.min(nBuckets - 1, Math.max(0, Math.floor(t / bucketMs) - firstBucket / bucketMs));
    const b = s.buckets[bi]!;
    b.requests++;
    if (failed) b.failed++;
    b.inputTokens += r.tokens.input;
    b.outputTokens += r.tokens.output;
    b.cost = addCost(b.cost, r.cost);
    if (r.ttftMs !== undefined) {
      m.ttft.push(r.ttftMs);
      m.bt[bi]!.push(r.ttftMs);
    }
    if (r.tpotMs !== undefined) {
      m.tpot.push(r.tpotMs);
      m.bp[bi]!.push(r.tpotMs);
    }

    // Service map: client → route → backend → endpoint, as far as the flow got.
    const c = clientOf(r);
    const client = shownClients.has(c) ? node('client', c, c, failed) : node('client', '(others)', 'others', failed);
    const d = r.destination;
    const route = node('route', d.route || '(no route)', d.route || 'no route', failed);
    edge(client, route, failed);
    if (d.backend) {
      const backend = node('backend', d.backend, d.backend, failed);
      edge(route, backend, failed);
      if (d.endpoint) {
        const ep = node('endpoint', d.endpoint, d.pod ?? d.endpoint, failed);
        edge(backend, ep, failed);
        let es = endpoints.get(d.endpoint);
        if (!es) endpoints.set(d.endpoint, (es = { endpoint: d.endpoint, requests: 0, failed: 0, prefixMatched: 0, prefixTotal: 0 }));
        es.requests++;
        if (failed) es.failed++;
        if (r.pick?.prefix && r.pick.endpoint === d.endpoint) {
          es.prefixMatched += r.pick.prefix.matched;
          es.prefixTotal += r.pick.prefix.total;
        }
      }
    }
    if (r.verdict === 'DROPPED' || r.verdict === 'ERROR') {
      drops.push({ seq: r.seq, time: r.time, id: r.id, verdict: r.verdict, reason: r.dropReason ?? '', error: r.error ?? '', status: r.status, source: c, route: d.route, model: name });
    }
  }

  const seconds = windowMs / 1000;
  for (const e of edges.values()) e.rate = Math.round((e.requests / seconds) * 1000) / 1000;
  // The request rate over the last bucket-width, so it reacts quickly.
  const recent = inWindow.filter((r) => Date.parse(r.time) > now - bucketMs).length;
  totals.rate = Math.round((recent / (bucketMs / 1000)) * 100) / 100;

  const modelList: ModelSummary[] = [];
  for (const m of models.values()) {
    m.s.ttftMs = stats(m.ttft);
    m.s.tpotMs = stats(m.tpot);
    m.s.buckets.forEach((b, i) => {
      b.ttftMs = stats(m.bt[i]!)?.avg ?? null;
      b.tpotMs = stats(m.bp[i]!)?.avg ?? null;
    });
    modelList.push(m.s);
  }
  modelList.sort((a, b) => b.requests - a.requests || a.model.localeCompare(b.model));
  const limit = options.drops ?? 20;
  return {
    now: new Date(now).toISOString(),
    windowMs,
    bucketMs,
    totals,
    models: modelList,
    map: { nodes: [...nodes.values()], edges: [...edges.values()] },
    endpoints: [...endpoints.values()],
    drops: drops.slice(-limit).reverse(),
  };
}
