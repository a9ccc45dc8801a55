// Flow control (inference-extension reference §6), enabled per pool by the EndpointPickerConfig
// (`featureGates: [flowControl]` or a `flowControl:` section). Instead of shedding sheddable requests
// at once when the pool is saturated, requests wait in a queue and are dispatched when an endpoint
// has capacity: strict priority across bands (higher first), first come first served within a band.
// A request that waits longer than its TTL gets 429 (`rejected-ttl-expired`; 503 when the pool has
// no endpoint at all); a full queue rejects the newcomer with 429 (`rejected-saturated`).
//
// Capacity is judged like the saturation detector, with one addition: requests this queue released
// after the newest scrape are not in any model server's metrics yet, so they use up spare capacity
// until a scrape shows them. Without it every queued request would be released between two scrapes.
import { GatewayError } from '../errors.ts';
import type { EndpointState } from '../runtime/endpoint.ts';
import type { FlowControlSettings } from '../runtime/snapshot.ts';

export type { FlowControlSettings };
import { parseGoDurationMs } from '../config/schemas/meta.ts';
import { DEFAULT_SATURATION, metricsFresh } from '../endpoints/saturation.ts';

export const DEFAULT_FLOW_CONTROL: FlowControlSettings = { requestTtlMs: 60_000, maxRequests: 5000, thresholds: DEFAULT_SATURATION };

/** Flow-control settings from an EndpointPickerConfig, or undefined when flow control is off. */
export function flowControlSettings(config: unknown): FlowControlSettings | undefined {
  const c = config as { featureGates?: string[]; flowControl?: { defaultRequestTTL?: string; maxRequests?: number } } | undefined;
  if (!c || !(c.featureGates?.includes('flowControl') || c.flowControl)) return undefined;
  const ttl = c.flowControl?.defaultRequestTTL;
  const ttlMs = ttl === undefined ? undefined : parseGoDurationMs(ttl);
  return {
    requestTtlMs: ttlMs ?? DEFAULT_FLOW_CONTROL.requestTtlMs,
    maxRequests: c.flowControl?.maxRequests ?? DEFAULT_FLOW_CONTROL.maxRequests,
    thresholds: DEFAULT_SATURATION,
  };
}

interface Waiter {
  readonly priority: number;
  readonly resolve: () => void;
  readonly reject: (err: GatewayError) => void;
  readonly timer: NodeJS.Timeout;
}

/** One queue per pool; dispatch re-checks capacity on a short tick while anything waits. */
export class FlowQueue {
  /** Bands by priority, highest first; FIFO inside. */
  readonly #bands = new Map<number, Waiter[]>();
  #size = 0;
  #tick: NodeJS.Timeout | undefined;
  #endpoints: () => readonly EndpointState[];
  #settings: FlowControlSettings;

  constructor(endpoints: () => readonly EndpointState[], settings: FlowControlSettings) {
    this.#endpoints = endpoints;
    this.#settings = settings;
  }

  get size(): number {
    return this.#size;
  }

  /** Keeps waiters across a reload while the pool's endpoints and settings are refreshed. */
  update(endpoints: () => readonly EndpointState[], settings: FlowControlSettings): void {
    this.#endpoints = endpoints;
    this.#settings = settings;
  }

  /**
   * Resolves when the request may be scheduled (at once if an endpoint has capacity and nobody of
   * equal or higher priority waits). `onCancel` registers the client-disconnect hook.
   */
  wait(priority: number, onCancel: (cancel: () => void) => void): Promise<void> {
    if (this.#size === 0 && this.#capacity()) {
      this.#releases.push(performance.now());
      return Promise.resolve();
    }
    if (this.#settings.maxRequests > 0 && this.#size >= this.#settings.maxRequests) {
      return Promise.reject(new GatewayError('shed', `the pool's flow-control queue is full (${this.#settings.maxRequests} requests)`, { headers: { 'retry-after': '1', 'x-llm-d-request-dropped-reason': 'rejected-saturated' } }));
    }
    return new Promise<void>((resolve, reject) => {
      const band = this.#bands.get(priority) ?? [];
      if (!this.#bands.has(priority)) {
        this.#bands.set(priority, band);
        // Keep bands ordered by priority, highest first.
        const sorted = [...this.#bands.entries()].sort((a, b) => b[0] - a[0]);
        this.#bands.clear();
        for (const [p, w] of sorted) this.#bands.set(p, w);
      }
      const waiter: Waiter = {
        priority,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#remove(waiter);
          const empty = this.#endpoints().every((e) => !e.ready);
          reject(
            empty
              ? new GatewayError('no_ready_endpoint', `no endpoint became ready within the flow-control TTL (${this.#settings.requestTtlMs} ms)`)
              : new GatewayError('shed', `the request waited the flow-control TTL (${this.#settings.requestTtlMs} ms) for capacity`, { headers: { 'retry-after': '1', 'x-llm-d-request-dropped-reason': 'rejected-ttl-expired' } }),
          );
        }, this.#settings.requestTtlMs),
      };
      band.push(waiter);
      this.#size++;
      onCancel(() => {
        if (!this.#remove(waiter)) return;
        clearTimeout(waiter.timer);
        reject(new GatewayError('upstream_error', 'client disconnected while queued'));
      });
      this.#schedule();
    });
  }

  #remove(w: Waiter): boolean {
    const band = this.#bands.get(w.priority);
    const i = band ? band.indexOf(w) : -1;
    if (i < 0) return false;
    band!.splice(i, 1);
    this.#size--;
    return true;
  }

  #schedule(): void {
    if (this.#tick || this.#size === 0) return;
    this.#tick = setInterval(() => this.#dispatch(), 5);
    this.#tick.unref();
  }

  #dispatch(): void {
    while (this.#size > 0 && this.#capacity()) {
      let next: Waiter | undefined;
      for (const band of this.#bands.values()) {
        next = band.shift();
        if (next) break;
      }
      if (!next) break;
      this.#size--;
      clearTimeout(next.timer);
      this.#releases.push(performance.now());
      next.resolve();
    }
    if (this.#size === 0 && this.#tick) {
      clearInterval(this.#tick);
      this.#tick = undefined;
    }
  }

  /** When requests were released, newest last; those after the newest scrape use up capacity. */
  #releases: number[] = [];

  #capacity(): boolean {
    const t = this.#settings.thresholds;
    const now = performance.now();
    let spare = 0;
    let newestScrape = 0;
    for (const ep of this.#endpoints()) {
      newestScrape = Math.max(newestScrape, ep.metrics.updatedAt);
      if (!ep.ready || !metricsFresh(ep, now, t.metricsStalenessMs) || ep.metrics.kvCacheUsage > t.kvCacheUtilThreshold) continue;
      spare += Math.max(0, t.queueDepthThreshold - ep.metrics.waiting + 1);
    }
    let first = 0;
    while (first < this.#releases.length && this.#releases[first]! <= newestScrape) first++;
    if (first > 0) this.#releases = this.#releases.slice(first);
    return spare > this.#releases.length;
  }
}
