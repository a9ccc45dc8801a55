// Every Prometheus metric the gateway exports is named here (DESIGN.md §3: telemetry/). Request-path
// metrics are fed only by the events stages publish (runtime/events.ts), never called from a stage;
// pool gauges are computed when scraped, from the snapshot being served.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { poolStats } from '../endpoints/pool-stats.ts';
import type { AttemptEvent } from '../runtime/events.ts';
import { events } from '../runtime/events.ts';
import type { RequestContext } from '../runtime/context.ts';
import type { PoolRuntime } from '../runtime/snapshot.ts';
import { TOKEN_TYPES, tokensOfType } from '../runtime/usage.ts';

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'route' | 'code'>;
  readonly duration: Histogram<'route'>;
  readonly tokens: Counter<'model' | 'type'>;
  readonly configGeneration: Gauge;
  readonly configReloads: Counter<'result'>;
  // Inference Extension endpoint-picker metrics, under their upstream names.
  readonly objectiveRequests: Counter<'model_name' | 'target_model_name'>;
  readonly schedulerAttempts: Counter<'status'>;
  #pools: () => Iterable<PoolRuntime> = () => [];
  readonly #unsubscribe: (() => void)[] = [];

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'sluice_process_' });
    this.requests = new Counter({ name: 'sluice_requests_total', help: 'Data-plane requests by route (namespace/name) and HTTP status', labelNames: ['route', 'code'], registers: [this.registry] });
    this.duration = new Histogram({
      name: 'sluice_request_duration_seconds',
      help: 'Data-plane request duration, from the request to the end of the response',
      labelNames: ['route'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers: [this.registry],
    });
    this.tokens = new Counter({ name: 'sluice_tokens_total', help: 'Tokens by the model the request asked for and type (input, output, cached_input, cache_creation_input, reasoning)', labelNames: ['model', 'type'], registers: [this.registry] });
    this.configGeneration = new Gauge({ name: 'sluice_config_generation', help: 'Generation of the configuration being served', registers: [this.registry] });
    this.configReloads = new Counter({ name: 'sluice_config_reloads_total', help: 'Configuration reloads by result (applied, rejected)', labelNames: ['result'], registers: [this.registry] });
    this.objectiveRequests = new Counter({ name: 'inference_objective_request_total', help: 'Requests scheduled onto an InferencePool, by model', labelNames: ['model_name', 'target_model_name'], registers: [this.registry] });
    this.schedulerAttempts = new Counter({ name: 'inference_extension_scheduler_attempts_total', help: 'Scheduling attempts by status (success, failure)', labelNames: ['status'], registers: [this.registry] });
    // Pool gauges are computed when scraped, from the pools of the snapshot being served.
    const pools = () => this.#pools();
    const poolGauge = (name: string, help: string, value: (s: ReturnType<typeof poolStats>) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['name'],
        registers: [this.registry],
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
      registers: [this.registry],
      collect() {
        this.reset();
        for (const p of pools()) for (const e of p.endpoints) this.set({ name: p.name, model_server_pod: e.podName || e.key }, e.metrics.waiting);
      },
    });
    new Gauge({
      name: 'inference_extension_prefix_indexer_size',
      help: 'Blocks held by the prefix-cache index of each pool, over all endpoints',
      labelNames: ['name'],
      registers: [this.registry],
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
        if (ctx.owner === owner) this.#observe(ctx.route, ctx.status, ctx.endedAt - ctx.startedAt);
      }),
      events.usage.subscribe((ctx) => {
        if (ctx.owner === owner) this.#countTokens(ctx);
      }),
      events.pick.subscribe((e) => {
        if (e.ctx.owner === owner) this.#picked(e);
      }),
      events.attemptEnd.subscribe((e) => {
        // A pool attempt that failed before its endpoint was picked: admission or scheduling refused it.
        if (e.ctx.owner === owner && e.attempt.error !== undefined && e.ctx.backend?.target.kind === 'pool' && e.ctx.decision === undefined) this.schedulerAttempts.inc({ status: 'failure' });
      }),
    );
  }

  detach(): void {
    for (const u of this.#unsubscribe.splice(0)) u();
  }

  // Labelled children are cached: looking a label set up in prom-client hashes it on every call.
  readonly #requestChildren = new Map<string, { inc(): void }>();
  readonly #durationChildren = new Map<string, { observe(v: number): void }>();

  #observe(route: string, status: number, ms: number): void {
    const key = `${route}|${status}`;
    let counter = this.#requestChildren.get(key);
    if (!counter) this.#requestChildren.set(key, (counter = this.requests.labels(route, String(status))));
    counter.inc();
    let histogram = this.#durationChildren.get(route);
    if (!histogram) this.#durationChildren.set(route, (histogram = this.duration.labels(route)));
    histogram.observe(ms / 1000);
  }

  #countTokens(ctx: RequestContext): void {
    const model = ctx.originalModel ?? '';
    for (const type of TOKEN_TYPES) {
      const n = tokensOfType(ctx.usage, type);
      if (n > 0) this.tokens.labels(model, type).inc(n);
    }
  }

  #picked(e: AttemptEvent): void {
    this.schedulerAttempts.inc({ status: 'success' });
    const ctx = e.ctx;
    this.objectiveRequests.inc({ model_name: ctx.originalModel ?? '', target_model_name: ctx.requestModel ?? ctx.originalModel ?? '' });
  }
}
