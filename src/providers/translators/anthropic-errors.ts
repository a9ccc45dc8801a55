// Non-2xx upstream answers rewritten for the client, for the Anthropic translators.
//
// What upstreams send: Anthropic `{"type":"error","error":{"type","message"},"request_id"}` (API
// reference "Errors": 400 invalid_request_error, 401 authentication_error, 402 billing_error,
// 403 permission_error, 404 not_found_error, 413 request_too_large, 429 rate_limit_error,
// 500 api_error, 504 timeout_error, 529 overloaded_error); Vertex the same through rawPredict, or a
// Google `{"error":{"code","message","status"}}` from Vertex itself; Bedrock `{"message"}` with the
// error name in `x-amzn-errortype` (`ValidationException:http://…`); OpenAI-schema backends
// `{"error":{"message","type","param","code"}}` (vLLM: `{"object":"error","message","type","code"}`).
//
// Status policy (DESIGN.md §5: 502 upstream error, 503 no capacity):
//   - 4xx keep their status (the client's request or the gateway's credential was refused; a 429
//     tells the client to back off) with the upstream's message and type in the client's shape;
//   - 503 and Anthropic's 529 overloaded become 503: "no capacity" is what they mean, and both SDKs
//     retry a 503 (a 529 is not an HTTP status OpenAI clients know);
//   - any other 5xx becomes 502 carrying the upstream status and message.
import type { IncomingHttpHeaders } from 'node:http';
import type { TranslatedError } from '../../runtime/translator.ts';
import { isObject, str } from './anthropic-shapes.ts';
import { withRetryAfter } from './retry-after.ts';

export interface UpstreamError {
  readonly message: string;
  /** The upstream's own error type (Anthropic type, Bedrock error name, Google status, OpenAI type), if any. */
  readonly type: string | undefined;
  /** The body was already `{"type":"error","error":{…}}`. */
  readonly anthropicShaped: boolean;
}

/** Reads the message and type out of any of the error shapes above. */
export function readUpstreamError(headers: IncomingHttpHeaders, body: Buffer): UpstreamError {
  const text = body.toString('utf8');
  const awsHeader = headers['x-amzn-errortype'];
  const awsType = typeof awsHeader === 'string' && awsHeader.length > 0 ? awsHeader.split(':')[0] : undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { message: text.trim().slice(0, 300) || '(empty body)', type: awsType, anthropicShaped: false };
  }
  if (isObject(json)) {
    const err = json['error'];
    if (isObject(err)) {
      const message = str(err['message']) ?? JSON.stringify(err).slice(0, 300);
      return { message, type: str(err['type']) ?? str(err['status']) ?? awsType, anthropicShaped: json['type'] === 'error' && typeof err['type'] === 'string' };
    }
    if (typeof err === 'string') return { message: err, type: str(json['type']) ?? awsType, anthropicShaped: false };
    const message = str(json['message']) ?? str(json['Message']);
    if (message !== undefined) return { message, type: awsType ?? str(json['type']), anthropicShaped: false };
  }
  return { message: text.trim().slice(0, 300) || '(empty body)', type: awsType, anthropicShaped: false };
}

/** The client-facing status for an upstream status (policy above). */
export function clientStatus(status: number): number {
  if (status === 503 || status === 529) return 503;
  if (status >= 500) return 502;
  return status;
}

/** Anthropic error `type` for a client-facing status when the upstream gave none usable. */
export function anthropicTypeForStatus(status: number): string {
  switch (status) {
    case 400:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
    case 402:
      return 'billing_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 503:
    case 529:
      return 'overloaded_error';
    case 504:
      return 'timeout_error';
    default:
      return status >= 500 ? 'api_error' : 'invalid_request_error';
  }
}

/** OpenAI error `type` for a client-facing status when the upstream gave none. */
function openAITypeForStatus(status: number): string {
  if (status === 503) return 'service_unavailable';
  if (status >= 500) return 'upstream_error';
  return anthropicTypeForStatus(status);
}

function messageFor(status: number, e: UpstreamError): string {
  return status >= 500 ? `the backend answered ${status}: ${e.message}` : e.message;
}

/**
 * An Anthropic-schema backend's error for an OpenAI client: `{"error":{message,type,param,code}}`
 * with Anthropic's message and type (Anthropic's type names are OpenAI's for the common cases:
 * invalid_request_error, authentication_error, permission_error, rate_limit_error). For 5xx the type
 * is the gateway's (`upstream_error` / `service_unavailable`) and `code` keeps the upstream's type.
 */
export function openAIErrorFromAnthropic(status: number, headers: IncomingHttpHeaders, body: Buffer): TranslatedError {
  const e = readUpstreamError(headers, body);
  const out = clientStatus(status);
  const type = out >= 500 ? openAITypeForStatus(out) : (e.type ?? openAITypeForStatus(out));
  const code = out >= 500 ? (e.type ?? null) : null;
  return withRetryAfter({ status: out, contentType: 'application/json', body: JSON.stringify({ error: { message: messageFor(status, e), type, param: null, code } }) }, headers);
}

/**
 * Any backend's error for an Anthropic client: `{"type":"error","error":{type,message}}`. A 4xx body
 * that is already Anthropic-shaped passes through unchanged when `passThrough` (Anthropic, Vertex
 * rawPredict), keeping Anthropic's `request_id`. Otherwise the type follows the client-facing status
 * (OpenAI answers a bad key with 401 `invalid_request_error`, vLLM uses `NotFoundError` …).
 */
export function anthropicErrorForClient(status: number, headers: IncomingHttpHeaders, body: Buffer, passThrough: boolean): TranslatedError {
  const e = readUpstreamError(headers, body);
  const out = clientStatus(status);
  if (passThrough && e.anthropicShaped && out === status) return withRetryAfter({ status, contentType: 'application/json', body: body.toString('utf8') }, headers);
  return withRetryAfter({ status: out, contentType: 'application/json', body: JSON.stringify({ type: 'error', error: { type: anthropicTypeForStatus(out), message: messageFor(status, e) } }) }, headers);
}
