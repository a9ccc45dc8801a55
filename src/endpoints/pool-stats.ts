// Pool-level figures for the upstream EPP gauges (inference-extension reference §5, §7):
// inference_pool_ready_pods, inference_pool_average_kv_cache_utilization,
// inference_pool_average_queue_size and inference_pool_per_pod_queue_size. Averages leave out endpoints whose metrics are older than
// the pool-metrics staleness threshold (upstream --metrics-staleness-threshold, 2 s).
import type { EndpointState } from '../runtime/endpoint.ts';
import { metricsFresh } from './saturation.ts';

export const POOL_METRICS_STALENESS_MS = 2000;

export interface PoolStats {
  readonly readyEndpoints: number;
  /** Mean KV-cache utilization (0..1) over ready endpoints with fresh metrics; 0 when there are none. */
  readonly averageKvCacheUtilization: number;
  /** Mean waiting-queue size over the same endpoints. */
  readonly averageQueueSize: number;
  /** Waiting-queue size per ready endpoint with fresh metrics. */
  readonly queueByEndpoint: ReadonlyMap<string, number>;
}

export function poolStats(endpoints: readonly EndpointState[], now: number = performance.now(), stalenessMs: number = POOL_METRICS_STALENESS_MS): PoolStats {
  let ready = 0;
  let fresh = 0;
  let kv = 0;
  let queue = 0;
  const queueByEndpoint = new Map<string, number>();
  for (const ep of endpoints) {
    if (!ep.ready) continue;
    ready++;
    if (!metricsFresh(ep, now, stalenessMs)) continue;
    fresh++;
    kv += ep.metrics.kvCacheUsage;
    queue += ep.metrics.waiting;
    queueByEndpoint.set(ep.key, ep.metrics.waiting);
  }
  return { readyEndpoints: ready, averageKvCacheUtilization: fresh > 0 ? kv / fresh : 0, averageQueueSize: fresh > 0 ? queue / fresh : 0, queueByEndpoint };
}
