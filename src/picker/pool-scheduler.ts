// A pool's endpoint picker (the runtime PoolPicker contract): built once per snapshot by the compiler
// from the pool's validated EndpointPickerConfig (or the default profile), it runs one scheduling
// cycle per request over the endpoints admission allowed, and returns the Decision.
//
// State that must outlive a config reload (the prefix index) lives in a PoolPickerState, one per
// pool `namespace/name`, held by a PickerStates that the gateway keeps for its whole life; each new
// snapshot's PoolScheduler reuses its pool's state. Admission (priority, shedding, flow control) is
// not the picker's job: it runs before, in admission/.
import { GatewayError } from '../errors.ts';
import type { EndpointPickerConfig } from '../config/schemas/index.ts';
import { endpointPickerConfigSchema } from '../config/schemas/index.ts';
import type { EndpointState, SaturationThresholds } from '../runtime/endpoint.ts';
import type { PickDecision, PickInput, PoolPicker } from '../runtime/picker.ts';
import { loadScheduler } from './framework/loader.ts';
import { PickerConfigError } from './framework/params.ts';
import { transientHandle } from './framework/registry.ts';
import type { PluginHandle, PluginRegistry } from './framework/registry.ts';
import type { Scheduler } from './framework/scheduler.ts';
import type { CycleState, SchedulingRequest } from './framework/types.ts';
import { BUILTIN_PLUGINS } from './plugins/index.ts';
import { randomChoice } from './plugins/pickers/random.ts';
import { prefixIndexSize } from './prefix-index-size.ts';
import { cacheSaltOf, promptText } from './request.ts';
import { headerValue } from '../http/headers.ts';

/** What the picker needs to know of a pool. */
export interface PoolIdentity {
  readonly namespace: string;
  readonly name: string;
  /** FailOpen: when the scheduler itself fails (a plugin error), pick a random admitted endpoint. */
  readonly failureMode: 'FailOpen' | 'FailClose';
}

/** Learned per-pool state, kept across config reloads; it is the PluginHandle of that pool's plugins. */
export class PoolPickerState implements PluginHandle {
  readonly #values = new Map<string, unknown>();

  state<T>(key: string, create: () => T): T {
    if (!this.#values.has(key)) this.#values.set(key, create());
    return this.#values.get(key) as T;
  }

  /** Forgets what was learned about endpoints that left the pool. */
  retainEndpoints(keep: ReadonlySet<string>): void {
    for (const v of this.#values.values()) {
      const r = (v as { retainEndpoints?: unknown } | null)?.retainEndpoints;
      if (typeof r === 'function') r.call(v, keep);
    }
  }
}

/** Every pool's PoolPickerState, by `namespace/name`. Keep one for the gateway's lifetime. */
export class PickerStates {
  readonly #pools = new Map<string, PoolPickerState>();

  forPool(poolKey: string): PoolPickerState {
    let s = this.#pools.get(poolKey);
    if (!s) {
      s = new PoolPickerState();
      this.#pools.set(poolKey, s);
    }
    return s;
  }

  /** Drops the state of pools no longer configured. */
  retain(poolKeys: Iterable<string>): void {
    const keep = new Set(poolKeys);
    for (const key of this.#pools.keys()) if (!keep.has(key)) this.#pools.delete(key);
  }
}

export interface BuildOptions {
  readonly registry?: PluginRegistry;
  /** Where plugins keep state; default: state that lives as long as the scheduler. */
  readonly handle?: PluginHandle;
}

/**
 * Builds a Scheduler from an EndpointPickerConfig (undefined → the default profile: queue-scorer 2,
 * kv-cache-utilization-scorer 2, prefix-cache-scorer 3, max-score-picker, single-profile-handler).
 * Throws PickerConfigError naming the plugin and parameter.
 */
export function buildScheduler(config: EndpointPickerConfig | undefined, options: BuildOptions = {}): Scheduler {
  return loadScheduler(config, options.registry ?? BUILTIN_PLUGINS, options.handle ?? transientHandle());
}

/** Validates an EndpointPickerConfig object; throws PickerConfigError naming the field. */
export function toPickerConfig(value: unknown): EndpointPickerConfig | undefined {
  if (value === undefined || value === null) return undefined;
  const parsed = endpointPickerConfigSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  throw new PickerConfigError(`EndpointPickerConfig: ${path}${issue?.message ?? 'is not valid'}`);
}

export interface PoolSchedulerOptions extends BuildOptions {
  /** The pool's learned state; default: a fresh one (nothing is kept across reloads). */
  readonly state?: PoolPickerState;
  /** The pool's current endpoints: what was learned about others is forgotten. */
  readonly endpoints?: readonly EndpointState[];
  /** Uniform in [0, 1); default Math.random. */
  readonly random?: () => number;
  /** Clock for metric ages; default performance.now (the scraper's clock). */
  readonly now?: () => number;
}

export class PoolScheduler implements PoolPicker {
  /** `namespace/name`. */
  readonly key: string;
  readonly pool: PoolIdentity;
  readonly scheduler: Scheduler;
  readonly #random: () => number;
  readonly #now: () => number;

  /** `config` is already validated (compile parses it once). Throws PickerConfigError when it cannot be honoured. */
  constructor(pool: PoolIdentity, config: EndpointPickerConfig | undefined, options: PoolSchedulerOptions = {}) {
    this.key = `${pool.namespace}/${pool.name}`;
    this.pool = pool;
    const state = options.state ?? new PoolPickerState();
    this.scheduler = loadScheduler(config, options.registry ?? BUILTIN_PLUGINS, options.handle ?? state);
    if (options.endpoints) state.retainEndpoints(new Set(options.endpoints.map((ep) => ep.key)));
    this.#random = options.random ?? Math.random;
    this.#now = options.now ?? (() => performance.now());
  }

  get saturation(): SaturationThresholds {
    return this.scheduler.saturation;
  }

  /** Config that was accepted but has no effect (for status and logs). */
  get warnings(): readonly string[] {
    return this.scheduler.warnings;
  }

  prefixIndexSize(): number {
    return prefixIndexSize(this.scheduler);
  }

  /**
   * One scheduling cycle over the admitted endpoints. Throws GatewayError: `no_ready_endpoint` (503)
   * when there are none or the filters leave none, `internal_error` (500) when a plugin fails and
   * the pool is FailClose.
   */
  pick(input: PickInput): PickDecision {
    const endpoints = input.endpoints;
    if (endpoints.length === 0) throw new GatewayError('no_ready_endpoint', `InferencePool ${this.key} has no ready endpoint`);
    const request: SchedulingRequest = {
      requestId: headerValue(input.headers, 'x-request-id') ?? '',
      model: input.model,
      targetModel: input.targetModel,
      prompt: promptText(input.body, this.scheduler.promptChars),
      cacheSalt: cacheSaltOf(input.body),
      headers: input.headers,
      priority: input.priority,
    };
    const cycle: CycleState = { now: this.#now(), random: this.#random, prefix: undefined, learn: input.learn };
    try {
      const result = this.scheduler.schedule(cycle, request, endpoints);
      return {
        pool: this.key,
        endpoint: result.targets[0]!,
        targets: result.targets,
        profile: result.primaryProfile,
        priority: input.priority,
        objective: input.objective,
        runs: [...result.runs.values()],
        prefix: cycle.prefix,
      };
    } catch (err) {
      if (err instanceof GatewayError) throw err;
      const message = err instanceof Error ? err.message : String(err);
      if (this.pool.failureMode === 'FailOpen') {
        const endpoint = randomChoice(endpoints, 1, this.#random)[0]!;
        return { pool: this.key, endpoint, targets: [endpoint], profile: '', priority: input.priority, objective: input.objective, runs: [], prefix: undefined, failOpen: message };
      }
      throw new GatewayError('internal_error', `the endpoint picker of InferencePool ${this.key} failed (failureMode FailClose): ${message}`, { cause: err });
    }
  }
}
