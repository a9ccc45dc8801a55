import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fakeCycle, fakeEndpoint, fakeRequest } from '../../testing.ts';
import type { Endpoint, Scorer } from '../../framework/types.ts';
import { QueueScorer } from './queue.ts';
import { KvCacheUtilizationScorer } from './kv-cache-utilization.ts';
import { LoraAffinityScorer } from './lora-affinity.ts';

function scores(scorer: Scorer, eps: Endpoint[], targetModel = 'm'): number[] {
  const out = new Float64Array(eps.length);
  scorer.score(fakeCycle(), fakeRequest({ targetModel }), eps, out);
  return [...out];
}

describe('queue-scorer', () => {
  it('scores (maxQ − q) / (maxQ − minQ) over the candidates', () => {
    const eps = [0, 5, 10, 2].map((waiting, i) => fakeEndpoint(`e${i}:1`, { waiting }));
    assert.deepEqual(scores(new QueueScorer(), eps), [1, 0.5, 0, 0.8]);
  });
  it('scores 1 for every endpoint when all queues are equal', () => {
    const eps = [3, 3, 3].map((waiting, i) => fakeEndpoint(`e${i}:1`, { waiting }));
    assert.deepEqual(scores(new QueueScorer(), eps), [1, 1, 1]);
  });
});

describe('kv-cache-utilization-scorer', () => {
  it('scores 1 − KV utilization', () => {
    const eps = [0, 0.25, 1].map((kvCacheUsage, i) => fakeEndpoint(`e${i}:1`, { kvCacheUsage }));
    assert.deepEqual(scores(new KvCacheUtilizationScorer(), eps), [1, 0.75, 0]);
  });
});

describe('lora-affinity-scorer', () => {
  it('1.0 active, 0.8 free slot, 0.6 waiting, 0 otherwise', () => {
    const eps = [
      fakeEndpoint('active:1', { activeAdapters: ['sql', 'a'], waitingAdapters: [], maxAdapters: 2 }),
      fakeEndpoint('slot:1', { activeAdapters: ['a'], waitingAdapters: [], maxAdapters: 2 }),
      fakeEndpoint('waiting:1', { activeAdapters: ['a'], waitingAdapters: ['sql'], maxAdapters: 2 }),
      fakeEndpoint('full:1', { activeAdapters: ['a', 'b'], waitingAdapters: [], maxAdapters: 2 }),
      fakeEndpoint('nolora:1', {}),
    ];
    assert.deepEqual(scores(new LoraAffinityScorer(), eps, 'sql'), [1, 0.8, 0.6, 0, 0]);
  });
  it('a free slot outranks the adapter waiting elsewhere in the queue (upstream order)', () => {
    const ep = fakeEndpoint('x:1', { activeAdapters: [], waitingAdapters: ['sql'], maxAdapters: 4 });
    assert.deepEqual(scores(new LoraAffinityScorer(), [ep], 'sql'), [0.8]);
  });
});
