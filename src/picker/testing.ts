// Fixtures for tests and benchmarks: endpoints with chosen metrics, pools, scheduling requests.
// Metrics are stamped at `FIXTURE_NOW` unless told otherwise, so a scheduler built with
// `now: () => FIXTURE_NOW` sees them as fresh.
import type { EndpointState, ModelServerMetrics } from '../runtime/endpoint.ts';
import { emptyMetrics } from '../runtime/endpoint.ts';
import type { CycleState, SchedulingRequest } from './framework/types.ts';
import type { PickDecision } from '../runtime/picker.ts';
import { schedulePool } from '../pipeline/schedule-pool.ts';
import type { ScheduleInput } from '../pipeline/schedule-pool.ts';
import type { Scheduler } from './framework/scheduler.ts';
import { PoolScheduler, toPickerConfig } from './pool-scheduler.ts';
import type { PoolSchedulerOptions } from './pool-scheduler.ts';

/** A pool as tests describe it: identity, endpoints, objectives and an unvalidated picker config. */
export interface FakePool {
  readonly namespace: string;
  readonly name: string;
  readonly endpoints: readonly EndpointState[];
  readonly objectives: ReadonlyMap<string, number>;
  readonly failureMode: 'FailOpen' | 'FailClose';
  readonly pickerConfig?: unknown;
}

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

export function fakePool(endpoints: readonly EndpointState[], extra: Partial<FakePool> = {}): FakePool {
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

/** A pool's PoolScheduler plus `schedule` = admission then pick (pipeline/schedule-pool.ts), as the pick stage runs them. */
export interface TestScheduler {
  readonly key: string;
  readonly picker: PoolScheduler;
  readonly scheduler: Scheduler;
  schedule(input: ScheduleInput): PickDecision;
}

/** Validates the pool's picker config (throws PickerConfigError) and builds its scheduler, as compile does. */
export function testScheduler(pool: FakePool, options: PoolSchedulerOptions = {}): TestScheduler {
  const picker = new PoolScheduler(pool, toPickerConfig(pool.pickerConfig), { endpoints: pool.endpoints, ...options });
  const now = options.now ?? (() => performance.now());
  return { key: picker.key, picker, scheduler: picker.scheduler, schedule: (input) => schedulePool({ ...pool, picker }, input, now()) };
}
