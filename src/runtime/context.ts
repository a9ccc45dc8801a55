// RequestContext: the one per-request object every stage reads and writes (DESIGN.md §2). It is
// created by the listener when a request arrives, carried through the stage list, published with
// every telemetry event, and dropped when the response ends. Nothing about a request travels
// beside it.
//
// Contract: stages set the fields they own (listed per field) and read the ones earlier stages set;
// telemetry subscribers only read. All fields are initialised in the constructor so every context
// has the same shape (one hidden class on the hot path).
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayError } from '../errors.ts';
import type { EndpointState } from './endpoint.ts';
import type { PickDecision } from './picker.ts';
import type { BackendTarget, CompiledRule, ListenerRuntime, RuntimeSnapshot, UpstreamTls, WeightedBackend } from './snapshot.ts';
import type { HeaderOps } from './filters.ts';
import type { AdmissionTicket } from './governance.ts';
import type { ClientSchema, Operation, ResponseTranslator, Translator } from './translator.ts';
import { emptyUsage } from './usage.ts';
import type { TokenUsage } from './usage.ts';

/** Who is calling, once authentication has run (admission/). */
export interface Principal {
  /** How the caller was identified. */
  readonly kind: 'api-key' | 'jwt' | 'virtual-key';
  /** Stable identity for limits, costs, logs and metrics: the key's name, or the JWT subject. */
  readonly id: string;
  readonly team?: string | undefined;
  /** JWT claims (or virtual-key metadata) that policies may test. */
  readonly claims?: Readonly<Record<string, unknown>> | undefined;
}

/** Why a request ended without being forwarded, or how it failed (Hubble-style verdicts). */
export type Verdict = 'FORWARDED' | 'DROPPED' | 'ERROR';

/**
 * What one attempt sends, built by the attempt stages (choose backend → pick → translate) and sent by
 * the send stage. A new plan per attempt: a retry on another backend is planned from scratch.
 */
export interface UpstreamPlan {
  /** `http://10.0.0.1:8000`; '' until the pick stage chose a pool endpoint. */
  origin: string;
  /** How to check the upstream's certificate (https origins with Backend TLS settings or a BackendTLSPolicy). */
  tls: UpstreamTls | undefined;
  hostHeader: string;
  /** Path with query string. */
  path: string;
  /** The client's headers, or a copy with the rule's and backendRef's changes; hop-by-hop ones are dropped at send. */
  headers: IncomingHttpHeaders;
  /** Headers set on top of `headers` (translator, credentials, picker). */
  readonly set: Record<string, string>;
  /** The read body, or the client request to stream through (then it cannot be resent). */
  body: Buffer | IncomingMessage | undefined;
  /** AI requests: the response side of the translator (usage, model, client schema). */
  response: ResponseTranslator | undefined;
  /** ResponseHeaderModifier of the rule or backendRef. */
  responseHeaders: HeaderOps | undefined;
  /**
   * The resource whose credential the gateway put on this request (`BackendSecurityPolicy ns/name`),
   * set by the translate stage. A 401/403 answer is then the gateway's credential failing, not the
   * client's: the send stage turns it into `upstream_auth_failed` and the forward stage fails over.
   */
  credential: string | undefined;
}

/** One try at an upstream (the forward stage makes one or more). */
export interface Attempt {
  /** 1-based. */
  readonly n: number;
  /** Backend resource id (`AIServiceBackend ns/name`, `InferencePool ns/name`, …); '' before it is chosen. */
  backend: string;
  /** `address:port` of the endpoint, or the origin for fqdn backends; '' before it is known. */
  endpoint: string;
  readonly startedAt: number;
  /** performance.now() when the upstream's response head arrived (0 = never). */
  headersAt: number;
  endedAt: number;
  /** Upstream status (0 = no response). */
  status: number;
  /** Catalogue code of the failure, when the attempt failed. */
  error: string | undefined;
  /** Whether the forward stage tried again after this attempt. */
  retried: boolean;
  /** Upstream statuses that make this attempt a retry instead of the answer (set by the forward stage). */
  readonly retryOn: ReadonlySet<number> | undefined;
  /** Set by the send stage: the upstream answered a status in `retryOn` (the body was discarded). */
  retryStatus: number;
  /** The upstream's Retry-After on a discarded 429/503, in milliseconds. */
  retryAfterMs: number | undefined;
  /** The backend this attempt used (set by the choose stage), so later attempts can avoid it. */
  target: BackendTarget | undefined;
  /** The origin this attempt was sent to (set by the send stage), so a retry can go elsewhere. */
  origin: string;
  /** The low-level cause of a failure before the response (`ECONNREFUSED`, `ECONNRESET`, …). */
  errorCause: string | undefined;
  /**
   * W3C `traceparent` for this attempt's upstream request. The one field telemetry may write: the
   * tracing subscriber sets it while handling `attemptStart` (its client span), and the send stage
   * forwards it.
   */
  traceparent: string | undefined;
}

export class RequestContext {
  /** `x-request-id`: the client's when valid, else generated (the listener sets it). */
  readonly id: string;
  /** performance.now() at arrival. */
  readonly startedAt: number;
  /** Date.now() at arrival. */
  readonly startedAtWall: number;
  /** The snapshot pinned at arrival: a reload never changes a request in flight. */
  readonly snapshot: RuntimeSnapshot;
  /**
   * Identity of the gateway instance that owns this request. Telemetry channels are process-wide;
   * subscribers ignore contexts of other instances (tests run several gateways in one process).
   */
  readonly owner: object;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** The configured listener port the connection arrived on. */
  readonly port: number;
  readonly method: string;
  /** Host without port, lower case. */
  readonly host: string;
  /** The normalised path (no query), as routes match it. */
  path: string;
  /** Query string without `?` ('' when none). The route stage drops an Azure client's `api-version`. */
  query: string;
  readonly clientAddress: string;

  // route stage
  listener: ListenerRuntime | undefined = undefined;
  /** The AI endpoint the path names (set before routing when the listener has AI routes). */
  operation: Operation | undefined = undefined;
  /** The client's API schema: set when an AI route matched (from the rule, never guessed). */
  clientSchema: ClientSchema | undefined = undefined;
  /** The request body, read once (AI endpoints, retries, mirrors); undefined = stream it through. */
  body: Buffer | undefined = undefined;
  /** The parsed JSON body of an AI request. */
  json: Record<string, unknown> | undefined = undefined;
  stream = false;
  /** The model the client named (body `model`, or the Gemini path). */
  originalModel: string | undefined = undefined;
  rule: CompiledRule | undefined = undefined;
  /** The PathPrefix the rule matched with ('/' otherwise): rewrites replace it. */
  matchedPrefix = '/';
  /** Headers the gateway adds to the client's response (CORS, rule response headers resolved late). */
  responseHeaders: Record<string, string> | undefined = undefined;

  // admit stage
  principal: Principal | undefined = undefined;
  /** What admission requires of the rest of the request (streamed usage, settlement). */
  admission: AdmissionTicket | undefined = undefined;
  /** `GET /v1/models` (or `/v1/models/{id}`): answered after admission, from the listener's models. */
  modelsQuery: { readonly id: string | undefined } | undefined = undefined;
  /**
   * The path kept an encoded slash (`GET /v1/models/org%2Fmodel`, as the openai SDK's models.retrieve
   * sends a model id with a slash). Only the gateway's own /v1/models/{id} answer may serve it: the
   * route stage refuses it (400) for anything that would be routed or forwarded.
   */
  escapedSlash = false;
  /** InferenceObjective priority (0 when none). */
  priority = 0;
  objective: string | undefined = undefined;

  // per attempt: choose backend, pick, translate request
  backend: WeightedBackend | undefined = undefined;
  /** The model sent upstream (after modelNameOverride). */
  requestModel: string | undefined = undefined;
  endpoint: EndpointState | undefined = undefined;
  decision: PickDecision | undefined = undefined;
  translator: Translator | undefined = undefined;
  /** Endpoints of the chosen pool that admission let this request use. */
  candidates: readonly EndpointState[] | undefined = undefined;
  /** The current attempt and what it sends. */
  attempt: Attempt | undefined = undefined;
  upstream: UpstreamPlan | undefined = undefined;

  // forward stage
  /** performance.now() by which the response must have started (Infinity = no limit). */
  deadline = Infinity;
  readonly attempts: Attempt[] = [];
  /** performance.now() when the first response byte went to the client (0 = not yet). */
  firstByteAt = 0;

  // response
  readonly usage: TokenUsage = emptyUsage();
  responseModel: string | undefined = undefined;
  /** What the request cost in micro-dollars (ModelPricing), once known. */
  costMicros: number | undefined = undefined;
  /** Status sent to the client (0 until the response head is written). */
  status = 0;
  /** Response body bytes written to the client. */
  bytesOut = 0;
  error: GatewayError | undefined = undefined;
  /** performance.now() when the response ended or the client went away (0 = in flight). */
  endedAt = 0;

  constructor(init: { id: string; snapshot: RuntimeSnapshot; owner: object; req: IncomingMessage; res: ServerResponse; port: number; method: string; host: string; path: string; query: string }) {
    this.id = init.id;
    this.startedAt = performance.now();
    this.startedAtWall = Date.now();
    this.snapshot = init.snapshot;
    this.owner = init.owner;
    this.req = init.req;
    this.res = init.res;
    this.port = init.port;
    this.method = init.method;
    this.host = init.host;
    this.path = init.path;
    this.query = init.query;
    this.clientAddress = init.req.socket?.remoteAddress ?? '';
  }

  /** The route as `namespace/name` ('' before routing). */
  get route(): string {
    return this.rule?.routeKey ?? '';
  }

  /** Whether response bytes (or at least its head) reached the client: nothing may be retried after that. */
  get responseStarted(): boolean {
    return this.res.headersSent;
  }

  /** FORWARDED when an upstream answered, DROPPED when the gateway refused, ERROR when forwarding failed. */
  get verdict(): Verdict {
    if (this.error === undefined) return 'FORWARDED';
    return this.error.dropReason !== undefined ? 'DROPPED' : 'ERROR';
  }
}
