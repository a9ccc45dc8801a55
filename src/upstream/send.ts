// Sends one attempt to one upstream origin through its keep-alive undici Pool and streams the
// response back unbuffered (`attempt`). Maps upstream failures to catalogue errors:
// refused/reset → 502, no response within the attempt's time → 504, 5xx on AI routes → 502 (with the
// upstream's message). Retries live with the caller, which decides what is safe to resend.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { GatewayError } from '../errors.ts';
import type { UpstreamPools } from './pools.ts';
import { applyHeaderOps } from '../http/filters.ts';
import type { HeaderOps } from '../runtime/filters.ts';

/** Connection-specific (hop-by-hop) headers, never forwarded (RFC 9110 §7.6.1; HTTP/2 forbids them). */
export const HOP_BY_HOP: readonly string[] = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade'];
/** Request headers never forwarded: hop-by-hop plus the ones the proxy recomputes. */
const DROP_REQUEST = new Set([...HOP_BY_HOP, 'host', 'content-length', 'expect']);
const DROP_RESPONSE = new Set(HOP_BY_HOP);

export interface UpstreamRequest {
  readonly origin: string;
  readonly hostHeader: string;
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The already-read body, or the client request to stream through (then it cannot be resent). */
  readonly body: Buffer | IncomingMessage | undefined;
  /** Extra headers set on the upstream request. */
  readonly setHeaders?: Record<string, string> | undefined;
  /** Time allowed until the upstream's response headers arrive; 0 = none. */
  timeoutMs: number;
}

export interface AttemptOptions {
  /** Map upstream 5xx to a 502 catalogue error instead of passing it through. */
  readonly mapServerErrors: boolean;
  /** ResponseHeaderModifier of the rule, applied to the upstream's response headers. */
  readonly responseHeaders?: HeaderOps | undefined;
  /** Headers the gateway adds (e.g. CORS). */
  readonly extraHeaders?: Record<string, string> | undefined;
  /** Statuses that make this attempt a retry instead of the answer (its body is discarded). */
  readonly retryOn?: ReadonlySet<number> | undefined;
}

export type AttemptResult = { readonly kind: 'done'; readonly status: number; readonly bytes: number } | { readonly kind: 'retry'; readonly status: number };

function upstreamHeaders(ur: UpstreamRequest): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const name in ur.headers) {
    // HTTP/2 pseudo-headers (':path' …) of requests on h2 listeners are not forwarded.
    if (DROP_REQUEST.has(name) || name.charCodeAt(0) === 58 /* ':' */) continue;
    const v = ur.headers[name];
    if (v !== undefined) headers[name] = v;
  }
  headers['host'] = ur.hostHeader;
  if (ur.setHeaders) for (const k in ur.setHeaders) headers[k] = ur.setHeaders[k]!;
  if (Buffer.isBuffer(ur.body)) headers['content-length'] = String(ur.body.length);
  else if (ur.headers['content-length'] !== undefined) headers['content-length'] = ur.headers['content-length'];
  return headers;
}

/**
 * One attempt: sends the request and, unless its status asks for a retry, streams the response to
 * the client as it arrives. Built on undici's dispatch handler API rather than `request()` because it
 * is the hot path: no AbortSignal, no intermediate Readable, one closure set per request; the attempt
 * timeout is undici's own headersTimeout. Rejects with a catalogue error before the response starts;
 * after that, a failure cuts the client response (the only honest signal left).
 */
export function attempt(pools: UpstreamPools, ur: UpstreamRequest, res: ServerResponse, opts: AttemptOptions): Promise<AttemptResult> {
  const headers = upstreamHeaders(ur);
  return new Promise<AttemptResult>((resolve, reject) => {
    let controller: Dispatcher.DispatchController | undefined;
    let started = false;
    let settled = false;
    let status = 0;
    let bytes = 0;
    let errorText: string | undefined;
    let discard = false;
    const onClose = () => {
      if (!res.writableFinished) controller?.abort(new Error('client disconnected'));
    };
    res.once('close', onClose);
    // undici's own headersTimeout runs on coarse timers (hundreds of ms late), so the attempt keeps
    // its own timer, cleared when the response starts.
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    if (ur.timeoutMs > 0) {
      timer = setTimeout(() => {
        timedOut = true;
        controller?.abort(new Error('attempt timed out'));
      }, ur.timeoutMs);
    }
    const finish = (r: AttemptResult | GatewayError) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      res.off('close', onClose);
      if (r instanceof GatewayError) reject(r);
      else resolve(r);
    };
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(c) {
        controller = c;
        if (res.destroyed) c.abort(new Error('client disconnected'));
        else if (timedOut) c.abort(new Error('attempt timed out'));
      },
      onResponseStart(_c, statusCode, fromUpstream) {
        if (timer) clearTimeout(timer);
        status = statusCode;
        if (opts.retryOn?.has(statusCode)) {
          discard = true;
          return;
        }
        if (opts.mapServerErrors && statusCode >= 500) {
          errorText = '';
          return;
        }
        const out: Record<string, string | string[]> = {};
        for (const name in fromUpstream) {
          if (DROP_RESPONSE.has(name)) continue;
          const v = fromUpstream[name];
          if (v !== undefined) out[name] = v;
        }
        if (opts.responseHeaders) applyHeaderOps(out, opts.responseHeaders);
        if (opts.extraHeaders) for (const k in opts.extraHeaders) out[k] = opts.extraHeaders[k]!;
        res.writeHead(statusCode, out);
        started = true;
        // A stream's first byte must not wait for the first chunk; whole bodies go out with their headers.
        const type = out['content-type'];
        if (typeof type === 'string' && type.includes('event-stream')) res.flushHeaders();
      },
      onResponseData(c, chunk) {
        if (discard) return;
        if (errorText !== undefined) {
          if (errorText.length < 4096) errorText += chunk.toString('utf8');
          return;
        }
        bytes += chunk.length;
        if (!res.write(chunk)) {
          c.pause();
          res.once('drain', () => c.resume());
        }
      },
      onResponseEnd() {
        if (discard) return finish({ kind: 'retry', status });
        if (errorText !== undefined) {
          return finish(new GatewayError('upstream_error', `upstream ${ur.origin} answered ${status}: ${upstreamMessage(errorText)}`, { headers: { 'x-sluice-upstream-status': String(status) } }));
        }
        res.end();
        finish({ kind: 'done', status, bytes });
      },
      onResponseError(_c, err) {
        if (started) {
          // Headers are out: cut the response so the client sees it incomplete.
          res.destroy(err);
          return finish(new GatewayError('upstream_error', `upstream ${ur.origin} failed mid-response: ${describe(err)}`, { cause: err }));
        }
        const code = (err as { code?: string }).code;
        if (timedOut || code === 'UND_ERR_HEADERS_TIMEOUT') return finish(new GatewayError('upstream_timeout', `upstream ${ur.origin} did not respond within ${ur.timeoutMs} ms`));
        if (res.destroyed) return finish(new GatewayError('upstream_error', 'client disconnected', { cause: err }));
        finish(new GatewayError('upstream_unreachable', `upstream ${ur.origin} is unreachable: ${describe(err)}`, { cause: err }));
      },
    };
    pools.get(ur.origin).dispatch(
      {
        origin: ur.origin,
        path: ur.path,
        method: ur.method as Dispatcher.HttpMethod,
        headers,
        body: (ur.body ?? null) as Buffer | Readable | null,
        headersTimeout: 0,
        bodyTimeout: 0,
      },
      handler,
    );
  });
}

/** Sends a copy of a request and discards the answer (RequestMirror). Never throws. */
export function sendMirror(pools: UpstreamPools, ur: UpstreamRequest): void {
  pools
    .get(ur.origin)
    .request({ origin: ur.origin, path: ur.path, method: ur.method as Dispatcher.HttpMethod, headers: upstreamHeaders(ur), body: Buffer.isBuffer(ur.body) ? ur.body : null, headersTimeout: ur.timeoutMs || 30_000 })
    .then(
      (r) => r.body.dump().catch(() => undefined),
      () => undefined,
    );
}

function describe(err: unknown): string {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  return e.cause?.code ?? e.code ?? e.cause?.message ?? e.message ?? String(err);
}

/** The message inside an OpenAI-shaped error body, else the raw text (trimmed). */
function upstreamMessage(text: string): string {
  try {
    const j = JSON.parse(text) as { error?: { message?: string } | string; message?: string };
    if (typeof j.error === 'object' && j.error?.message) return j.error.message;
    if (typeof j.error === 'string') return j.error;
    if (j.message) return j.message;
  } catch {
    // not JSON
  }
  return text.trim().slice(0, 300) || '(empty body)';
}
