import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { limitStoreCases } from './limit-store.cases.ts';
import { MemoryLimitStore } from './memory-store.ts';

describe('MemoryLimitStore: shared LimitStore cases', () => {
  const store = new MemoryLimitStore();
  limitStoreCases(() => store);
});

describe('MemoryLimitStore', () => {
  it('answers synchronously', () => {
    const store = new MemoryLimitStore();
    const r = store.consume([{ key: 'k', limit: 1, cost: 1, windowStartMs: 0, windowMs: 1000 }]);
    assert.ok(!(r instanceof Promise));
    assert.equal(r.allowed, true);
  });

  it('sweeps ended windows on the injected clock', () => {
    let now = 0;
    const store = new MemoryLimitStore({ now: () => now, sweepIntervalMs: 1000 });
    for (let i = 0; i < 100; i++) store.consume([{ key: `k${i}`, limit: 5, cost: 1, windowStartMs: 0, windowMs: 1000 }]);
    assert.equal(store.size, 100);
    now = 999;
    store.consume([{ key: 'live', limit: 5, cost: 1, windowStartMs: 0, windowMs: 60_000 }]);
    assert.equal(store.size, 101, 'not due yet');
    now = 1000;
    store.consume([{ key: 'live', limit: 5, cost: 1, windowStartMs: 0, windowMs: 60_000 }]);
    assert.equal(store.size, 1, 'only the minute window is left');
  });
});
