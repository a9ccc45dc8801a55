// The error catalogue: every error a client can receive from Sluice has a stable code here, with its
// HTTP status, whether another attempt may succeed (`retryable`), the drop reason when the gateway
// itself refused the request (flow records and metrics), and its shape in each client schema
// (DESIGN.md §5): OpenAI `{"error":{"message","type","param","code"}}`, Anthropic
// `{"type":"error","error":{"type","message"}}`, Gemini `{"error":{"code","message","status"}}`,
// and the gRPC status for GRPCRoutes. Stages throw `GatewayError`; the server writes it.
import type { ClientSchema } from './runtime/translator.ts';

/** gRPC status codes used by the gateway (grpc/doc/statuscodes.md). */
export const GRPC_STATUS = {
  OK: 0,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

/**
 * Stable reasons for requests the gateway refused (verdict DROPPED). Upstream failures have none
 * (verdict ERROR).
 */
export type DropReason =
  | 'bad-request'
  | 'no-route'
  | 'model-not-found'
  | 'unauthenticated'
  | 'forbidden'
  | 'rate-limited'
  | 'budget-exhausted'
  | 'shed'
  | 'no-endpoint'
  | 'too-large'
  | 'overloaded'
  | 'invalid-backend';

interface Entry {
  readonly status: number;
  /** OpenAI error `type`. */
  readonly type: string;
  /** Anthropic error `type`. */
  readonly anthropic: string;
  readonly retryable: boolean;
  readonly drop?: DropReason;
}

export const errorCatalogue = {
  invalid_json: { status: 400, type: 'invalid_request_error', anthropic: 'invalid_request_error', retryable: false, drop: 'bad-request' },
  invalid_request: { status: 400, type: 'invalid_request_error', anthropic: 'invalid_request_error', retryable: false, drop: 'bad-request' },
  model_required: { status: 400, type: 'invalid_request_error', anthropic: 'invalid_request_error', retryable: false, drop: 'bad-request' },
  unauthorized: { status: 401, type: 'authentication_error', anthropic: 'authentication_error', retryable: false, drop: 'unauthenticated' },
  forbidden: { status: 403, type: 'permission_error', anthropic: 'permission_error', retryable: false, drop: 'forbidden' },
  route_not_found: { status: 404, type: 'invalid_request_error', anthropic: 'not_found_error', retryable: false, drop: 'no-route' },
  model_not_found: { status: 404, type: 'invalid_request_error', anthropic: 'not_found_error', retryable: false, drop: 'model-not-found' },
  method_not_allowed: { status: 405, type: 'invalid_request_error', anthropic: 'invalid_request_error', retryable: false, drop: 'no-route' },
  request_too_large: { status: 413, type: 'invalid_request_error', anthropic: 'request_too_large', retryable: false, drop: 'too-large' },
  unsupported_media_type: { status: 415, type: 'invalid_request_error', anthropic: 'invalid_request_error', retryable: false, drop: 'bad-request' },
  misdirected_request: { status: 421, type: 'invalid_request_error', anthropic: 'invalid_request_error', retryable: false, drop: 'no-route' },
  unprocessable_request: { status: 422, type: 'invalid_request_error', anthropic: 'invalid_request_error', retryable: false, drop: 'bad-request' },
  rate_limited: { status: 429, type: 'rate_limit_error', anthropic: 'rate_limit_error', retryable: false, drop: 'rate-limited' },
  budget_exhausted: { status: 429, type: 'insufficient_quota', anthropic: 'rate_limit_error', retryable: false, drop: 'budget-exhausted' },
  shed: { status: 429, type: 'rate_limit_error', anthropic: 'rate_limit_error', retryable: false, drop: 'shed' },
  invalid_backend: { status: 500, type: 'server_error', anthropic: 'api_error', retryable: false, drop: 'invalid-backend' },
  internal_error: { status: 500, type: 'server_error', anthropic: 'api_error', retryable: false },
  upstream_error: { status: 502, type: 'upstream_error', anthropic: 'api_error', retryable: true },
  upstream_unreachable: { status: 502, type: 'upstream_error', anthropic: 'api_error', retryable: true },
  no_ready_endpoint: { status: 503, type: 'service_unavailable', anthropic: 'overloaded_error', retryable: false, drop: 'no-endpoint' },
  upstream_connect_failed: { status: 503, type: 'service_unavailable', anthropic: 'overloaded_error', retryable: true },
  overloaded: { status: 503, type: 'service_unavailable', anthropic: 'overloaded_error', retryable: false, drop: 'overloaded' },
  upstream_auth_failed: { status: 502, type: 'upstream_error', anthropic: 'api_error', retryable: true },
  upstream_timeout: { status: 504, type: 'timeout_error', anthropic: 'api_error', retryable: true },
} as const satisfies Record<string, Entry>;

export type ErrorCode = keyof typeof errorCatalogue;

export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** OpenAI error type. */
  readonly type: string;
  readonly param: string | null;
  /** Extra response headers, e.g. `retry-after` for 429. */
  readonly headers: Record<string, string>;
  /** Another attempt (another endpoint or backend) may succeed. */
  readonly retryable: boolean;
  /** Set when the gateway itself refused the request (verdict DROPPED). */
  readonly dropReason: DropReason | undefined;

  constructor(code: ErrorCode, message: string, options: { param?: string; headers?: Record<string, string>; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const entry: Entry = errorCatalogue[code];
    this.name = 'GatewayError';
    this.code = code;
    this.status = entry.status;
    this.type = entry.type;
    this.param = options.param ?? null;
    this.headers = options.headers ?? {};
    this.retryable = entry.retryable;
    this.dropReason = entry.drop;
  }
}

/** Gemini / google.rpc status names by HTTP status. */
function googleStatus(status: number): string {
  switch (status) {
    case 400:
    case 413:
    case 422:
      return 'INVALID_ARGUMENT';
    case 401:
      return 'UNAUTHENTICATED';
    case 403:
      return 'PERMISSION_DENIED';
    case 404:
      return 'NOT_FOUND';
    case 429:
      return 'RESOURCE_EXHAUSTED';
    case 503:
      return 'UNAVAILABLE';
    case 504:
      return 'DEADLINE_EXCEEDED';
    default:
      return status >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION';
  }
}

/** The gRPC status of an error (for GRPCRoutes). */
export function grpcStatusOf(err: GatewayError): number {
  switch (err.status) {
    case 400:
    case 413:
    case 422:
      return GRPC_STATUS.INVALID_ARGUMENT;
    case 401:
      return GRPC_STATUS.UNAUTHENTICATED;
    case 403:
      return GRPC_STATUS.PERMISSION_DENIED;
    case 404:
      return err.code === 'route_not_found' ? GRPC_STATUS.UNIMPLEMENTED : GRPC_STATUS.NOT_FOUND;
    case 429:
      return GRPC_STATUS.RESOURCE_EXHAUSTED;
    case 502:
    case 503:
      return GRPC_STATUS.UNAVAILABLE;
    case 504:
      return GRPC_STATUS.DEADLINE_EXCEEDED;
    default:
      return GRPC_STATUS.INTERNAL;
  }
}

/** The JSON body of an error in the client's schema (OpenAI for non-AI routes too). */
export function errorBody(err: GatewayError, schema: ClientSchema = 'OpenAI', requestId?: string): string {
  switch (schema) {
    case 'OpenAI':
      return JSON.stringify({ error: { message: err.message, type: err.type, param: err.param, code: err.code, ...(requestId ? { request_id: requestId } : {}) } });
    case 'Anthropic':
      return JSON.stringify({ type: 'error', error: { type: errorCatalogue[err.code].anthropic, message: err.message }, ...(requestId ? { request_id: requestId } : {}) });
    case 'Gemini':
      return JSON.stringify({
        error: {
          code: err.status,
          message: err.message,
          status: googleStatus(err.status),
          ...(requestId ? { details: [{ '@type': 'type.googleapis.com/google.rpc.RequestInfo', requestId }] } : {}),
        },
      });
  }
}

/**
 * The last event of a stream that failed after its response started, in the client's schema:
 * OpenAI clients read a `data:` event carrying `error` (the openai SDK raises APIError on it),
 * Anthropic clients an `event: error`, Gemini clients a `data:` event with the google error shape.
 */
export function errorStreamEvent(err: GatewayError, schema: ClientSchema = 'OpenAI', requestId?: string): string {
  const body = errorBody(err, schema, requestId);
  return schema === 'Anthropic' ? `event: error\ndata: ${body}\n\n` : `data: ${body}\n\n`;
}

/** Normalises anything thrown on the request path into a catalogue error (unknown errors become 500). */
export function toGatewayError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new GatewayError('internal_error', `internal error: ${message}`, { cause: err });
}
