// Priority and admission before scheduling (inference-extension reference §2.3, §6):
//   - priority comes from the InferenceObjective named by the request header
//     `x-gateway-inference-objective` (or llm-d's `x-llm-d-inference-objective`); no header or an
//     unknown objective → 0;
//   - legacy admission (flow control off): a sheddable request (priority < 0) is rejected with 429
//     `shed` when the pool is saturated (framework/saturation.ts: no endpoint with fresh metrics,
//     queue ≤ 5 and KV ≤ 0.8 by default); priority ≥ 0 is always admitted;
//   - a pool with no ready endpoint answers 503 `no_ready_endpoint`, whatever the priority.
import { GatewayError } from '../errors.ts';
import type { EndpointAvailability, EndpointState } from '../runtime/endpoint.ts';
import { DEFAULT_SATURATION, isSaturated } from '../endpoints/saturation.ts';
import type { SaturationThresholds } from '../endpoints/saturation.ts';
import { headerValue } from '../http/headers.ts';
import type { RequestHeaders } from '../runtime/picker.ts';

/** Objective headers in the order they are read (GIE name first, then llm-d's). */
export const OBJECTIVE_HEADERS = ['x-gateway-inference-objective', 'x-llm-d-inference-objective'] as const;

/** Seconds a shed client is told to wait (`retry-after`). Saturation usually clears within a second. */
export const SHED_RETRY_AFTER_SECONDS = 1;

/** Response header llm-d sets on dropped requests; kept so clients written for llm-d can tell why. */
export const DROPPED_REASON_HEADER = 'x-llm-d-request-dropped-reason';

export interface PriorityInfo {
  readonly priority: number;
  /** The objective named by the request, if any (even when the pool has no such objective). */
  readonly objective: string | undefined;
}

export function priorityOf(headers: RequestHeaders, objectives: ReadonlyMap<string, number>): PriorityInfo {
  for (const h of OBJECTIVE_HEADERS) {
    const objective = headerValue(headers, h)?.trim();
    if (objective) return { priority: objectives.get(objective) ?? 0, objective };
  }
  return { priority: 0, objective: undefined };
}

export interface AdmissionPool {
  readonly namespace: string;
  readonly name: string;
  readonly endpoints: readonly EndpointState[];
  /** Endpoint health: ejected endpoints are left out (unless too few remain: panic). */
  readonly health?: EndpointAvailability | undefined;
}

/**
 * Admits a request of `priority` to `pool` and returns the ready endpoints it may be scheduled on.
 * Throws GatewayError `no_ready_endpoint` (503) or `shed` (429, with retry-after).
 */
export function admit(pool: AdmissionPool, priority: number, thresholds: SaturationThresholds = DEFAULT_SATURATION, now: number = performance.now()): EndpointState[] {
  const readyAll = pool.endpoints.filter((ep) => ep.ready);
  const ready = pool.health && readyAll.length > 1 ? (pool.health.filterAvailable(readyAll, now) as EndpointState[]) : readyAll;
  if (ready.length === 0) {
    throw new GatewayError('no_ready_endpoint', `InferencePool ${pool.namespace}/${pool.name} has no ready endpoint`, { headers: { [DROPPED_REASON_HEADER]: 'rejected-no-endpoints' } });
  }
  if (priority < 0 && isSaturated(ready, thresholds, now)) {
    throw new GatewayError(
      'shed',
      `InferencePool ${pool.namespace}/${pool.name} is saturated and the request is sheddable (priority ${priority} < 0); retry later or use an objective with priority >= 0`,
      { headers: { 'retry-after': String(SHED_RETRY_AFTER_SECONDS), [DROPPED_REASON_HEADER]: 'rejected-saturated' } },
    );
  }
  return ready;
}
