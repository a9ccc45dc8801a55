import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GatewayError } from '../errors.ts';
import { admit, priorityOf } from './pool-admission.ts';
import { DEFAULT_SATURATION, hasCapacity, isSaturated } from '../endpoints/saturation.ts';
import { FIXTURE_NOW, fakeEndpoint, fakePool } from '../picker/testing.ts';

const busy = { waiting: 6, kvCacheUsage: 0.5 };
const idle = { waiting: 0, kvCacheUsage: 0.1 };

function rejection(fn: () => unknown): GatewayError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof GatewayError, `expected a GatewayError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a rejection');
}

describe('saturation (utilization detector)', () => {
  it('an endpoint has capacity with fresh metrics, queue ≤ 5 and KV ≤ 0.8 (inclusive)', () => {
    assert.equal(hasCapacity(fakeEndpoint('a:1', { waiting: 5, kvCacheUsage: 0.8 }), DEFAULT_SATURATION, FIXTURE_NOW), true);
    assert.equal(hasCapacity(fakeEndpoint('a:1', { waiting: 6, kvCacheUsage: 0 }), DEFAULT_SATURATION, FIXTURE_NOW), false);
    assert.equal(hasCapacity(fakeEndpoint('a:1', { waiting: 0, kvCacheUsage: 0.81 }), DEFAULT_SATURATION, FIXTURE_NOW), false);
  });

  it('stale metrics (older than 200 ms) or never scraped count as saturated', () => {
    const ep = fakeEndpoint('a:1', idle);
    assert.equal(hasCapacity(ep, DEFAULT_SATURATION, FIXTURE_NOW + 200), true);
    assert.equal(hasCapacity(ep, DEFAULT_SATURATION, FIXTURE_NOW + 201), false);
    assert.equal(hasCapacity(fakeEndpoint('b:1', { ...idle, updatedAt: 0 }), DEFAULT_SATURATION, FIXTURE_NOW), false);
  });

  it('a pool is saturated when no endpoint has capacity', () => {
    assert.equal(isSaturated([fakeEndpoint('a:1', busy), fakeEndpoint('b:1', idle)], DEFAULT_SATURATION, FIXTURE_NOW), false);
    assert.equal(isSaturated([fakeEndpoint('a:1', busy), fakeEndpoint('b:1', busy)], DEFAULT_SATURATION, FIXTURE_NOW), true);
  });
});

describe('admit', () => {
  const saturated = fakePool([fakeEndpoint('a:1', busy), fakeEndpoint('b:1', { waiting: 0, kvCacheUsage: 0.95 })]);

  it('sheds priority < 0 on a saturated pool with 429 shed and retry-after', () => {
    const err = rejection(() => admit(saturated, -1, DEFAULT_SATURATION, FIXTURE_NOW));
    assert.equal(err.code, 'shed');
    assert.equal(err.status, 429);
    assert.equal(err.headers['retry-after'], '1');
    assert.equal(err.headers['x-llm-d-request-dropped-reason'], 'rejected-saturated');
  });

  it('admits priority ≥ 0 on the same saturated pool', () => {
    assert.equal(admit(saturated, 0, DEFAULT_SATURATION, FIXTURE_NOW).length, 2);
    assert.equal(admit(saturated, 10, DEFAULT_SATURATION, FIXTURE_NOW).length, 2);
  });

  it('admits priority < 0 while one endpoint has capacity', () => {
    const pool = fakePool([fakeEndpoint('a:1', busy), fakeEndpoint('b:1', idle)]);
    assert.equal(admit(pool, -5, DEFAULT_SATURATION, FIXTURE_NOW).length, 2);
  });

  it('sheds priority < 0 when the only idle endpoint has stale metrics', () => {
    const pool = fakePool([fakeEndpoint('a:1', busy), fakeEndpoint('b:1', idle)]);
    assert.equal(rejection(() => admit(pool, -1, DEFAULT_SATURATION, FIXTURE_NOW + 250)).code, 'shed');
    // The threshold is configurable.
    assert.equal(admit(pool, -1, { ...DEFAULT_SATURATION, metricsStalenessMs: 1000 }, FIXTURE_NOW + 250).length, 2);
  });

  it('answers 503 no_ready_endpoint when no endpoint is ready, whatever the priority', () => {
    const pool = fakePool([fakeEndpoint('a:1', idle, false)]);
    for (const p of [-1, 0, 5]) {
      const err = rejection(() => admit(pool, p, DEFAULT_SATURATION, FIXTURE_NOW));
      assert.equal(err.code, 'no_ready_endpoint');
      assert.equal(err.status, 503);
    }
  });

  it('returns only ready endpoints', () => {
    const ready = fakeEndpoint('a:1', idle);
    assert.deepEqual(admit(fakePool([ready, fakeEndpoint('b:1', idle, false)]), 0, DEFAULT_SATURATION, FIXTURE_NOW), [ready]);
  });
});

describe('priorityOf', () => {
  const objectives = new Map([
    ['batch', -1],
    ['interactive', 10],
  ]);
  it('reads x-gateway-inference-objective, then x-llm-d-inference-objective', () => {
    assert.deepEqual(priorityOf({ 'x-gateway-inference-objective': 'batch' }, objectives), { priority: -1, objective: 'batch' });
    assert.deepEqual(priorityOf({ 'x-llm-d-inference-objective': 'interactive' }, objectives), { priority: 10, objective: 'interactive' });
    assert.deepEqual(priorityOf({ 'x-gateway-inference-objective': 'interactive', 'x-llm-d-inference-objective': 'batch' }, objectives).priority, 10);
  });
  it('absent or unknown objective → priority 0', () => {
    assert.deepEqual(priorityOf({}, objectives), { priority: 0, objective: undefined });
    assert.deepEqual(priorityOf({ 'x-gateway-inference-objective': 'nope' }, objectives), { priority: 0, objective: 'nope' });
  });
});
