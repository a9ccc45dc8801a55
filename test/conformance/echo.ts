// The conformance echo backend: an HTTP server that answers the way the Gateway API conformance echo
// server (echo-basic) does, so the case tables can compare what the backend received.
//
// Contract (gateway-api reference §4.3):
// - the body is JSON {path (request URI with query), host, method, proto, headers (canonical names →
//   values), httpPort, namespace, ingress, service, pod};
// - `X-Echo-Set-Header: Name:val,Name2:val2` sets those response headers (repeated names are joined
//   with ',');
// - `?delay=<duration>` waits before answering; `/status/NNN` answers with that status;
// - `/retry/...?uuid=U&succeedAfter=N[&responseCode=C][&delayRetry=D]` fails the first N attempts for
//   that uuid, with status C or, without responseCode, by resetting the TCP connection;
// - every echoed request is logged as `Echoing back request made to <uri> to client (<addr>)`, kept
//   in memory here so mirror cases can look for it.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseGoDurationMs } from '../../src/config/schemas/meta.ts';

export interface EchoIdentity {
  readonly pod: string;
  readonly namespace: string;
  readonly service: string;
}

export interface EchoBody {
  path: string;
  host: string;
  method: string;
  proto: string;
  headers: Record<string, string[]>;
  httpPort: string;
  namespace: string;
  ingress: string;
  service: string;
  pod: string;
}

export interface ConformanceEcho {
  readonly identity: EchoIdentity;
  readonly port: number;
  /** `Echoing back request made to …` lines, oldest first. */
  readonly log: string[];
  close(): Promise<void>;
}

/** Go's canonical MIME header key: `x-header-set` → `X-Header-Set`. */
export function canonicalHeaderName(name: string): string {
  return name
    .split('-')
    .map((p) => (p.length === 0 ? p : p[0]!.toUpperCase() + p.slice(1).toLowerCase()))
    .join('-');
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function startConformanceEcho(identity: EchoIdentity): Promise<ConformanceEcho> {
  const log: string[] = [];
  const attempts = new Map<string, number>();
  let port = 0;

  const echo = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    log.push(`Echoing back request made to ${req.url ?? ''} to client (${req.socket.remoteAddress ?? ''}:${req.socket.remotePort ?? ''})`);
    const delay = url.searchParams.get('delay');
    if (delay !== null && delay !== '') {
      const ms = parseGoDurationMs(delay);
      if (ms === undefined) return fail(res, `time: invalid duration "${delay}"`);
      await sleep(ms);
    }
    const headers: Record<string, string[]> = {};
    for (const [name, values] of Object.entries(req.headersDistinct)) {
      if (name === 'host' || values === undefined) continue;
      const key = canonicalHeaderName(name);
      (headers[key] ??= []).push(...values);
    }
    const body: EchoBody = {
      path: req.url ?? '',
      host: req.headers.host ?? '',
      method: req.method ?? '',
      proto: `HTTP/${req.httpVersion}`,
      headers,
      httpPort: String(port),
      namespace: identity.namespace,
      ingress: '',
      service: identity.service,
      pod: identity.pod,
    };
    for (const spec of req.headersDistinct['x-echo-set-header'] ?? []) {
      for (const pair of spec.split(',')) {
        const trimmed = pair.trim();
        if (trimmed === '') continue;
        const colon = trimmed.indexOf(':');
        const name = colon < 0 ? trimmed : trimmed.slice(0, colon);
        const value = colon < 0 ? '' : trimmed.slice(colon + 1).trim();
        const existing = res.getHeader(name);
        res.setHeader(name, existing === undefined ? value : `${String(existing)},${value}`);
      }
    }
    const text = JSON.stringify(body, null, 1);
    res.setHeader('content-type', 'application/json');
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('content-length', Buffer.byteLength(text));
    res.end(text);
  };

  const fail = (res: ServerResponse, message: string, code = 500): void => {
    const text = JSON.stringify({ message });
    res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };

  const retry = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const uuid = url.searchParams.get('uuid');
    if (!uuid) return fail(res, 'uuid is required', 400);
    const succeedAfter = Number.parseInt(url.searchParams.get('succeedAfter') ?? '', 10);
    if (!Number.isFinite(succeedAfter)) return fail(res, 'succeedAfter is required', 400);
    const seen = attempts.get(uuid) ?? 0;
    if (seen >= succeedAfter) return echo(req, res, url);
    attempts.set(uuid, seen + 1);
    const delay = url.searchParams.get('delayRetry');
    if (delay) await sleep(parseGoDurationMs(delay) ?? 0);
    const code = Number.parseInt(url.searchParams.get('responseCode') ?? '', 10);
    if (Number.isFinite(code)) {
      res.writeHead(code, { 'content-length': 0 });
      res.end();
    } else {
      req.socket.resetAndDestroy();
    }
  };

  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://echo.invalid');
      const path = url.pathname.replaceAll('//', '/');
      let done: Promise<void>;
      const status = /^\/status\/(\d\d\d)$/.exec(req.url ?? '');
      if (path.startsWith('/status/')) {
        res.writeHead(status ? Number(status[1]) : 400, { 'content-length': 0 });
        res.end();
        return;
      } else if (path.startsWith('/retry/')) {
        done = retry(req, res, url);
      } else {
        done = echo(req, res, url);
      }
      done.catch((err: unknown) => {
        if (!res.headersSent) fail(res, String(err));
        else res.destroy();
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as AddressInfo).port;
  return {
    identity,
    port,
    log,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
