// The first endpoint picker: least queued. Among ready endpoints, prefer the fewest waiting requests
// (from fresh model-server metrics), then the fewest requests in flight from this gateway, then random.
// The full Inference Extension scheduling framework (filters, weighted scorers, pickers) replaces it.
import type { EndpointState } from './endpoint.ts';

/** Metrics older than this are ignored (the gateway's own in-flight count still applies). */
export const METRICS_FRESH_MS = 1000;

export function pickLeastQueued(endpoints: readonly EndpointState[], now: number = performance.now()): EndpointState | undefined {
  let best: EndpointState | undefined;
  let bestWaiting = Infinity;
  let bestInflight = Infinity;
  let ties = 0;
  for (const ep of endpoints) {
    if (!ep.ready) continue;
    const fresh = ep.metrics.updatedAt > 0 && now - ep.metrics.updatedAt <= METRICS_FRESH_MS;
    const waiting = fresh ? ep.metrics.waiting : 0;
    const inflight = ep.inflight;
    if (waiting < bestWaiting || (waiting === bestWaiting && inflight < bestInflight)) {
      best = ep;
      bestWaiting = waiting;
      bestInflight = inflight;
      ties = 1;
    } else if (waiting === bestWaiting && inflight === bestInflight) {
      // Reservoir sampling keeps a uniform random choice among equals.
      ties++;
      if (Math.random() * ties < 1) best = ep;
    }
  }
  return best;
}
