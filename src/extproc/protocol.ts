// The Endpoint Picker protocol's names and message builders (inference-extension reference §3):
// which headers and metadata carry the picked endpoint and the subset hint, how the body is handed
// back in chunks, and the ImmediateResponse for a refused request. Pure functions; the per-stream
// state machine is session.ts.
import { errorBody } from '../errors.ts';
import type { GatewayError } from '../errors.ts';
import { HeaderAppendAction } from './proto.ts';
import type { HeaderMap, HeaderMutation, HeaderValueOption, ImmediateResponse, Metadata, PbStruct, PbValue, ProcessingResponse } from './proto.ts';

/** Request header (and `envoy.lb` metadata key) naming the chosen endpoint: `ip:port`, or `ip:port,ip:port,…` with fallbacks. */
export const DESTINATION_HEADER = 'x-gateway-destination-endpoint';
/** Dynamic-metadata namespace of the destination (Envoy's ORIGINAL_DST / subset load balancer reads it). */
export const DESTINATION_NAMESPACE = 'envoy.lb';
/** Filter-metadata namespace and key of the data plane's subset hint: only these endpoints may be picked. */
export const SUBSET_NAMESPACE = 'envoy.lb.subset_hint';
export const SUBSET_KEY = 'x-gateway-destination-endpoint-subset';
/** Response-phase `envoy.lb` key: the endpoint that actually served (after fallbacks). */
export const SERVED_KEY = 'x-gateway-destination-endpoint-served';
/** Model the request is forced to (GIE name, then llm-d's). */
export const MODEL_REWRITE_HEADERS = ['x-gateway-model-name-rewrite', 'x-llm-d-model-name-rewrite'] as const;

/**
 * Headers the picker consumes and that must not reach the model server, plus client-supplied
 * copies of the headers only the data plane may set.
 */
export const CONTROL_HEADERS: readonly string[] = [
  'x-gateway-inference-objective',
  'x-llm-d-inference-objective',
  'x-gateway-inference-fairness-id',
  'x-llm-d-inference-fairness-id',
  'x-gateway-model-name-rewrite',
  'x-llm-d-model-name-rewrite',
  SUBSET_KEY,
  SERVED_KEY,
  'x-slo-ttft-ms',
  'x-llm-d-slo-ttft-ms',
  'x-slo-tpot-ms',
  'x-llm-d-slo-tpot-ms',
];

/** Envoy refuses a streamed body chunk of 64 KiB or more; upstream hands bodies back in chunks of this size. */
export const BODY_CHUNK_BYTES = 62_000;

/** Lower-case header name → value (the first value of a repeated header wins, as for node:http's single-value view). */
export function headerRecord(map: HeaderMap | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of map?.headers ?? []) {
    const key = h.key.toLowerCase();
    if (key in out) continue;
    out[key] = h.rawValue && h.rawValue.length > 0 ? h.rawValue.toString('latin1') : (h.value ?? '');
  }
  return out;
}

/** `ip:port` normalised for comparison: IPv6 brackets dropped, as endpoint keys are written. */
function normaliseEndpoint(s: string): string {
  const t = s.trim();
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(t);
  return m ? `${m[1]}:${m[2]}` : t;
}

/**
 * The subset hint of a request: undefined when the data plane sent none (pick from the whole pool),
 * else the set of `ip:port` it allows (possibly empty: nothing may be picked). The value is a list of
 * strings; a comma-joined string is accepted too.
 */
export function subsetHint(metadata: Metadata | undefined): Set<string> | undefined {
  const ns = metadata?.filterMetadata?.[SUBSET_NAMESPACE];
  const value = ns?.fields?.[SUBSET_KEY];
  if (!value) return undefined;
  const out = new Set<string>();
  const add = (s: string) => {
    for (const part of s.split(',')) if (part.trim() !== '') out.add(normaliseEndpoint(part));
  };
  if (value.listValue) {
    for (const v of value.listValue.values ?? []) if (typeof v.stringValue === 'string') add(v.stringValue);
  } else if (typeof value.stringValue === 'string') {
    add(value.stringValue);
  }
  return out;
}

/** The endpoint that served, from response-phase metadata (`envoy.lb` / x-gateway-destination-endpoint-served). */
export function servedEndpoint(metadata: Metadata | undefined): string | undefined {
  const v = metadata?.filterMetadata?.[DESTINATION_NAMESPACE]?.fields?.[SERVED_KEY]?.stringValue;
  return v ? normaliseEndpoint(v) : undefined;
}

export function keyForSubset(key: string): string {
  return normaliseEndpoint(key);
}

function setHeader(key: string, value: string): HeaderValueOption {
  return { header: { key, rawValue: Buffer.from(value, 'latin1') }, appendAction: HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD };
}

function stringValue(s: string): PbValue {
  return { stringValue: s };
}

/** `envoy.lb` dynamic metadata carrying the destination (same string as the header). */
export function destinationMetadata(destination: string): PbStruct {
  return { fields: { [DESTINATION_NAMESPACE]: { structValue: { fields: { [DESTINATION_HEADER]: stringValue(destination) } } } } };
}

export interface RoutingMutation {
  /** `ip:port[,ip:port…]`. */
  readonly destination: string;
  /** The request headers as received (to remove the control headers that are present). */
  readonly headers: Readonly<Record<string, string>>;
  /** Set when the body handed back differs from the body received. */
  readonly contentLength?: number | undefined;
}

export function routingHeaderMutation(m: RoutingMutation): HeaderMutation {
  const setHeaders = [setHeader(DESTINATION_HEADER, m.destination)];
  if (m.contentLength !== undefined) setHeaders.push(setHeader('content-length', String(m.contentLength)));
  const removeHeaders = CONTROL_HEADERS.filter((h) => m.headers[h] !== undefined);
  return removeHeaders.length > 0 ? { setHeaders, removeHeaders } : { setHeaders };
}

/** The answer to the request headers that routes the request (FULL_DUPLEX_STREAMED: sent once the body is complete). */
export function routedHeadersResponse(m: RoutingMutation): ProcessingResponse {
  return {
    requestHeaders: { response: { headerMutation: routingHeaderMutation(m), clearRouteCache: true } },
    dynamicMetadata: destinationMetadata(m.destination),
  };
}

/** The answer to the last request body message in BUFFERED mode: routing rides on the body response. */
export function routedBodyResponse(m: RoutingMutation, replacement: Buffer | undefined): ProcessingResponse {
  return {
    requestBody: {
      response: {
        headerMutation: routingHeaderMutation(m),
        clearRouteCache: true,
        ...(replacement ? { bodyMutation: { body: replacement } } : {}),
      },
    },
    dynamicMetadata: destinationMetadata(m.destination),
  };
}

export const CONTINUE_REQUEST_HEADERS: ProcessingResponse = { requestHeaders: { response: {} } };
export const CONTINUE_RESPONSE_HEADERS: ProcessingResponse = { responseHeaders: { response: {} } };
export const CONTINUE_REQUEST_BODY: ProcessingResponse = { requestBody: { response: {} } };
export const CONTINUE_RESPONSE_BODY: ProcessingResponse = { responseBody: { response: {} } };
export const CONTINUE_REQUEST_TRAILERS: ProcessingResponse = { requestTrailers: {} };
export const CONTINUE_RESPONSE_TRAILERS: ProcessingResponse = { responseTrailers: {} };

/**
 * A body handed back in FULL_DUPLEX_STREAMED mode: streamed-body mutations of at most 62,000 bytes,
 * end-of-stream on the last one (an empty body is one empty chunk).
 */
export function streamedBody(phase: 'requestBody' | 'responseBody', body: Buffer, endOfStream: boolean): ProcessingResponse[] {
  const out: ProcessingResponse[] = [];
  let offset = 0;
  do {
    const end = Math.min(body.length, offset + BODY_CHUNK_BYTES);
    const last = end >= body.length;
    out.push({ [phase]: { response: { bodyMutation: { streamedResponse: { body: body.subarray(offset, end), endOfStream: last && endOfStream } } } } });
    offset = end;
  } while (offset < body.length);
  return out;
}

/** One body chunk passed through unchanged in FULL_DUPLEX_STREAMED mode. */
export function streamedChunk(phase: 'requestBody' | 'responseBody', body: Buffer, endOfStream: boolean): ProcessingResponse {
  return { [phase]: { response: { bodyMutation: { streamedResponse: { body, endOfStream } } } } };
}

/**
 * A refused request answered by the data plane on the picker's behalf: the catalogue status, the
 * error's headers (retry-after, x-llm-d-request-dropped-reason), an OpenAI error body.
 */
export function errorResponse(err: GatewayError, requestId: string | undefined): ProcessingResponse {
  const setHeaders = [setHeader('content-type', 'application/json')];
  for (const [k, v] of Object.entries(err.headers)) setHeaders.push(setHeader(k, v));
  const immediate: ImmediateResponse = {
    status: { code: err.status },
    headers: { setHeaders },
    body: Buffer.from(errorBody(err, 'OpenAI', requestId)),
    // Envoy's response code details: no spaces.
    details: `sluice_epp_${err.code}`,
  };
  return { immediateResponse: immediate };
}
