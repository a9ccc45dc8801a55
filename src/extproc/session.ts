// One ext_proc stream = one HTTP request through the data plane. The session reads Envoy's messages in
// order and answers them as the upstream endpoint picker does (inference-extension reference §3):
//
//   request_headers   kept; answered at once only when the request has no body (end of stream on the
//                     headers: a random ready endpoint, as upstream) or when the body does not come in
//                     FULL_DUPLEX_STREAMED mode (BUFFERED: CONTINUE now, routing on the body answer);
//   request_body      buffered until end of stream (any number of chunks), parsed as OpenAI JSON
//                     (400 when it is not JSON or has no `model`), then admission + one pick over the
//                     pool, or over the data plane's subset hint when it sent one (schedulePool); the
//                     answer is the request-headers response (destination header, control headers
//                     removed, `envoy.lb` dynamic metadata, clear_route_cache) followed by the body
//                     handed back in streamed chunks of at most 62,000 bytes;
//   request_trailers  CONTINUE (routing first when the body ended without end of stream);
//   response_headers  CONTINUE; `content-type: text/event-stream` switches the body to pass-through;
//   response_body     streamed responses: every chunk straight back; others: buffered to end of
//                     stream (to read `usage`) and handed back in 62,000-byte chunks;
//   response_trailers CONTINUE.
//
// A refused request is answered with an ImmediateResponse (429 shed / flow-control rejection with
// x-llm-d-request-dropped-reason, 503 no endpoint or empty subset, 400 bad body, 500 picker failure on
// a FailClose pool) and the rest of the stream is ignored. The session counts the request in flight on
// its endpoint (moved to the endpoint that served when the data plane reports a fallback) until the
// response ends or the stream closes.
import { GatewayError, toGatewayError } from '../errors.ts';
import { headerValue } from '../http/headers.ts';
import { DEFAULT_MAX_JSON_CONTAINERS, DEFAULT_MAX_JSON_DEPTH, checkJsonShape } from '../http/json-limits.ts';
import { schedulePool } from '../pipeline/schedule-pool.ts';
import type { EndpointState } from '../runtime/endpoint.ts';
import type { RequestHeaders } from '../runtime/picker.ts';
import type { PoolRuntime } from '../runtime/snapshot.ts';
import { BodySendMode } from './proto.ts';
import type { HttpBody, HttpHeaders, Metadata, ProcessingRequest, ProcessingResponse } from './proto.ts';
import {
  CONTINUE_REQUEST_BODY,
  CONTINUE_REQUEST_HEADERS,
  CONTINUE_REQUEST_TRAILERS,
  CONTINUE_RESPONSE_BODY,
  CONTINUE_RESPONSE_HEADERS,
  CONTINUE_RESPONSE_TRAILERS,
  MODEL_REWRITE_HEADERS,
  errorResponse,
  headerRecord,
  keyForSubset,
  routedBodyResponse,
  routedHeadersResponse,
  servedEndpoint,
  streamedBody,
  streamedChunk,
  subsetHint,
} from './protocol.ts';
import { UsageScanner, usageOfJson } from './usage.ts';
import type { Usage } from './usage.ts';

/** A pool's flow-control queue, as the composition root provides it (admission/flow-queues.ts). */
export interface FlowGate {
  /** Undefined when the pool's EndpointPickerConfig does not enable flow control. */
  for(pool: PoolRuntime): FlowQueueView | undefined;
}

export interface FlowQueueView {
  /**
   * Resolves when a request with these headers (its InferenceObjective priority) may be scheduled;
   * rejects with GatewayError `shed` / `no_ready_endpoint`. `onCancel` receives the hook that
   * withdraws the request when the stream goes away.
   */
  wait(headers: RequestHeaders, onCancel: (cancel: () => void) => void): Promise<void>;
  /** Requests waiting now. */
  readonly size: number;
}

/** What the metrics want to know; every method is optional work on the request path, keep it cheap. */
export interface SessionObserver {
  scheduled(info: { readonly model: string; readonly targetModel: string; readonly endpoint: EndpointState; readonly seconds: number; readonly failOpen: boolean }): void;
  refused(info: { readonly model: string; readonly targetModel: string; readonly error: GatewayError }): void;
  finished(info: { readonly model: string; readonly targetModel: string; readonly status: number | undefined; readonly usage: Usage | undefined }): void;
}

export interface SessionOptions {
  /** The pool being served, or undefined while it is not known (requests get 503). */
  readonly pool: () => PoolRuntime | undefined;
  /** `namespace/name`, for messages while the pool is unknown. */
  readonly poolKey: string;
  readonly flows?: FlowGate | undefined;
  /** Ignore the data plane's subset hint (upstream flag --disable-endpoint-subset-filter). */
  readonly disableSubsetFilter?: boolean | undefined;
  readonly observer?: SessionObserver | undefined;
  /** Largest request body accepted (413 above it). Default 64 MiB. */
  readonly maxBodyBytes?: number | undefined;
  /** Uniform in [0, 1): random endpoint choice for bodiless requests and FailOpen. */
  readonly random?: (() => number) | undefined;
}

const EMPTY = Buffer.alloc(0);
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;

/** `ip:port` as Envoy's original-destination load balancer reads it (IPv6 in brackets). */
export function endpointAddress(ep: EndpointState): string {
  return ep.address.includes(':') ? `[${ep.address}]:${ep.port}` : `${ep.address}:${ep.port}`;
}

type Where = 'headers' | 'body' | 'trailers';

export class ExtProcSession {
  readonly #o: SessionOptions;
  readonly #send: (response: ProcessingResponse) => void;
  #requestMode: number = BodySendMode.FULL_DUPLEX_STREAMED;
  #responseMode: number = BodySendMode.FULL_DUPLEX_STREAMED;
  #headers: Record<string, string> = {};
  #subset: Set<string> | undefined;
  #subsetSeen = false;
  #chunks: Buffer[] = [];
  #bodyBytes = 0;
  /** The routing answer was sent. */
  #routed = false;
  /** An ImmediateResponse was sent: the data plane ends the request; later messages are ignored. */
  #refused = false;
  #closed = false;
  #finished = false;
  #model = '';
  #targetModel = '';
  /** Where the request is counted in flight. */
  #endpoint: EndpointState | undefined;
  #cancelWait: (() => void) | undefined;
  #status: number | undefined;
  #streaming = false;
  #responseChunks: Buffer[] = [];
  #scanner: UsageScanner | undefined;
  #usage: Usage | undefined;

  constructor(options: SessionOptions, send: (response: ProcessingResponse) => void) {
    this.#o = options;
    this.#send = send;
  }

  /** Handles one message; returns a promise only while the request waits in a flow-control queue. */
  handle(req: ProcessingRequest): void | Promise<void> {
    if (this.#closed || this.#refused) return;
    if (req.protocolConfig) {
      this.#requestMode = req.protocolConfig.requestBodyMode ?? BodySendMode.NONE;
      this.#responseMode = req.protocolConfig.responseBodyMode ?? BodySendMode.NONE;
    }
    switch (req.request) {
      case 'requestHeaders':
        this.#noteRequestMetadata(req.metadataContext);
        return this.#onRequestHeaders(req.requestHeaders ?? {});
      case 'requestBody':
        this.#noteRequestMetadata(req.metadataContext);
        return this.#onRequestBody(req.requestBody ?? {});
      case 'requestTrailers':
        this.#noteRequestMetadata(req.metadataContext);
        return this.#onRequestTrailers();
      case 'responseHeaders':
        this.#noteServed(req.metadataContext);
        return this.#onResponseHeaders(req.responseHeaders ?? {});
      case 'responseBody':
        this.#noteServed(req.metadataContext);
        return this.#onResponseBody(req.responseBody ?? {});
      case 'responseTrailers':
        this.#noteServed(req.metadataContext);
        this.#send(CONTINUE_RESPONSE_TRAILERS);
        this.#finish();
        return;
      default:
        return;
    }
  }

  /** The stream ended (normally, cancelled or failed): withdraw a queued request, release the endpoint. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#cancelWait?.();
    this.#cancelWait = undefined;
    this.#finish();
  }

  // ---- request phase ----

  #noteRequestMetadata(md: Metadata | undefined): void {
    if (this.#subsetSeen || !md || this.#o.disableSubsetFilter) return;
    const hint = subsetHint(md);
    if (hint === undefined) return;
    this.#subset = hint;
    this.#subsetSeen = true;
  }

  #onRequestHeaders(h: HttpHeaders): void | Promise<void> {
    this.#headers = headerRecord(h.headers);
    if (h.endOfStream || this.#requestMode === BodySendMode.NONE) return this.#routeRandom('headers', true);
    if (this.#requestMode === BodySendMode.FULL_DUPLEX_STREAMED) return; // answered once the body is complete
    // BUFFERED (and the other half-duplex modes): Envoy waits for this answer before sending the body.
    this.#send(CONTINUE_REQUEST_HEADERS);
  }

  #onRequestBody(b: HttpBody): void | Promise<void> {
    const chunk = b.body ?? EMPTY;
    const eos = b.endOfStream === true || b.endOfStreamWithoutMessage === true;
    if (this.#routed) {
      // Body after the routing answer (a partially buffered body's remainder): pass it on.
      this.#send(this.#requestMode === BodySendMode.FULL_DUPLEX_STREAMED ? streamedChunk('requestBody', chunk, eos) : CONTINUE_REQUEST_BODY);
      return;
    }
    if (chunk.length > 0) {
      this.#bodyBytes += chunk.length;
      const max = this.#o.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
      if (this.#bodyBytes > max) return this.#refuse(new GatewayError('request_too_large', `the request body exceeds ${max} bytes`));
      this.#chunks.push(chunk);
    }
    const mode = this.#requestMode;
    if (mode === BodySendMode.FULL_DUPLEX_STREAMED) return eos ? this.#routeWithBody('body', true) : undefined;
    if (eos || mode === BodySendMode.BUFFERED || mode === BodySendMode.BUFFERED_PARTIAL) return this.#routeWithBody('body', eos);
    // STREAMED: every chunk is answered; routing rides on the last one.
    this.#send(CONTINUE_REQUEST_BODY);
  }

  #onRequestTrailers(): void | Promise<void> {
    if (this.#routed) {
      this.#send(CONTINUE_REQUEST_TRAILERS);
      return;
    }
    // The body ended with trailers instead of end of stream: route now, then answer the trailers.
    const r = this.#routeWithBody('trailers', false);
    const after = () => {
      if (!this.#refused && !this.#closed) this.#send(CONTINUE_REQUEST_TRAILERS);
    };
    if (r) return r.then(after);
    after();
  }

  /** A request without a body to read (GET, body mode NONE, an empty body): a random ready endpoint, as upstream. */
  #routeRandom(where: Where, endOfStream: boolean): void {
    const pool = this.#o.pool();
    if (!pool) return this.#refuse(this.#unknownPool());
    const ready = this.#candidates(pool.endpoints).filter((ep) => ep.ready);
    if (ready.length === 0) return this.#refuse(this.#noCandidates(pool));
    this.#answer([this.#randomOf(ready)], where, EMPTY, endOfStream, 0, false, false);
  }

  #randomOf(endpoints: readonly EndpointState[]): EndpointState {
    return endpoints[Math.floor((this.#o.random ?? Math.random)() * endpoints.length)] ?? endpoints[0]!;
  }

  #routeWithBody(where: Where, endOfStream: boolean): void | Promise<void> {
    const raw = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks, this.#bodyBytes);
    this.#chunks = [];
    let body: Record<string, unknown> | undefined;
    let out = raw;
    if (raw.length > 0) {
      // Refused before parsing, as the gateway refuses it: deeper nesting would overflow the stack of
      // whatever walks the value later (the prompt text for prefix hashing).
      const shape = checkJsonShape(raw, { maxDepth: DEFAULT_MAX_JSON_DEPTH, maxContainers: DEFAULT_MAX_JSON_CONTAINERS });
      if (!shape.ok) return this.#refuse(new GatewayError('invalid_request', `the request body ${shape.limit === 'depth' ? `nests deeper than ${DEFAULT_MAX_JSON_DEPTH} levels` : `holds more than ${DEFAULT_MAX_JSON_CONTAINERS} arrays and objects`} (at byte ${shape.at})`));
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw.toString('utf8'));
      } catch {
        return this.#refuse(new GatewayError('invalid_json', 'the request body is not valid JSON'));
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return this.#refuse(new GatewayError('invalid_request', 'the request body must be a JSON object'));
      body = parsed as Record<string, unknown>;
      const model = body['model'];
      if (typeof model !== 'string' || model === '') return this.#refuse(new GatewayError('model_required', 'the request body has no "model"', { param: 'model' }));
      this.#model = model;
      this.#targetModel = model;
      for (const h of MODEL_REWRITE_HEADERS) {
        const v = this.#headers[h]?.trim();
        if (v) {
          this.#targetModel = v;
          break;
        }
      }
      // The body is handed back as received unless the model was rewritten (re-serialised then).
      // STREAMED mode has already forwarded the chunks, so nothing can be replaced there.
      if (this.#targetModel !== model && this.#requestMode !== BodySendMode.STREAMED) out = Buffer.from(JSON.stringify({ ...body, model: this.#targetModel }));
    } else if (where === 'body' || where === 'trailers') {
      // An empty body: nothing to schedule on, like a request without one.
      return this.#routeRandom(where, endOfStream);
    }
    const pool = this.#o.pool();
    if (!pool) return this.#refuse(this.#unknownPool());
    const candidates = this.#candidates(pool.endpoints);
    if (this.#subset && !candidates.some((ep) => ep.ready)) return this.#refuse(this.#noCandidates(pool));
    const view = this.#subset ? { ...pool, endpoints: candidates } : pool;
    const queue = this.#o.flows?.for(pool);
    if (!queue) return this.#schedule(pool, view, body, out, raw, where, endOfStream);
    return queue
      .wait(this.#headers, (cancel) => {
        this.#cancelWait = cancel;
      })
      .then(
        () => {
          this.#cancelWait = undefined;
          if (!this.#closed) this.#schedule(pool, view, body, out, raw, where, endOfStream);
        },
        (err: unknown) => {
          this.#cancelWait = undefined;
          if (!this.#closed) this.#refuse(toGatewayError(err));
        },
      );
  }

  #schedule(pool: PoolRuntime, view: PoolRuntime, body: Record<string, unknown> | undefined, out: Buffer, raw: Buffer, where: Where, endOfStream: boolean): void {
    const t0 = performance.now();
    let targets: readonly EndpointState[];
    let failOpen = false;
    try {
      const decision = schedulePool(view, { model: this.#model, targetModel: this.#targetModel, headers: this.#headers, body });
      targets = decision.targets;
      failOpen = decision.failOpen !== undefined;
    } catch (err) {
      if (err instanceof GatewayError) return this.#refuse(err);
      // Not the picker's own failure (it applies the pool's failure mode itself) but one around it:
      // the pool's failure mode decides here too.
      const ready = view.endpoints.filter((ep) => ep.ready);
      if (pool.failureMode !== 'FailOpen' || ready.length === 0) return this.#refuse(toGatewayError(err));
      targets = [this.#randomOf(ready)];
      failOpen = true;
    }
    this.#answer(targets, where, out, endOfStream, (performance.now() - t0) / 1000, failOpen, out !== raw);
  }

  /** Sends the routing answer for `targets` (primary first) and counts the request in flight on the primary. */
  #answer(targets: readonly EndpointState[], where: Where, body: Buffer, endOfStream: boolean, seconds: number, failOpen: boolean, rewritten: boolean): void {
    const primary = targets[0]!;
    const destination = targets.length === 1 ? endpointAddress(primary) : targets.map(endpointAddress).join(',');
    const mutation = { destination, headers: this.#headers, contentLength: rewritten ? body.length : undefined };
    this.#routed = true;
    this.#endpoint = primary;
    primary.inflight++;
    this.#o.observer?.scheduled({ model: this.#model, targetModel: this.#targetModel, endpoint: primary, seconds, failOpen });
    if (where === 'headers') {
      this.#send(routedHeadersResponse(mutation));
      return;
    }
    if (this.#requestMode === BodySendMode.FULL_DUPLEX_STREAMED) {
      this.#send(routedHeadersResponse(mutation));
      for (const r of streamedBody('requestBody', body, endOfStream)) this.#send(r);
      return;
    }
    this.#send(routedBodyResponse(mutation, rewritten ? body : undefined));
  }

  /** The pool's endpoints the subset hint allows (all when there is no hint). */
  #candidates(endpoints: readonly EndpointState[]): readonly EndpointState[] {
    const subset = this.#subset;
    if (!subset) return endpoints;
    return endpoints.filter((ep) => subset.has(keyForSubset(ep.key)));
  }

  #unknownPool(): GatewayError {
    return new GatewayError('no_ready_endpoint', `InferencePool ${this.#o.poolKey} is not known to this endpoint picker`, { headers: { 'x-llm-d-request-dropped-reason': 'rejected-no-endpoints' } });
  }

  #noCandidates(pool: PoolRuntime): GatewayError {
    const what = this.#subset ? `none of the ${this.#subset.size} endpoint(s) of the data plane's subset hint is a ready endpoint of` : 'no ready endpoint in';
    return new GatewayError('no_ready_endpoint', `${what} InferencePool ${pool.namespace}/${pool.name}`, { headers: { 'x-llm-d-request-dropped-reason': 'rejected-no-endpoints' } });
  }

  #refuse(err: GatewayError): void {
    this.#refused = true;
    this.#chunks = [];
    this.#o.observer?.refused({ model: this.#model, targetModel: this.#targetModel, error: err });
    this.#send(errorResponse(err, headerValue(this.#headers, 'x-request-id')));
  }

  // ---- response phase ----

  /** Follows a fallback: the request is in flight on the endpoint that served it. */
  #noteServed(md: Metadata | undefined): void {
    const served = md && servedEndpoint(md);
    const current = this.#endpoint;
    if (!served || !current || this.#finished || keyForSubset(current.key) === served) return;
    const ep = this.#o.pool()?.endpoints.find((e) => keyForSubset(e.key) === served);
    if (!ep) return;
    current.inflight--;
    ep.inflight++;
    this.#endpoint = ep;
  }

  #onResponseHeaders(h: HttpHeaders): void {
    const headers = headerRecord(h.headers);
    const status = Number(headers[':status']);
    this.#status = Number.isFinite(status) ? status : undefined;
    this.#streaming = (headers['content-type'] ?? '').includes('text/event-stream');
    if (this.#streaming && this.#o.observer) this.#scanner = new UsageScanner();
    this.#send(CONTINUE_RESPONSE_HEADERS);
    if (h.endOfStream) this.#finish();
  }

  #onResponseBody(b: HttpBody): void {
    const chunk = b.body ?? EMPTY;
    const eos = b.endOfStream === true || b.endOfStreamWithoutMessage === true;
    const duplex = this.#responseMode === BodySendMode.FULL_DUPLEX_STREAMED;
    if (this.#streaming) {
      // Server-sent events pass straight through; usage is read on the way.
      this.#scanner?.push(chunk);
      this.#send(duplex ? streamedChunk('responseBody', chunk, eos) : CONTINUE_RESPONSE_BODY);
    } else {
      // Buffered to hand back whole (FULL_DUPLEX_STREAMED) and to read its usage.
      if (chunk.length > 0 && (duplex || this.#o.observer)) this.#responseChunks.push(chunk);
      if (!duplex) this.#send(CONTINUE_RESPONSE_BODY);
      if (eos) {
        const whole = this.#responseChunks.length === 1 ? this.#responseChunks[0]! : Buffer.concat(this.#responseChunks);
        this.#responseChunks = [];
        if (this.#o.observer) this.#usage = usageOfJson(whole);
        if (duplex) for (const r of streamedBody('responseBody', whole, true)) this.#send(r);
      }
    }
    if (eos) this.#finish();
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#responseChunks = [];
    const ep = this.#endpoint;
    if (!ep) return;
    ep.inflight = Math.max(0, ep.inflight - 1);
    this.#o.observer?.finished({ model: this.#model, targetModel: this.#targetModel, status: this.#status, usage: this.#usage ?? this.#scanner?.usage });
  }
}
