// The shared BudgetStore case suite (memory-budget-store.test.ts, redis-budget-store.test.ts).
// Each case uses its own keys, so one store serves the whole suite.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { BudgetLine, BudgetStore } from './budget-store.ts';

const T0 = Date.parse('2026-03-10T12:00:00Z');
const HOUR = 3_600_000;
const LEASE = T0 + 10 * 60_000;

function line(key: string, limit: number, windowStartMs = T0 - (T0 % HOUR)): BudgetLine {
  return { key, limit, windowStartMs, windowEndMs: windowStartMs + HOUR };
}

export function budgetStoreCases(getStore: () => BudgetStore): void {
  const k = (name: string) => `case:${randomUUID()}:${name}`;

  it('reserves while spent + held + amount fits, and refuses without changing anything', async () => {
    const s = getStore();
    const l = line(k('a'), 100);
    assert.deepEqual(await s.reserve([l], [60], 'r1', LEASE, T0), { ok: true, failed: -1, states: [{ spent: 0, held: 60 }] });
    assert.deepEqual(await s.reserve([l], [41], 'r2', LEASE, T0), { ok: false, failed: 0, states: [{ spent: 0, held: 60 }] });
    assert.deepEqual(await s.reserve([l], [40], 'r2', LEASE, T0), { ok: true, failed: -1, states: [{ spent: 0, held: 100 }] });
  });

  it('is all-or-nothing across the lines of one request', async () => {
    const s = getStore();
    const [a, b] = [line(k('a'), 100), line(k('b'), 10)];
    const r = await s.reserve([a, b], [50, 11], 'r1', LEASE, T0);
    assert.deepEqual([r.ok, r.failed], [false, 1]);
    assert.deepEqual(await s.peek([a, b], T0), [
      { spent: 0, held: 0 },
      { spent: 0, held: 0 },
    ]);
  });

  it('an exhausted budget refuses even a zero reservation', async () => {
    const s = getStore();
    const l = line(k('a'), 10);
    await s.reserve([l], [0], 'r0', LEASE, T0);
    await s.settle([l], [11], 'r0', T0);
    assert.equal((await s.reserve([l], [0], 'r1', LEASE, T0)).ok, false);
  });

  it('charges move usage from the hold to spent; settle releases the rest', async () => {
    const s = getStore();
    const l = line(k('a'), 100);
    await s.reserve([l], [50], 'r1', LEASE, T0);
    assert.deepEqual(await s.charge([l], [20], 'r1', LEASE, T0), { ok: true, failed: -1, states: [{ spent: 20, held: 30 }] });
    assert.deepEqual(await s.settle([l], [10], 'r1', T0), { ok: true, failed: -1, states: [{ spent: 30, held: 0 }] });
    assert.deepEqual(await s.settle([l], [0], 'r1', T0), { ok: true, failed: -1, states: [{ spent: 30, held: 0 }] }, 'a second settle finds no hold');
  });

  it('usage beyond the hold is recorded; it fails only when the budget is then over', async () => {
    const s = getStore();
    const l = line(k('a'), 100);
    await s.reserve([l], [30], 'r1', LEASE, T0);
    assert.deepEqual(await s.charge([l], [50], 'r1', LEASE, T0), { ok: true, failed: -1, states: [{ spent: 50, held: 0 }] }, 'the extra 20 fits');
    await s.reserve([l], [40], 'r2', LEASE, T0);
    const over = await s.charge([l], [20], 'r1', LEASE, T0);
    assert.deepEqual(over, { ok: false, failed: 0, states: [{ spent: 70, held: 40 }] }, 'recorded, and the caller must stop');
    assert.deepEqual(await s.charge([l], [40], 'r2', LEASE, T0), { ok: true, failed: -1, states: [{ spent: 110, held: 0 }] }, 'usage covered by a hold never fails');
  });

  it('expired leases release their holds (a replica died mid-request)', async () => {
    const s = getStore();
    const l = line(k('a'), 100);
    await s.reserve([l], [80], 'dead', T0 + 1000, T0);
    assert.equal((await s.reserve([l], [30], 'r2', LEASE, T0 + 999)).ok, false);
    assert.deepEqual(await s.reserve([l], [30], 'r2', LEASE, T0 + 1000), { ok: true, failed: -1, states: [{ spent: 0, held: 30 }] });
    assert.deepEqual(await s.settle([l], [5], 'dead', T0 + 2000), { ok: true, failed: -1, states: [{ spent: 5, held: 30 }] }, 'a late settle still records usage');
  });

  it('charges renew the lease', async () => {
    const s = getStore();
    const l = line(k('a'), 100);
    await s.reserve([l], [50], 'r1', T0 + 1000, T0);
    await s.charge([l], [1], 'r1', T0 + 5000, T0 + 500);
    assert.deepEqual(await s.peek([l], T0 + 2000), [{ spent: 1, held: 49 }]);
    assert.deepEqual(await s.peek([l], T0 + 5000), [{ spent: 1, held: 0 }]);
  });

  it('keeps windows apart', async () => {
    const s = getStore();
    const key = k('a');
    const now = line(key, 10);
    const next = line(key, 10, now.windowEndMs);
    await s.reserve([now], [10], 'r1', LEASE, T0);
    await s.settle([now], [10], 'r1', T0);
    assert.equal((await s.reserve([now], [1], 'r2', LEASE, T0)).ok, false);
    assert.equal((await s.reserve([next], [10], 'r2', LEASE, T0)).ok, true);
  });

  it('admits exactly what fits from many concurrent reservations', async () => {
    const s = getStore();
    const l = line(k('a'), 100);
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => s.reserve([l], [7], `r${i}`, LEASE, T0)));
    assert.equal(results.filter((r) => r.ok).length, 14);
    assert.deepEqual(await s.peek([l], T0), [{ spent: 0, held: 98 }]);
  });

  it('keeps large amounts exact (micro-dollars)', async () => {
    const s = getStore();
    const l = line(k('a'), 9_000_000_000_000);
    await s.reserve([l], [8_999_999_999_999], 'r1', LEASE, T0);
    assert.deepEqual(await s.settle([l], [8_999_999_999_998], 'r1', T0), { ok: true, failed: -1, states: [{ spent: 8_999_999_999_998, held: 0 }] });
  });
}
