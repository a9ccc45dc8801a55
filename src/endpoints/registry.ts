// A model-server endpoint (pod IP:port) as the picker sees it: identity, labels, readiness, the
// latest scraped model-server metrics and the gateway's own in-flight count. State objects are
// long-lived (kept across config snapshots by the EndpointRegistry) so metrics survive a reload.

export interface ModelServerMetrics {
  /** `vllm:num_requests_waiting` (or the engine's equivalent). */
  waiting: number;
  /** `vllm:num_requests_running`. */
  running: number;
  /** `vllm:kv_cache_usage_perc` as a fraction 0..1. */
  kvCacheUsage: number;
  /** `vllm:lora_requests_info` labels. */
  activeAdapters: string[];
  waitingAdapters: string[];
  maxAdapters: number;
  /** `vllm:cache_config_info` labels: KV blocks and tokens per block (0 = unknown). */
  cacheBlocks: number;
  cacheBlockTokens: number;
  /** `performance.now()` of the last successful scrape; 0 = never. */
  updatedAt: number;
}

export interface EndpointState {
  /** `address:port`, unique per endpoint. */
  readonly key: string;
  /** `http://address:port` for the upstream pool. */
  readonly origin: string;
  readonly address: string;
  readonly port: number;
  /** Pod name, when the endpoint is a (standalone) pod. */
  podName: string;
  labels: Readonly<Record<string, string>>;
  ready: boolean;
  metrics: ModelServerMetrics;
  /** Requests the gateway has sent to this endpoint that have not finished. */
  inflight: number;
}

export function emptyMetrics(): ModelServerMetrics {
  return { waiting: 0, running: 0, kvCacheUsage: 0, activeAdapters: [], waitingAdapters: [], maxAdapters: 0, cacheBlocks: 0, cacheBlockTokens: 0, updatedAt: 0 };
}

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
