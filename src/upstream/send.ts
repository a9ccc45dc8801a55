// The send stage: one attempt to one upstream origin through its keep-alive undici Pool, the response
// streamed back as it arrives — through the translator's response side on AI requests (usage, model,
// the client's schema), byte for byte otherwise. Failures before the response starts reject with a
// catalogue error (refused/reset → 502, no response within the attempt's time → 504) so the forward
// stage may try again; a status in the plan's retryOn is discarded and marked for a retry.
//
// "Started" means bytes reached the client. The client's response head is held until the first body
// byte goes out (event streams excepted: their head is flushed at once), so an upstream that sends its
// head and then breaks off before any byte was passed on — always the case for a translated,
// non-streamed body, which the translator buffers whole — is still an attempt that failed before the
// response started: it rejects with `upstream_unreachable` (a reset) and may be retried or failed over.
// Once bytes went out nothing is retried: a failure ends an event stream with an error event in the
// client's schema, and cuts any other response so the client sees it incomplete.
//
// Hot path: undici's dispatch handler API rather than `request()` (no AbortSignal, no intermediate
// Readable, one closure set per attempt); the attempt keeps its own timer because undici's
// headersTimeout runs on coarse timers.
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { GatewayError, errorStreamEvent } from '../errors.ts';
import { applyHeaderOps } from '../http/filters.ts';
import { DROP_REQUEST_HEADERS, DROP_RESPONSE_HEADERS, retryAfterMs } from '../http/headers.ts';
import type { RequestContext, UpstreamPlan } from '../runtime/context.ts';
import { events } from '../runtime/events.ts';
import { setUsage } from '../runtime/usage.ts';
import type { Next } from '../pipeline/compose.ts';
import type { UpstreamPools } from './pools.ts';

/** Error bodies read from an upstream to translate them (the rest is discarded). */
const ERROR_BODY_LIMIT = 64 * 1024;

function upstreamHeaders(plan: UpstreamPlan, requestId: string): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  const from = plan.headers;
  for (const name in from) {
    // HTTP/2 pseudo-headers (':path' …) of requests on h2 listeners are not forwarded.
    if (DROP_REQUEST_HEADERS.has(name) || name.charCodeAt(0) === 58 /* ':' */) continue;
    const v = from[name];
    if (v !== undefined) headers[name] = v;
  }
  headers['host'] = plan.hostHeader;
  headers['x-request-id'] = requestId;
  const set = plan.set;
  for (const k in set) headers[k] = set[k]!;
  if (Buffer.isBuffer(plan.body)) headers['content-length'] = String(plan.body.length);
  else if (from['content-length'] !== undefined) headers['content-length'] = from['content-length'];
  return headers;
}

/** Where the failure of an attempt is described: the backend resource, never its address. */
function backendName(ctx: RequestContext): string {
  return ctx.backend?.target.id ?? 'the backend';
}

export function sendStage(pools: UpstreamPools) {
  return function send(ctx: RequestContext, next: Next): Promise<void> {
    return sendAttempt(pools, ctx).then(next);
  };
}

export function sendAttempt(pools: UpstreamPools, ctx: RequestContext): Promise<void> {
  const plan = ctx.upstream!;
  const attempt = ctx.attempt!;
  const res: ServerResponse = ctx.res;
  const rule = ctx.rule!;
  // The attempt's time: timeouts.backendRequest, within what is left of timeouts.request.
  const remaining = ctx.deadline - performance.now();
  if (remaining <= 0) return Promise.reject(new GatewayError('upstream_timeout', `${rule.id}: timeouts.request (${rule.requestTimeoutMs} ms) expired after ${attempt.n - 1} attempt(s)`));
  const limit = Math.min(rule.backendTimeoutMs > 0 ? rule.backendTimeoutMs : Infinity, remaining);
  const timeoutMs = Number.isFinite(limit) ? Math.ceil(limit) : 0;
  const headers = upstreamHeaders(plan, ctx.id);
  if (attempt.traceparent !== undefined) headers['traceparent'] = attempt.traceparent;
  const translator = plan.response;
  const endpoint = ctx.endpoint;
  if (endpoint) endpoint.inflight++;
  attempt.origin = plan.origin;
  return new Promise<void>((resolve, reject) => {
    let controller: Dispatcher.DispatchController | undefined;
    /** The upstream's 2xx head was accepted and the client's head prepared (maybe not yet written). */
    let started = false;
    /** The client's head, held until the first body byte (or the end) goes out. */
    let heldStatus = 0;
    let heldHead: Record<string, string | string[]> | undefined;
    let eventStream = false;
    let settled = false;
    let status = 0;
    let discard = false;
    let credentialRefused = false;
    let errorChunks: Buffer[] | undefined;
    let errorSize = 0;
    let upstreamHead: IncomingHttpHeaders = {};
    const onClose = () => {
      if (!res.writableFinished) controller?.abort(new Error('client disconnected'));
    };
    res.once('close', onClose);
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    if (timeoutMs > 0) {
      timer = setTimeout(() => {
        timedOut = true;
        controller?.abort(new Error('attempt timed out'));
      }, timeoutMs);
    }
    const finish = (err?: GatewayError) => {
      if (settled) return;
      settled = true;
      if (endpoint) endpoint.inflight--;
      if (timer) clearTimeout(timer);
      res.off('close', onClose);
      if (err) reject(err);
      else resolve();
    };
    let charged = 0;
    /** A budget ran out mid-stream: its error is the stream's last event, and the upstream is let go. */
    const cutForBudget = (c: Dispatcher.DispatchController, e: GatewayError) => {
      if (settled || res.writableEnded) return;
      if (translator) setUsage(ctx.usage, translator.usage);
      if (heldHead !== undefined) {
        // Nothing went out yet: the budget error is the whole answer (the data plane writes it).
        heldHead = undefined;
      } else {
        if (eventStream) write(errorStreamEvent(e, ctx.clientSchema ?? 'OpenAI', ctx.id));
        res.end();
      }
      c.abort(new Error('budget exhausted'));
      finish(e);
    };
    const writeHead = () => {
      if (heldHead === undefined) return;
      res.writeHead(heldStatus, heldHead);
      heldHead = undefined;
    };
    const write = (data: Buffer | string | undefined): boolean => {
      if (data === undefined || data.length === 0) return true;
      writeHead();
      if (ctx.firstByteAt === 0) {
        ctx.firstByteAt = performance.now();
        events.firstByte.publish(ctx);
      }
      ctx.bytesOut += data.length;
      return res.write(data);
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
        attempt.status = statusCode;
        attempt.headersAt = performance.now();
        events.upstreamHeaders.publish({ ctx, attempt });
        if (attempt.retryOn?.has(statusCode)) {
          discard = true;
          const ra = (fromUpstream as IncomingHttpHeaders)['retry-after'];
          attempt.retryAfterMs = retryAfterMs(typeof ra === 'string' ? ra : undefined);
          return;
        }
        if (plan.credential !== undefined && (statusCode === 401 || statusCode === 403)) {
          // The provider refused the gateway's own credential: the client's answer is a 502 naming the
          // backend and the policy (never the provider's words: some echo part of the key).
          discard = true;
          credentialRefused = true;
          return;
        }
        upstreamHead = fromUpstream as IncomingHttpHeaders;
        if (translator && (statusCode < 200 || statusCode >= 300)) {
          errorChunks = [];
          return;
        }
        const out: Record<string, string | string[]> = {};
        for (const name in fromUpstream) {
          if (DROP_RESPONSE_HEADERS.has(name)) continue;
          const v = fromUpstream[name];
          if (v !== undefined) out[name] = v;
        }
        if (translator) {
          const head = translator.head(statusCode, upstreamHead);
          if (head.rewritesBody) {
            delete out['content-length'];
            delete out['content-encoding'];
          }
          if (head.contentType !== undefined) out['content-type'] = head.contentType;
        }
        if (plan.responseHeaders) applyHeaderOps(out, plan.responseHeaders);
        const extra = ctx.responseHeaders;
        if (extra) for (const k in extra) out[k] = extra[k]!;
        started = true;
        heldStatus = statusCode;
        heldHead = out;
        // A stream's first byte must not wait for the first chunk; whole bodies go out with their first byte.
        const type = out['content-type'];
        eventStream = typeof type === 'string' && type.includes('event-stream');
        if (eventStream) {
          writeHead();
          res.flushHeaders();
        }
      },
      onResponseData(c, chunk) {
        if (discard) return;
        if (errorChunks) {
          if (errorSize < ERROR_BODY_LIMIT) {
            errorChunks.push(chunk);
            errorSize += chunk.length;
          }
          return;
        }
        if (!write(translator ? translator.push(chunk) : chunk)) {
          c.pause();
          res.once('drain', () => c.resume());
        }
        // Budgets are charged as streamed usage arrives; one that runs out ends the stream.
        if (translator && ctx.admission && translator.usage.totalTokens !== charged) {
          charged = translator.usage.totalTokens;
          const verdict = ctx.admission.usage(translator.usage);
          if (verdict instanceof Promise) void verdict.then((e) => e && cutForBudget(c, e));
          else if (verdict) cutForBudget(c, verdict);
        }
      },
      onResponseEnd() {
        if (credentialRefused) {
          return finish(new GatewayError('upstream_auth_failed', `${backendName(ctx)} refused the credential from ${plan.credential} (HTTP ${status}); check the key or role that policy holds`));
        }
        if (discard) {
          attempt.retryStatus = status;
          return finish();
        }
        if (errorChunks) {
          const e = ctx.translator!.error(status, upstreamHead, Buffer.concat(errorChunks).subarray(0, ERROR_BODY_LIMIT));
          const extra: Record<string, string> = { ...ctx.responseHeaders, ...e.headers, 'content-type': e.contentType, 'content-length': String(Buffer.byteLength(e.body)) };
          if (e.status !== status) extra['x-sluice-upstream-status'] = String(status);
          res.writeHead(e.status, extra);
          res.end(e.body);
          return finish();
        }
        if (translator) {
          write(translator.end());
          setUsage(ctx.usage, translator.usage);
          ctx.responseModel = translator.responseModel ?? ctx.requestModel;
          events.usage.publish(ctx);
        }
        writeHead();
        res.end();
        finish();
      },
      onResponseError(_c, err) {
        const code = (err as { code?: string }).code;
        if (started && heldHead !== undefined) {
          // The upstream broke off before a byte reached the client (a translated body is buffered
          // whole): the attempt failed like a reset before the response, and another one may follow.
          heldHead = undefined;
          if (res.destroyed) return finish(new GatewayError('upstream_error', 'client disconnected', { cause: err }));
          attempt.errorCause = describe(err);
          return finish(new GatewayError('upstream_unreachable', `${backendName(ctx)} reset the connection before its response ended: ${attempt.errorCause}`, { cause: err }));
        }
        if (started) {
          const e = new GatewayError('upstream_error', `${backendName(ctx)} failed mid-response: ${describe(err)}`, { cause: err });
          if (translator && ctx.clientSchema && !res.destroyed && eventStream) {
            // The stream cannot get a status any more: its last event says what happened.
            write(errorStreamEvent(e, ctx.clientSchema, ctx.id));
            res.end();
          } else {
            res.destroy(err);
          }
          return finish(e);
        }
        if (timedOut || code === 'UND_ERR_HEADERS_TIMEOUT') return finish(new GatewayError('upstream_timeout', `${backendName(ctx)} did not respond within ${timeoutMs} ms`));
        if (res.destroyed) return finish(new GatewayError('upstream_error', 'client disconnected', { cause: err }));
        attempt.errorCause = describe(err);
        finish(new GatewayError('upstream_unreachable', `${backendName(ctx)} is unreachable: ${attempt.errorCause}`, { cause: err }));
      },
    };
    pools.get(plan.origin, plan.tls).dispatch(
      {
        origin: plan.origin,
        path: plan.path,
        method: ctx.method as Dispatcher.HttpMethod,
        headers,
        body: (plan.body ?? null) as Buffer | Readable | null,
        headersTimeout: 0,
        bodyTimeout: 0,
      },
      handler,
    );
  });
}

/** Sends a copy of a request and discards the answer (RequestMirror). Never throws. */
export function sendMirror(pools: UpstreamPools, method: string, plan: UpstreamPlan, timeoutMs: number, requestId: string): void {
  pools
    .get(plan.origin, plan.tls)
    .request({ origin: plan.origin, path: plan.path, method: method as Dispatcher.HttpMethod, headers: upstreamHeaders(plan, requestId), body: Buffer.isBuffer(plan.body) ? plan.body : null, headersTimeout: timeoutMs || 30_000 })
    .then(
      (r) => r.body.dump().catch(() => undefined),
      () => undefined,
    );
}

function describe(err: unknown): string {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  return e.cause?.code ?? e.code ?? e.cause?.message ?? e.message ?? String(err);
}
