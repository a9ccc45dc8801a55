// Leader election over a coordination.k8s.io/v1 Lease, so that one replica at a time writes status
// while every replica serves traffic. The protocol is the one Kubernetes components use:
//
// - the Lease's spec says who holds it (holderIdentity), for how long (leaseDurationSeconds) and when it
//   was last renewed (renewTime); a candidate takes it over when it is free (no holder) or when its
//   record has not changed for the lease duration, as measured on the candidate's own clock from when it
//   first saw that record (so clock skew between replicas does not matter);
// - every write carries the resourceVersion read, so two candidates cannot both win (409 for the loser);
// - the leader renews every retry period; if no renewal succeeds within the renew deadline, or the
//   Lease shows another holder, it stops leading at once. `isLeader` also turns false by itself once the
//   renew deadline has passed since the last successful renewal, even while a renewal request hangs;
// - stopping releases the Lease (holder cleared) so another replica takes over without waiting.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { isApiError } from './client.ts';
import type { KubeClient, KubeObject } from './client.ts';
import type { LeadershipView } from './status-sink.ts';

export interface LeaderElectionOptions {
  readonly client: KubeClient;
  /** Lease name (default `sluice-controller`). */
  readonly leaseName?: string | undefined;
  /** Lease namespace (default: the client's namespace, i.e. the pod's namespace in a cluster). */
  readonly leaseNamespace?: string | undefined;
  /** This replica's identity (default `HOSTNAME_random`; the pod name in a cluster). */
  readonly identity?: string | undefined;
  /** How long a lease lasts without renewal (default 15 s; whole seconds on the wire). */
  readonly leaseDurationMs?: number | undefined;
  /** How long a leader keeps trying to renew before it gives up leading (default 10 s). */
  readonly renewDeadlineMs?: number | undefined;
  /** Time between attempts to acquire or renew (default 2 s). */
  readonly retryPeriodMs?: number | undefined;
  readonly log?: ((line: string) => void) | undefined;
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

type Attempt = 'ok' | 'held' | 'error';

/** MicroTime: RFC 3339 with exactly six fractional digits. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export class LeaderElector implements LeadershipView {
  readonly identity: string;
  readonly leaseName: string;
  readonly leaseNamespace: string;
  readonly #client: KubeClient;
  readonly #durationMs: number;
  readonly #renewDeadlineMs: number;
  readonly #retryMs: number;
  readonly #log: (line: string) => void;
  readonly #listeners = new Set<(leading: boolean) => void>();
  #leading = false;
  #lastRenew = 0;
  /** The Lease spec as last seen, and when (local clock) it was first seen with that content. */
  #observed: { spec: string; at: number; holder: string } | undefined;
  #stopped = true;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #abort = new AbortController();

  constructor(options: LeaderElectionOptions) {
    this.#client = options.client;
    this.leaseName = options.leaseName ?? 'sluice-controller';
    this.leaseNamespace = options.leaseNamespace ?? options.client.defaultNamespace;
    this.identity = options.identity ?? `${hostname()}_${randomUUID().slice(0, 8)}`;
    this.#durationMs = options.leaseDurationMs ?? 15_000;
    this.#renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.#retryMs = options.retryPeriodMs ?? 2_000;
    this.#log = options.log ?? (() => undefined);
    if (!(this.#durationMs > this.#renewDeadlineMs)) throw new Error('leader election: the lease duration must be longer than the renew deadline');
    if (!(this.#renewDeadlineMs > this.#retryMs * 1.2)) throw new Error('leader election: the renew deadline must be longer than 1.2 × the retry period');
    if (this.#durationMs < 1000) throw new Error('leader election: the lease duration must be at least 1 s');
  }

  /** True while this replica holds a lease it renewed within the renew deadline. */
  get isLeader(): boolean {
    return this.#leading && Date.now() - this.#lastRenew < this.#renewDeadlineMs;
  }

  /** The holder last seen on the Lease ('' when free, undefined before the first read). */
  get observedLeader(): string | undefined {
    return this.#observed?.holder;
  }

  subscribe(listener: (leading: boolean) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#abort = new AbortController();
    this.#loop = this.#run();
  }

  /**
   * Stops campaigning. With `release` (default true) a held lease is given up so another replica takes
   * over at once; without it the lease simply expires (as if this replica had died).
   */
  async stop(options: { release?: boolean } = {}): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    const wasLeading = this.#leading;
    this.#setLeading(false);
    this.#abort.abort();
    this.#wake?.();
    await this.#loop;
    if (wasLeading && (options.release ?? true)) await this.#release();
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      const result = await this.#tryAcquireOrRenew();
      if (this.#stopped) break;
      const now = Date.now();
      if (result === 'ok') {
        this.#lastRenew = now;
        if (!this.#leading) {
          this.#log(`leader election: ${this.identity} now holds lease ${this.leaseNamespace}/${this.leaseName}`);
          this.#setLeading(true);
        }
      } else if (this.#leading && (result === 'held' || now - this.#lastRenew >= this.#renewDeadlineMs)) {
        this.#log(`leader election: ${this.identity} lost lease ${this.leaseNamespace}/${this.leaseName}${result === 'held' ? ` to ${this.#observed?.holder ?? '?'}` : ' (renewals failed)'}`);
        this.#setLeading(false);
      }
      // Candidates wait with jitter so that they do not all try at the same instant.
      await this.#sleep(this.#leading ? this.#retryMs : this.#retryMs * (1 + Math.random() * 0.2));
    }
  }

  #setLeading(leading: boolean): void {
    if (this.#leading === leading) return;
    this.#leading = leading;
    for (const l of [...this.#listeners]) {
      try {
        l(leading);
      } catch (err) {
        this.#log(`leader election: listener failed: ${(err as Error).message}`);
      }
    }
  }

  #path(name?: string): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(this.leaseNamespace)}/leases${name !== undefined ? '/' + encodeURIComponent(name) : ''}`;
  }

  async #tryAcquireOrRenew(): Promise<Attempt> {
    const timeoutMs = Math.max(500, this.#renewDeadlineMs - this.#retryMs);
    const signal = this.#abort.signal;
    const now = Date.now();
    const seconds = Math.max(1, Math.round(this.#durationMs / 1000));
    let lease: KubeObject;
    try {
      lease = await this.#client.request<KubeObject>('GET', this.#path(this.leaseName), { timeoutMs, signal });
    } catch (err) {
      if (!isApiError(err, 404)) return this.#failed(err);
      const spec: LeaseSpec = { holderIdentity: this.identity, leaseDurationSeconds: seconds, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 };
      try {
        await this.#client.request('POST', this.#path(), {
          body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.leaseName, namespace: this.leaseNamespace }, spec },
          timeoutMs,
          signal,
        });
        this.#observe(spec, now);
        return 'ok';
      } catch (createErr) {
        return isApiError(createErr, 409) ? 'held' : this.#failed(createErr);
      }
    }
    const spec = (lease['spec'] ?? {}) as LeaseSpec;
    this.#observe(spec, now);
    const holder = spec.holderIdentity ?? '';
    const heldFor = (spec.leaseDurationSeconds ?? seconds) * 1000;
    if (holder !== '' && holder !== this.identity && this.#observed!.at + heldFor > now) return 'held';
    const mine = holder === this.identity;
    const next: LeaseSpec = {
      holderIdentity: this.identity,
      leaseDurationSeconds: seconds,
      acquireTime: mine && spec.acquireTime ? spec.acquireTime : microTime(now),
      renewTime: microTime(now),
      leaseTransitions: (spec.leaseTransitions ?? 0) + (mine ? 0 : 1),
    };
    try {
      await this.#client.request('PUT', this.#path(this.leaseName), { body: { ...lease, spec: { ...(lease['spec'] as object), ...next } }, timeoutMs, signal });
      this.#observe(next, now);
      return 'ok';
    } catch (err) {
      // 409: someone else wrote the Lease since it was read; the next round sees who.
      return isApiError(err, 409) ? 'error' : this.#failed(err);
    }
  }

  #observe(spec: LeaseSpec, now: number): void {
    const text = JSON.stringify([spec.holderIdentity ?? '', spec.leaseDurationSeconds, spec.acquireTime, spec.renewTime, spec.leaseTransitions]);
    if (this.#observed?.spec !== text) this.#observed = { spec: text, at: now, holder: spec.holderIdentity ?? '' };
  }

  #failed(err: unknown): Attempt {
    if (!this.#abort.signal.aborted) this.#log(`leader election: lease ${this.leaseNamespace}/${this.leaseName}: ${(err as Error).message}`);
    return 'error';
  }

  /** Clears the holder (keeping the transition count) so that a candidate takes over at once. */
  async #release(): Promise<void> {
    try {
      const lease = await this.#client.request<KubeObject>('GET', this.#path(this.leaseName), { timeoutMs: 5000 });
      const spec = (lease['spec'] ?? {}) as LeaseSpec;
      if (spec.holderIdentity !== this.identity) return;
      const now = microTime(Date.now());
      const released: LeaseSpec = { holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaseTransitions: spec.leaseTransitions ?? 0 };
      await this.#client.request('PUT', this.#path(this.leaseName), { body: { ...lease, spec: released }, timeoutMs: 5000 });
      this.#log(`leader election: ${this.identity} released lease ${this.leaseNamespace}/${this.leaseName}`);
    } catch (err) {
      this.#log(`leader election: could not release lease ${this.leaseNamespace}/${this.leaseName}: ${(err as Error).message}`);
    }
  }

  #sleep(ms: number): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }
}
