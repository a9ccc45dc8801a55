// Tracing: a subscriber that turns the request events of one gateway instance into OpenTelemetry spans
// and ships them over OTLP/HTTP (JSON) through the SDK's BatchSpanProcessor (DESIGN.md §2, §3).
//
// Per request:
// - one SERVER span from `requestStart` to `end`, continuing the client's W3C `traceparent` when it
//   sent one; the admission verdict (admitted / dropped with its reason) is a span event on it;
// - one CLIENT span per upstream attempt, from `attemptStart` to `attemptEnd`, child of the server
//   span. While handling `attemptStart` the subscriber sets `attempt.traceparent` to the client span's
//   context (the one write telemetry may make, runtime/events.ts), so the upstream continues the trace
//   under the attempt. The endpoint picker's decision is a span event on it. The attempt that answered
//   gets the token usage and response model once they are final (at `end`), and is ended with its own
//   end time.
// Attributes follow the OTel GenAI semantic conventions by default (`gen_ai.operation.name`,
// `gen_ai.provider.name`, `gen_ai.request.model`, `gen_ai.response.model`, `gen_ai.usage.*`,
// `server.address`, `http.response.status_code`, `error.type`), or OpenInference names in
// `openinference` mode (reference §7.2). Message content is recorded only with `captureContent`.
// Never recorded: request or response headers (Authorization, API keys), the query string (a Gemini
// key may sit there), credentials.
//
// No global OpenTelemetry state is touched: the provider is private to the instance, so several
// gateways in one process (tests) each trace their own requests.
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, defaultTextMapGetter, trace } from '@opentelemetry/api';
import type { Attributes, Context, Span, Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator, parseKeyPairsIntoRecord } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOffSampler, AlwaysOnSampler, BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
import type { BufferConfig, ReadableSpan, Sampler, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { ATTR_CLIENT_ADDRESS, ATTR_ERROR_TYPE, ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT, ATTR_SERVICE_NAME, ATTR_URL_PATH, ATTR_USER_AGENT_ORIGINAL } from '@opentelemetry/semantic-conventions';
import type { Attempt, RequestContext } from '../runtime/context.ts';
import type { AttemptEvent } from '../runtime/events.ts';
import { events } from '../runtime/events.ts';
import { hasUsage } from '../runtime/usage.ts';
import { GENAI, attemptEndpointName, attemptErrorType, attemptServer, attemptTarget, genAIOperationName, genAIProviderName, requestErrorType, timeToFirstTokenSeconds } from './genai.ts';
import { OPENINFERENCE, contentAttributes, openInferenceProvider, openInferenceSpanName, requestParameterAttributes, usageAttributes } from './tracing-attributes.ts';
import type { TracingSemconv } from './tracing-attributes.ts';

export type { TracingSemconv } from './tracing-attributes.ts';

export interface TracingOptions {
  /** Trace at all (default: true when options are given directly; from the environment see tracingOptionsFromEnv). */
  readonly enabled?: boolean;
  /** `service.name` (default `sluice`). */
  readonly serviceName?: string;
  /** Extra resource attributes (OTEL_RESOURCE_ATTRIBUTES). */
  readonly resourceAttributes?: Readonly<Record<string, string>>;
  /** OTLP/HTTP traces URL, e.g. `http://collector:4318/v1/traces` (default: the exporter's, localhost:4318). */
  readonly endpoint?: string;
  /** Headers for the collector (OTEL_EXPORTER_OTLP_HEADERS), e.g. an ingest token. Never logged. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Default: parent-based always-on (the OTel SDK default). */
  readonly sampler?: Sampler;
  /** Attribute vocabulary (default `gen_ai`). */
  readonly semconv?: TracingSemconv;
  /** Record request message content on the attempt spans (default false: prompts are personal data). */
  readonly captureContent?: boolean;
  /** Export somewhere else than OTLP/HTTP (tests, custom exporters); `endpoint` and `headers` are then unused. */
  readonly exporter?: SpanExporter;
  /** BatchSpanProcessor settings (default: the SDK's, with OTEL_BSP_* from the environment). */
  readonly batch?: BufferConfig;
  /** Where export failures are reported (first one, then at most one line a minute). Default: stderr. */
  readonly log?: (line: string) => void;
}

export interface GatewayTracing {
  readonly enabled: boolean;
  /** Exports every finished span now. Never rejects (failures go to `log`). */
  forceFlush(): Promise<void>;
  /** Stops listening, ends the spans of requests still in flight, flushes and shuts the exporter down. Never rejects. */
  shutdown(): Promise<void>;
}

const SAMPLERS = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'] as const;

/** The sampler OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG describe (the SDK's supported values). */
export function samplerFromEnv(name: string | undefined, arg: string | undefined): Sampler {
  const ratio = (): number => {
    const r = arg === undefined || arg.trim() === '' ? 1 : Number(arg);
    if (!Number.isFinite(r) || r < 0 || r > 1) throw new Error(`OTEL_TRACES_SAMPLER_ARG must be a ratio between 0 and 1, got "${arg}"`);
    return r;
  };
  switch ((name ?? '').trim() || 'parentbased_always_on') {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio());
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio()) });
    default:
      throw new Error(`OTEL_TRACES_SAMPLER="${name}" is not supported (use one of ${SAMPLERS.join(', ')})`);
  }
}

function truthy(v: string | undefined): boolean {
  return v !== undefined && ['true', '1', 'yes', 'on'].includes(v.trim().toLowerCase());
}

/**
 * Tracing options from the standard OpenTelemetry environment variables:
 * - OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none: off;
 * - otherwise on when OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (used as is) or OTEL_EXPORTER_OTLP_ENDPOINT
 *   (`/v1/traces` appended) is set, or OTEL_TRACES_EXPORTER=otlp asks for the default
 *   http://localhost:4318/v1/traces. Nothing set: off (a gateway does not send traces nobody asked for);
 * - OTEL_TRACES_EXPORTER other than otlp/none, and OTEL_EXPORTER_OTLP_PROTOCOL=grpc, are refused with
 *   an error (spans go out as OTLP/HTTP JSON, which every collector's HTTP receiver accepts, so
 *   `http/protobuf` and `http/json` both work);
 * - OTEL_SERVICE_NAME (default `sluice`), OTEL_RESOURCE_ATTRIBUTES, OTEL_EXPORTER_OTLP_HEADERS /
 *   OTEL_EXPORTER_OTLP_TRACES_HEADERS, OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG;
 * - SLUICE_TRACING_SEMCONV=gen_ai|openinference, and
 *   OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true for message content.
 * OTEL_BSP_* are read by the BatchSpanProcessor itself.
 */
export function tracingOptionsFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): TracingOptions & { readonly enabled: boolean } {
  const exporterName = (env['OTEL_TRACES_EXPORTER'] ?? '').trim().toLowerCase();
  if (exporterName !== '' && exporterName !== 'otlp' && exporterName !== 'none') throw new Error(`OTEL_TRACES_EXPORTER="${exporterName}" is not supported by Sluice (use otlp or none)`);
  const protocol = (env['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'] ?? env['OTEL_EXPORTER_OTLP_PROTOCOL'] ?? '').trim();
  const semconv = (env['SLUICE_TRACING_SEMCONV'] ?? '').trim() || 'gen_ai';
  if (semconv !== 'gen_ai' && semconv !== 'openinference') throw new Error(`SLUICE_TRACING_SEMCONV="${semconv}" is not supported (use gen_ai or openinference)`);
  const tracesEndpoint = env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']?.trim();
  const baseEndpoint = env['OTEL_EXPORTER_OTLP_ENDPOINT']?.trim();
  let endpoint: string | undefined;
  if (tracesEndpoint) endpoint = tracesEndpoint;
  else if (baseEndpoint) endpoint = baseEndpoint.replace(/\/+$/, '') + '/v1/traces';
  const enabled = !truthy(env['OTEL_SDK_DISABLED']) && exporterName !== 'none' && (endpoint !== undefined || exporterName === 'otlp');
  if (enabled && protocol === 'grpc') throw new Error('OTEL_EXPORTER_OTLP_PROTOCOL=grpc is not supported by Sluice: point it at the collector\'s OTLP/HTTP receiver (port 4318) with http/protobuf or http/json');
  const headers = { ...parseKeyPairsIntoRecord(env['OTEL_EXPORTER_OTLP_HEADERS']), ...parseKeyPairsIntoRecord(env['OTEL_EXPORTER_OTLP_TRACES_HEADERS']) };
  return {
    enabled,
    serviceName: env['OTEL_SERVICE_NAME']?.trim() || 'sluice',
    resourceAttributes: parseKeyPairsIntoRecord(env['OTEL_RESOURCE_ATTRIBUTES']),
    ...(endpoint !== undefined ? { endpoint } : {}),
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
    sampler: enabled ? samplerFromEnv(env['OTEL_TRACES_SAMPLER'], env['OTEL_TRACES_SAMPLER_ARG']) : new AlwaysOffSampler(),
    semconv,
    captureContent: truthy(env['OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT']),
  };
}

/** `00-<trace-id>-<span-id>-<flags>` of a span (W3C Trace Context). */
function traceparentOf(span: Span): string {
  const sc = span.spanContext();
  return `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & 1) === 1 ? '01' : '00'}`;
}

/** Reports tracing failures without flooding: the first, then at most one line a minute, with a count. */
function failureReporter(log: (line: string) => void): (what: string, err: Error | undefined) => void {
  let failures = 0;
  let lastReport = -Infinity;
  return (what, err) => {
    failures++;
    const now = performance.now();
    if (now - lastReport < 60_000) return;
    lastReport = now;
    log(`tracing: ${what} failed (${failures} failure(s) so far): ${err?.message ?? 'unknown error'}`);
  };
}

/** An exporter that reports failed exports (the SDK would drop them silently). */
function reportingExporter(exporter: SpanExporter, report: (what: string, err: Error | undefined) => void): SpanExporter {
  return {
    export(spans: ReadableSpan[], done) {
      exporter.export(spans, (result) => {
        if (result.code !== 0) report('exporting spans', result.error);
        done(result);
      });
    },
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
  };
}

interface RequestTrace {
  /**
   * Wall-clock milliseconds of performance.now() 0 for this request (arrival wall time − arrival
   * performance time). Every timestamp of the request's spans is converted with this one offset, so
   * spans and events of a request keep their order exactly (the SDK derives a new offset per span
   * from Date.now(), which is only millisecond-precise).
   */
  readonly offset: number;
  readonly server: Span;
  readonly parent: Context;
  /** The attempt span in progress. */
  attempt: Span | undefined;
  /** The answering attempt's span, ended at `end` once usage is final, with this end time. */
  answered: Span | undefined;
  answeredEnd: number;
}

const DISABLED: GatewayTracing = { enabled: false, forceFlush: () => Promise.resolve(), shutdown: () => Promise.resolve() };

/**
 * Starts tracing the requests of the gateway instance `owner`. With `enabled: false` nothing is
 * subscribed (no cost on the request path) and the returned handle does nothing.
 */
export function attachTracing(owner: object, options: TracingOptions = {}): GatewayTracing {
  if (options.enabled === false) return DISABLED;
  const report = failureReporter(options.log ?? ((line: string) => process.stderr.write(line + '\n')));
  const exporter = options.exporter ?? new OTLPTraceExporter({ ...(options.endpoint !== undefined ? { url: options.endpoint } : {}), ...(options.headers !== undefined ? { headers: { ...options.headers } } : {}) });
  const provider = new BasicTracerProvider({
    resource: defaultResource().merge(resourceFromAttributes({ ...options.resourceAttributes, [ATTR_SERVICE_NAME]: options.serviceName ?? 'sluice' })),
    sampler: options.sampler ?? new ParentBasedSampler({ root: new AlwaysOnSampler() }),
    spanProcessors: [new BatchSpanProcessor(reportingExporter(exporter, report), options.batch)],
  });
  const tracer = provider.getTracer('sluice');
  const subscriber = new TracingSubscriber(tracer, options.semconv ?? 'gen_ai', options.captureContent === true);
  const unsubscribe = subscriber.subscribe(owner);
  let shut: Promise<void> | undefined;
  return {
    enabled: true,
    // Neither rejects: a failed export is reported through `log` (spans are telemetry, not data).
    forceFlush: () => provider.forceFlush().catch((err: unknown) => report('flushing spans', err as Error)),
    shutdown() {
      shut ??= (async () => {
        for (const u of unsubscribe) u();
        subscriber.endAll();
        await provider.shutdown().catch((err: unknown) => report('flushing spans at shutdown', err as Error));
      })();
      return shut;
    },
  };
}

class TracingSubscriber {
  readonly #tracer: Tracer;
  readonly #semconv: TracingSemconv;
  readonly #content: boolean;
  readonly #propagator = new W3CTraceContextPropagator();
  readonly #live = new Map<RequestContext, RequestTrace>();
  /** server.address / server.port by endpoint key (parsed once; cleared when it grows past 4096 keys). */
  readonly #servers = new Map<string, { address: string; port: number } | undefined>();

  constructor(tracer: Tracer, semconv: TracingSemconv, captureContent: boolean) {
    this.#tracer = tracer;
    this.#semconv = semconv;
    this.#content = captureContent;
  }

  subscribe(owner: object): (() => void)[] {
    return [
      events.requestStart.subscribe((ctx) => {
        if (ctx.owner === owner) this.#start(ctx);
      }),
      events.route.subscribe((ctx) => {
        if (ctx.owner === owner) this.#route(ctx);
      }),
      events.admit.subscribe((ctx) => {
        if (ctx.owner === owner) this.#admit(ctx);
      }),
      events.attemptStart.subscribe((e) => {
        if (e.ctx.owner === owner) this.#attemptStart(e);
      }),
      events.pick.subscribe((e) => {
        if (e.ctx.owner === owner) this.#pick(e);
      }),
      events.attemptEnd.subscribe((e) => {
        if (e.ctx.owner === owner) this.#attemptEnd(e);
      }),
      events.end.subscribe((ctx) => {
        if (ctx.owner === owner) this.#end(ctx);
      }),
    ];
  }

  /** Ends what is still open (shutdown with requests in flight): those spans say so. */
  endAll(): void {
    for (const [ctx, t] of this.#live) {
      const now = performance.now() + t.offset;
      t.attempt?.end(now);
      t.answered?.end(t.answeredEnd);
      t.server.setAttribute('sluice.incomplete', true);
      t.server.end(now);
      this.#live.delete(ctx);
    }
  }

  #start(ctx: RequestContext): void {
    const remote = ctx.req.headers.traceparent !== undefined ? this.#propagator.extract(ROOT_CONTEXT, ctx.req.headers, defaultTextMapGetter) : ROOT_CONTEXT;
    const server = this.#tracer.startSpan(ctx.method, { kind: SpanKind.SERVER, startTime: ctx.startedAtWall }, remote);
    if (server.isRecording()) {
      const a: Attributes = {
        [ATTR_HTTP_REQUEST_METHOD]: ctx.method,
        [ATTR_URL_PATH]: ctx.path,
        [ATTR_SERVER_PORT]: ctx.port,
        'sluice.request_id': ctx.id,
      };
      if (ctx.clientAddress !== '') a[ATTR_CLIENT_ADDRESS] = ctx.clientAddress;
      const ua = ctx.req.headers['user-agent'];
      if (ua !== undefined) a[ATTR_USER_AGENT_ORIGINAL] = ua;
      server.setAttributes(a);
    }
    this.#live.set(ctx, { offset: ctx.startedAtWall - ctx.startedAt, server, parent: trace.setSpan(ROOT_CONTEXT, server), attempt: undefined, answered: undefined, answeredEnd: 0 });
  }

  #route(ctx: RequestContext): void {
    const t = this.#live.get(ctx);
    if (t === undefined || !t.server.isRecording()) return;
    const server = t.server;
    server.setAttribute('sluice.route', ctx.route);
    const op = ctx.operation;
    if (op !== undefined && ctx.clientSchema !== undefined) {
      const operation = genAIOperationName(op);
      server.updateName(`${operation} ${ctx.originalModel ?? ''}`.trimEnd());
      server.setAttribute(GENAI.operationName, operation);
      if (ctx.originalModel !== undefined) server.setAttribute(GENAI.requestModel, ctx.originalModel);
    }
  }

  #admit(ctx: RequestContext): void {
    const t = this.#live.get(ctx);
    if (t === undefined || !t.server.isRecording()) return;
    const p = ctx.principal;
    const a: Attributes = { 'sluice.verdict': 'admitted', 'sluice.priority': ctx.priority };
    if (ctx.objective !== undefined) a['sluice.objective'] = ctx.objective;
    if (p !== undefined) {
      a['sluice.principal.kind'] = p.kind;
      t.server.setAttribute('user.id', p.id);
      if (p.team !== undefined) t.server.setAttribute('sluice.principal.team', p.team);
    }
    t.server.addEvent('sluice.admission', a, performance.now() + t.offset);
  }

  #attemptStart(e: AttemptEvent): void {
    const t = this.#live.get(e.ctx);
    if (t === undefined) return;
    t.attempt?.end(e.attempt.startedAt + t.offset);
    const ctx = e.ctx;
    const attempt = e.attempt;
    const op = ctx.clientSchema !== undefined ? ctx.operation : undefined;
    const name = op === undefined ? ctx.method : this.#semconv === 'openinference' ? openInferenceSpanName(op) : `${genAIOperationName(op)} ${ctx.originalModel ?? ''}`.trimEnd();
    const span = this.#tracer.startSpan(name, { kind: SpanKind.CLIENT, startTime: attempt.startedAt + t.offset }, t.parent);
    t.attempt = span;
    attempt.traceparent = traceparentOf(span);
    if (!span.isRecording()) return;
    const a: Attributes = { 'sluice.attempt': attempt.n, [ATTR_HTTP_REQUEST_METHOD]: ctx.method };
    if (op !== undefined) {
      if (this.#semconv === 'openinference') a[OPENINFERENCE.spanKind] = op === 'embeddings' ? 'EMBEDDING' : 'LLM';
      else {
        a[GENAI.operationName] = genAIOperationName(op);
        requestParameterAttributes(ctx.json, a);
      }
      if (this.#content) contentAttributes(this.#semconv, ctx, a);
    }
    span.setAttributes(a);
  }

  #pick(e: AttemptEvent): void {
    const t = this.#live.get(e.ctx);
    const span = t?.attempt;
    const d = e.ctx.decision;
    if (t === undefined || span === undefined || d === undefined || !span.isRecording()) return;
    const a: Attributes = {
      'sluice.pick.pool': d.pool,
      'sluice.pick.endpoint': d.endpoint.podName || d.endpoint.key,
      'sluice.pick.profile': d.profile,
      'sluice.pick.priority': d.priority,
      'sluice.pick.fallbacks': d.targets.length - 1,
    };
    if (d.objective !== undefined) a['sluice.pick.objective'] = d.objective;
    const run = d.runs.find((r) => r.profile === d.profile);
    const i = run ? run.candidates.indexOf(d.endpoint) : -1;
    if (run !== undefined && i >= 0) {
      a['sluice.pick.candidates'] = run.candidates.length;
      a['sluice.pick.score'] = run.totals[i]!;
      for (const s of run.scorers) a[`sluice.pick.scorer.${s.name}`] = s.raw[i]!;
    }
    if (d.prefix !== undefined) {
      a['sluice.pick.prefix_matched_blocks'] = d.prefix.matched.get(d.endpoint.key) ?? 0;
      a['sluice.pick.prefix_total_blocks'] = d.prefix.totalBlocks;
    }
    if (d.failOpen !== undefined) a['sluice.pick.fail_open'] = d.failOpen;
    span.addEvent('sluice.pick', a, performance.now() + t.offset);
  }

  #attemptEnd(e: AttemptEvent): void {
    const t = this.#live.get(e.ctx);
    const span = t?.attempt;
    if (t === undefined || span === undefined) return;
    t.attempt = undefined;
    const ctx = e.ctx;
    const attempt = e.attempt;
    const answered = attempt.error === undefined && !attempt.retried;
    if (span.isRecording()) this.#attemptAttributes(span, ctx, attempt, t.offset);
    if (answered) {
      t.answered = span;
      t.answeredEnd = attempt.endedAt + t.offset;
    } else {
      span.end(attempt.endedAt + t.offset);
    }
  }

  #attemptAttributes(span: Span, ctx: RequestContext, attempt: Attempt, offset: number): void {
    const a: Attributes = { 'sluice.backend': attempt.backend, 'sluice.retried': attempt.retried };
    const endpoint = attemptEndpointName(ctx, attempt);
    if (endpoint !== '') a['sluice.endpoint'] = endpoint;
    let server = this.#servers.get(attempt.endpoint);
    if (server === undefined && !this.#servers.has(attempt.endpoint)) {
      if (this.#servers.size >= 4096) this.#servers.clear();
      this.#servers.set(attempt.endpoint, (server = attemptServer(attempt)));
    }
    if (server !== undefined) {
      a[ATTR_SERVER_ADDRESS] = server.address;
      if (server.port > 0) a[ATTR_SERVER_PORT] = server.port;
    }
    const status = attempt.retryStatus || attempt.status;
    if (status > 0) a[ATTR_HTTP_RESPONSE_STATUS_CODE] = status;
    if (attempt.headersAt > 0) span.addEvent('sluice.upstream.headers', attempt.headersAt + offset);
    const op = ctx.clientSchema !== undefined ? ctx.operation : undefined;
    if (op !== undefined) {
      const provider = genAIProviderName(attemptTarget(ctx, attempt));
      const model = ctx.requestModel ?? ctx.originalModel;
      if (this.#semconv === 'openinference') {
        const oi = openInferenceProvider(provider);
        a[OPENINFERENCE.llmProvider] = oi.provider;
        a[OPENINFERENCE.llmSystem] = oi.system;
        if (model !== undefined) a[op === 'embeddings' ? OPENINFERENCE.embeddingModelName : OPENINFERENCE.llmModelName] = model;
      } else {
        a[GENAI.providerName] = provider;
        if (model !== undefined) {
          a[GENAI.requestModel] = model;
          span.updateName(`${genAIOperationName(op)} ${model}`);
        }
        if (ctx.originalModel !== undefined && ctx.originalModel !== model) a[GENAI.originalModel] = ctx.originalModel;
      }
    }
    const errorType = attemptErrorType(attempt);
    if (errorType !== '') {
      a[ATTR_ERROR_TYPE] = errorType;
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.setAttributes(a);
  }

  #end(ctx: RequestContext): void {
    const t = this.#live.get(ctx);
    if (t === undefined) return;
    this.#live.delete(ctx);
    t.attempt?.end(ctx.endedAt + t.offset);
    const answered = t.answered;
    if (answered !== undefined) {
      if (answered.isRecording()) {
        const a: Attributes = {};
        if (ctx.responseModel !== undefined) {
          if (this.#semconv === 'gen_ai') a[GENAI.responseModel] = ctx.responseModel;
          else if (ctx.operation !== 'embeddings') a[OPENINFERENCE.llmModelName] = ctx.responseModel;
        }
        if (hasUsage(ctx.usage)) usageAttributes(this.#semconv, ctx.usage, a);
        // The response broke after it started (mid-stream failure): the attempt did not really answer.
        if (ctx.error !== undefined) {
          a[ATTR_ERROR_TYPE] = ctx.error.code;
          answered.setStatus({ code: SpanStatusCode.ERROR, message: ctx.error.message });
        }
        answered.setAttributes(a);
      }
      answered.end(t.answeredEnd);
    }
    const server = t.server;
    if (server.isRecording()) {
      const a: Attributes = { 'sluice.verdict': ctx.verdict, 'sluice.attempts': ctx.attempts.length };
      if (ctx.status > 0) a[ATTR_HTTP_RESPONSE_STATUS_CODE] = ctx.status;
      const errorType = requestErrorType(ctx);
      if (errorType !== '') a[ATTR_ERROR_TYPE] = errorType;
      const drop = ctx.error?.dropReason;
      if (drop !== undefined) {
        a['sluice.drop_reason'] = drop;
        server.addEvent('sluice.admission', { 'sluice.verdict': 'dropped', 'sluice.drop_reason': drop }, ctx.endedAt + t.offset);
      }
      const ttft = timeToFirstTokenSeconds(ctx);
      if (ttft !== undefined) {
        a['gen_ai.server.time_to_first_token'] = ttft;
        server.addEvent('sluice.first_byte', ctx.firstByteAt + t.offset);
      }
      // A server span is in error for 5xx and for failures of the gateway's own (HTTP semconv).
      if (ctx.status >= 500 || ctx.verdict === 'ERROR') server.setStatus(ctx.error !== undefined ? { code: SpanStatusCode.ERROR, message: ctx.error.message } : { code: SpanStatusCode.ERROR });
      server.setAttributes(a);
    }
    server.end(ctx.endedAt > 0 ? ctx.endedAt + t.offset : undefined);
  }
}
