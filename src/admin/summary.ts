// `GET /api/summary`: what the dashboard draws, in one answer. The flow log aggregated over a window
// (telemetry/flow-summary.ts: per-model time series, service map, latest drops) plus each pool's
// endpoints with their live model-server metrics (from the status view) and what the flows say about
// them (requests, prefix-cache blocks the picker expected each endpoint to hold).
//
// Query: window=5m (how far back; at most 24h), bucket=10s (time-series resolution; at least 1s and
// at most 720 buckets per window).
import type { ServerResponse } from 'node:http';
import { parseDuration } from '../telemetry/flow-filter.ts';
import { summarizeFlows } from '../telemetry/flow-summary.ts';
import type { FlowSummary } from '../telemetry/flow-summary.ts';
import type { FlowRecord } from '../telemetry/flow-record.ts';
import type { StatusReport } from '../controlplane/status-report.ts';
import type { FlowReader } from '../telemetry/flow-log.ts';

/** The part of the admin view a summary reads (server.ts's AdminView fits). */
export interface SummaryView {
  status(): StatusReport;
  readonly flows?: FlowReader | undefined;
}

export interface PoolEndpointSummary {
  readonly endpoint: string;
  readonly pod: string;
  readonly ready: boolean;
  readonly waiting: number;
  readonly running: number;
  readonly kvCacheUsage: number;
  readonly inflight: number;
  /** Requests of the window that ended on this endpoint. */
  readonly requests: number;
  readonly failed: number;
  /** Prefix blocks matched / hashed over the window's picks of this endpoint (null: no prefix scorer ran). */
  readonly prefixHitRate: number | null;
}

export interface SummaryAnswer extends FlowSummary {
  readonly generation: number;
  readonly flowLog: { readonly enabled: boolean; readonly capacity: number; readonly firstSeq: number; readonly lastSeq: number };
  readonly pools: readonly { readonly pool: string; readonly endpoints: readonly PoolEndpointSummary[] }[];
}

const MAX_WINDOW_MS = 24 * 3_600_000;

function durationParam(params: URLSearchParams, name: string, fallback: number): number {
  const v = params.get(name);
  if (v === null || v === '') return fallback;
  const ms = parseDuration(v);
  if (ms === undefined || ms <= 0) throw new Error(`${name} must be a duration like 5m or 10s, not "${v}"`);
  return ms;
}

export function summaryAnswer(view: SummaryView, params: URLSearchParams, nowMs: number = Date.now()): SummaryAnswer {
  const windowMs = Math.min(MAX_WINDOW_MS, durationParam(params, 'window', 5 * 60_000));
  const bucketMs = Math.max(1000, windowMs / 720, durationParam(params, 'bucket', 10_000));
  const log = view.flows;
  const records: FlowRecord[] = [];
  if (log) {
    for (let s = log.firstSeq; s <= log.lastSeq; s++) {
      const r = log.get(s);
      if (r) records.push(r);
    }
  }
  const summary = summarizeFlows(records, { nowMs, windowMs, bucketMs });
  const status = view.status();
  const byEndpoint = new Map(summary.endpoints.map((e) => [e.endpoint, e]));
  return {
    ...summary,
    generation: status.generation,
    flowLog: { enabled: log !== undefined, capacity: log?.capacity ?? 0, firstSeq: log?.firstSeq ?? 0, lastSeq: log?.lastSeq ?? 0 },
    pools: status.pools.map((p) => ({
      pool: `${p.namespace}/${p.name}`,
      endpoints: p.endpoints.map((e) => {
        const f = byEndpoint.get(e.address);
        return {
          endpoint: e.address,
          pod: e.pod,
          ready: e.ready,
          waiting: e.waiting,
          running: e.running,
          kvCacheUsage: e.kvCacheUsage,
          inflight: e.inflight,
          requests: f?.requests ?? 0,
          failed: f?.failed ?? 0,
          prefixHitRate: f && f.prefixTotal > 0 ? Math.round((f.prefixMatched / f.prefixTotal) * 1000) / 1000 : null,
        };
      }),
    })),
  };
}

export function serveSummary(view: SummaryView, res: ServerResponse, params: URLSearchParams): void {
  let answer: SummaryAnswer;
  try {
    answer = summaryAnswer(view, params);
  } catch (err) {
    res.writeHead(400, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: (err as Error).message }) + '\n');
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(answer));
}
