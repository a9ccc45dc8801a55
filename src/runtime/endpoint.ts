// A model-server or backend endpoint (address:port) as the data plane sees it: identity, labels,
// readiness, the latest scraped model-server metrics and the gateway's own in-flight count. The
// objects are long-lived (kept across snapshots by the endpoint registry), so metrics and health
// survive a reload. The registry (endpoints/registry.ts) creates them; stages read them and update
// `inflight`; the scraper and the health tracker update the rest.

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

/**
 * When an endpoint counts as having capacity (GIE's utilization saturation detector): fresh metrics,
 * waiting queue and KV-cache utilization within thresholds. Admission and flow control use it.
 */
export interface SaturationThresholds {
  /** Waiting requests an endpoint may have and still count as having capacity (inclusive). */
  readonly queueDepthThreshold: number;
  /** KV-cache utilization (0..1) an endpoint may have and still count as having capacity (inclusive). */
  readonly kvCacheUtilThreshold: number;
  /** Metrics older than this many milliseconds are stale. */
  readonly metricsStalenessMs: number;
}

/**
 * Which endpoints of a set may be used now (endpoint health: passive outlier detection and active
 * checks). Keys are origins. Returns its input when all are available, and all of them when too few
 * are (Envoy's panic threshold), so a set with endpoints never comes back empty for health reasons.
 */
export interface EndpointAvailability {
  filterAvailable<T extends { readonly origin: string }>(endpoints: readonly T[], now: number): readonly T[];
  isAvailable(origin: string, now: number): boolean;
}
