// Endpoint health for every backend (an InferencePool, a Service, a Backend): one long-lived
// BackendHealth per backend id, referenced from the snapshot, kept across reloads so ejections and
// counters survive them. It learns from the attempts the forward stage makes (the attemptEnd event:
// connect failures, timeouts, 5xx) and, where a BackendTrafficPolicy asks for them, from active HTTP
// checks; readers (pool admission, the choose and pick stages) ask it which endpoints to use.
//
// Defaults when no BackendTrafficPolicy configures passive detection (Sluice's choice, so a dead or
// failing replica leaves rotation out of the box): 5 consecutive 5xx, or 3 consecutive connect
// failures (counted apart from responses), or 3 consecutive per-try timeouts eject an endpoint for
// 10 s × the ejections in a row (capped at 5 min), at most half of a set at once but always one.
// With a policy, Envoy Gateway's defaults apply to the fields it leaves out (backend/health.ts).
import { ActiveHealthChecker } from './active-health.ts';
import type { ActiveHealthCheckOptions } from './active-health.ts';
import { EndpointHealth, outcomeOfStatus } from './health.ts';
import type { AttemptOutcome, EndpointHealthSnapshot, HealthEvent, PassiveHealthOptions } from './health.ts';
import { events } from '../runtime/events.ts';
import type { EndpointAvailability } from '../runtime/endpoint.ts';
import type { RuntimeSnapshot } from '../runtime/snapshot.ts';

export interface HealthConfig {
  readonly passive?: PassiveHealthOptions | undefined;
  readonly active?: ActiveHealthCheckOptions | undefined;
  readonly panicThreshold?: number | undefined;
}

export const DEFAULT_PASSIVE: PassiveHealthOptions = {
  consecutive5xxErrors: 5,
  splitExternalLocalOriginErrors: true,
  consecutiveLocalOriginFailures: 3,
  consecutiveTimeouts: 3,
  baseEjectionTimeMs: 10_000,
  maxEjectionPercent: 50,
  alwaysEjectOneEndpoint: true,
};

/** A backend's health as the snapshot holds it: stable across reloads, its inner state replaced when its config changes. */
export class BackendHealth implements EndpointAvailability {
  readonly id: string;
  #health: EndpointHealth;
  #config: string;

  constructor(id: string, health: EndpointHealth, config: string) {
    this.id = id;
    this.#health = health;
    this.#config = config;
  }

  get current(): EndpointHealth {
    return this.#health;
  }

  /** @internal (registry) */
  replace(health: EndpointHealth, config: string): void {
    this.#health = health;
    this.#config = config;
  }

  /** @internal (registry) */
  get config(): string {
    return this.#config;
  }

  filterAvailable<T extends { readonly origin: string }>(endpoints: readonly T[], now: number): readonly T[] {
    return this.#health.filterAvailable(endpoints, now);
  }

  isAvailable(origin: string, now: number): boolean {
    return this.#health.isAvailable(origin, now);
  }
}

export interface HealthRegistryOptions {
  readonly log?: ((line: string) => void) | undefined;
}

export class HealthRegistry {
  readonly #byId = new Map<string, BackendHealth>();
  readonly #checkers = new Map<string, { checker: ActiveHealthChecker; options: string }>();
  /** Configs named by BackendTrafficPolicies during the compile in progress. */
  #pending = new Map<string, HealthConfig>();
  readonly #log: (line: string) => void;
  #unsubscribe: (() => void) | undefined;

  constructor(options: HealthRegistryOptions = {}) {
    this.#log = options.log ?? (() => undefined);
  }

  /** During compile: a BackendTrafficPolicy's health settings for a backend. */
  configure(backendId: string, config: HealthConfig): void {
    if (!this.#pending.has(backendId)) this.#pending.set(backendId, config);
  }

  /** During compile: the backend's health handle for the snapshot (created on first use). */
  handle(backendId: string): BackendHealth {
    let h = this.#byId.get(backendId);
    if (!h) {
      h = new BackendHealth(backendId, this.#create(backendId, {}), JSON.stringify({}));
      this.#byId.set(backendId, h);
    }
    return h;
  }

  /**
   * After a snapshot is applied: members and configuration of every backend it uses, active checks
   * started, changed or stopped, and backends no longer used forgotten.
   */
  apply(snapshot: RuntimeSnapshot): void {
    const pending = this.#pending;
    this.#pending = new Map();
    const members = new Map<string, string[]>();
    for (const pool of snapshot.pools.values()) members.set(`InferencePool ${pool.namespace}/${pool.name}`, pool.endpoints.map((e) => e.origin));
    for (const backend of snapshot.backends.values()) members.set(backend.id, [...(members.get(backend.id) ?? []), ...backend.targets.map((t) => t.origin)]);
    for (const [id, origins] of members) {
      const config = pending.get(id) ?? {};
      const text = JSON.stringify(config);
      const h = this.handle(id);
      if (h.config !== text) h.replace(this.#create(id, config), text);
      h.current.setMembers(origins);
      this.#active(id, h, config.active, origins);
    }
    for (const id of [...this.#byId.keys()]) {
      if (members.has(id)) continue;
      this.#byId.delete(id);
      this.#stopChecker(id);
    }
  }

  /** Learns from the attempts of the gateway `owner` (connect failures, timeouts, 5xx answers). */
  attach(owner: object): void {
    this.#unsubscribe = events.attemptEnd.subscribe(({ ctx, attempt }) => {
      if (ctx.owner !== owner || attempt.backend === '') return;
      const origin = ctx.upstream?.origin;
      if (!origin) return;
      let outcome: AttemptOutcome | undefined;
      if (attempt.status > 0) outcome = outcomeOfStatus(attempt.status);
      else if (attempt.error === 'upstream_unreachable') outcome = 'local-origin-failure';
      else if (attempt.error === 'upstream_timeout') outcome = 'timeout';
      if (outcome === undefined) return; // e.g. the client went away: says nothing about the endpoint
      this.#byId.get(attempt.backend)?.current.record(origin, outcome, performance.now());
    });
  }

  /** Health of every backend, for /api/status. */
  snapshot(): Record<string, EndpointHealthSnapshot> {
    const now = performance.now();
    const out: Record<string, EndpointHealthSnapshot> = {};
    for (const [id, h] of this.#byId) out[id] = h.current.snapshot(now);
    return out;
  }

  async close(): Promise<void> {
    this.#unsubscribe?.();
    await Promise.all([...this.#checkers.values()].map((c) => c.checker.stop()));
    this.#checkers.clear();
  }

  #create(id: string, config: HealthConfig): EndpointHealth {
    return new EndpointHealth({ passive: config.passive ?? DEFAULT_PASSIVE, ...(config.panicThreshold !== undefined ? { panicThreshold: config.panicThreshold } : {}), onEvent: (e) => this.#onEvent(id, e) });
  }

  #onEvent(id: string, e: HealthEvent): void {
    switch (e.type) {
      case 'ejected':
        this.#log(`${id}: endpoint ${e.key} ejected for ${Math.round((e.until - e.at) / 1000)} s (${e.reason})`);
        break;
      case 'returned':
        this.#log(`${id}: endpoint ${e.key} back in rotation (${e.cause})`);
        break;
      case 'active-unhealthy':
        this.#log(`${id}: endpoint ${e.key} failed its active health checks`);
        break;
      default:
        break;
    }
  }

  #active(id: string, h: BackendHealth, options: ActiveHealthCheckOptions | undefined, origins: readonly string[]): void {
    const existing = this.#checkers.get(id);
    if (!options) {
      if (existing) this.#stopChecker(id);
      return;
    }
    const text = JSON.stringify(options);
    if (existing && existing.options === text) {
      existing.checker.setTargets(origins.map((origin) => ({ origin })));
      return;
    }
    if (existing) this.#stopChecker(id);
    const checker = new ActiveHealthChecker(h.current, options);
    checker.start(origins.map((origin) => ({ origin })));
    this.#checkers.set(id, { checker, options: text });
  }

  #stopChecker(id: string): void {
    const c = this.#checkers.get(id);
    if (!c) return;
    this.#checkers.delete(id);
    void c.checker.stop();
  }
}
