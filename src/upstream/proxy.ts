// Sends one attempt to one upstream origin through its keep-alive undici Pool (`sendUpstream`) and
// streams the response back unbuffered (`relayResponse`). Maps upstream failures to catalogue errors:
// refused/reset → 502, no response within the attempt's time → 504, 5xx on AI routes → 502 (with the
// upstream's message). Retries live with the caller, which decides what is safe to resend.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { GatewayError } from '../errors.ts';
import type { UpstreamPools } from './pools.ts';
import { applyHeaderOps } from '../routing/filters.ts';
import type { HeaderOps } from '../routing/filters.ts';

/** Request headers never forwarded (hop-by-hop, RFC 9110 §7.6.1) plus ones the proxy recomputes. */
const DROP_REQUEST = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'host', 'content-length', 'expect']);
const DROP_RESPONSE = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade']);

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
  readonly timeoutMs: number;
}

export type UpstreamResponse = Dispatcher.ResponseData;

/**
 * Sends one attempt. `clientSignal` aborts it when the client goes away. Resolves with the response
 * (headers received, body unread); rejects with a catalogue error.
 */
export async function sendUpstream(pools: UpstreamPools, ur: UpstreamRequest, clientSignal: AbortSignal): Promise<UpstreamResponse> {
  const headers: Record<string, string | string[]> = {};
  for (const name in ur.headers) {
    if (DROP_REQUEST.has(name)) continue;
    const v = ur.headers[name];
    if (v !== undefined) headers[name] = v;
  }
  headers['host'] = ur.hostHeader;
  if (ur.setHeaders) Object.assign(headers, ur.setHeaders);
  if (Buffer.isBuffer(ur.body)) headers['content-length'] = String(ur.body.length);
  else if (ur.headers['content-length'] !== undefined) headers['content-length'] = ur.headers['content-length'];

  const timeout = ur.timeoutMs > 0 ? AbortSignal.timeout(ur.timeoutMs) : undefined;
  const signal = timeout ? AbortSignal.any([clientSignal, timeout]) : clientSignal;
  try {
    return await pools.get(ur.origin).request({
      origin: ur.origin,
      path: ur.path,
      method: ur.method as Dispatcher.HttpMethod,
      headers,
      body: (ur.body ?? null) as Buffer | Readable | null,
      signal,
    });
  } catch (err) {
    if (timeout?.aborted && !clientSignal.aborted) throw new GatewayError('upstream_timeout', `upstream ${ur.origin} did not respond within ${ur.timeoutMs} ms`);
    if (clientSignal.aborted) throw new GatewayError('upstream_error', 'client disconnected', { cause: err });
    throw new GatewayError('upstream_unreachable', `upstream ${ur.origin} is unreachable: ${describe(err)}`, { cause: err });
  }
}

export interface RelayOptions {
  readonly origin: string;
  /** Map upstream 5xx to a 502 catalogue error instead of passing it through. */
  readonly mapServerErrors: boolean;
  /** ResponseHeaderModifier of the rule, applied to the upstream's response headers. */
  readonly responseHeaders?: HeaderOps | undefined;
  /** Headers the gateway adds (e.g. CORS). */
  readonly extraHeaders?: Record<string, string> | undefined;
}

export interface RelayResult {
  readonly status: number;
  /** Bytes of response body sent to the client. */
  readonly bytes: number;
}

/** Streams an upstream response to the client as it arrives. */
export async function relayResponse(response: UpstreamResponse, res: ServerResponse, opts: RelayOptions): Promise<RelayResult> {
  const status = response.statusCode;
  if (opts.mapServerErrors && status >= 500) {
    const text = await readSnippet(response.body);
    throw new GatewayError('upstream_error', `upstream ${opts.origin} answered ${status}: ${upstreamMessage(text)}`, { headers: { 'x-sluice-upstream-status': String(status) } });
  }
  const outHeaders: Record<string, string | string[]> = {};
  for (const name in response.headers) {
    if (DROP_RESPONSE.has(name)) continue;
    const v = response.headers[name];
    if (v !== undefined) outHeaders[name] = v;
  }
  if (opts.responseHeaders) applyHeaderOps(outHeaders, opts.responseHeaders);
  if (opts.extraHeaders) Object.assign(outHeaders, opts.extraHeaders);
  res.writeHead(status, outHeaders);
  // Send headers now so a stream's first byte is not held back until the first chunk.
  res.flushHeaders();

  let bytes = 0;
  const body = response.body;
  return new Promise<RelayResult>((resolve, reject) => {
    const onClose = () => {
      if (!res.writableFinished) body.destroy();
    };
    res.on('close', onClose);
    body.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (!res.write(chunk)) {
        body.pause();
        res.once('drain', () => body.resume());
      }
    });
    body.on('end', () => {
      res.off('close', onClose);
      res.end();
      resolve({ status, bytes });
    });
    body.on('error', (err) => {
      res.off('close', onClose);
      // Headers are out: all we can do is cut the response so the client sees it incomplete.
      res.destroy(err);
      reject(new GatewayError('upstream_error', `upstream ${opts.origin} failed mid-response: ${describe(err)}`, { cause: err }));
    });
  });
}

/** Sends a copy of a request and discards the answer (RequestMirror). Never throws. */
export function sendMirror(pools: UpstreamPools, ur: UpstreamRequest): void {
  const controller = new AbortController();
  sendUpstream(pools, { ...ur, timeoutMs: ur.timeoutMs || 30_000 }, controller.signal).then(
    (r) => r.body.dump().catch(() => undefined),
    () => undefined,
  );
}

function describe(err: unknown): string {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  return e.cause?.code ?? e.code ?? e.cause?.message ?? e.message ?? String(err);
}

async function readSnippet(body: Readable): Promise<string> {
  let text = '';
  for await (const chunk of body) {
    if (text.length < 4096) text += (chunk as Buffer).toString('utf8');
  }
  return text.slice(0, 4096);
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
