// The gateway's entry point to the endpoint picker: one PoolScheduler per InferencePool runtime
// (built from the pool's EndpointPickerConfig, or the default profile), whose `schedule` runs
// admission, then the scheduling cycle, then returns the Decision.
//
// State that must outlive a config reload (the prefix index) lives in a PoolPickerState, one per
// pool `namespace/name`, held by a PickerStates that the gateway keeps for its whole life. Each new
// snapshot gets new PoolSchedulers (cheap: parse and instantiate plugins) that reuse their pool's
// state. PoolSchedulers bundles this: `get(pool)` caches a scheduler per PoolRuntime object.
import { GatewayError } from '../errors.ts';
import { endpointPickerConfigSchema } from '../config/schemas/index.ts';
import type { EndpointPickerConfig } from '../config/schemas/index.ts';
import { admit, headerValue, priorityOf } from '../admission/pool-admission.ts';
import type { Decision } from './decision.ts';
import type { EndpointState } from '../runtime/endpoint.ts';
import { loadScheduler } from './framework/loader.ts';
import { PickerConfigError } from './framework/params.ts';
import { transientHandle } from './framework/registry.ts';
import type { PluginHandle, PluginRegistry } from './framework/registry.ts';
import type { Scheduler } from './framework/scheduler.ts';
import type { CycleState, RequestHeaders, SchedulingRequest } from './framework/types.ts';
import { BUILTIN_PLUGINS } from './plugins/index.ts';
import { randomChoice } from './plugins/pickers/random.ts';
import { cacheSaltOf, promptText } from './request.ts';

/** What the picker needs of a pool; `PoolRuntime` (config/snapshot.ts) satisfies it. */
export interface PoolInput {
  readonly namespace: string;
  readonly name: string;
  readonly endpoints: readonly EndpointState[];
  /** InferenceObjective name → priority. */
  readonly objectives: ReadonlyMap<string, number>;
  /** FailOpen: when the scheduler itself fails (a plugin error), pick a random ready endpoint. */
  readonly failureMode: 'FailOpen' | 'FailClose';
  /** A validated EndpointPickerConfig, or undefined for the default profile. */
  readonly pickerConfig?: unknown;
}

export interface ScheduleInput {
  /** The body's `model`. */
  readonly model: string;
  /** The model sent upstream (after overrides); defaults to `model`. */
  readonly targetModel?: string | undefined;
  readonly headers: RequestHeaders;
  /** The parsed OpenAI body: `messages` / `prompt` feed prefix affinity, `cache_salt` seeds it. */
  readonly body?: Readonly<Record<string, unknown>> | undefined;
  /** Prompt text to hash instead of the one derived from `body`. */
  readonly prompt?: string | undefined;
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

/** Validates an EndpointPickerConfig object (e.g. `PoolRuntime.pickerConfig`). */
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
  /** Uniform in [0, 1); default Math.random. */
  readonly random?: () => number;
  /** Clock for metric ages; default performance.now (the scraper's clock). */
  readonly now?: () => number;
}

export class PoolScheduler {
  /** `namespace/name`. */
  readonly key: string;
  readonly pool: PoolInput;
  readonly scheduler: Scheduler;
  readonly #random: () => number;
  readonly #now: () => number;

  /** Throws PickerConfigError when the pool's EndpointPickerConfig cannot be honoured. */
  constructor(pool: PoolInput, options: PoolSchedulerOptions = {}) {
    this.key = `${pool.namespace}/${pool.name}`;
    this.pool = pool;
    const state = options.state ?? new PoolPickerState();
    this.scheduler = loadScheduler(toPickerConfig(pool.pickerConfig), options.registry ?? BUILTIN_PLUGINS, options.handle ?? state);
    state.retainEndpoints(new Set(pool.endpoints.map((ep) => ep.key)));
    this.#random = options.random ?? Math.random;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Config that was accepted but has no effect (for status and logs). */
  get warnings(): readonly string[] {
    return this.scheduler.warnings;
  }

  /**
   * Admission, then one scheduling cycle. Throws GatewayError: `shed` (429, retry-after) for a
   * sheddable request on a saturated pool, `no_ready_endpoint` (503) when no endpoint can serve,
   * `internal_error` (500) when a plugin fails and the pool is FailClose.
   */
  schedule(input: ScheduleInput): Decision {
    const now = this.#now();
    const { priority, objective } = priorityOf(input.headers, this.pool.objectives);
    const ready = admit(this.pool, priority, this.scheduler.saturation, now);
    const request: SchedulingRequest = {
      requestId: headerValue(input.headers, 'x-request-id') ?? '',
      model: input.model,
      targetModel: input.targetModel ?? input.model,
      prompt: input.prompt ?? promptText(input.body, this.scheduler.promptChars),
      cacheSalt: cacheSaltOf(input.body),
      headers: input.headers,
      priority,
    };
    const cycle: CycleState = { now, random: this.#random, prefix: undefined };
    try {
      const result = this.scheduler.schedule(cycle, request, ready);
      return {
        pool: this.key,
        endpoint: result.targets[0]!,
        targets: result.targets,
        profile: result.primaryProfile,
        priority,
        objective,
        runs: [...result.runs.values()],
        prefix: cycle.prefix,
      };
    } catch (err) {
      if (err instanceof GatewayError) throw err;
      const message = err instanceof Error ? err.message : String(err);
      if (this.pool.failureMode === 'FailOpen') {
        const endpoint = randomChoice(ready, 1, this.#random)[0]!;
        return { pool: this.key, endpoint, targets: [endpoint], profile: '', priority, objective, runs: [], prefix: undefined, failOpen: message };
      }
      throw new GatewayError('internal_error', `the endpoint picker of InferencePool ${this.key} failed (failureMode FailClose): ${message}`, { cause: err });
    }
  }
}

export interface PoolSchedulersOptions {
  readonly states?: PickerStates;
  readonly registry?: PluginRegistry;
  readonly random?: () => number;
  readonly now?: () => number;
  /**
   * Called when a pool's EndpointPickerConfig cannot be honoured; that pool then uses the default
   * profile (as the compiler does for a config that fails validation). Default: ignore.
   */
  readonly onConfigError?: (pool: PoolInput, error: PickerConfigError) => void;
}

/** Schedulers for the pools of the current snapshot, sharing learned state across snapshots. */
export class PoolSchedulers {
  readonly states: PickerStates;
  readonly #options: PoolSchedulersOptions;
  #byPool = new WeakMap<PoolInput, PoolScheduler>();

  constructor(options: PoolSchedulersOptions = {}) {
    this.states = options.states ?? new PickerStates();
    this.#options = options;
  }

  /** The scheduler of `pool`, built on first use for this PoolRuntime object. */
  get(pool: PoolInput): PoolScheduler {
    let s = this.#byPool.get(pool);
    if (!s) {
      s = this.#build(pool);
      this.#byPool.set(pool, s);
    }
    return s;
  }

  /** Drops learned state of pools not in `poolKeys` (`namespace/name`); call after a snapshot swap. */
  retain(poolKeys: Iterable<string>): void {
    this.states.retain(poolKeys);
  }

  #build(pool: PoolInput): PoolScheduler {
    const o = this.#options;
    const options: PoolSchedulerOptions = {
      state: this.states.forPool(`${pool.namespace}/${pool.name}`),
      ...(o.registry ? { registry: o.registry } : {}),
      ...(o.random ? { random: o.random } : {}),
      ...(o.now ? { now: o.now } : {}),
    };
    try {
      return new PoolScheduler(pool, options);
    } catch (err) {
      if (!(err instanceof PickerConfigError)) throw err;
      o.onConfigError?.(pool, err);
      return new PoolScheduler({ ...pool, pickerConfig: undefined }, options);
    }
  }
}
