import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { poolStats } from './pool-stats.ts';
import { FIXTURE_NOW, fakeEndpoint } from '../picker/testing.ts';

describe('poolStats', () => {
  it('averages over ready endpoints with metrics at most 2 s old', () => {
    const stats = poolStats(
      [
        fakeEndpoint('a:1', { waiting: 2, kvCacheUsage: 0.2 }),
        fakeEndpoint('b:1', { waiting: 4, kvCacheUsage: 0.6 }),
        fakeEndpoint('stale:1', { waiting: 100, kvCacheUsage: 1, updatedAt: FIXTURE_NOW - 2500 }),
        fakeEndpoint('down:1', { waiting: 100, kvCacheUsage: 1 }, false),
      ],
      FIXTURE_NOW,
    );
    assert.equal(stats.readyEndpoints, 3);
    assert.equal(stats.averageQueueSize, 3);
    assert.ok(Math.abs(stats.averageKvCacheUtilization - 0.4) < 1e-12);
    assert.deepEqual([...stats.queueByEndpoint], [['a:1', 2], ['b:1', 4]]);
  });

  it('is all zero for an empty pool', () => {
    assert.deepEqual({ ...poolStats([], FIXTURE_NOW), queueByEndpoint: 0 }, { readyEndpoints: 0, averageKvCacheUtilization: 0, averageQueueSize: 0, queueByEndpoint: 0 });
  });
});
