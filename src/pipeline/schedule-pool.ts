// Admission then one pick, for one request to one InferencePool: what the pick stage does for a
// pool backend (after flow control), and what the ext_proc endpoint picker does for Envoy. The two
// halves stay in their folders (admission/ judges priority and saturation, the pool's PoolPicker
// schedules); this is only their composition.
import { admit, priorityOf } from '../admission/pool-admission.ts';
import type { EndpointState } from '../runtime/endpoint.ts';
import type { PickDecision, PoolPicker, RequestHeaders } from '../runtime/picker.ts';

export interface SchedulablePool {
  readonly namespace: string;
  readonly name: string;
  readonly endpoints: readonly EndpointState[];
  /** InferenceObjective name → priority. */
  readonly objectives: ReadonlyMap<string, number>;
  readonly picker: PoolPicker;
}

export interface ScheduleInput {
  /** The body's `model`. */
  readonly model: string;
  /** The model sent upstream (after overrides); defaults to `model`. */
  readonly targetModel?: string | undefined;
  readonly headers: RequestHeaders;
  /** The parsed OpenAI body: `messages` / `prompt` feed prefix affinity, `cache_salt` seeds it. */
  readonly body?: Readonly<Record<string, unknown>> | undefined;
  /** Default true; false for mirrored copies (nothing is learned from them). */
  readonly learn?: boolean;
}

/**
 * Throws GatewayError `shed` (429, retry-after) for a sheddable request on a saturated pool,
 * `no_ready_endpoint` (503) when no endpoint can serve, or what the picker throws.
 */
export function schedulePool(pool: SchedulablePool, input: ScheduleInput, now: number = performance.now()): PickDecision {
  const { priority, objective } = priorityOf(input.headers, pool.objectives);
  const endpoints = admit(pool, priority, pool.picker.saturation, now);
  return pool.picker.pick({ model: input.model, targetModel: input.targetModel ?? input.model, headers: input.headers, body: input.body, priority, objective, endpoints, learn: input.learn ?? true });
}
