// Property tests of a BudgetStore under random interleavings of reserve / charge / settle from many
// requests in flight at once (fast-check). Run by memory-budget-store.test.ts and
// redis-budget-store.test.ts.
//
// Model: each request reserves R, then reports its usage in deltas, then settles. A request whose
// reservation is refused does nothing more; a request whose charge fails stops there (the caller
// ends the stream) and settles with nothing more. The schedule interleaves the requests' steps in a
// random order. Checked after every step and at the end:
// - nothing is ever negative;
// - when every request's usage stays within its reservation, spent + held never exceeds the limit
//   and no charge fails;
// - in general, spent + held never exceeds the limit by more than the usage reported in the charges
//   that failed (each stopped request's last delta), so with one request outgrowing its reservation
//   at a time the overshoot is below one request's largest reservation;
// - at the end nothing is held and spent equals the sum of all usage recorded.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { BudgetLine, BudgetStore } from './budget-store.ts';

interface Plan {
  readonly reserve: number;
  readonly deltas: readonly number[];
}

const T0 = Date.parse('2026-03-10T12:00:00Z');
const LEASE = T0 + 3_600_000;

async function runSchedule(store: BudgetStore, limit: number, plans: readonly Plan[], schedule: readonly number[]) {
  const l: BudgetLine = { key: `prop:${randomUUID()}`, limit, windowStartMs: T0, windowEndMs: T0 + 86_400_000 };
  // Per request: next step (0 = reserve, 1..n = deltas, n+1 = settle, -1 = done), recorded usage.
  const step = plans.map(() => 0);
  const stopped = plans.map(() => false);
  let recorded = 0;
  let failedUsage = 0;
  let anyFailure = false;
  const check = (spent: number, held: number) => {
    assert.ok(spent >= 0 && held >= 0, `negative state ${spent}/${held}`);
    assert.ok(spent + held <= limit + failedUsage, `spent ${spent} + held ${held} > limit ${limit} + failed usage ${failedUsage}`);
  };
  const advance = async (i: number) => {
    const p = plans[i]!;
    const s = step[i]!;
    if (s < 0) return;
    const id = `req-${i}`;
    if (s === 0) {
      const r = await store.reserve([l], [p.reserve], id, LEASE, T0);
      check(r.states[0]!.spent, r.states[0]!.held);
      step[i] = r.ok ? 1 : -1;
      return;
    }
    if (s <= p.deltas.length && !stopped[i]) {
      const d = p.deltas[s - 1]!;
      const r = await store.charge([l], [d], id, LEASE, T0);
      recorded += d;
      if (!r.ok) {
        anyFailure = true;
        failedUsage += d;
        stopped[i] = true;
      }
      check(r.states[0]!.spent, r.states[0]!.held);
      step[i] = s + 1;
      return;
    }
    const r = await store.settle([l], [0], id, T0);
    check(r.states[0]!.spent, r.states[0]!.held);
    step[i] = -1;
  };
  for (const i of schedule) await advance(i % plans.length);
  for (let i = 0; i < plans.length; i++) while (step[i]! >= 0) await advance(i);
  const [final] = await store.peek([l], T0);
  return { final: final!, recorded, anyFailure, failedUsage };
}

const planArb = (maxDelta: number) =>
  fc.record({
    reserve: fc.integer({ min: 0, max: 60 }),
    deltas: fc.array(fc.integer({ min: 0, max: maxDelta }), { maxLength: 6 }),
  });

export function budgetStoreProperties(getStore: () => BudgetStore, numRuns: number): void {
  it('property: usage within reservations never overshoots, never fails, and totals are exact', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 300 }),
        fc.array(planArb(30), { minLength: 1, maxLength: 12 }),
        fc.array(fc.nat({ max: 1000 }), { maxLength: 80 }),
        async (limit, raw, schedule) => {
          // Scale each request's deltas down so they sum to at most its reservation.
          const plans = raw.map((p) => {
            let left = p.reserve;
            return { reserve: p.reserve, deltas: p.deltas.map((d) => ((d = Math.min(d, left)), (left -= d), d)) };
          });
          const r = await runSchedule(getStore(), limit, plans, schedule);
          assert.equal(r.anyFailure, false);
          assert.equal(r.failedUsage, 0);
          assert.deepEqual(r.final, { spent: r.recorded, held: 0 });
          assert.ok(r.final.spent <= limit);
        },
      ),
      { numRuns },
    );
  });

  it('property: usage beyond reservations overshoots by at most the failing charges, never goes negative, and totals are exact', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 300 }),
        fc.array(planArb(60), { minLength: 1, maxLength: 12 }),
        fc.array(fc.nat({ max: 1000 }), { maxLength: 80 }),
        async (limit, plans, schedule) => {
          const r = await runSchedule(getStore(), limit, plans, schedule);
          assert.deepEqual(r.final, { spent: r.recorded, held: 0 });
          assert.ok(r.final.spent <= limit + r.failedUsage);
        },
      ),
      { numRuns },
    );
  });

  it('property: with one request at a time outgrowing its reservation, the overshoot stays below one reservation', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 300 }),
        fc.array(planArb(30), { minLength: 1, maxLength: 12 }),
        async (limit, raw) => {
          // Requests run one after another (no overlap); each reports its usage in deltas no larger
          // than its own reservation, and may outgrow it.
          const plans = raw.map((p) => ({ reserve: p.reserve, deltas: p.deltas.map((d) => Math.min(d, p.reserve)) }));
          const sequential = plans.flatMap((p, i) => Array.from({ length: p.deltas.length + 2 }, () => i));
          const r = await runSchedule(getStore(), limit, plans, sequential);
          const maxReservation = Math.max(0, ...plans.map((p) => p.reserve));
          assert.deepEqual(r.final, { spent: r.recorded, held: 0 });
          assert.ok(r.final.spent <= limit + maxReservation, `spent ${r.final.spent} > ${limit} + ${maxReservation}`);
        },
      ),
      { numRuns },
    );
  });
}
