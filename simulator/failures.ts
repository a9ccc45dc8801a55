// Fault injection for generation requests (every dialect), by flag (rates, runtime-changeable through
// POST /admin/config) and per request by header. The client-visible effects:
//
//   error   an immediate error answer with the chosen status, in the dialect's error shape
//           (--failure-injection-rate % of requests, kinds/statuses from --failure-types;
//           header `x-sim-error: <status>` or upstream's `x-return-error: <status>`)
//   delay   the request waits this long before it is processed (--fault-delay; header
//           `x-sim-delay: <duration>`), reported in `x-sim-fault-delay-ms`
//   hang    no answer at all until the client gives up or the simulator closes
//           (--fault-hang-rate %; header `x-sim-hang: true`)
//   reset   the TCP connection is reset before any response header (--fault-reset-rate %;
//           header `x-sim-reset: true`)
//   abort   the connection is cut after N content chunks of a stream, or half-way through a whole
//           body (--fault-abort-rate % with --fault-abort-after N; header `x-sim-abort-after: N`)
//
// Headers win over rates. A request draws each rate independently; when several hit, the first of
// reset, hang, error, abort applies (delay always applies first).

import type { IncomingHttpHeaders } from 'node:http';
import { parseDurationMs } from './duration.ts';
import { badRequest, HttpError } from './http-util.ts';
import { FAILURE_TYPES } from './options.ts';
import type { FailureType, SimulatorOptions } from './options.ts';
import type { Random } from './random.ts';

export function failureError(kind: FailureType, model: string): HttpError {
  switch (kind) {
    case 'rate_limit':
      return new HttpError(429, 'rate_limit_error', 'rate_limit_exceeded', `rate limit reached for model ${model} (injected failure)`, null, {
        'retry-after': '1',
      });
    case 'invalid_api_key':
      return new HttpError(401, 'authentication_error', 'invalid_api_key', 'invalid API key (injected failure)');
    case 'context_length':
      return new HttpError(400, 'invalid_request_error', 'context_length_exceeded',
        `the request exceeds the context window of model ${model} (injected failure)`, 'messages');
    case 'server_error':
      return new HttpError(503, 'server_error', 'server_error', 'the model server had an error (injected failure)');
    case 'invalid_request':
      return new HttpError(400, 'invalid_request_error', 'invalid_request', 'invalid request (injected failure)');
    case 'model_not_found':
      return new HttpError(404, 'invalid_request_error', 'model_not_found', `the model ${model} does not exist (injected failure)`, 'model');
  }
}

/** An injected error with a given HTTP status, shaped like what a server would answer with it. */
export function failureForStatus(status: number, model: string): HttpError {
  switch (status) {
    case 429:
      return failureError('rate_limit', model);
    case 401:
      return failureError('invalid_api_key', model);
    case 404:
      return failureError('model_not_found', model);
    case 400:
      return failureError('invalid_request', model);
    case 503:
      return failureError('server_error', model);
    case 403:
      return new HttpError(403, 'permission_error', 'permission_denied', 'permission denied (injected failure)');
    case 413:
      return new HttpError(413, 'invalid_request_error', 'request_too_large', 'request too large (injected failure)');
    default:
      return status >= 500
        ? new HttpError(status, 'server_error', 'internal_error', `the model server failed with status ${status} (injected failure)`)
        : new HttpError(status, 'invalid_request_error', 'injected_error', `request failed with status ${status} (injected failure)`);
  }
}

/** Returns the error to answer with, or undefined to run the request normally. */
export function maybeInjectFailure(
  rng: Random,
  ratePercent: number,
  kinds: readonly FailureType[],
  model: string,
  statuses: readonly number[] = [],
): HttpError | undefined {
  if (ratePercent <= 0 || rng.next() * 100 >= ratePercent) return undefined;
  const choices: (FailureType | number)[] = kinds.length + statuses.length > 0 ? [...kinds, ...statuses] : [...FAILURE_TYPES];
  const pick = rng.pick(choices);
  return typeof pick === 'number' ? failureForStatus(pick, model) : failureError(pick, model);
}

export interface FaultPlan {
  delayMs: number;
  reset: boolean;
  hang: boolean;
  error: HttpError | undefined;
  /** Cut the connection after this many content chunks (undefined: no cut). */
  abortAfterChunks: number | undefined;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s.trim() === '' ? undefined : s.trim();
}

function flag(headers: IncomingHttpHeaders, name: string): boolean | undefined {
  const v = header(headers, name);
  if (v === undefined) return undefined;
  const l = v.toLowerCase();
  if (l === 'true' || l === '1' || l === 'yes') return true;
  if (l === 'false' || l === '0' || l === 'no') return false;
  throw badRequest(`header ${name} must be true or false, got ${JSON.stringify(v)}`);
}

function roll(rng: Random, percent: number): boolean {
  return percent > 0 && rng.next() * 100 < percent;
}

/** Decides a request's faults from the options and its headers. Throws HttpError 400 on a malformed fault header. */
export function planFaults(rng: Random, o: SimulatorOptions, headers: IncomingHttpHeaders, model: string): FaultPlan {
  let delayMs = o.faultDelayMs;
  const delay = header(headers, 'x-sim-delay');
  if (delay !== undefined) {
    const d = parseDurationMs(delay);
    if (d === undefined) throw badRequest(`header x-sim-delay must be a duration such as "250ms", got ${JSON.stringify(delay)}`);
    delayMs = d;
  }

  const reset = flag(headers, 'x-sim-reset') ?? roll(rng, o.faultResetRate);
  const hang = flag(headers, 'x-sim-hang') ?? roll(rng, o.faultHangRate);

  let error: HttpError | undefined;
  const status = header(headers, 'x-sim-error') ?? header(headers, 'x-return-error');
  if (status !== undefined) {
    const n = Number(status);
    if (!/^\d{3}$/.test(status) || n < 400 || n > 599) throw badRequest(`header x-sim-error must be an HTTP status between 400 and 599, got ${JSON.stringify(status)}`);
    error = failureForStatus(n, model);
  } else {
    error = maybeInjectFailure(rng, o.failureInjectionRate, o.failureTypes, model, o.failureStatuses);
  }

  let abortAfterChunks: number | undefined;
  const abort = header(headers, 'x-sim-abort-after');
  if (abort !== undefined) {
    if (!/^\d+$/.test(abort)) throw badRequest(`header x-sim-abort-after must be a number of chunks, got ${JSON.stringify(abort)}`);
    abortAfterChunks = Number(abort);
  } else if (roll(rng, o.faultAbortRate)) {
    abortAfterChunks = o.faultAbortAfterChunks;
  }

  return { delayMs, reset, hang: !reset && hang, error: reset || hang ? undefined : error, abortAfterChunks };
}
