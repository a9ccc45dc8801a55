// Forwards one request to one upstream origin through its keep-alive undici Pool and streams the
// response back unbuffered. Maps upstream failures to catalogue errors: refused/reset → 502,
// timeout before the response starts → 504, 5xx on AI routes → 502 (with the upstream's message).
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

export interface ForwardRequest {
  readonly origin: string;
  readonly hostHeader: string;
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The already-read body (AI routes), or the client request to stream through. */
  readonly body: Buffer | IncomingMessage | undefined;
  /** Extra headers set on the upstream request. */
  readonly setHeaders?: Record<string, string> | undefined;
  /** Time allowed until the upstream's response headers arrive; 0 = none. */
  readonly timeoutMs: number;
  /** Map upstream 5xx to a 502 catalogue error instead of passing it through. */
  readonly mapServerErrors: boolean;
  /** ResponseHeaderModifier of the rule, applied to the upstream's response headers. */
  readonly responseHeaders?: HeaderOps | undefined;
}

export interface ForwardResult {
  readonly status: number;
  /** Bytes of response body sent to the client. */
  readonly bytes: number;
}

export async function forward(pools: UpstreamPools, fr: ForwardRequest, res: ServerResponse): Promise<ForwardResult> {
  const headers: Record<string, string | string[]> = {};
  for (const name in fr.headers) {
    if (DROP_REQUEST.has(name)) continue;
    const v = fr.headers[name];
    if (v !== undefined) headers[name] = v;
  }
  headers['host'] = fr.hostHeader;
  if (fr.setHeaders) Object.assign(headers, fr.setHeaders);
  if (Buffer.isBuffer(fr.body)) headers['content-length'] = String(fr.body.length);
  else if (fr.headers['content-length'] !== undefined) headers['content-length'] = fr.headers['content-length'];

  const abort = new AbortController();
  // The client going away cancels the upstream request (and frees the model server's slot).
  const onClose = () => {
    if (!res.writableFinished) abort.abort(new Error('client disconnected'));
  };
  res.on('close', onClose);
  let timedOut = false;
  const timer = fr.timeoutMs > 0 ? setTimeout(() => ((timedOut = true), abort.abort(new Error('timeout'))), fr.timeoutMs) : undefined;

  let response: Dispatcher.ResponseData;
  try {
    response = await pools.get(fr.origin).request({
      origin: fr.origin,
      path: fr.path,
      method: fr.method as Dispatcher.HttpMethod,
      headers,
      body: (fr.body ?? null) as Buffer | Readable | null,
      signal: abort.signal,
    });
  } catch (err) {
    if (timer) clearTimeout(timer);
    res.off('close', onClose);
    if (timedOut) throw new GatewayError('upstream_timeout', `upstream ${fr.origin} did not respond within ${fr.timeoutMs} ms`);
    if (abort.signal.aborted) throw new GatewayError('upstream_error', 'client disconnected', { cause: err });
    throw new GatewayError('upstream_unreachable', `upstream ${fr.origin} is unreachable: ${describe(err)}`, { cause: err });
  }
  if (timer) clearTimeout(timer);

  const status = response.statusCode;
  if (fr.mapServerErrors && status >= 500) {
    const text = await readSnippet(response.body);
    res.off('close', onClose);
    throw new GatewayError('upstream_error', `upstream ${fr.origin} answered ${status}: ${upstreamMessage(text)}`, { headers: { 'x-sluice-upstream-status': String(status) } });
  }

  const outHeaders: Record<string, string | string[]> = {};
  for (const name in response.headers) {
    if (DROP_RESPONSE.has(name)) continue;
    const v = response.headers[name];
    if (v !== undefined) outHeaders[name] = v;
  }
  if (fr.responseHeaders) applyHeaderOps(outHeaders, fr.responseHeaders);
  res.writeHead(status, outHeaders);
  // Send headers now so a stream's first byte is not held back until the first chunk.
  res.flushHeaders();

  let bytes = 0;
  const body = response.body;
  return new Promise<ForwardResult>((resolve, reject) => {
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
      reject(new GatewayError('upstream_error', `upstream ${fr.origin} failed mid-response: ${describe(err)}`, { cause: err }));
    });
  });
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
