// Active HTTP health checks for one endpoint set, as Envoy Gateway's BackendTrafficPolicy
// `healthCheck.active` (type HTTP) configures them (api/v1alpha1/healthcheck_types.go): every
// `interval` each endpoint gets `method path`; an answer with an expected status (and, when set, the
// expected text or bytes within the first 1,024 bytes of the body, Envoy's default response buffer)
// within `timeout` is a success, anything else (other status, refused, reset, timeout) a failure.
// Results go to the set's EndpointHealth (health.ts), which holds the thresholds and the state:
// unavailable while pending or unhealthy, back after healthyThreshold successes in a row.
//
// Defaults (EG): timeout 1 s, interval 3 s, unhealthyThreshold 3, healthyThreshold 1, method GET,
// expectedStatuses [200]. Envoy itself requires timeout and interval and has no default status list
// beyond 200.
//
// Scheduling: each target's next check starts `interval` after its previous one ended, so checks of
// one endpoint never overlap; the first check of a new target starts at once. At most
// `maxConcurrent` checks run at a time across the set (the rest wait their turn), so a reload that
// adds hundreds of endpoints does not open hundreds of sockets at once. Timers are unref'd: health
// checks never keep the process alive.
//
// Not done (yet): TCP and gRPC checkers (the compiler must report them as unsupported), interval
// jitter and Envoy's no_traffic_interval / unhealthy_interval (EG does not expose them), TLS options
// for https origins beyond undici's defaults (pass a `dispatcher` configured like the upstream pool).
import { Agent } from 'undici';
import type { Dispatcher } from 'undici';
import type { EndpointHealth } from './health.ts';

export interface ActiveHealthCheckOptions {
  /** Request path, e.g. `/health` (EG http.path, required). */
  readonly path: string;
  /** Default GET (EG http.method). */
  readonly method?: string;
  /** Statuses that count as healthy. Default [200] (EG http.expectedStatuses). */
  readonly expectedStatuses?: readonly number[];
  /** Text or bytes the first 1,024 bytes of the body must contain (EG http.expectedResponse). */
  readonly expectedResponse?: { readonly type: 'Text'; readonly text: string } | { readonly type: 'Binary'; readonly binary: string /* base64 */ };
  /** Default 3,000 ms (EG interval). */
  readonly intervalMs?: number;
  /** Default 1,000 ms (EG timeout): the whole check, headers and body. */
  readonly timeoutMs?: number;
  /** Default 3 (EG unhealthyThreshold). */
  readonly unhealthyThreshold?: number;
  /** Default 1 (EG healthyThreshold). */
  readonly healthyThreshold?: number;
  /** Sluice: checks in flight at once across the set. Default 16. */
  readonly maxConcurrent?: number;
}

/** An endpoint to check: its origin (the EndpointHealth key) and the Host header to send. */
export interface ActiveTarget {
  readonly origin: string;
  /** Default: the origin's host. */
  readonly hostHeader?: string | undefined;
}

export interface ActiveHealthDeps {
  /** The clock EndpointHealth is fed with (the forward stage must use the same). Default performance.now. */
  readonly now?: () => number;
  /**
   * Where checks are sent. Default: an undici Agent of the checker's own (one connection per origin,
   * kept alive between checks, as Envoy reuses its health-check connection), destroyed by stop().
   * An injected dispatcher is not closed by stop().
   */
  readonly dispatcher?: Dispatcher;
}

/** Envoy's default http_health_check response_buffer_size. */
const BODY_PREFIX_BYTES = 1024;

interface Resolved {
  readonly path: string;
  readonly method: Dispatcher.HttpMethod;
  readonly statuses: ReadonlySet<number>;
  readonly needle: Buffer | undefined;
  readonly interval: number;
  readonly timeout: number;
  readonly unhealthyThreshold: number;
  readonly healthyThreshold: number;
  readonly maxConcurrent: number;
}

function positive(v: number | undefined, dflt: number): number {
  return v === undefined || !Number.isFinite(v) || v < 1 ? dflt : Math.floor(v);
}

function resolve(o: ActiveHealthCheckOptions): Resolved {
  if (!o.path.startsWith('/')) throw new TypeError(`active health check path must start with '/': ${o.path}`);
  const needle =
    o.expectedResponse === undefined
      ? undefined
      : o.expectedResponse.type === 'Text'
        ? Buffer.from(o.expectedResponse.text, 'utf8')
        : Buffer.from(o.expectedResponse.binary, 'base64');
  return {
    path: o.path,
    method: (o.method ?? 'GET').toUpperCase() as Dispatcher.HttpMethod,
    statuses: new Set(o.expectedStatuses !== undefined && o.expectedStatuses.length > 0 ? o.expectedStatuses : [200]),
    needle: needle !== undefined && needle.length > 0 ? needle : undefined,
    interval: positive(o.intervalMs, 3_000),
    timeout: positive(o.timeoutMs, 1_000),
    unhealthyThreshold: positive(o.unhealthyThreshold, 3),
    healthyThreshold: positive(o.healthyThreshold, 1),
    maxConcurrent: positive(o.maxConcurrent, 16),
  };
}

interface Slot {
  target: ActiveTarget;
  timer: NodeJS.Timeout | undefined;
  controller: AbortController | undefined;
  removed: boolean;
}

export class ActiveHealthChecker {
  readonly #health: EndpointHealth;
  readonly #now: () => number;
  readonly #dispatcher: Dispatcher;
  readonly #ownDispatcher: Agent | undefined;
  #o: Resolved;
  readonly #slots = new Map<string, Slot>();
  readonly #tasks = new Set<Promise<void>>();
  /** Checks holding a concurrency slot, and the ones waiting for one (FIFO). */
  #running = 0;
  readonly #waiting: (() => void)[] = [];
  #started = false;
  #stopped = false;

  constructor(health: EndpointHealth, options: ActiveHealthCheckOptions, deps: ActiveHealthDeps = {}) {
    this.#health = health;
    this.#o = resolve(options);
    this.#now = deps.now ?? (() => performance.now());
    if (deps.dispatcher !== undefined) {
      this.#dispatcher = deps.dispatcher;
      this.#ownDispatcher = undefined;
    } else {
      this.#ownDispatcher = new Agent({ connections: 1, pipelining: 1, keepAliveTimeout: 60_000 });
      this.#dispatcher = this.#ownDispatcher;
    }
  }

  /**
   * Starts checking `targets`: they become the members of the EndpointHealth (the checker owns its
   * membership), pending until their first check passes.
   */
  start(targets: Iterable<ActiveTarget>): void {
    if (this.#started) throw new Error('ActiveHealthChecker already started');
    this.#started = true;
    this.#health.setActive({ unhealthyThreshold: this.#o.unhealthyThreshold, healthyThreshold: this.#o.healthyThreshold });
    this.setTargets(targets);
  }

  /**
   * A new endpoint set (reload): new targets are checked at once, removed ones stop (a check in
   * flight is aborted and its result dropped), remaining ones keep their schedule and state.
   */
  setTargets(targets: Iterable<ActiveTarget>): void {
    if (this.#stopped || !this.#started) return;
    const next = new Map<string, ActiveTarget>();
    for (const t of targets) next.set(t.origin, t);
    for (const [origin, slot] of this.#slots) {
      if (next.has(origin)) continue;
      slot.removed = true;
      if (slot.timer !== undefined) clearTimeout(slot.timer);
      slot.controller?.abort();
      this.#slots.delete(origin);
    }
    this.#health.setMembers(next.keys());
    for (const [origin, target] of next) {
      const slot = this.#slots.get(origin);
      if (slot !== undefined) {
        slot.target = target;
        continue;
      }
      const fresh: Slot = { target, timer: undefined, controller: undefined, removed: false };
      this.#slots.set(origin, fresh);
      this.#schedule(fresh, 0);
    }
  }

  /**
   * New options (a changed policy on reload) without losing state: thresholds apply at once, the new
   * interval from each target's next check on.
   */
  reconfigure(options: ActiveHealthCheckOptions): void {
    this.#o = resolve(options);
    if (this.#started && !this.#stopped) {
      this.#health.setActive({ unhealthyThreshold: this.#o.unhealthyThreshold, healthyThreshold: this.#o.healthyThreshold });
    }
    while (this.#running < this.#o.maxConcurrent && this.#waiting.length > 0) {
      this.#running++;
      this.#waiting.shift()!();
    }
  }

  /**
   * Stops every timer and check, waits for them to settle, closes the checker's own connections, and
   * releases the endpoints from active checks (EndpointHealth.setActive(undefined)). Idempotent.
   */
  async stop(): Promise<void> {
    if (!this.#stopped) {
      this.#stopped = true;
      for (const slot of this.#slots.values()) {
        slot.removed = true;
        if (slot.timer !== undefined) clearTimeout(slot.timer);
        slot.timer = undefined;
        slot.controller?.abort();
      }
      this.#slots.clear();
      // Let the waiting checks through: they see `stopped` and end without a request.
      for (const wake of this.#waiting.splice(0)) {
        this.#running++;
        wake();
      }
      if (this.#started) this.#health.setActive(undefined);
    }
    await Promise.allSettled([...this.#tasks]);
    if (this.#ownDispatcher !== undefined && !this.#ownDispatcher.destroyed) await this.#ownDispatcher.destroy();
  }

  #schedule(slot: Slot, delay: number): void {
    slot.timer = setTimeout(() => {
      slot.timer = undefined;
      const task = this.#check(slot);
      this.#tasks.add(task);
      void task.finally(() => this.#tasks.delete(task));
    }, delay);
    slot.timer.unref();
  }

  async #check(slot: Slot): Promise<void> {
    await this.#acquire();
    try {
      if (this.#stopped || slot.removed) return;
      const ok = await this.#probe(slot);
      if (this.#stopped || slot.removed) return;
      this.#health.recordProbe(slot.target.origin, ok, this.#now());
    } finally {
      this.#release();
    }
    if (!this.#stopped && !slot.removed) this.#schedule(slot, this.#o.interval);
  }

  #acquire(): Promise<void> | undefined {
    if (this.#running < this.#o.maxConcurrent) {
      this.#running++;
      return undefined;
    }
    return new Promise<void>((resolveSlot) => this.#waiting.push(resolveSlot));
  }

  /** Hands the slot to the next waiting check, or frees it. */
  #release(): void {
    const next = this.#running <= this.#o.maxConcurrent ? this.#waiting.shift() : undefined;
    if (next !== undefined) next();
    else this.#running--;
  }

  /** One check: true when the answer is expected and complete within the timeout. Never throws. */
  async #probe(slot: Slot): Promise<boolean> {
    const o = this.#o;
    const controller = new AbortController();
    slot.controller = controller;
    const timer = setTimeout(() => controller.abort(), o.timeout);
    try {
      const headers: Record<string, string> = { 'user-agent': 'Sluice-HC' };
      if (slot.target.hostHeader !== undefined) headers['host'] = slot.target.hostHeader;
      const res = await this.#dispatcher.request({
        origin: slot.target.origin,
        path: o.path,
        method: o.method,
        headers,
        signal: controller.signal,
      });
      if (!o.statuses.has(res.statusCode)) {
        await res.body.dump();
        return false;
      }
      if (o.needle === undefined) {
        await res.body.dump();
        return true;
      }
      return await bodyPrefixContains(res.body, o.needle);
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
      if (slot.controller === controller) slot.controller = undefined;
    }
  }
}

/** Reads the body to its end (or its first BODY_PREFIX_BYTES) and looks for `needle` there. */
async function bodyPrefixContains(body: Dispatcher.ResponseData['body'], needle: Buffer): Promise<boolean> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const b = chunk as Buffer;
    chunks.push(b);
    size += b.length;
    if (size >= BODY_PREFIX_BYTES) break; // leaving the loop destroys the rest of the body
  }
  return Buffer.concat(chunks, size).subarray(0, BODY_PREFIX_BYTES).includes(needle);
}
