import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GatewayError } from '../errors.ts';
import { emptyMetrics } from '../runtime/endpoint.ts';
import type { EndpointState } from '../runtime/endpoint.ts';
import { FlowQueue, flowControlSettings, DEFAULT_FLOW_CONTROL } from './flow-control.ts';

function endpoint(waiting: number): EndpointState {
  return { key: 'e:1', origin: 'http://e:1', address: 'e', port: 1, podName: 'p', labels: {}, ready: true, metrics: { ...emptyMetrics(), waiting, updatedAt: performance.now() }, inflight: 0 };
}

const settings = { ...DEFAULT_FLOW_CONTROL, requestTtlMs: 2000 };
const never = () => undefined;

describe('flow control', () => {
  it('is enabled by the featureGates or a flowControl section', () => {
    assert.equal(flowControlSettings({ plugins: [] }), undefined);
    assert.equal(flowControlSettings({ featureGates: ['flowControl'] })?.requestTtlMs, 60_000);
    assert.deepEqual(
      { ttl: flowControlSettings({ flowControl: { defaultRequestTTL: '2s', maxRequests: 3 } })?.requestTtlMs, max: flowControlSettings({ flowControl: { maxRequests: 3 } })?.maxRequests },
      { ttl: 2000, max: 3 },
    );
  });

  it('admits at once when an endpoint has capacity', async () => {
    const q = new FlowQueue(() => [endpoint(0)], settings);
    await q.wait(-1, never);
    assert.equal(q.size, 0);
  });

  it('queues while saturated and dispatches by priority, first come first served within a band', async () => {
    const ep = endpoint(10);
    const q = new FlowQueue(() => [ep], settings);
    const order: string[] = [];
    // As the data plane does, a released request counts itself in flight on the endpoint.
    const admitted = (name: string) => () => {
      order.push(name);
      ep.inflight++;
    };
    const waits = [q.wait(-1, never).then(admitted('batch-1')), q.wait(10, never).then(admitted('critical-1')), q.wait(-1, never).then(admitted('batch-2')), q.wait(10, never).then(admitted('critical-2'))];
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(q.size, 4, 'all wait while the endpoint is saturated');
    // Room for two: the two critical requests go first.
    ep.metrics = { ...ep.metrics, waiting: 4, updatedAt: performance.now() };
    await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual(order, ['critical-1', 'critical-2']);
    // The two finished; the server's queue is empty.
    ep.inflight = 0;
    ep.metrics = { ...ep.metrics, waiting: 0, updatedAt: performance.now() };
    await Promise.all(waits);
    assert.deepEqual(order, ['critical-1', 'critical-2', 'batch-1', 'batch-2']);
  });

  it('counts requests it released that the metrics do not show yet', async () => {
    const ep = endpoint(5); // room for exactly one (threshold 5, inclusive)
    const q = new FlowQueue(() => [ep], settings);
    let released = 0;
    let cancel: () => void = () => undefined;
    void q.wait(0, never).then(() => released++);
    const second = q.wait(0, (c) => (cancel = c)).then(() => released++);
    await new Promise((r) => setTimeout(r, 40));
    // The first was admitted at once; until a scrape shows it, it uses the only free slot.
    assert.equal(released, 1);
    assert.equal(q.size, 1);
    // A newer scrape that shows room again releases the second.
    ep.metrics = { ...ep.metrics, waiting: 4, updatedAt: performance.now() };
    await second;
    assert.equal(released, 2);
    cancel();
  });

  it('rejects with 429 after the TTL and when the queue is full', async () => {
    const q = new FlowQueue(() => [endpoint(10)], { ...settings, requestTtlMs: 30, maxRequests: 1 });
    const first = q.wait(-1, never);
    await assert.rejects(q.wait(-1, never), (e: unknown) => e instanceof GatewayError && e.status === 429 && e.headers['x-llm-d-request-dropped-reason'] === 'rejected-saturated');
    await assert.rejects(first, (e: unknown) => e instanceof GatewayError && e.status === 429 && e.headers['x-llm-d-request-dropped-reason'] === 'rejected-ttl-expired');
  });

  it('drops a waiter whose client went away', async () => {
    const q = new FlowQueue(() => [endpoint(10)], settings);
    let cancel: () => void = () => undefined;
    const w = q.wait(0, (c) => (cancel = c));
    assert.equal(q.size, 1);
    cancel();
    await assert.rejects(w, /client disconnected/);
    assert.equal(q.size, 0);
  });
});
