// The utilization saturation detector (GIE v1.3, inference-extension reference §6): an endpoint has
// "good capacity" when its metrics are fresh and both its waiting queue and its KV-cache utilization
// are within thresholds; a set of endpoints is saturated when none has good capacity. Metrics older
// than the staleness threshold (or never scraped) count as saturated: with no recent evidence of
// headroom, sheddable traffic is refused (fail closed, as upstream).
import type { EndpointState as Endpoint, SaturationThresholds } from '../runtime/endpoint.ts';

export type { SaturationThresholds };

/** Upstream defaults: queue 5, KV 0.8, 200 ms. */
export const DEFAULT_SATURATION: SaturationThresholds = { queueDepthThreshold: 5, kvCacheUtilThreshold: 0.8, metricsStalenessMs: 200 };

/** True when the endpoint's metrics were scraped at most `stalenessMs` before `now`. */
export function metricsFresh(ep: Endpoint, now: number, stalenessMs: number): boolean {
  const at = ep.metrics.updatedAt;
  return at > 0 && now - at <= stalenessMs;
}

export function hasCapacity(ep: Endpoint, t: SaturationThresholds, now: number): boolean {
  return metricsFresh(ep, now, t.metricsStalenessMs) && ep.metrics.waiting <= t.queueDepthThreshold && ep.metrics.kvCacheUsage <= t.kvCacheUtilThreshold;
}

/** No endpoint (of those given) has good capacity. An empty set is saturated. */
export function isSaturated(endpoints: readonly Endpoint[], t: SaturationThresholds, now: number): boolean {
  for (const ep of endpoints) if (hasCapacity(ep, t, now)) return false;
  return true;
}
