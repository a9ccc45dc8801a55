// The endpoint registry: one EndpointState (runtime/endpoint.ts) per address:port, kept across
// config snapshots so that scraped metrics, health and in-flight counts survive a reload.
import { emptyMetrics } from '../runtime/endpoint.ts';
import type { EndpointState } from '../runtime/endpoint.ts';

/** Keeps one EndpointState per key across snapshots. */
export class EndpointRegistry {
  readonly #byKey = new Map<string, EndpointState>();

  get(address: string, port: number, init: { podName?: string; labels?: Record<string, string> } = {}): EndpointState {
    const key = `${address}:${port}`;
    let ep = this.#byKey.get(key);
    if (!ep) {
      ep = { key, origin: `http://${address}:${port}`, address, port, podName: init.podName ?? '', labels: init.labels ?? {}, ready: true, metrics: emptyMetrics(), inflight: 0 };
      this.#byKey.set(key, ep);
    } else {
      if (init.podName !== undefined) ep.podName = init.podName;
      if (init.labels !== undefined) ep.labels = init.labels;
    }
    return ep;
  }

  /** Forgets endpoints not in `keep` (after a snapshot swap). */
  retain(keep: ReadonlySet<string>): void {
    for (const key of this.#byKey.keys()) if (!keep.has(key)) this.#byKey.delete(key);
  }

  all(): IterableIterator<EndpointState> {
    return this.#byKey.values();
  }
}
