import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../../framework/random.ts';
import { BlockStore } from './block-store.ts';

/** The same LRU semantics on a Map (insertion order = recency), as the reference. */
class ModelLru {
  readonly map = new Map<number, number>();
  constructor(public capacity: number) {}
  touch(key: number, check: number): void {
    this.map.delete(key);
    this.map.set(key, check);
    while (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value!);
  }
  has(key: number, check: number): boolean {
    return this.map.get(key) === check;
  }
}

describe('BlockStore', () => {
  it('behaves as an LRU map of key → check under random inserts, refreshes and collisions', () => {
    const random = seededRandom(11);
    for (const capacity of [1, 3, 100, 300, 1000]) {
      const store = new BlockStore(capacity);
      const model = new ModelLru(capacity);
      // A key space a few times the capacity: many hits, refreshes and evictions; keys that share
      // low bits exercise probing and backward-shift deletion.
      const space = capacity * 3 + 5;
      for (let step = 0; step < 20_000; step++) {
        const key = Math.floor(random() * space) * 1024;
        const check = Math.floor(random() * 4);
        if (random() < 0.6) {
          store.touch(key, check);
          model.touch(key, check);
        } else {
          assert.equal(store.has(key, check), model.has(key, check), `capacity ${capacity} step ${step} key ${key}`);
        }
        assert.equal(store.size, model.map.size);
      }
      for (const [key, check] of model.map) assert.ok(store.has(key, check));
    }
  });

  it('never holds more than its capacity, and its memory is at most 32 bytes per entry', () => {
    const store = new BlockStore(31_250);
    for (let i = 0; i < 100_000; i++) store.touch((i * 2654435761) & 0x3fffffff, i & 0xff);
    assert.equal(store.size, 31_250);
    assert.ok(store.bytes <= 32 * 31_250, `${store.bytes} bytes`);
  });

  it('setCapacity keeps the most recent entries, in order', () => {
    const store = new BlockStore(10);
    for (let k = 1; k <= 10; k++) store.touch(k, k);
    store.touch(3, 3); // 3 is now the most recent
    store.setCapacity(4);
    assert.equal(store.size, 4);
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].filter((k) => store.has(k, k)), [3, 8, 9, 10]);
    store.touch(11, 11); // evicts the least recent of those: 8
    assert.deepEqual([3, 8, 9, 10, 11].filter((k) => store.has(k, k)), [3, 9, 10, 11]);
  });
});
