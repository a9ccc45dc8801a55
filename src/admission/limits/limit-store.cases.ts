// The shared LimitStore case suite: every implementation runs it (memory-store.test.ts,
// redis-store.test.ts). Each case uses its own keys, so one store instance serves the whole suite.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { LimitCounter, LimitStore } from './limit-store.ts';

const MINUTE = 60_000;
const W0 = Date.parse('2026-03-01T12:00:00Z');

function counter(key: string, limit: number, cost: number, windowStartMs = W0, extra: Partial<LimitCounter> = {}): LimitCounter {
  return { key, limit, cost, windowStartMs, windowMs: MINUTE, ...extra };
}

export function limitStoreCases(getStore: () => LimitStore): void {
  const k = (name: string) => `case:${randomUUID()}:${name}`;

  it('consumes within the limit and reports counts after', async () => {
    const store = getStore();
    const key = k('a');
    for (let i = 1; i <= 3; i++) {
      const r = await store.consume([counter(key, 3, 1)]);
      assert.deepEqual(r, { allowed: true, counts: [i] });
    }
    assert.deepEqual(await store.consume([counter(key, 3, 1)]), { allowed: false, counts: [3] });
  });

  it('is all-or-nothing over the counters of one request', async () => {
    const store = getStore();
    const [a, b] = [k('a'), k('b')];
    await store.consume([counter(b, 2, 2)]);
    const r = await store.consume([counter(a, 10, 1), counter(b, 2, 1)]);
    assert.equal(r.allowed, false);
    assert.deepEqual(r.counts, [0, 2]);
    assert.deepEqual(await store.peek([counter(a, 10, 1), counter(b, 2, 1)]), [0, 2], 'nothing changed');
  });

  it('cost 0 only checks: denied once the counter is over the limit (Envoy hits_addend 0)', async () => {
    const store = getStore();
    const key = k('tokens');
    assert.equal((await store.consume([counter(key, 100, 0)])).allowed, true);
    await store.add([counter(key, 100, 100)]);
    assert.equal((await store.consume([counter(key, 100, 0)])).allowed, true, 'at the limit: not over');
    await store.add([counter(key, 100, 1)]);
    assert.deepEqual(await store.consume([counter(key, 100, 0)]), { allowed: false, counts: [101] });
  });

  it('add() counts past the limit (response cost known after the fact)', async () => {
    const store = getStore();
    const key = k('resp');
    assert.deepEqual(await store.add([counter(key, 10, 7), counter(key + 'x', 10, 0)]), [7, 0]);
    assert.deepEqual(await store.add([counter(key, 10, 7)]), [14]);
    assert.equal((await store.consume([counter(key, 10, 1)])).allowed, false);
  });

  it('shadow counters count but never deny', async () => {
    const store = getStore();
    const key = k('shadow');
    for (let i = 0; i < 5; i++) assert.equal((await store.consume([counter(key, 2, 1, W0, { enforce: false })])).allowed, true);
    assert.deepEqual(await store.peek([counter(key, 2, 1)]), [5]);
  });

  it('a new window starts at 0 and an old-window add leaves the current window alone', async () => {
    const store = getStore();
    const key = k('win');
    await store.consume([counter(key, 5, 5)]);
    assert.equal((await store.consume([counter(key, 5, 1)])).allowed, false);
    const next = W0 + MINUTE;
    assert.deepEqual(await store.consume([counter(key, 5, 1, next)]), { allowed: true, counts: [1] });
    await store.add([counter(key, 5, 3, W0)]);
    assert.deepEqual(await store.peek([counter(key, 5, 0, next)]), [1]);
  });

  it('refunds never go below 0, never create counters and stay in their window', async () => {
    const store = getStore();
    const key = k('refund');
    await store.consume([counter(key, 10, 4)]);
    assert.deepEqual(await store.refund([counter(key, 10, 3)]), [1]);
    assert.deepEqual(await store.refund([counter(key, 10, 3)]), [0]);
    assert.deepEqual(await store.refund([counter(k('none'), 10, 3)]), [0]);
    assert.deepEqual(await store.peek([counter(k('none'), 10, 0)]), [0]);
    await store.consume([counter(key, 10, 2, W0 + MINUTE)]);
    assert.deepEqual(await store.refund([counter(key, 10, 2, W0)]), [0], 'a refund for the ended window');
    assert.deepEqual(await store.peek([counter(key, 10, 0, W0 + MINUTE)]), [2], 'does not touch the current one');
  });

  it('admits exactly `limit` of many concurrent requests', async () => {
    const store = getStore();
    const key = k('race');
    const results = await Promise.all(Array.from({ length: 40 }, () => store.consume([counter(key, 10, 1)])));
    assert.equal(results.filter((r) => r.allowed).length, 10);
    assert.deepEqual(await store.peek([counter(key, 10, 0)]), [10]);
  });

  it('keeps large token counts exact', async () => {
    const store = getStore();
    const key = k('big');
    const limit = 5_000_000_000;
    await store.add([counter(key, limit, 4_999_999_999)]);
    assert.deepEqual(await store.consume([counter(key, limit, 1)]), { allowed: true, counts: [5_000_000_000] });
    assert.equal((await store.consume([counter(key, limit, 1)])).allowed, false);
  });

  it('reports its health', () => {
    const h = getStore().health();
    assert.equal(h.up, true);
    assert.equal(typeof h.since, 'number');
  });
}
