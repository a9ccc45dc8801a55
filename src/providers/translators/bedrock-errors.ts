// AWS Bedrock errors in the client's schema.
//
// A Bedrock runtime error answer is JSON `{"message": "…"}` with the error type in the
// `x-amzn-errortype` header (possibly followed by `:<namespace URL>`), as the AWS JSON/REST-JSON
// protocols define; Converse documents AccessDeniedException 403, ResourceNotFoundException 404,
// ModelTimeoutException 408, ModelErrorException 424, ThrottlingException 429, ServiceQuotaExceeded,
// ValidationException 400, InternalServerException 500, ServiceUnavailableException 503, and the
// signing layer answers UnrecognizedClientException / InvalidSignatureException /
// ExpiredTokenException with 403.
//
// Choices (DESIGN.md §5):
//   - 4xx (429 included) keep their status, so the client's SDK raises the matching typed error;
//     5xx become 502 (the gateway's `upstream_error`): the failure is the backend's, not the gateway's;
//     a numeric `retry-after` from the backend is passed on;
//   - the message names the AWS error type (`AWS Bedrock ThrottlingException: …`) and the OpenAI
//     `code` carries it too;
//   - nothing a signer put in the request may reach the client: signature errors quote the canonical
//     request (signed headers, `x-amz-security-token` included), so credential errors get a fixed
//     message, and every other message is cut at its first blank line, stripped of access key ids,
//     session tokens, signatures and ARNs (account ids), and shortened.
import type { IncomingHttpHeaders } from 'node:http';
import type { TranslatedError } from '../../runtime/translator.ts';
import { formatSse } from '../streaming/sse.ts';
import { withRetryAfter } from './retry-after.ts';

export type BedrockClientSchema = 'OpenAI' | 'Anthropic';

/** Error types that mean the gateway's AWS credentials or signature were refused. */
const CREDENTIAL_ERRORS = new Set([
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'IncompleteSignatureException',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'MissingAuthenticationTokenException',
  'MissingAuthenticationToken',
  'AccessDeniedException',
]);

const MAX_MESSAGE = 400;

/** The AWS error type: `x-amzn-errortype` without its `:namespace` suffix, else the body's `__type`/`code`. */
export function awsErrorType(headers: IncomingHttpHeaders, body: unknown): string | undefined {
  const h = headers['x-amzn-errortype'];
  const fromHeader = typeof h === 'string' ? h.split(':')[0]!.trim() : '';
  if (fromHeader) return fromHeader;
  if (typeof body === 'object' && body !== null) {
    const b = body as Record<string, unknown>;
    for (const key of ['__type', 'code', 'Code']) {
      const v = b[key];
      if (typeof v === 'string' && v) return v.split('#').pop()!.split(':')[0]!.trim();
    }
  }
  return undefined;
}

/** An AWS error message made safe for a client (see the header comment). */
export function sanitizeAwsMessage(message: string): string {
  let m = message;
  const blank = m.search(/\r?\n\s*\r?\n/);
  if (blank >= 0) m = m.slice(0, blank);
  const canonical = m.search(/canonical (request|string)|string-to-sign/i);
  if (canonical >= 0) m = m.slice(0, canonical);
  m = m
    .replace(/\b(?:AKIA|ASIA|AIDA|AROA|ANPA)[A-Z0-9]{12,}\b/g, '[redacted]')
    .replace(/(x-amz-security-token|x-amz-credential|authorization|credential|signature)\s*[:=]\s*\S+/gi, '$1=[redacted]')
    .replace(/\barn:aws[\w-]*:[^\s"',]+/g, '[arn]')
    .replace(/\s+/g, ' ')
    .trim();
  return m.length > MAX_MESSAGE ? m.slice(0, MAX_MESSAGE) + '…' : m;
}

function openAIType(status: number): string {
  if (status >= 500) return 'upstream_error';
  switch (status) {
    case 401:
      return 'authentication_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 408:
      return 'timeout_error';
    case 429:
      return 'rate_limit_error';
    default:
      return 'invalid_request_error';
  }
}

function anthropicType(status: number): string {
  if (status >= 500) return 'api_error';
  switch (status) {
    case 401:
      return 'authentication_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    default:
      return 'invalid_request_error';
  }
}

function errorJson(schema: BedrockClientSchema, status: number, awsType: string, message: string, requestId: string | undefined, anthropicOverride?: string): string {
  if (schema === 'Anthropic') {
    return JSON.stringify({ type: 'error', error: { type: anthropicOverride ?? anthropicType(status), message }, ...(requestId ? { request_id: requestId } : {}) });
  }
  return JSON.stringify({ error: { message, type: openAIType(status), param: null, code: awsType } });
}

/** A non-2xx Bedrock answer → the client's error shape. `body` is at most the first 64 KiB. */
export function translateBedrockError(schema: BedrockClientSchema, status: number, headers: IncomingHttpHeaders, body: Buffer): TranslatedError {
  const text = body.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const type = awsErrorType(headers, parsed) ?? (parsed === undefined ? 'AWSBedrockBackendError' : 'UnknownError');
  let detail = '';
  if (typeof parsed === 'object' && parsed !== null) {
    const p = parsed as Record<string, unknown>;
    const m = p['message'] ?? p['Message'];
    if (typeof m === 'string') detail = m;
  } else {
    detail = text;
  }
  let message: string;
  if (CREDENTIAL_ERRORS.has(type) && type !== 'AccessDeniedException') {
    message = `AWS Bedrock ${type}: the backend refused the gateway's AWS credentials or request signature`;
  } else {
    const safe = sanitizeAwsMessage(detail);
    message = `AWS Bedrock ${type}${safe ? `: ${safe}` : ` (HTTP ${status})`}`;
  }
  const clientStatus = status >= 500 ? 502 : status;
  const rid = headers['x-amzn-requestid'];
  const out = { status: clientStatus, contentType: 'application/json', body: errorJson(schema, clientStatus, type, message, typeof rid === 'string' ? rid : undefined) };
  // A `retry-after` the backend sent (throttling, unavailability) is the client's best hint.
  return withRetryAfter(out, headers);
}

/** The HTTP status a ConverseStream exception stands for (ConverseStreamOutput member docs). */
function streamExceptionStatus(errorType: string): number {
  switch (errorType.charAt(0).toLowerCase() + errorType.slice(1)) {
    case 'throttlingException':
      return 429;
    case 'validationException':
      return 400;
    case 'serviceUnavailableException':
      return 503;
    default:
      return 500;
  }
}

/**
 * The last event of a ConverseStream that failed after the response started (an exception frame, a
 * corrupt or truncated event stream), in the client's streaming error shape: OpenAI `data: {"error":…}`
 * (the openai SDK raises APIError on it), Anthropic `event: error` (overloaded_error for
 * serviceUnavailableException, as Anthropic itself reports overload mid-stream).
 */
export function bedrockStreamErrorEvent(schema: BedrockClientSchema, errorType: string, detail: string, requestId: string | undefined): string {
  const status = streamExceptionStatus(errorType);
  const safe = sanitizeAwsMessage(detail);
  const message = `AWS Bedrock ${errorType} during the stream${safe ? `: ${safe}` : ''}`;
  if (schema === 'Anthropic') {
    const override = status === 503 ? 'overloaded_error' : status >= 500 ? 'api_error' : undefined;
    return formatSse(errorJson(schema, status, errorType, message, requestId, override), 'error');
  }
  return formatSse(errorJson(schema, status >= 500 ? 502 : status, errorType, message, requestId));
}
