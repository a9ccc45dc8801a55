// The request path for one data-plane request (DESIGN.md §2):
//   listener (by port and Host) → body (AI endpoints: read once, `model` → x-ai-eg-model) → route
//   → backend (weights) → endpoint (round robin, or the pool's picker) → upstream → record.
// A request keeps the snapshot it started with, so a reload never changes a request in flight.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { IncomingHttpHeaders as IncomingHttpHeaders2, ServerHttp2Stream } from 'node:http2';
import { GrpcProxy } from './grpc.ts';
import { handleTlsPassthrough } from './tls-passthrough.ts';
import type { Socket } from 'node:net';
import type { CompiledRule, ListenerRuntime, PoolRuntime, RuntimeSnapshot, WeightedBackend } from '../runtime/snapshot.ts';
import { MODEL_HEADER } from '../http/headers.ts';
import { GatewayError, errorBody, toGatewayError } from '../errors.ts';
import type { EndpointState } from '../runtime/endpoint.ts';
import { chooseBackend, nextTarget } from '../backend/choose.ts';
import { hostnameCovers, selectListener } from '../routing/hostnames.ts';
import { FlowQueue, PoolSchedulers, flowControlSettings, formatDecision, priorityOf } from '../picker/index.ts';
import type { GatewayMetrics } from '../telemetry/metrics.ts';
import { attempt, sendMirror } from '../upstream/send.ts';
import type { UpstreamRequest } from '../upstream/send.ts';
import { applyHeaderOps, corsPreflightHeaders, corsResponseHeaders, redirectLocation, rewritePath } from '../http/filters.ts';
import type { Redirect } from '../runtime/filters.ts';
import type { UpstreamPools } from '../upstream/pools.ts';
import { DEFAULT_MAX_BODY_BYTES, parseAIBody, readBody } from '../http/body.ts';

/** OpenAI endpoints whose JSON body carries the model. */
const AI_PATHS = new Set(['/v1/chat/completions', '/v1/completions', '/v1/embeddings']);

export interface DataPlaneOptions {
  readonly pools: UpstreamPools;
  /** Add `x-sluice-pick` (the picker's decision: endpoint, profile, scores, prefix blocks) to pool responses. */
  readonly debugHeaders?: boolean | undefined;
  readonly metrics: GatewayMetrics;
  readonly maxBodyBytes?: number;
  readonly log?: (line: string) => void;
}

export class DataPlane {
  #snapshot: RuntimeSnapshot | undefined;
  readonly #options: DataPlaneOptions;
  readonly #maxBody: number;
  /** One scheduler per InferencePool; its learned state (prefix index) outlives snapshots. */
  readonly #schedulers: PoolSchedulers;
  readonly #grpc = new GrpcProxy();
  /** Flow-control queues by pool (`ns/name`), kept across snapshots so waiters survive a reload. */
  readonly #flows = new Map<string, FlowQueue>();
  /** The queue of each pool runtime, or null when its config does not enable flow control. */
  #flowOf = new WeakMap<PoolRuntime, FlowQueue | null>();

  constructor(options: DataPlaneOptions) {
    this.#options = options;
    this.#schedulers = new PoolSchedulers({
      onConfigError: (pool, err) => options.log?.(`InferencePool ${pool.namespace}/${pool.name}: ${err.message}; using the default profile`),
    });
    this.#maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  }

  get snapshot(): RuntimeSnapshot | undefined {
    return this.#snapshot;
  }

  /** An HTTP/2 stream on an h2c port: gRPC, routed by GRPCRoutes. */
  handleGrpc(stream: ServerHttp2Stream, headers: IncomingHttpHeaders2, port: number): void {
    const snapshot = this.#snapshot;
    this.#grpc.handle(snapshot, snapshot?.bindings.get(port), stream, headers);
  }

  /** A connection on a TLS passthrough port, routed by TLSRoutes on its SNI. */
  handleTls(socket: Socket, port: number): void {
    handleTlsPassthrough(this.#snapshot, port, socket);
  }

  close(): void {
    this.#grpc.close();
  }

  /** Makes `next` the snapshot for new requests; requests in flight keep theirs. */
  swap(next: RuntimeSnapshot): void {
    this.#snapshot = next;
    this.#schedulers.retain(next.pools.keys());
    this.#flowOf = new WeakMap();
    for (const key of this.#flows.keys()) if (!next.pools.has(key)) this.#flows.delete(key);
  }

  handle(req: IncomingMessage, res: ServerResponse, port: number): void {
    const snapshot = this.#snapshot;
    const started = performance.now();
    this.#serve(snapshot, req, res, port).then(
      (outcome) => this.#options.metrics.observe(outcome.route, outcome.status, performance.now() - started),
      (err: unknown) => {
        const e = toGatewayError(err);
        if (e.code === 'internal_error') this.#options.log?.(`internal error on ${req.method} ${req.url}: ${(err as Error)?.stack ?? String(err)}`);
        sendError(res, e);
        this.#options.metrics.observe('', e.status, performance.now() - started);
      },
    );
  }

  async #serve(snapshot: RuntimeSnapshot | undefined, req: IncomingMessage, res: ServerResponse, port: number): Promise<{ route: string; status: number }> {
    const binding = snapshot?.bindings.get(port);
    const host = hostOf(req);
    const listener = binding && selectListener(binding.listeners, host);
    if (!listener) throw new GatewayError('route_not_found', `no listener for host "${host}" on port ${port}`);
    if (listener.protocol === 'HTTPS') {
      // A connection whose TLS SNI chose another listener than the Host does is misdirected (RFC 9110 §15.5.20).
      const sni = (req.socket as { servername?: string | false }).servername;
      if (typeof sni === 'string' && sni.toLowerCase() !== host && selectListener(binding.listeners, sni.toLowerCase()) !== listener) {
        throw new GatewayError('misdirected_request', `the TLS server name "${sni}" and the Host "${host}" belong to different listeners; open a new connection for "${host}"`);
      }
    }

    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const query = q < 0 ? '' : url.slice(q + 1);
    const method = req.method ?? 'GET';

    if (method === 'GET' && path === '/v1/models' && listener.hasAIRoutes) {
      sendJSON(res, 200, modelsList(listener, host));
      return { route: 'models', status: 200 };
    }

    let body: Buffer | IncomingMessage = req;
    let model: string | undefined;
    let json: Record<string, unknown> | undefined;
    if (method === 'POST' && AI_PATHS.has(path)) {
      const raw = await readBody(req, this.#maxBody);
      const parsed = parseAIBody(raw);
      body = raw;
      model = parsed.model;
      json = parsed.json;
      // The body's model overwrites any client-sent header before route matching, as Envoy AI Gateway does.
      req.headers[MODEL_HEADER] = model;
    }

    const matched = listener.table.match({ host, method, path, query, headers: req.headers });
    if (!matched) {
      if (model !== undefined) {
        throw new GatewayError('model_not_found', `No matching route found for model "${model}": it is most likely not configured in the Gateway (routes match the ${MODEL_HEADER} header, which Sluice sets from the request body's "model")`, { param: 'model' });
      }
      throw new GatewayError('route_not_found', `no route matches ${method} ${path} on host "${host}"`);
    }
    const rule = matched.rule;
    const matchedPrefix = matched.match.path.type === 'PathPrefix' ? matched.match.path.value : '/';
    const { redirect, requestHeaders, responseHeaders, cors } = rule.filters;

    let corsHeaders: Record<string, string> | undefined;
    const origin = req.headers.origin;
    if (cors && origin !== undefined) {
      const preflightMethod = req.headers['access-control-request-method'];
      if (method === 'OPTIONS' && typeof preflightMethod === 'string') {
        // The gateway answers preflights itself; a disallowed origin gets no CORS headers.
        const acrh = req.headers['access-control-request-headers'];
        res.writeHead(204, corsPreflightHeaders(cors, origin, preflightMethod, typeof acrh === 'string' ? acrh : undefined) ?? {});
        res.end();
        return { route: rule.routeKey, status: 204 };
      }
      corsHeaders = corsResponseHeaders(cors, origin);
    }

    if (redirect) return answerRedirect(redirect, req, res, listener, port, rule.routeKey, matchedPrefix);

    const hasBody = method !== 'GET' && method !== 'HEAD';
    // A body that may be sent more than once (retries, mirrors) is read up front.
    if (hasBody && !Buffer.isBuffer(body) && (rule.retry !== undefined || rule.mirrors.length > 0)) body = await readBody(req, this.#maxBody);
    if (requestHeaders) applyHeaderOps(req.headers, requestHeaders);

    const request: RequestInfo = { req, res, host, path, query, url, method, model, json, body: hasBody ? body : undefined, matchedPrefix };

    for (const m of rule.mirrors) {
      if (m.fraction < 1 && Math.random() >= m.fraction) continue;
      const plan = this.#plan(rule, { weight: 1, target: m.target }, request);
      if (plan) sendMirror(this.#options.pools, { ...plan.upstream, timeoutMs: rule.requestTimeoutMs });
    }

    const deadline = rule.requestTimeoutMs > 0 ? performance.now() + rule.requestTimeoutMs : Infinity;
    const maxAttempts = 1 + (rule.retry?.attempts ?? 0);
    for (let n = 1; ; n++) {
      const backend = chooseBackend(rule);
      if (backend.filters?.redirect) return answerRedirect(backend.filters.redirect, req, res, listener, port, rule.routeKey, matchedPrefix);
      if (backend.target.kind === 'pool') {
        const flow = this.#flow(backend.target.pool);
        if (flow) await flow.wait(priorityOf(req.headers, backend.target.pool.objectives).priority, (cancel) => res.once('close', cancel));
      }
      const plan = this.#plan(rule, backend, request);
      if (!plan) throw new GatewayError('no_ready_endpoint', `${backend.target.id} has no ready endpoint`);
      const remaining = deadline - performance.now();
      if (remaining <= 0) throw new GatewayError('upstream_timeout', `${rule.id}: timeouts.request (${rule.requestTimeoutMs} ms) expired after ${n - 1} attempt(s)`);
      const timeoutMs = Math.min(rule.backendTimeoutMs > 0 ? rule.backendTimeoutMs : Infinity, remaining);
      const retryLeft = rule.retry !== undefined && n < maxAttempts;
      const endpoint = plan.endpoint;
      if (endpoint) endpoint.inflight++;
      try {
        plan.upstream.timeoutMs = Number.isFinite(timeoutMs) ? Math.ceil(timeoutMs) : 0;
        const result = await attempt(this.#options.pools, plan.upstream, res, {
          // The OpenAI endpoints answer upstream 5xx as 502 in the OpenAI error shape.
          mapServerErrors: model !== undefined,
          responseHeaders: backend.filters?.responseHeaders ?? responseHeaders,
          extraHeaders: corsHeaders,
          retryOn: retryLeft ? rule.retry!.codes : undefined,
        });
        if (result.kind === 'retry') {
          await sleep(rule.retry!.backoffMs);
          continue;
        }
        return { route: rule.routeKey, status: result.status };
      } catch (err) {
        // A configured retry also retries connection errors and per-attempt timeouts.
        const code = (err as GatewayError).code;
        if (retryLeft && (code === 'upstream_unreachable' || (code === 'upstream_timeout' && rule.backendTimeoutMs > 0))) {
          await sleep(rule.retry!.backoffMs);
          continue;
        }
        // Plain HTTP routes answer a backend that cannot be reached with 503, as Envoy does; the
        // OpenAI endpoints keep 502 (DESIGN.md §5).
        if (code === 'upstream_unreachable' && model === undefined) throw new GatewayError('upstream_connect_failed', (err as GatewayError).message, { cause: err });
        throw err;
      } finally {
        if (endpoint) endpoint.inflight--;
      }
    }
  }

  /** The pool's flow-control queue when its EndpointPickerConfig enables flow control. */
  #flow(pool: PoolRuntime): FlowQueue | undefined {
    let flow = this.#flowOf.get(pool);
    if (flow === undefined) {
      const base = flowControlSettings(pool.pickerConfig);
      // Capacity is judged with the pool's own saturation thresholds (saturationDetector).
      const settings = base && { ...base, thresholds: this.#schedulers.get(pool).scheduler.saturation };
      const key = `${pool.namespace}/${pool.name}`;
      flow = null;
      if (settings) {
        flow = this.#flows.get(key) ?? new FlowQueue(() => pool.endpoints, settings);
        flow.update(() => pool.endpoints, settings);
        this.#flows.set(key, flow);
      } else {
        this.#flows.delete(key);
      }
      this.#flowOf.set(pool, flow);
    }
    return flow ?? undefined;
  }

  /** Where one attempt goes: the endpoint of the chosen backend, with its host, path, headers and body. */
  #plan(rule: CompiledRule, backend: WeightedBackend, r: RequestInfo): { upstream: UpstreamRequest & { timeoutMs: number }; endpoint: EndpointState | undefined } | undefined {
    const target = backend.target;
    if (target.kind === 'invalid') throw new GatewayError('invalid_backend', `${rule.id}: backend ${target.id} is not valid (${target.reason}): ${target.message}`);
    let body = r.body;
    if (backend.modelNameOverride !== undefined && r.json !== undefined && backend.modelNameOverride !== r.model) {
      body = Buffer.from(JSON.stringify({ ...r.json, model: backend.modelNameOverride }));
    }
    let headers = r.req.headers;
    if (backend.filters?.requestHeaders) {
      headers = { ...headers };
      applyHeaderOps(headers, backend.filters.requestHeaders);
    }
    // Gateway API forwards the client's Host unless a filter rewrites it; AI routes address the
    // backend by its own host name, as Envoy AI Gateway's host rewrite does.
    let hostHeader = r.req.headers.host ?? (r.req.headers[':authority'] as string | undefined) ?? r.host;
    let upstreamPath = r.url;
    let origin: string;
    let endpoint: EndpointState | undefined;
    const setHeaders: Record<string, string> = {};
    if (target.kind === 'pool') {
      const metrics = this.#options.metrics;
      let decision;
      try {
        decision = this.#schedulers.get(target.pool).schedule({ model: r.model ?? '', targetModel: backend.modelNameOverride ?? r.model, headers: r.req.headers, body: r.json });
      } catch (err) {
        metrics.schedulerAttempts.inc({ status: 'failure' });
        throw err;
      }
      metrics.schedulerAttempts.inc({ status: 'success' });
      metrics.objectiveRequests.inc({ model_name: r.model ?? '', target_model_name: backend.modelNameOverride ?? r.model ?? '' });
      endpoint = decision.endpoint;
      origin = endpoint.origin;
      setHeaders['x-gateway-destination-endpoint'] = decision.targets.map((t) => t.key).join(',');
      // The objective headers choose a priority here; they are not for the model server.
      if (headers === r.req.headers) headers = { ...headers };
      delete headers['x-gateway-inference-objective'];
      delete headers['x-llm-d-inference-objective'];
      if (this.#options.debugHeaders && !r.res.headersSent) r.res.setHeader('x-sluice-pick', formatDecision(decision));
    } else {
      const t = nextTarget(target);
      if (!t) return undefined;
      origin = t.origin;
      if (rule.routeKind === 'AIGatewayRoute') hostHeader = t.hostHeader;
      endpoint = t.endpoint;
      if (r.path.startsWith('/v1/') && target.schema.prefix !== '/v1') upstreamPath = target.schema.prefix + r.url.slice(3);
    }
    const rewrite = backend.filters?.rewrite ?? rule.filters.rewrite;
    if (rewrite?.hostname) hostHeader = rewrite.hostname;
    if (rewrite?.path) upstreamPath = rewritePath(r.path, rewrite.path, r.matchedPrefix) + (r.query ? '?' + r.query : '');
    return { upstream: { origin, hostHeader, method: r.method, path: upstreamPath, headers, body, setHeaders, timeoutMs: 0 }, endpoint };
  }
}

/** What the attempts of one request share. */
interface RequestInfo {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly host: string;
  readonly path: string;
  readonly query: string;
  readonly url: string;
  readonly method: string;
  readonly model: string | undefined;
  readonly json: Record<string, unknown> | undefined;
  readonly body: Buffer | IncomingMessage | undefined;
  readonly matchedPrefix: string;
}

/** RequestRedirect, at rule level or on the chosen backendRef: the gateway answers itself. */
function answerRedirect(r: Redirect, req: IncomingMessage, res: ServerResponse, listener: ListenerRuntime, port: number, route: string, matchedPrefix: string): { route: string; status: number } {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const location = redirectLocation(r, {
    scheme: listener.protocol === 'HTTPS' ? 'https' : 'http',
    host: hostOf(req),
    path: q < 0 ? url : url.slice(0, q),
    query: q < 0 ? '' : url.slice(q + 1),
    listenerPort: req.socket.localPort ?? port,
    matchedPrefix,
  });
  res.writeHead(r.statusCode, { location, 'content-length': 0 });
  res.end();
  return { route, status: r.statusCode };
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
}

function hostOf(req: IncomingMessage): string {
  // HTTP/2 requests carry the host in :authority.
  const h = req.headers.host ?? (req.headers[':authority'] as string | undefined) ?? '';
  // Strip the port ("host:8080", "[::1]:8080").
  const end = h.startsWith('[') ? h.indexOf(']') + 1 : h.lastIndexOf(':') >= 0 ? h.lastIndexOf(':') : h.length;
  return (end > 0 ? h.slice(0, end) : h).toLowerCase();
}

function modelsList(listener: ListenerRuntime, host: string): unknown {
  const data = listener.models
    .filter((m) => m.hostnames.length === 0 || m.hostnames.some((h) => hostnameCovers(h, host)))
    .map((m) => ({ id: m.id, object: 'model', created: m.created, owned_by: m.ownedBy }));
  return { object: 'list', data };
}

function sendJSON(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendError(res: ServerResponse, err: GatewayError): void {
  if (res.headersSent) {
    // Too late for a status: cut the response so the client sees it fail rather than end cleanly.
    res.destroy();
    return;
  }
  const text = errorBody(err);
  res.writeHead(err.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...err.headers });
  res.end(text);
}
