// The admin server (default 127.0.0.1:9901): /healthz, /readyz (200 once every listener is serving),
// /metrics (Prometheus), /api/status (resources, conditions and problems as JSON), and when the view
// has a flow log: /api/flows (the flow stream, admin/flow-stream.ts), /api/summary (the flow log
// aggregated for the dashboard) and the dashboard itself at / and /dashboard (static files in
// admin/dashboard/). It sees the gateway through a narrow view, never the Gateway object itself.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StatusReport } from '../controlplane/status-report.ts';
import type { UsageQuery, UsageReport } from '../admission/costs/usage-ledger.ts';
import type { FlowReader } from '../telemetry/flow-log.ts';
import { serveDashboardAsset } from './dashboard-assets.ts';
import { serveFlows } from './flow-stream.ts';
import { serveSummary } from './summary.ts';

/** What the admin server may ask of the gateway. */
export interface AdminView {
  readonly ready: boolean;
  metrics(): Promise<{ readonly contentType: string; readonly body: string }>;
  status(): StatusReport;
  /** The flow log (telemetry/flow-log.ts), when the gateway keeps one: enables /api/flows and /api/summary. */
  readonly flows?: FlowReader | undefined;
  /** Token and cost totals by identity, team, model and backend over a window (GET /api/usage). */
  readonly usage?: ((q: UsageQuery) => UsageReport | Promise<UsageReport>) | undefined;
}

export class AdminServer {
  readonly #view: AdminView;
  readonly #server: Server;

  constructor(view: AdminView) {
    this.#view = view;
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`admin error: ${(err as Error).message}\n`);
      });
    });
  }

  get port(): number | undefined {
    return (this.#server.address() as AddressInfo | null)?.port;
  }

  listen(port: number, host: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', (err: NodeJS.ErrnoException) =>
        reject(new Error(err.code === 'EADDRINUSE' ? `admin port ${port} is already in use (choose another with --admin-port)` : `admin server: ${err.message}`)),
      );
      this.#server.listen(port, host, () => resolve());
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const params = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
    switch (path) {
      case '/healthz':
        return text(res, 200, 'ok\n');
      case '/readyz':
        return this.#view.ready ? text(res, 200, 'ready\n') : text(res, 503, 'not ready\n');
      case '/metrics': {
        const m = await this.#view.metrics();
        res.writeHead(200, { 'content-type': m.contentType });
        res.end(m.body);
        return;
      }
      case '/api/status':
        return json(res, 200, this.#view.status());
      case '/api/usage': {
        if (!this.#view.usage) return text(res, 404, 'this gateway keeps no usage ledger\n');
        const q = usageQuery(new URL(req.url ?? '/', 'http://admin').searchParams);
        if (typeof q === 'string') return text(res, 400, q + '\n');
        return json(res, 200, await this.#view.usage(q));
      }
      case '/api/flows': {
        const flows = this.#view.flows;
        if (!flows) return json(res, 404, { error: 'this gateway keeps no flow log' });
        if (req.method !== 'GET') return json(res, 405, { error: 'GET only' });
        return serveFlows(flows, req, res, params);
      }
      case '/api/summary':
        return serveSummary(this.#view, res, params);
      case '/':
      case '/dashboard':
      case '/dashboard/':
        return serveDashboardAsset(res, 'index.html');
      default:
        if (path.startsWith('/dashboard/')) return serveDashboardAsset(res, path.slice('/dashboard/'.length));
        return text(res, 404, 'not found: try /healthz, /readyz, /metrics, /api/status, /api/flows, /api/summary or /dashboard\n');
    }
  }
}

function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(body);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body, null, 2));
}

const DIMENSIONS = ['identity', 'team', 'model', 'backend'] as const;

/**
 * `?window=24h` (or `from`/`to` as RFC 3339 or epoch ms), `groupBy=identity,team,model,backend`,
 * and filters `identity=`, `team=`, `model=`, `backend=`. Answers an error message for bad input.
 */
export function usageQuery(params: URLSearchParams, now: number = Date.now()): UsageQuery | string {
  const time = (v: string | null): number | undefined => (v === null ? undefined : /^\d+$/.test(v) ? Number(v) : Date.parse(v));
  const windowText = params.get('window') ?? '24h';
  const m = /^(\d+)(s|m|h|d)$/.exec(windowText);
  if (!m) return `window must look like 30m, 24h or 30d (got "${windowText}")`;
  const windowMs = Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
  const toMs = time(params.get('to')) ?? now;
  const fromMs = time(params.get('from')) ?? toMs - windowMs;
  if (!Number.isFinite(fromMs) || !Number.isFinite(toMs) || fromMs >= toMs) return 'from and to must be times (RFC 3339 or epoch ms) with from before to';
  const groupBy = (params.get('groupBy') ?? 'identity,model').split(',').filter(Boolean);
  const bad = groupBy.find((g) => !(DIMENSIONS as readonly string[]).includes(g));
  if (bad) return `groupBy: unknown dimension "${bad}" (${DIMENSIONS.join(', ')})`;
  const where: Partial<Record<(typeof DIMENSIONS)[number], string>> = {};
  for (const d of DIMENSIONS) {
    const v = params.get(d);
    if (v !== null) where[d] = v;
  }
  return { fromMs, toMs, groupBy: groupBy as (typeof DIMENSIONS)[number][], where };
}
