// Every Prometheus metric the gateway exports is named here (DESIGN.md §3: telemetry/). Request-path
// metrics are fed only by the events stages publish (runtime/events.ts), never called from a stage;
// pool gauges are computed when scraped, from the snapshot being served.
//
// Families and where their names come from:
// - GenAI (Envoy AI Gateway, reference §7.1; OTel GenAI semconv): gen_ai_client_token_usage,
//   gen_ai_server_request_duration_seconds, gen_ai_server_time_to_first_token_seconds,
//   gen_ai_server_time_per_output_token_seconds, with upstream's buckets and its attribute names as
//   Prometheus labels (dots become underscores, as the OTel Prometheus exporter writes them);
// - Inference Extension EPP (inference-extension reference §7): inference_objective_request_total,
//   inference_extension_scheduler_attempts_total, inference_pool_* gauges,
//   inference_extension_prefix_indexer_size;
// - Sluice's own: sluice_requests_total, sluice_request_duration_seconds, sluice_tokens_total,
//   sluice_upstream_attempts_total, sluice_request_cost_usd_total, sluice_config_*;
// - process_* and nodejs_* (prom-client's defaults, unprefixed, as dashboards expect them).
//
// Label cardinality: route, backend and pool labels come from configuration; endpoint labels name the
// pool's pods (or address:port); model labels follow ModelLabels (genai.ts): config-known models as
// they are, `unknown` when no route matched, at most `maxModelLabels` other names, then `other`.
// The cost counter's identity and team labels are configuration (API-key, virtual-key names and
// teams) or, for JWT callers, the first `maxIdentityLabels` subjects and teams seen, then `other`.
// Nothing a client sends other than a model name becomes a label, and no label carries a secret.
//
// Cost: the request-path series are FastCounter / FastHistogram (below): a labelled child is a plain
// object whose inc/observe is a few additions, cached in a Map under a joined key by the subscriber,
// so an event costs a key string, a Map lookup and the additions. (A prom-client child validates and
// hashes its label object on every call, about a microsecond per observation.) They are registered
// in the same prom-client Registry and render through it; the rest stay prom-client metrics.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { poolStats } from '../endpoints/pool-stats.ts';
import type { AttemptEvent } from '../runtime/events.ts';
import { events } from '../runtime/events.ts';
import type { Attempt, RequestContext } from '../runtime/context.ts';
import type { PoolRuntime } from '../runtime/snapshot.ts';
import { TOKEN_TYPES, tokensOfType } from '../runtime/usage.ts';
import type { TokenType } from '../runtime/usage.ts';
import { BoundedLabels, ModelLabels, UNKNOWN, attemptEndpointName, genAIOperationName, genAIProviderName, isGenAIRequest, requestErrorType, timePerOutputTokenSeconds, timeToFirstTokenSeconds } from './genai.ts';

type LabelSet<L extends string> = Readonly<Record<L, string>>;

/** What `get()` returns, in prom-client's shape (so the Registry renders it and tests read it alike). */
export interface FastMetricValues {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'histogram';
  readonly aggregator: 'sum';
  readonly values: { labels: Readonly<Record<string, string | number>>; value: number; metricName?: string }[];
}

interface Labelled {
  readonly labels: Readonly<Record<string, string>>;
}

/** What both fast instruments share: identity, label names, registration, the label-set lookup. */
abstract class FastMetric<L extends string, Child extends Labelled> {
  /** Mutable: the Registry renames counters for OpenMetrics output. */
  name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
  readonly aggregator = 'sum' as const;
  protected readonly children = new Map<string, Child>();

  constructor(config: { name: string; help: string; labelNames: readonly L[]; registers: readonly Registry[] }) {
    this.name = config.name;
    this.help = config.help;
    this.labelNames = config.labelNames;
    // The Registry only calls name, get() and reset() (and type, for OpenMetrics).
    for (const r of config.registers) r.registerMetric(this as unknown as Counter);
  }

  protected abstract create(labels: Readonly<Record<string, string>>): Child;

  /** The child of a label set, by values in label-name order or by an object (as prom-client's `labels`). Callers cache it. */
  labels(...args: string[] | [LabelSet<L>]): Child {
    const first = args[0];
    const values = typeof first === 'object' ? this.labelNames.map((n) => (first as LabelSet<L>)[n]) : (args as string[]);
    if (values.length !== this.labelNames.length || values.some((v) => typeof v !== 'string')) throw new Error(`${this.name} takes the labels ${this.labelNames.join(', ')}`);
    const key = values.join('\u0000');
    let child = this.children.get(key);
    if (child === undefined) {
      const labels: Record<string, string> = {};
      for (let i = 0; i < values.length; i++) labels[this.labelNames[i]!] = values[i]!;
      this.children.set(key, (child = this.create(labels)));
    }
    return child;
  }
}

class CounterChild implements Labelled {
  value = 0;
  readonly labels: Readonly<Record<string, string>>;
  constructor(labels: Readonly<Record<string, string>>) {
    this.labels = labels;
  }
  inc(n = 1): void {
    this.value += n;
  }
}

/** A counter whose children are plain accumulators (see the cost note at the top). */
export class FastCounter<L extends string> extends FastMetric<L, CounterChild> {
  readonly type = 'counter' as const;
  /**
   * What the accumulated value is divided by when rendered (default 1): a counter of micro-dollars
   * with divisor 1e6 adds integers exactly and shows dollars.
   */
  readonly divisor: number;

  constructor(config: { name: string; help: string; labelNames: readonly L[]; registers: readonly Registry[]; divisor?: number }) {
    super(config);
    this.divisor = config.divisor ?? 1;
  }

  protected create(labels: Readonly<Record<string, string>>): CounterChild {
    return new CounterChild(labels);
  }

  inc(labels: LabelSet<L>, n = 1): void {
    this.labels(labels).inc(n);
  }

  /** Zeroes every series; the children callers hold stay valid. */
  reset(): void {
    for (const c of this.children.values()) c.value = 0;
  }

  async get(): Promise<FastMetricValues> {
    const values: FastMetricValues['values'] = [];
    for (const c of this.children.values()) values.push({ labels: { ...c.labels }, value: this.divisor === 1 ? c.value : c.value / this.divisor });
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}

class HistogramChild implements Labelled {
  readonly labels: Readonly<Record<string, string>>;
  readonly #bounds: readonly number[];
  /** Per bucket, not cumulative; the last slot is above every bound (+Inf). */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  constructor(labels: Readonly<Record<string, string>>, bounds: readonly number[]) {
    this.labels = labels;
    this.#bounds = bounds;
    this.counts = new Float64Array(bounds.length + 1);
  }
  observe(v: number): void {
    const bounds = this.#bounds;
    let i = 0;
    while (i < bounds.length && v > bounds[i]!) i++;
    this.counts[i]! += 1;
    this.sum += v;
    this.count++;
  }
}

/** A histogram whose children are plain accumulators (see the cost note at the top). */
export class FastHistogram<L extends string> extends FastMetric<L, HistogramChild> {
  readonly type = 'histogram' as const;
  readonly buckets: readonly number[];

  constructor(config: { name: string; help: string; labelNames: readonly L[]; buckets: readonly number[]; registers: readonly Registry[] }) {
    super(config);
    this.buckets = [...config.buckets].sort((a, b) => a - b);
  }

  protected create(labels: Readonly<Record<string, string>>): HistogramChild {
    return new HistogramChild(labels, this.buckets);
  }

  observe(labels: LabelSet<L>, v: number): void {
    this.labels(labels).observe(v);
  }

  /** Zeroes every series; the children callers hold stay valid. */
  reset(): void {
    for (const c of this.children.values()) {
      c.counts.fill(0);
      c.sum = 0;
      c.count = 0;
    }
  }

  async get(): Promise<FastMetricValues> {
    const values: FastMetricValues['values'] = [];
    const bucket = `${this.name}_bucket`;
    for (const c of this.children.values()) {
      let acc = 0;
      for (let i = 0; i < this.buckets.length; i++) {
        acc += c.counts[i]!;
        values.push({ labels: { ...c.labels, le: this.buckets[i]! }, value: acc, metricName: bucket });
      }
      values.push({ labels: { ...c.labels, le: '+Inf' }, value: c.count, metricName: bucket });
      values.push({ labels: { ...c.labels }, value: c.sum, metricName: `${this.name}_sum` });
      values.push({ labels: { ...c.labels }, value: c.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}

/** `gen_ai.client.token.usage` buckets (Envoy AI Gateway internal/metrics/genai.go; OTel GenAI semconv): powers of 4. */
export const TOKEN_USAGE_BUCKETS: readonly number[] = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];
/** `gen_ai.server.request.duration` buckets, seconds: 0.01 doubling to 81.92. */
export const REQUEST_DURATION_BUCKETS: readonly number[] = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
/** `gen_ai.server.time_to_first_token` buckets, seconds (upstream extends the semconv's list to 60 s). */
export const TIME_TO_FIRST_TOKEN_BUCKETS: readonly number[] = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 15.0, 20.0, 30.0, 45.0, 60.0];
/** `gen_ai.server.time_per_output_token` buckets, seconds. */
export const TIME_PER_OUTPUT_TOKEN_BUCKETS: readonly number[] = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5];

/** The GenAI attributes shared by the four gen_ai_* series, as Prometheus label names. */
const GENAI_LABELS = ['gen_ai_operation_name', 'gen_ai_provider_name', 'gen_ai_original_model', 'gen_ai_request_model', 'gen_ai_response_model'] as const;
type GenAILabel = (typeof GENAI_LABELS)[number];

/**
 * What became of one upstream attempt (`sluice_upstream_attempts_total{outcome}`): the upstream
 * answered `success` (< 400), `client_error` (4xx) or `server_error` (5xx, including a status
 * discarded for a retry); or it failed: `timeout` (no response head in time), `unreachable`
 * (connection refused or reset), `interrupted` (failed after the response started), `error` (refused
 * before anything was sent: no ready endpoint, pool admission, credentials, invalid backend).
 * '' for an attempt with no upstream exchange and no failure (a backendRef redirect): not counted.
 */
export function attemptOutcome(a: Attempt): string {
  if (a.error !== undefined) {
    switch (a.error) {
      case 'upstream_timeout':
        return 'timeout';
      case 'upstream_unreachable':
      case 'upstream_connect_failed':
        return 'unreachable';
      default:
        return a.status > 0 ? 'interrupted' : 'error';
    }
  }
  const s = a.retryStatus || a.status;
  if (s === 0) return '';
  return s < 400 ? 'success' : s < 500 ? 'client_error' : 'server_error';
}

interface Observer {
  observe(v: number): void;
}
interface Incrementer {
  inc(v?: number): void;
}

/** The cached children of the gen_ai_* histograms for one GenAI label set. */
interface GenAIChildren {
  readonly labels: Record<GenAILabel, string>;
  ttft: Observer | undefined;
  tpot: Observer | undefined;
  /** By error_type. */
  readonly duration: Map<string, Observer>;
  /** By token type, in TOKEN_TYPES order. */
  readonly tokens: (Observer | undefined)[];
}

export interface GatewayMetricsOptions {
  /** Register prom-client's process_* and nodejs_* metrics (default true). */
  readonly defaultMetrics?: boolean;
  /** Model names not known to the configuration that may become label values before `other` (default 100). */
  readonly maxModelLabels?: number;
  /** JWT subjects (and their teams) that may become identity / team label values before `other` (default 100). */
  readonly maxIdentityLabels?: number;
}

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly requests: FastCounter<'route' | 'code'>;
  readonly duration: FastHistogram<'route'>;
  readonly tokens: FastCounter<'model' | 'type'>;
  readonly configGeneration: Gauge;
  readonly configReloads: Counter<'result'>;
  // Inference Extension endpoint-picker metrics, under their upstream names.
  readonly objectiveRequests: FastCounter<'model_name' | 'target_model_name'>;
  readonly schedulerAttempts: FastCounter<'status'>;
  // GenAI metrics, under Envoy AI Gateway's Prometheus names.
  readonly genaiTokenUsage: FastHistogram<GenAILabel | 'gen_ai_token_type'>;
  readonly genaiRequestDuration: FastHistogram<GenAILabel | 'error_type'>;
  readonly genaiTimeToFirstToken: FastHistogram<GenAILabel>;
  readonly genaiTimePerOutputToken: FastHistogram<GenAILabel>;
  // Per route, backend and endpoint.
  readonly upstreamAttempts: FastCounter<'route' | 'backend' | 'endpoint' | 'outcome'>;
  /** Cost of requests priced by a ModelPricing, in USD (accumulated in integer micro-dollars). */
  readonly cost: FastCounter<'model' | 'backend' | 'identity' | 'team'>;
  #pools: () => Iterable<PoolRuntime> = () => [];
  readonly #unsubscribe: (() => void)[] = [];
  readonly #models: ModelLabels;
  readonly #identities: BoundedLabels;
  readonly #teams: BoundedLabels;

  constructor(options: GatewayMetricsOptions = {}) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
    this.#models = new ModelLabels(options.maxModelLabels ?? 100);
    this.#identities = new BoundedLabels(options.maxIdentityLabels ?? 100);
    this.#teams = new BoundedLabels(options.maxIdentityLabels ?? 100);
    const registers = [this.registry];
    this.requests = new FastCounter({ name: 'sluice_requests_total', help: 'Data-plane requests by route (namespace/name; empty when none matched) and HTTP status', labelNames: ['route', 'code'], registers });
    this.duration = new FastHistogram({
      name: 'sluice_request_duration_seconds',
      help: 'Data-plane request duration, from the request to the end of the response',
      labelNames: ['route'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    });
    this.tokens = new FastCounter({ name: 'sluice_tokens_total', help: 'Tokens by the model the request asked for and type (input, output, cached_input, cache_creation_input, reasoning)', labelNames: ['model', 'type'], registers });
    this.configGeneration = new Gauge({ name: 'sluice_config_generation', help: 'Generation of the configuration being served', registers });
    this.configReloads = new Counter({ name: 'sluice_config_reloads_total', help: 'Configuration reloads by result (applied, rejected)', labelNames: ['result'], registers });
    this.objectiveRequests = new FastCounter({ name: 'inference_objective_request_total', help: 'Requests scheduled onto an InferencePool, by model', labelNames: ['model_name', 'target_model_name'], registers });
    this.schedulerAttempts = new FastCounter({ name: 'inference_extension_scheduler_attempts_total', help: 'Scheduling attempts by status (success, failure)', labelNames: ['status'], registers });
    this.#schedulerSuccess = this.schedulerAttempts.labels('success');
    this.#schedulerFailure = this.schedulerAttempts.labels('failure');
    this.genaiTokenUsage = new FastHistogram({
      name: 'gen_ai_client_token_usage',
      help: 'Number of tokens processed, by token type (input, output, cached_input, cache_creation_input, reasoning)',
      labelNames: [...GENAI_LABELS, 'gen_ai_token_type'] as const,
      buckets: TOKEN_USAGE_BUCKETS,
      registers,
    });
    this.genaiRequestDuration = new FastHistogram({
      name: 'gen_ai_server_request_duration_seconds',
      help: 'GenAI request duration, from the request to the last byte of the response; error_type set on failures',
      labelNames: [...GENAI_LABELS, 'error_type'] as const,
      buckets: REQUEST_DURATION_BUCKETS,
      registers,
    });
    this.genaiTimeToFirstToken = new FastHistogram({
      name: 'gen_ai_server_time_to_first_token_seconds',
      help: 'Time from the request to the first response chunk, streamed responses only',
      labelNames: GENAI_LABELS,
      buckets: TIME_TO_FIRST_TOKEN_BUCKETS,
      registers,
    });
    this.genaiTimePerOutputToken = new FastHistogram({
      name: 'gen_ai_server_time_per_output_token_seconds',
      help: 'Time per output token after the first, (end - first token) / (output tokens - 1), successful streamed responses',
      labelNames: GENAI_LABELS,
      buckets: TIME_PER_OUTPUT_TOKEN_BUCKETS,
      registers,
    });
    this.upstreamAttempts = new FastCounter({
      name: 'sluice_upstream_attempts_total',
      help: 'Upstream attempts by route, backend resource, endpoint (pod name, else address:port) and outcome (success, client_error, server_error, timeout, unreachable, interrupted, error)',
      labelNames: ['route', 'backend', 'endpoint', 'outcome'],
      registers,
    });
    this.cost = new FastCounter({
      name: 'sluice_request_cost_usd_total',
      help: 'Cost of requests in US dollars (ModelPricing prices of the usage), by the model priced, backend resource, caller identity and team (empty when unauthenticated)',
      labelNames: ['model', 'backend', 'identity', 'team'],
      registers,
      divisor: 1e6,
    });
    // Pool gauges are computed when scraped, from the pools of the snapshot being served.
    const pools = () => this.#pools();
    const poolGauge = (name: string, help: string, value: (s: ReturnType<typeof poolStats>) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['name'],
        registers,
        collect() {
          this.reset();
          for (const p of pools()) this.set({ name: p.name }, value(poolStats(p.endpoints)));
        },
      });
    poolGauge('inference_pool_average_kv_cache_utilization', 'Average KV-cache utilisation of the pool endpoints with fresh metrics', (s) => s.averageKvCacheUtilization);
    poolGauge('inference_pool_average_queue_size', 'Average waiting-queue size of the pool endpoints with fresh metrics', (s) => s.averageQueueSize);
    poolGauge('inference_pool_ready_pods', 'Ready endpoints of the pool', (s) => s.readyEndpoints);
    new Gauge({
      name: 'inference_pool_per_pod_queue_size',
      help: 'Waiting-queue size per pool endpoint',
      labelNames: ['name', 'model_server_pod'],
      registers,
      collect() {
        this.reset();
        for (const p of pools()) for (const e of p.endpoints) this.set({ name: p.name, model_server_pod: e.podName || e.key }, e.metrics.waiting);
      },
    });
    new Gauge({
      name: 'inference_extension_prefix_indexer_size',
      help: 'Blocks held by the prefix-cache index of each pool, over all endpoints',
      labelNames: ['name'],
      registers,
      collect() {
        this.reset();
        for (const p of pools()) this.set({ name: p.name }, p.picker.prefixIndexSize());
      },
    });
  }

  /** Where the pool gauges read their pools from (the served snapshot). */
  setPoolSource(pools: () => Iterable<PoolRuntime>): void {
    this.#pools = pools;
  }

  /** Subscribes to the request events of the gateway instance `owner` (see runtime/events.ts). */
  attach(owner: object): void {
    this.#unsubscribe.push(
      events.end.subscribe((ctx) => {
        if (ctx.owner !== owner) return;
        this.#observe(ctx.route, ctx.status, ctx.endedAt - ctx.startedAt);
        if (isGenAIRequest(ctx)) this.#genaiEnd(ctx);
        if (ctx.costMicros !== undefined) this.#costed(ctx, ctx.costMicros);
      }),
      events.usage.subscribe((ctx) => {
        if (ctx.owner === owner) this.#countTokens(ctx);
      }),
      events.pick.subscribe((e) => {
        if (e.ctx.owner === owner) this.#picked(e);
      }),
      events.attemptEnd.subscribe((e) => {
        if (e.ctx.owner !== owner) return;
        this.#attempted(e.ctx, e.attempt);
        // A pool attempt that failed before its endpoint was picked: admission or scheduling refused it.
        if (e.attempt.error !== undefined && e.ctx.backend?.target.kind === 'pool' && e.ctx.decision === undefined) this.#schedulerFailure.inc();
      }),
    );
  }

  detach(): void {
    for (const u of this.#unsubscribe.splice(0)) u();
  }

  // Labelled children are cached: looking a label set up in prom-client hashes it on every call.
  readonly #requestChildren = new Map<string, Incrementer>();
  readonly #durationChildren = new Map<string, Observer>();
  /** By model, then by token type in TOKEN_TYPES order. */
  readonly #tokenChildren = new Map<string, (Incrementer | undefined)[]>();
  readonly #genaiChildren = new Map<string, GenAIChildren>();
  readonly #attemptChildren = new Map<string, Incrementer>();
  readonly #objectiveChildren = new Map<string, Incrementer>();
  readonly #costChildren = new Map<string, Incrementer>();
  readonly #schedulerSuccess: Incrementer;
  readonly #schedulerFailure: Incrementer;

  #observe(route: string, status: number, ms: number): void {
    const key = `${route}|${status}`;
    let counter = this.#requestChildren.get(key);
    if (!counter) this.#requestChildren.set(key, (counter = this.requests.labels(route, String(status))));
    counter.inc();
    let histogram = this.#durationChildren.get(route);
    if (!histogram) this.#durationChildren.set(route, (histogram = this.duration.labels(route)));
    histogram.observe(ms / 1000);
  }

  /** The cached gen_ai_* children for the request's GenAI label set. */
  #genai(ctx: RequestContext): GenAIChildren {
    const models = this.#models;
    const op = genAIOperationName(ctx.operation!);
    const provider = genAIProviderName(ctx.backend?.target);
    const original = models.label(ctx, ctx.originalModel);
    const request = models.label(ctx, ctx.requestModel ?? ctx.originalModel);
    const response = ctx.responseModel === undefined ? UNKNOWN : models.label(ctx, ctx.responseModel);
    const key = `${op}\u0000${provider}\u0000${original}\u0000${request}\u0000${response}`;
    let c = this.#genaiChildren.get(key);
    if (c === undefined) {
      c = {
        labels: { gen_ai_operation_name: op, gen_ai_provider_name: provider, gen_ai_original_model: original, gen_ai_request_model: request, gen_ai_response_model: response },
        ttft: undefined,
        tpot: undefined,
        duration: new Map(),
        tokens: [],
      };
      this.#genaiChildren.set(key, c);
    }
    return c;
  }

  #genaiEnd(ctx: RequestContext): void {
    const c = this.#genai(ctx);
    const errorType = requestErrorType(ctx);
    let d = c.duration.get(errorType);
    if (d === undefined) c.duration.set(errorType, (d = this.genaiRequestDuration.labels({ ...c.labels, error_type: errorType })));
    d.observe((ctx.endedAt - ctx.startedAt) / 1000);
    const ttft = timeToFirstTokenSeconds(ctx);
    // Upstream records TTFT when the first chunk arrives: a stream that fails later still had one.
    if (ttft !== undefined && ctx.status < 400) (c.ttft ??= this.genaiTimeToFirstToken.labels(c.labels)).observe(ttft);
    const tpot = timePerOutputTokenSeconds(ctx);
    if (tpot !== undefined) (c.tpot ??= this.genaiTimePerOutputToken.labels(c.labels)).observe(tpot);
  }

  #countTokens(ctx: RequestContext): void {
    const model = this.#models.label(ctx, ctx.originalModel);
    const usage = ctx.usage;
    const genai = ctx.operation !== undefined ? this.#genai(ctx) : undefined;
    for (let i = 0; i < TOKEN_TYPES.length; i++) {
      const type: TokenType = TOKEN_TYPES[i]!;
      const n = tokensOfType(usage, type);
      if (n > 0) {
        let children = this.#tokenChildren.get(model);
        if (children === undefined) this.#tokenChildren.set(model, (children = []));
        (children[i] ??= this.tokens.labels(model, type)).inc(n);
      }
      // Upstream records input and output on every response with usage, the detailed types when reported.
      if (genai !== undefined && (n > 0 || type === 'input' || type === 'output')) {
        let h = genai.tokens[i];
        if (h === undefined) genai.tokens[i] = h = this.genaiTokenUsage.labels({ ...genai.labels, gen_ai_token_type: type });
        h.observe(n);
      }
    }
  }

  #attempted(ctx: RequestContext, attempt: Attempt): void {
    const outcome = attemptOutcome(attempt);
    if (outcome === '') return;
    const route = ctx.route;
    const backend = attempt.backend;
    const endpoint = attemptEndpointName(ctx, attempt);
    const key = `${route}\u0000${backend}\u0000${endpoint}\u0000${outcome}`;
    let counter = this.#attemptChildren.get(key);
    if (!counter) this.#attemptChildren.set(key, (counter = this.upstreamAttempts.labels(route, backend, endpoint, outcome)));
    counter.inc();
  }

  /** Governance set the request's cost at its end (admission/governance.ts); 0 still creates the series. */
  #costed(ctx: RequestContext, micros: number): void {
    if (!Number.isFinite(micros) || micros < 0) return;
    const model = this.#models.label(ctx, ctx.requestModel ?? ctx.originalModel);
    const backend = ctx.backend?.target.id ?? '';
    const p = ctx.principal;
    // API-key and virtual-key names and their teams are configuration; JWT subjects and teams are bounded.
    const identity = p === undefined ? '' : p.kind === 'jwt' ? this.#identities.label(p.id) : p.id;
    const team = p?.team === undefined ? '' : p.kind === 'jwt' ? this.#teams.label(p.team) : p.team;
    const key = `${model}\u0000${backend}\u0000${identity}\u0000${team}`;
    let counter = this.#costChildren.get(key);
    if (!counter) this.#costChildren.set(key, (counter = this.cost.labels(model, backend, identity, team)));
    counter.inc(micros);
  }

  #picked(e: AttemptEvent): void {
    this.#schedulerSuccess.inc();
    const ctx = e.ctx;
    const models = this.#models;
    const model = models.label(ctx, ctx.originalModel);
    const target = models.label(ctx, ctx.requestModel ?? ctx.originalModel);
    const key = `${model}\u0000${target}`;
    let counter = this.#objectiveChildren.get(key);
    if (!counter) this.#objectiveChildren.set(key, (counter = this.objectiveRequests.labels(model, target)));
    counter.inc();
  }
}
