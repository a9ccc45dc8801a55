// `GET /api/flows`: flow records as NDJSON (`{"flow":{…}}` per line), or as Server-Sent Events
// (`event: flow`, `id: <seq>`) when the client accepts text/event-stream. Without `follow=1` the answer
// ends after the newest record held when the request arrived; with it, the response stays open and
// matching records are written as they are appended.
//
// Query: the filters of telemetry/flow-filter.ts, and
//   follow=1   keep streaming (alone: from now on)      last=N     start with the last N matching records
//   since=T    records that ended at or after T (`5m`, RFC 3339, epoch ms)       until=T (not with follow)
//   cursor=N   resume after sequence number N (SSE: the Last-Event-ID header does the same)
//
// Gaps and backpressure: a reader is a cursor into the shared ring, nothing else. When the socket
// does not take more (write() returns false), the reader stops reading until `drain`; records it has
// not read stay in the ring, so a slow follower never blocks the gateway and never holds more than the
// socket's buffer. If the ring overwrote records before the reader got to them (a slow follower, or a
// `cursor` older than the oldest record held), it receives one `{"lost":{reason,count,fromSeq,toSeq}}`
// marker (SSE `event: lost`) and continues with the oldest record still held. A cursor ahead of the
// log (the gateway restarted and numbering began again) gets a `reset` marker and starts at the oldest.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FlowQueryError, flowMatches, parseFlowFilter, parseTime } from '../telemetry/flow-filter.ts';
import type { FlowFilter } from '../telemetry/flow-filter.ts';
import { inTimeWindow, startCursor } from '../telemetry/flow-log.ts';
import type { FlowReader, FlowWindow } from '../telemetry/flow-log.ts';
import type { FlowLost, FlowRecord } from '../telemetry/flow-record.ts';

/** SSE comment sent on an idle follow stream, so proxies keep it and dead peers are noticed. */
const KEEPALIVE_MS = 15_000;

export interface FlowRequest {
  readonly filter: FlowFilter;
  readonly window: FlowWindow;
  readonly follow: boolean;
  readonly sse: boolean;
}

function intParam(params: URLSearchParams, name: string): number | undefined {
  const v = params.get(name);
  if (v === null || v === '') return undefined;
  if (!/^\d+$/.test(v)) throw new FlowQueryError(`${name} must be a non-negative integer, not "${v}"`);
  return Number(v);
}

function boolParam(params: URLSearchParams, name: string): boolean {
  const v = params.get(name)?.toLowerCase();
  if (v === undefined) return false;
  if (v === '' || v === '1' || v === 'true' || v === 'yes') return true; // `?follow` alone means yes
  if (v === '0' || v === 'false' || v === 'no') return false;
  throw new FlowQueryError(`${name} must be 1 or 0, not "${v}"`);
}

const KNOWN = new Set(['follow', 'last', 'since', 'until', 'cursor', 'namespace', 'model', 'route', 'pool', 'endpoint', 'identity', 'team', 'verdict', 'status', 'reason', 'from-label', 'to-label']);

/** Reads the query and headers of a flows request; throws FlowQueryError on a bad value. */
export function parseFlowRequest(params: URLSearchParams, headers: IncomingMessage['headers'], now: number = Date.now()): FlowRequest {
  for (const key of params.keys()) if (!KNOWN.has(key)) throw new FlowQueryError(`unknown parameter "${key}" (known: ${[...KNOWN].join(', ')})`);
  const follow = boolParam(params, 'follow');
  const sse = /\btext\/event-stream\b/.test(String(headers.accept ?? ''));
  let cursor = intParam(params, 'cursor');
  const lastEventId = headers['last-event-id'];
  if (cursor === undefined && sse && typeof lastEventId === 'string' && /^\d+$/.test(lastEventId)) cursor = Number(lastEventId);
  const since = params.get('since');
  const until = params.get('until');
  if (follow && until) throw new FlowQueryError('until cannot be used with follow');
  return {
    filter: parseFlowFilter(params),
    window: {
      cursor,
      sinceMs: since ? parseTime(since, now) : undefined,
      untilMs: until ? parseTime(until, now) : undefined,
      last: intParam(params, 'last'),
    },
    follow,
    sse,
  };
}

/** One reader of the flow log writing to one response. */
class FlowStream {
  readonly #log: FlowReader;
  readonly #res: ServerResponse;
  readonly #request: FlowRequest;
  /** Last sequence number read (delivered or skipped). */
  #cursor: number;
  /** Without follow: the newest record to send. */
  readonly #endSeq: number;
  #waiting = false;
  #stopped = false;
  /** Whether the reader stopped for backpressure since its last gap check (names the reason of a gap). */
  #wasPaused = false;
  #unsubscribe: (() => void) | undefined;
  #keepalive: NodeJS.Timeout | undefined;

  constructor(log: FlowReader, res: ServerResponse, request: FlowRequest) {
    this.#log = log;
    this.#res = res;
    this.#request = request;
    this.#endSeq = request.follow ? Infinity : log.lastSeq;
    const w = request.window;
    // Following with no starting point shows what happens from now on (hubble observe --follow).
    const fromNow = request.follow && w.cursor === undefined && w.last === undefined && w.sinceMs === undefined;
    const start = fromNow ? log.lastSeq : startCursor(log, request.filter, w);
    this.#cursor = start;
    if (start > log.lastSeq) {
      // The cursor is ahead of the log: numbering started again (a restarted gateway).
      this.#lost({ reason: 'reset', count: 0, fromSeq: log.lastSeq + 1, toSeq: start });
      this.#cursor = log.firstSeq - 1;
    }
  }

  start(): void {
    const res = this.#res;
    res.on('close', () => this.stop());
    res.on('error', () => this.stop());
    if (this.#request.follow) {
      this.#unsubscribe = this.#log.onAppend(() => this.#pump());
      if (this.#request.sse) {
        this.#keepalive = setInterval(() => {
          if (!this.#waiting) this.#res.write(': keep-alive\n\n');
        }, KEEPALIVE_MS);
        this.#keepalive.unref();
      }
    }
    this.#pump();
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#unsubscribe?.();
    if (this.#keepalive) clearInterval(this.#keepalive);
  }

  #write(text: string): boolean {
    return this.#res.write(text);
  }

  #lost(lost: FlowLost): boolean {
    if (this.#request.sse) return this.#write(`event: lost\nid: ${lost.toSeq}\ndata: ${JSON.stringify(lost)}\n\n`);
    return this.#write(`{"lost":${JSON.stringify(lost)}}\n`);
  }

  #flow(r: FlowRecord): boolean {
    const json = this.#log.json(r);
    if (this.#request.sse) return this.#write(`event: flow\nid: ${r.seq}\ndata: ${json}\n\n`);
    return this.#write(`{"flow":${json}}\n`);
  }

  /** Writes what the reader has not read yet, until the socket is full or the reader is caught up. */
  #pump(): void {
    if (this.#stopped || this.#waiting) return;
    const log = this.#log;
    const w = this.#request.window;
    const filter = this.#request.filter;
    const end = Math.min(this.#endSeq, log.lastSeq);
    while (this.#cursor < end) {
      const first = log.firstSeq;
      if (this.#cursor + 1 < first) {
        const lost: FlowLost = { reason: this.#wasPaused ? 'slow-follower' : 'evicted', count: first - 1 - this.#cursor, fromSeq: this.#cursor + 1, toSeq: first - 1 };
        this.#cursor = first - 1;
        this.#wasPaused = false;
        if (!this.#lost(lost)) return this.#pause();
        continue;
      }
      const seq = ++this.#cursor;
      const r = log.get(seq);
      if (!r || !inTimeWindow(r, w) || !flowMatches(filter, r)) continue;
      if (!this.#flow(r)) return this.#pause();
    }
    this.#wasPaused = false;
    if (!this.#request.follow) {
      this.stop();
      this.#res.end();
    }
  }

  #pause(): void {
    this.#waiting = true;
    this.#wasPaused = true;
    this.#res.once('drain', () => {
      this.#waiting = false;
      this.#pump();
    });
  }
}

/** Answers `GET /api/flows` from `log`. */
export function serveFlows(log: FlowReader, req: IncomingMessage, res: ServerResponse, params: URLSearchParams): void {
  let request: FlowRequest;
  try {
    request = parseFlowRequest(params, req.headers);
  } catch (err) {
    if (!(err instanceof FlowQueryError)) throw err;
    res.writeHead(400, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: err.message }) + '\n');
    return;
  }
  res.writeHead(200, {
    'content-type': request.sse ? 'text/event-stream; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    // Where the log stands: a client may resume with cursor=<this> to read only what comes next.
    'x-sluice-flow-last-seq': String(log.lastSeq),
    'x-sluice-flow-first-seq': String(log.firstSeq),
  });
  if (request.sse) res.write('retry: 2000\n\n');
  if (request.follow) res.flushHeaders();
  new FlowStream(log, res, request).start();
}
