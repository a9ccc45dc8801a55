// Upstream error bodies rewritten between the Google and OpenAI shapes (DESIGN.md §5):
//   - Google (Vertex AI and the Gemini API, google.rpc.Status in JSON): `{"error":{"code","message","status"}}`,
//     sent by Vertex as a one-element JSON array on streaming methods;
//   - OpenAI: `{"error":{"message","type","param","code"}}`.
// 4xx answers keep their status, so the client's SDK raises the matching typed error; 5xx answers
// become the gateway's 502 `upstream_error` carrying the upstream's message.
import type { IncomingHttpHeaders } from 'node:http';
import { GatewayError, errorBody } from '../../errors.ts';
import type { TranslatedError } from '../../runtime/translator.ts';
import { isObject, num, str } from './gemini-wire.ts';
import { withRetryAfter } from './retry-after.ts';

interface ParsedError {
  readonly message: string;
  /** Google `status` (e.g. INVALID_ARGUMENT) or OpenAI / Azure `code`. */
  readonly code: string | undefined;
  /** OpenAI `type`, when the body had one. */
  readonly type: string | undefined;
  readonly param: string | undefined;
}

/** The error object inside an upstream body: Google (object or one-element array), OpenAI or Azure. */
export function parseUpstreamError(body: Buffer): ParsedError {
  const text = body.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { message: text.trim().slice(0, 1000) || '(empty body)', code: undefined, type: undefined, param: undefined };
  }
  if (Array.isArray(json)) json = json[0];
  if (!isObject(json)) return { message: text.trim().slice(0, 1000) || '(empty body)', code: undefined, type: undefined, param: undefined };
  const e = json['error'];
  if (isObject(e)) {
    const code = str(e['status']) ?? str(e['code']) ?? (num(e['code']) === undefined ? undefined : String(e['code']));
    return { message: str(e['message']) ?? text.trim().slice(0, 1000), code, type: str(e['type']), param: str(e['param']) };
  }
  if (typeof e === 'string') return { message: e, code: undefined, type: undefined, param: undefined };
  // Azure API Management answers `{"statusCode":401,"message":"…"}`.
  return { message: str(json['message']) ?? text.trim().slice(0, 1000), code: str(json['code']), type: undefined, param: undefined };
}

/** google.rpc.Code names by HTTP status (google/rpc/code.proto's HTTP mapping). */
export function googleStatusName(status: number): string {
  switch (status) {
    case 400:
      return 'INVALID_ARGUMENT';
    case 401:
      return 'UNAUTHENTICATED';
    case 403:
      return 'PERMISSION_DENIED';
    case 404:
      return 'NOT_FOUND';
    case 409:
      return 'ABORTED';
    case 412:
      return 'FAILED_PRECONDITION';
    case 413:
    case 422:
      return 'INVALID_ARGUMENT';
    case 429:
      return 'RESOURCE_EXHAUSTED';
    case 499:
      return 'CANCELLED';
    case 501:
      return 'UNIMPLEMENTED';
    case 503:
      return 'UNAVAILABLE';
    case 504:
      return 'DEADLINE_EXCEEDED';
    default:
      return status >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION';
  }
}

/** OpenAI error `type` by HTTP status (OpenAI API reference, "Error codes"). */
export function openAIErrorType(status: number): string {
  switch (status) {
    case 401:
      return 'authentication_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 409:
      return 'conflict_error';
    case 429:
      return 'rate_limit_error';
    default:
      return status >= 500 ? 'server_error' : 'invalid_request_error';
  }
}

function upstreamFailure(status: number, message: string, schema: 'OpenAI' | 'Gemini'): TranslatedError {
  const err = new GatewayError('upstream_error', `the backend answered ${status}: ${message}`);
  return { status: err.status, contentType: 'application/json', body: errorBody(err, schema) };
}

/** Any upstream error (Google, Azure or OpenAI shaped) → the OpenAI client shape. */
export function toOpenAIError(status: number, headers: IncomingHttpHeaders, body: Buffer): TranslatedError {
  const e = parseUpstreamError(body);
  if (status >= 500) return withRetryAfter(upstreamFailure(status, e.message, 'OpenAI'), headers);
  const out = { error: { message: e.message, type: e.type ?? openAIErrorType(status), param: e.param ?? null, code: e.code ?? null } };
  return withRetryAfter({ status, contentType: 'application/json', body: JSON.stringify(out) }, headers);
}

/** Any upstream error (OpenAI or Google shaped) → the Google shape Gemini clients read. */
export function toGoogleError(status: number, headers: IncomingHttpHeaders, body: Buffer): TranslatedError {
  const e = parseUpstreamError(body);
  if (status >= 500) return withRetryAfter(upstreamFailure(status, e.message, 'Gemini'), headers);
  // A Google body keeps its own status name (Vertex answers some 400s with FAILED_PRECONDITION).
  const name = e.code !== undefined && /^[A-Z][A-Z_]+$/.test(e.code) ? e.code : googleStatusName(status);
  const out = { error: { code: status, message: e.message, status: name } };
  return withRetryAfter({ status, contentType: 'application/json', body: JSON.stringify(out) }, headers);
}

/** A Google error event for a Gemini client's stream (`@google/genai` raises it as an ApiError). */
export function googleErrorEvent(code: number, message: string, status?: string): string {
  return JSON.stringify({ error: { code, message, status: status ?? googleStatusName(code) } });
}
