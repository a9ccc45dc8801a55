import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fakeCycle, fakeEndpoint, fakeRequest } from '../../testing.ts';
import type { Endpoint, Filter } from '../../framework/types.ts';
import { LowQueueFilter } from './low-queue.ts';
import { LeastQueueFilter } from './least-queue.ts';
import { LeastKvCacheFilter } from './least-kv-cache.ts';

function kept(filter: Filter, eps: Endpoint[]): string[] {
  return filter.filter(fakeCycle(), fakeRequest(), eps).map((e) => e.key);
}

describe('low-queue', () => {
  it('keeps endpoints whose waiting queue is at most the threshold (default 128)', () => {
    const eps = [0, 128, 129].map((waiting, i) => fakeEndpoint(`e${i}:1`, { waiting }));
    assert.deepEqual(kept(new LowQueueFilter(), eps), ['e0:1', 'e1:1']);
    assert.deepEqual(kept(new LowQueueFilter('lq', 0), eps), ['e0:1']);
  });
});

describe('least-queue', () => {
  it('keeps q ≤ min + floor((max − min) / n)', () => {
    // min 0, max 10, n 4 → limit 0 + floor(2.5) = 2
    const eps = [0, 2, 3, 10].map((waiting, i) => fakeEndpoint(`e${i}:1`, { waiting }));
    assert.deepEqual(kept(new LeastQueueFilter(), eps), ['e0:1', 'e1:1']);
  });
  it('keeps everything when queues are equal', () => {
    const eps = [4, 4].map((waiting, i) => fakeEndpoint(`e${i}:1`, { waiting }));
    assert.deepEqual(kept(new LeastQueueFilter(), eps), ['e0:1', 'e1:1']);
  });
});

describe('least-KV-cache', () => {
  it('keeps kv ≤ min + (max − min) / n', () => {
    // min 0.2, max 0.8, n 3 → limit 0.4
    const eps = [0.2, 0.4, 0.8].map((kvCacheUsage, i) => fakeEndpoint(`e${i}:1`, { kvCacheUsage }));
    assert.deepEqual(kept(new LeastKvCacheFilter(), eps), ['e0:1', 'e1:1']);
  });
});
