// Endpoint health for one set of endpoints (one Envoy "cluster": a Service or Backend behind a rule,
// or an InferencePool): passive outlier detection from the outcomes of real attempts, plus the state
// that active health checks (active-health.ts) feed in. The forward stage records every attempt and
// asks which endpoints may be tried; nothing here runs a timer: time is the `now` the caller passes
// (milliseconds, any monotonic clock, e.g. performance.now()), and ejections end lazily at the first
// call that sees their end.
//
// Semantics follow Envoy's outlier detection (arch_overview/upstream/outlier) as configured by Envoy
// Gateway's BackendTrafficPolicy `healthCheck.passive` (api/v1alpha1/healthcheck_types.go):
//
//  - Outcomes: a response status 500–599 is a 5xx; 502, 503 and 504 are also gateway errors; any other
//    status (2xx–4xx) is a success for outlier detection. Locally originated failures are connect
//    refused/failed, a reset before the response, and the per-try timeout.
//  - Not split (splitExternalLocalOriginErrors false, the default): a local-origin failure counts as
//    a 5xx and as a gateway error (Envoy maps it to 503/504). Split: it counts only towards
//    consecutiveLocalOriginFailures, and any response (whatever its status) resets that counter.
//  - A 5xx that is not a gateway error resets the gateway-error counter; a success resets all.
//  - When a counter reaches its threshold it is reset and the endpoint is ejected, unless that would
//    eject more than maxEjectionPercent of the set: Envoy (since it enforces the percentage strictly)
//    ejects only while (ejected + 1) ≤ max% × members, so with the default 10% a set of fewer than 10
//    endpoints ejects nothing unless alwaysEjectOneEndpoint is set (then the first one may always
//    go). A refused ejection is reported as `ejection-skipped`.
//  - An ejection lasts baseEjectionTime × the number of times the endpoint was ejected in a row,
//    capped at max(maxEjectionTime, baseEjectionTime). The multiplier decays by one per `interval`
//    the endpoint spends back in service. Envoy un-ejects at its interval sweep (up to one interval
//    late); here the endpoint returns exactly when its time is up. Un-ejection clears the counters.
//  - A successful active health check un-ejects and clears the counters (Envoy's
//    successful_active_health_check_uneject_host, default true), unless active checks hold the
//    endpoint unhealthy, in which case healthyThreshold successes do (see recordProbe).
//  - Routing (filterAvailable) follows Envoy's healthy panic threshold (default 50%, EG
//    `healthCheck.panicThreshold`): when fewer than that share of the candidates is available, all of
//    them are returned, as Envoy's load balancer does in panic mode. So a non-empty candidate list
//    never comes back empty unless panicThreshold is 0, the configuration that asks for a 503 when
//    nothing is healthy. An ejection is therefore only a preference while most endpoints are healthy.
//
// Sluice's addition: `consecutiveTimeouts`, a counter of per-try timeouts in a row (no response
// headers within the per-try timeout), reset by any response and left alone by connect failures. A
// hang also feeds the 5xx / local-origin counters above, but each hung attempt costs a whole per-try
// timeout (tens of seconds for a model server), so a lower threshold just for hangs ejects such a
// replica sooner. Off by default, so a compiled Envoy Gateway policy means here what it means in
// Envoy Gateway; the forward stage turns it on where it wants it.
//
// Keys are endpoint origins (`http://10.0.0.7:8000`): the same string in EndpointState.origin and
// UpstreamTarget.origin, and what active checks probe. They are upstream addresses: a subscriber that
// logs an event must map the key to a name (pod, endpoint id) first (DESIGN.md §5).

/** What one upstream attempt taught us about the endpoint. Record nothing for a client cancellation. */
export type AttemptOutcome = 'success' | 'http5xx' | 'gateway-error' | 'local-origin-failure' | 'timeout';

/** The outcome of an upstream response status (only 5xx count against an endpoint). */
export function outcomeOfStatus(status: number): 'success' | 'http5xx' | 'gateway-error' {
  if (status < 500 || status > 599) return 'success';
  return status === 502 || status === 503 || status === 504 ? 'gateway-error' : 'http5xx';
}

export interface PassiveHealthOptions {
  /** 5xx responses in a row that eject (0 = off). Default 5 (Envoy consecutive_5xx; EG consecutive5XxErrors). */
  readonly consecutive5xxErrors?: number;
  /** 502/503/504 in a row that eject (0 = off). Default 0 (EG consecutiveGatewayErrors; EG enforces it at 100% when set). */
  readonly consecutiveGatewayErrors?: number;
  /** Local-origin failures in a row that eject, split mode only (0 = off). Default 5 (EG consecutiveLocalOriginFailures). */
  readonly consecutiveLocalOriginFailures?: number;
  /** Count local-origin failures apart from responses. Default false (EG splitExternalLocalOriginErrors). */
  readonly splitExternalLocalOriginErrors?: boolean;
  /** Sluice: per-try timeouts in a row that eject (0 = off). Default 0. */
  readonly consecutiveTimeouts?: number;
  /** Decay step of the ejection multiplier, ms. Default 3,000 (EG interval; Envoy's own default is 10 s). */
  readonly intervalMs?: number;
  /** Default 30,000 ms (EG baseEjectionTime; Envoy base_ejection_time). */
  readonly baseEjectionTimeMs?: number;
  /** Cap of one ejection, ms. Default 300,000 (Envoy max_ejection_time; EG does not expose it). */
  readonly maxEjectionTimeMs?: number;
  /** Default 10 (EG maxEjectionPercent; Envoy max_ejection_percent). */
  readonly maxEjectionPercent?: number;
  /** Allow the first ejection whatever the percentage. Default false (EG alwaysEjectOneEndpoint; Envoy always_eject_one_host). */
  readonly alwaysEjectOneEndpoint?: boolean;
  /** A successful active check un-ejects. Default true (Envoy successful_active_health_check_uneject_host). */
  readonly activeCheckUnejects?: boolean;
}

export type EjectionReason = 'consecutive-5xx' | 'consecutive-gateway-errors' | 'consecutive-local-origin-failures' | 'consecutive-timeouts';

export type HealthEvent =
  | { readonly type: 'ejected'; readonly key: string; readonly at: number; readonly until: number; readonly reason: EjectionReason; readonly multiplier: number }
  | { readonly type: 'ejection-skipped'; readonly key: string; readonly at: number; readonly reason: EjectionReason; readonly ejected: number; readonly members: number }
  | { readonly type: 'returned'; readonly key: string; readonly at: number; readonly cause: 'time-up' | 'active-check' }
  | { readonly type: 'active-unhealthy'; readonly key: string; readonly at: number }
  | { readonly type: 'active-healthy'; readonly key: string; readonly at: number };

export interface EndpointHealthOptions {
  /** Passive outlier detection; undefined = off (record() then changes nothing). */
  readonly passive?: PassiveHealthOptions | undefined;
  /** Percent of available candidates below which all are returned. Default 50 (Envoy healthy_panic_threshold; EG healthCheck.panicThreshold). */
  readonly panicThreshold?: number;
  /** Called synchronously on every state change; must not throw. For logs, metrics and status. */
  readonly onEvent?: ((event: HealthEvent) => void) | undefined;
}

/** Active-check thresholds, set by the active checker while it runs. */
export interface ActiveThresholds {
  /** Checks in a row that mark an endpoint unhealthy. EG unhealthyThreshold, default 3. */
  readonly unhealthyThreshold: number;
  /** Checks in a row that mark it healthy again. EG healthyThreshold, default 1. */
  readonly healthyThreshold: number;
}

export type ActiveStatus = 'off' | 'pending' | 'healthy' | 'unhealthy';

export interface EndpointHealthEntry {
  readonly key: string;
  readonly available: boolean;
  readonly ejected: boolean;
  /** When the current ejection ends (same clock as `now`); absent when not ejected. */
  readonly ejectedUntil?: number;
  readonly ejectionReason?: EjectionReason;
  /** The current ejection multiplier (ejections in a row, after decay). */
  readonly multiplier: number;
  readonly ejections: number;
  readonly active: ActiveStatus;
  readonly consecutive: { readonly http5xx: number; readonly gatewayErrors: number; readonly localOriginFailures: number; readonly timeouts: number };
}

export interface EndpointHealthSnapshot {
  readonly members: number;
  readonly ejected: number;
  readonly unavailable: number;
  /** filterAvailable calls that returned every candidate because too few were available. */
  readonly panics: number;
  readonly endpoints: readonly EndpointHealthEntry[];
}

interface State {
  readonly key: string;
  c5xx: number;
  cGateway: number;
  cLocal: number;
  cTimeout: number;
  /** 0 = in service. */
  ejectedUntil: number;
  reason: EjectionReason | undefined;
  /** Ejections in a row, decayed by one per interval in service since `decayFrom`. */
  multiplier: number;
  decayFrom: number;
  ejections: number;
  active: ActiveStatus;
  activeOk: number;
  activeFail: number;
  /** Cached: ejected, or held by active checks. */
  unavailable: boolean;
}

interface ResolvedPassive {
  c5xx: number;
  cGateway: number;
  cLocal: number;
  split: boolean;
  cTimeout: number;
  interval: number;
  base: number;
  max: number;
  maxPercent: number;
  alwaysOne: boolean;
  activeUnejects: boolean;
}

function count(v: number | undefined, dflt: number): number {
  return v === undefined || !Number.isFinite(v) || v < 0 ? dflt : Math.floor(v);
}

function resolvePassive(o: PassiveHealthOptions): ResolvedPassive {
  const base = count(o.baseEjectionTimeMs, 30_000);
  return {
    c5xx: count(o.consecutive5xxErrors, 5),
    cGateway: count(o.consecutiveGatewayErrors, 0),
    cLocal: count(o.consecutiveLocalOriginFailures, 5),
    split: o.splitExternalLocalOriginErrors ?? false,
    cTimeout: count(o.consecutiveTimeouts, 0),
    interval: Math.max(1, count(o.intervalMs, 3_000)),
    base,
    max: Math.max(base, count(o.maxEjectionTimeMs, 300_000)),
    maxPercent: Math.min(100, count(o.maxEjectionPercent, 10)),
    alwaysOne: o.alwaysEjectOneEndpoint ?? false,
    activeUnejects: o.activeCheckUnejects ?? true,
  };
}

/**
 * Health of one endpoint set. Cheap on the request path: `record` is a Map lookup and a few
 * increments; `filterAvailable` returns its input array untouched while every member is available.
 */
export class EndpointHealth {
  readonly #states = new Map<string, State>();
  readonly #passive: ResolvedPassive | undefined;
  readonly #panicThreshold: number;
  readonly #onEvent: ((event: HealthEvent) => void) | undefined;
  #active: ActiveThresholds | undefined;
  /** Members currently ejected / unavailable (ejected or held by active checks). */
  #ejected = 0;
  #unavailable = 0;
  /** Earliest ejectedUntil among ejected members (Infinity when none): skips the expiry scan. */
  #nextExpiry = Infinity;
  #panics = 0;

  constructor(options: EndpointHealthOptions = {}) {
    this.#passive = options.passive ? resolvePassive(options.passive) : undefined;
    this.#panicThreshold = Math.min(100, count(options.panicThreshold, 50));
    this.#onEvent = options.onEvent;
  }

  /**
   * The endpoint set (call on start and on every reload). Members that remain keep their state;
   * absent ones are forgotten; new ones start in service (pending, hence unavailable, while active
   * checks run, until their first check passes, as Envoy treats new hosts).
   */
  setMembers(keys: Iterable<string>): void {
    const keep = new Set(keys);
    for (const [key, s] of this.#states) {
      if (keep.has(key)) continue;
      if (s.ejectedUntil > 0) this.#ejected--;
      if (s.unavailable) this.#unavailable--;
      this.#states.delete(key);
    }
    for (const key of keep) if (!this.#states.has(key)) this.#add(key);
    this.#recomputeNextExpiry();
  }

  /** Current member keys, in insertion order. */
  members(): string[] {
    return [...this.#states.keys()];
  }

  /**
   * Records the outcome of one attempt on `key` (once per attempt: at response headers, or at the
   * failure before them). An unknown key becomes a member. No-op when passive detection is off.
   */
  record(key: string, outcome: AttemptOutcome, now: number): void {
    const p = this.#passive;
    if (p === undefined) return;
    this.#expire(now);
    const s = this.#states.get(key) ?? this.#add(key);
    let fire: EjectionReason | undefined;
    switch (outcome) {
      case 'success':
        s.c5xx = 0;
        s.cGateway = 0;
        s.cLocal = 0;
        s.cTimeout = 0;
        return;
      case 'http5xx':
        s.cLocal = 0;
        s.cTimeout = 0;
        s.cGateway = 0;
        if (++s.c5xx === p.c5xx) fire = this.#resetFor(s, 'consecutive-5xx');
        break;
      case 'gateway-error':
        s.cLocal = 0;
        s.cTimeout = 0;
        fire = this.#countExternalGateway(s, p);
        break;
      case 'timeout':
        if (++s.cTimeout === p.cTimeout) fire = this.#resetFor(s, 'consecutive-timeouts');
        fire = this.#countLocal(s, p) ?? fire;
        break;
      case 'local-origin-failure':
        fire = this.#countLocal(s, p);
        break;
    }
    if (fire !== undefined) this.#eject(s, fire, now, p);
  }

  /** A local-origin failure: its own counter in split mode, else a gateway error (and a 5xx). */
  #countLocal(s: State, p: ResolvedPassive): EjectionReason | undefined {
    if (p.split) return ++s.cLocal === p.cLocal ? this.#resetFor(s, 'consecutive-local-origin-failures') : undefined;
    return this.#countExternalGateway(s, p);
  }

  #countExternalGateway(s: State, p: ResolvedPassive): EjectionReason | undefined {
    let fire: EjectionReason | undefined;
    if (++s.cGateway === p.cGateway) fire = this.#resetFor(s, 'consecutive-gateway-errors');
    if (++s.c5xx === p.c5xx) fire = this.#resetFor(s, 'consecutive-5xx');
    return fire;
  }

  /** Envoy resets the counter that fired whether or not the ejection happens. */
  #resetFor(s: State, reason: EjectionReason): EjectionReason {
    if (reason === 'consecutive-5xx') s.c5xx = 0;
    else if (reason === 'consecutive-gateway-errors') s.cGateway = 0;
    else if (reason === 'consecutive-local-origin-failures') s.cLocal = 0;
    else s.cTimeout = 0;
    return reason;
  }

  #eject(s: State, reason: EjectionReason, now: number, p: ResolvedPassive): void {
    if (s.ejectedUntil > 0) return; // already out (a request that was in flight when it was ejected)
    const members = this.#states.size;
    const allowed = (this.#ejected + 1) * 100 <= p.maxPercent * members || (p.alwaysOne && this.#ejected === 0);
    if (!allowed) {
      this.#emit({ type: 'ejection-skipped', key: s.key, at: now, reason, ejected: this.#ejected, members });
      return;
    }
    // The multiplier decays by one per interval spent in service since the last return.
    if (s.multiplier > 0) s.multiplier = Math.max(0, s.multiplier - Math.floor((now - s.decayFrom) / p.interval));
    const cap = Math.ceil(p.max / p.base);
    s.multiplier = Math.min(cap, s.multiplier + 1);
    const until = now + Math.max(1, Math.min(p.base * s.multiplier, p.max));
    s.ejectedUntil = until;
    s.reason = reason;
    s.ejections++;
    this.#ejected++;
    this.#setUnavailable(s);
    if (until < this.#nextExpiry) this.#nextExpiry = until;
    this.#emit({ type: 'ejected', key: s.key, at: now, until, reason, multiplier: s.multiplier });
  }

  /** Whether `key` may be tried now (unknown keys may). */
  isAvailable(key: string, now: number): boolean {
    this.#expire(now);
    const s = this.#states.get(key);
    return s === undefined || !s.unavailable;
  }

  /**
   * The candidates that may be tried, in their order. Returns `endpoints` itself when all are
   * available, and all of them (panic) when fewer than panicThreshold% are; keys come from `origin`
   * unless `keyOf` says otherwise. Unknown keys count as available.
   */
  filterAvailable<T extends { readonly origin: string }>(endpoints: readonly T[], now: number): readonly T[];
  filterAvailable<T>(endpoints: readonly T[], now: number, keyOf: (endpoint: T) => string): readonly T[];
  filterAvailable<T>(endpoints: readonly T[], now: number, keyOf?: (endpoint: T) => string): readonly T[] {
    this.#expire(now);
    if (this.#unavailable === 0 || endpoints.length === 0) return endpoints;
    const states = this.#states;
    let out: T[] | undefined;
    for (let i = 0; i < endpoints.length; i++) {
      const e = endpoints[i]!;
      const s = states.get(keyOf === undefined ? (e as unknown as { readonly origin: string }).origin : keyOf(e));
      if (s !== undefined && s.unavailable) {
        out ??= endpoints.slice(0, i);
      } else if (out !== undefined) {
        out.push(e);
      }
    }
    if (out === undefined) return endpoints;
    if (out.length * 100 < this.#panicThreshold * endpoints.length) {
      this.#panics++;
      return endpoints;
    }
    return out;
  }

  // -------------------------------------------------------------------------------------------------
  // Active checks (active-health.ts)

  /**
   * Active checks start (or change thresholds). Members never checked become pending: unavailable
   * until their first check passes. Call with undefined when active checks stop: every member is
   * then as passive detection alone says.
   */
  setActive(thresholds: ActiveThresholds | undefined): void {
    this.#active = thresholds;
    for (const s of this.#states.values()) {
      if (thresholds === undefined) {
        s.active = 'off';
        s.activeOk = 0;
        s.activeFail = 0;
      } else if (s.active === 'off') {
        s.active = 'pending';
      }
      this.#updateUnavailable(s);
    }
  }

  /**
   * The result of one active check of `key` (ok = an expected status and body within the timeout).
   * Pending → healthy on the first success (Envoy: a single success at startup); healthy → unhealthy
   * after unhealthyThreshold failures in a row; unhealthy → healthy after healthyThreshold successes
   * in a row. A success while healthy un-ejects a passively ejected endpoint (activeCheckUnejects).
   */
  recordProbe(key: string, ok: boolean, now: number): void {
    const t = this.#active;
    if (t === undefined) return;
    this.#expire(now);
    const s = this.#states.get(key);
    if (s === undefined) return; // no longer a member: a late result after a retarget
    if (ok) {
      s.activeFail = 0;
      s.activeOk++;
      if (s.active === 'pending' || (s.active === 'unhealthy' && s.activeOk >= t.healthyThreshold)) {
        const was = s.active;
        s.active = 'healthy';
        if (was === 'unhealthy') this.#emit({ type: 'active-healthy', key, at: now });
      }
      // Envoy: a successful check of an endpoint not held by active checks un-ejects it and clears
      // the outlier counters (successful_active_health_check_uneject_host).
      if (s.active === 'healthy' && (this.#passive?.activeUnejects ?? true)) {
        if (s.ejectedUntil > 0) this.#return(s, now, 'active-check');
        else this.#clearCounters(s);
      }
    } else {
      s.activeOk = 0;
      s.activeFail++;
      if (s.active === 'healthy' && s.activeFail >= t.unhealthyThreshold) {
        s.active = 'unhealthy';
        this.#emit({ type: 'active-unhealthy', key, at: now });
      } else if (s.active === 'pending') {
        // Still unavailable; it now needs healthyThreshold successes like any unhealthy endpoint.
        s.active = 'unhealthy';
        this.#emit({ type: 'active-unhealthy', key, at: now });
      }
    }
    this.#updateUnavailable(s);
  }

  // -------------------------------------------------------------------------------------------------

  /** For /api/status: every member, in insertion order. Keys are addresses: admin-only. */
  snapshot(now: number): EndpointHealthSnapshot {
    this.#expire(now);
    const endpoints: EndpointHealthEntry[] = [];
    for (const s of this.#states.values()) {
      const p = this.#passive;
      const multiplier =
        p !== undefined && s.ejectedUntil === 0 && s.multiplier > 0
          ? Math.max(0, s.multiplier - Math.floor((now - s.decayFrom) / p.interval))
          : s.multiplier;
      endpoints.push({
        key: s.key,
        available: !s.unavailable,
        ejected: s.ejectedUntil > 0,
        ...(s.ejectedUntil > 0 ? { ejectedUntil: s.ejectedUntil } : {}),
        ...(s.ejectedUntil > 0 && s.reason !== undefined ? { ejectionReason: s.reason } : {}),
        multiplier,
        ejections: s.ejections,
        active: s.active,
        consecutive: { http5xx: s.c5xx, gatewayErrors: s.cGateway, localOriginFailures: s.cLocal, timeouts: s.cTimeout },
      });
    }
    return { members: this.#states.size, ejected: this.#ejected, unavailable: this.#unavailable, panics: this.#panics, endpoints };
  }

  #add(key: string): State {
    const s: State = {
      key,
      c5xx: 0,
      cGateway: 0,
      cLocal: 0,
      cTimeout: 0,
      ejectedUntil: 0,
      reason: undefined,
      multiplier: 0,
      decayFrom: 0,
      ejections: 0,
      active: this.#active === undefined ? 'off' : 'pending',
      activeOk: 0,
      activeFail: 0,
      unavailable: false,
    };
    this.#states.set(key, s);
    this.#updateUnavailable(s);
    return s;
  }

  /** Ends the ejections whose time is up. O(1) until the earliest one ends. */
  #expire(now: number): void {
    if (now < this.#nextExpiry) return;
    for (const s of this.#states.values()) {
      if (s.ejectedUntil > 0 && s.ejectedUntil <= now) this.#return(s, s.ejectedUntil, 'time-up');
    }
    this.#recomputeNextExpiry();
  }

  #return(s: State, at: number, cause: 'time-up' | 'active-check'): void {
    s.ejectedUntil = 0;
    s.reason = undefined;
    s.decayFrom = at;
    this.#ejected--;
    this.#clearCounters(s);
    this.#updateUnavailable(s);
    this.#emit({ type: 'returned', key: s.key, at, cause });
  }

  #clearCounters(s: State): void {
    s.c5xx = 0;
    s.cGateway = 0;
    s.cLocal = 0;
    s.cTimeout = 0;
  }

  #recomputeNextExpiry(): void {
    let next = Infinity;
    for (const s of this.#states.values()) if (s.ejectedUntil > 0 && s.ejectedUntil < next) next = s.ejectedUntil;
    this.#nextExpiry = next;
  }

  #setUnavailable(s: State): void {
    if (!s.unavailable) {
      s.unavailable = true;
      this.#unavailable++;
    }
  }

  #updateUnavailable(s: State): void {
    const un = s.ejectedUntil > 0 || s.active === 'pending' || s.active === 'unhealthy';
    if (un !== s.unavailable) {
      s.unavailable = un;
      this.#unavailable += un ? 1 : -1;
    }
  }

  #emit(e: HealthEvent): void {
    if (this.#onEvent === undefined) return;
    try {
      this.#onEvent(e);
    } catch {
      // A subscriber's failure must not change health decisions.
    }
  }
}
