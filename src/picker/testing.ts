// Fixtures for tests and benchmarks: endpoints with chosen metrics, pools, scheduling requests.
// Metrics are stamped at `FIXTURE_NOW` unless told otherwise, so a scheduler built with
// `now: () => FIXTURE_NOW` sees them as fresh.
import type { EndpointState, ModelServerMetrics } from '../runtime/endpoint.ts';
import { emptyMetrics } from '../runtime/endpoint.ts';
import type { CycleState, SchedulingRequest } from './framework/types.ts';
import type { PoolInput } from './pool-scheduler.ts';

export const FIXTURE_NOW = 1_000_000;

export function fakeEndpoint(key: string, metrics: Partial<ModelServerMetrics> = {}, ready = true): EndpointState {
  const [address = key, port = '8000'] = key.split(':');
  return {
    key,
    origin: `http://${key}`,
    address,
    port: Number(port),
    podName: key,
    labels: {},
    ready,
    metrics: { ...emptyMetrics(), updatedAt: FIXTURE_NOW, ...metrics },
    inflight: 0,
  };
}

/** `n` endpoints 10.0.0.1:8000 … with idle, fresh metrics. */
export function fakeEndpoints(n: number, metrics: Partial<ModelServerMetrics> = {}): EndpointState[] {
  return Array.from({ length: n }, (_, i) => fakeEndpoint(`10.0.0.${i + 1}:8000`, metrics));
}

export function fakePool(endpoints: readonly EndpointState[], extra: Partial<PoolInput> = {}): PoolInput {
  return { namespace: 'default', name: 'pool', endpoints, objectives: new Map(), failureMode: 'FailClose', ...extra };
}

export function fakeRequest(extra: Partial<SchedulingRequest> = {}): SchedulingRequest {
  return { requestId: '', model: 'm', targetModel: 'm', prompt: '', cacheSalt: '', headers: {}, priority: 0, ...extra };
}

export function fakeCycle(random: () => number = Math.random, now = FIXTURE_NOW): CycleState {
  return { now, random, prefix: undefined };
}

/** A chat body: a system prompt of `chars` characters, shared by bodies of the same `group`, then `question`. */
export function chatBody(chars: number, group = 0, question = 'hello'): Record<string, unknown> {
  const unit = `You are assistant number ${group}. Answer briefly and precisely. `;
  const system = unit.repeat(Math.ceil(chars / unit.length)).slice(0, chars);
  return { model: 'm', messages: [{ role: 'system', content: system }, { role: 'user', content: question }] };
}
