import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Principal } from '../../runtime/context.ts';
import type { TokenUsage } from '../../runtime/usage.ts';
import { PriceTable } from '../costs/pricing.ts';
import { StoreUnavailableError } from '../limits/redis-connection.ts';
import type { BudgetStore } from './budget-store.ts';
import { BudgetGuard } from './budgets.ts';
import type { BudgetAdmission, BudgetConfig, BudgetGuardOptions, BudgetReservation } from './budgets.ts';
import { MemoryBudgetStore } from './memory-budget-store.ts';

const T0 = Date.parse('2026-03-10T12:00:00Z');
const MARCH_END = Date.parse('2026-04-01T00:00:00Z');

const vk = (id: string, budget?: string, team?: string): Principal => ({ kind: 'virtual-key', id, team, claims: budget !== undefined ? { budget } : {} });

function usage(input: number, output: number, extra: Partial<TokenUsage> = {}): TokenUsage {
  return { inputTokens: input, outputTokens: output, totalTokens: input + output, cachedInputTokens: 0, cacheCreationInputTokens: 0, reasoningTokens: 0, ...extra };
}

/** Counts store calls (to show which paths touch the store). */
function counting(store: BudgetStore): BudgetStore & { calls: Record<string, number> } {
  const calls: Record<string, number> = { reserve: 0, charge: 0, settle: 0 };
  return {
    kind: store.kind,
    calls,
    reserve: (...a) => (calls['reserve']!++, store.reserve(...a)),
    charge: (...a) => (calls['charge']!++, store.charge(...a)),
    settle: (...a) => (calls['settle']!++, store.settle(...a)),
    peek: (...a) => store.peek(...a),
    health: () => store.health(),
    close: () => store.close(),
  };
}

function setup(budgets: BudgetConfig[], options: Partial<BudgetGuardOptions> = {}) {
  const clock = { now: T0 };
  const inner = new MemoryBudgetStore();
  const store = counting(inner);
  const guard = new BudgetGuard(budgets, store, { now: () => clock.now, ...options });
  assert.deepEqual(guard.problems, []);
  const spent = async (key: string, windowStartMs = Date.parse('2026-03-01T00:00:00Z'), windowEndMs = MARCH_END) =>
    (await inner.peek([{ key, limit: 0, windowStartMs, windowEndMs }], clock.now))[0]!;
  return { clock, store, guard, spent };
}

async function admit(a: BudgetAdmission | Promise<BudgetAdmission>): Promise<BudgetReservation> {
  const r = await a;
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  assert.ok(r.reservation);
  return r.reservation;
}

const monthly: BudgetConfig = { name: 'team-monthly', unit: 'tokens', limit: 1000, window: { calendar: 'Month' } };
const body = (maxTokens: number) => ({ messages: [{ role: 'user', content: 'x'.repeat(80) }], max_tokens: maxTokens });
// 'user' + 80 chars = 84 → ceil(84/4 × 1.25) = 27, + 4 framing = 31 input tokens.
const INPUT_EST = 31;

describe('BudgetGuard', () => {
  it('admits without any store call when no budget applies', () => {
    const { guard, store } = setup([monthly]);
    const r = guard.begin({ requestId: 'r1', principal: vk('k'), model: 'm', body: body(10) });
    assert.ok(!(r instanceof Promise) && r.ok && r.reservation === undefined);
    assert.equal(store.calls['reserve'], 0);
  });

  it('reserves before, updates locally within the reservation, records the actual usage at the end', async () => {
    const { guard, store, spent } = setup([monthly]);
    const res = await admit(guard.begin({ requestId: 'r1', principal: vk('alice', 'team-monthly'), model: 'm', body: body(100) }));
    assert.deepEqual(res.reservations, [{ budget: 'team-monthly', reserved: INPUT_EST + 100, unit: 'tokens' }]);
    assert.deepEqual(await spent('team-monthly|p:alice'), { spent: 0, held: INPUT_EST + 100 });
    for (let out = 10; out <= 60; out += 10) {
      const u = res.update(usage(25, out));
      assert.ok(!(u instanceof Promise) && u.ok, 'within the reservation: synchronous');
    }
    assert.equal(store.calls['charge'], 0, 'no store round trip while within the reservation');
    await res.end(usage(25, 60));
    assert.deepEqual(await spent('team-monthly|p:alice'), { spent: 85, held: 0 });
    await res.end(usage(25, 999));
    assert.deepEqual(await spent('team-monthly|p:alice'), { spent: 85, held: 0 }, 'end is idempotent');
  });

  it('parallel requests cannot all pass one check (upstream #680/#2394)', async () => {
    const { guard, clock, spent } = setup([monthly]);
    const alice = vk('alice', 'team-monthly');
    const each = INPUT_EST + 269; // 300
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => guard.begin({ requestId: `p${i}`, principal: alice, model: 'm', body: body(269) })));
    assert.equal(results.filter((r) => r.ok).length, 3, '3 × 300 fit in 1000, the 4th does not');
    const refused = results.find((r) => !r.ok);
    assert.ok(refused && !refused.ok);
    assert.equal(refused.error.status, 429);
    assert.equal(refused.error.code, 'budget_exhausted');
    assert.equal(refused.error.type, 'insufficient_quota');
    assert.equal(refused.error.headers['retry-after'], String((MARCH_END - clock.now) / 1000));
    assert.match(refused.error.message, /budget 'team-monthly' is exhausted: 0 tokens of 1000 tokens used in the current Month window/);
    const first = results[0]!;
    assert.ok(first.ok && first.reservation);
    await first.reservation.end(usage(20, 30));
    assert.deepEqual(await spent('team-monthly|p:alice'), { spent: 50, held: 2 * each });
    assert.ok((await guard.begin({ requestId: 'p9', principal: alice, model: 'm', body: body(269) })).ok, 'the released reservation is usable again');
  });

  it('a stream that outgrows its reservation is charged; it is stopped when the budget runs out', async () => {
    const { guard, store, spent } = setup([monthly]);
    const alice = vk('alice', 'team-monthly');
    const res = await admit(guard.begin({ requestId: 's1', principal: alice, model: 'm', body: body(10) }));
    const grew = await res.update(usage(25, 500));
    assert.ok(grew.ok, 'the excess fits the budget');
    assert.equal(store.calls['charge'], 1);
    const other = await admit(guard.begin({ requestId: 's2', principal: alice, model: 'm', body: body(400) }));
    const over = await res.update(usage(25, 700));
    assert.equal(over.ok, false);
    assert.equal(over.error?.code, 'budget_exhausted');
    await res.end(usage(25, 700));
    await other.end(usage(10, 10));
    assert.deepEqual(await spent('team-monthly|p:alice'), { spent: 725 + 20, held: 0 }, 'all real usage is recorded');
  });

  it('serialises overlapping updates of one request', async () => {
    const { guard, spent } = setup([monthly]);
    const res = await admit(guard.begin({ requestId: 'o1', principal: vk('a', 'team-monthly'), model: 'm', body: body(1) }));
    await Promise.all([res.update(usage(10, 100)), res.update(usage(10, 200)), res.update(usage(10, 300)), res.end(usage(10, 310))]);
    assert.deepEqual(await spent('team-monthly|p:a'), { spent: 320, held: 0 });
  });

  it('renews the lease of a long stream even within its reservation', async () => {
    const { guard, store, clock } = setup([monthly], { leaseMs: 60_000 });
    const res = await admit(guard.begin({ requestId: 'l1', principal: vk('a', 'team-monthly'), model: 'm', body: body(500) }));
    clock.now += 29_000;
    assert.ok(!((res.update(usage(10, 10))) instanceof Promise));
    clock.now += 2_000;
    await res.update(usage(10, 20));
    assert.equal(store.calls['charge'], 1, 'past half the lease: one renewing charge');
  });

  it('money budgets: priced reservations and exact micro-dollar charges', async () => {
    const prices = new PriceTable({ models: { 'gpt-4o': { input: '2.50', cachedInput: '1.25', output: '10.00' } } });
    const { guard, spent } = setup([{ name: 'usd', unit: 'usd', limit: '0.01', window: { calendar: 'Day' }, per: 'team', appliesTo: { teams: ['ml'] } }], { prices });
    const p: Principal = { kind: 'jwt', id: 'u1', team: 'ml' };
    const dayStart = Date.parse('2026-03-10T00:00:00Z');
    const dayEnd = Date.parse('2026-03-11T00:00:00Z');
    const res = await admit(guard.begin({ requestId: 'm1', principal: p, model: 'gpt-4o', body: body(100) }));
    // 31 input × 2.5 + 100 output × 10 µ$ = 77.5 + 1000 → 1078 µ$
    assert.deepEqual(res.reservations, [{ budget: 'usd', reserved: 1078, unit: 'usd' }]);
    await res.end(usage(1000, 50, { cachedInputTokens: 400 }));
    // 600 × 2.5 + 400 × 1.25 + 50 × 10 = 1500 + 500 + 500
    assert.deepEqual(await spent('usd|t:ml', dayStart, dayEnd), { spent: 2500, held: 0 });
    const big = await guard.begin({ requestId: 'm2', principal: p, model: 'gpt-4o', body: body(1000) });
    assert.ok(!big.ok);
    assert.match(big.error.message, /\$0\.002500 of \$0\.010000 used in the current Day window/);
  });

  it('refuses a USD budget on an unpriced model unless told to treat it as free', async () => {
    const prices = new PriceTable({ models: {} });
    const b: BudgetConfig = { name: 'usd', unit: 'usd', limit: 5, window: { calendar: 'Month' }, appliesTo: { all: true } };
    const strict = await setup([b], { prices }).guard.begin({ requestId: 'u1', principal: undefined, model: 'mystery', body: body(1) });
    assert.ok(!strict.ok && strict.error.status === 403);
    const free = await setup([b], { prices, unpricedModels: 'free' }).guard.begin({ requestId: 'u1', principal: undefined, model: 'mystery', body: body(1) });
    assert.ok(free.ok);
  });

  it('selects budgets by virtual key, id, team and all; filters by model; scopes per principal, team or shared', () => {
    const { guard } = setup([
      { ...monthly, name: 'by-key' },
      { ...monthly, name: 'everyone', appliesTo: { all: true }, per: 'shared' },
      { ...monthly, name: 'ids', appliesTo: { ids: ['bob'] } },
      { ...monthly, name: 'team', appliesTo: { teams: ['ml'] }, per: 'team', models: ['gpt-4o*'] },
    ]);
    assert.deepEqual(guard.budgetNamesFor(vk('alice', 'by-key', 'ml'), 'gpt-4o-mini'), ['by-key', 'everyone', 'team']);
    assert.deepEqual(guard.budgetNamesFor(vk('alice', 'by-key', 'ml'), 'llama'), ['by-key', 'everyone']);
    assert.deepEqual(guard.budgetNamesFor({ kind: 'api-key', id: 'bob' }, 'x'), ['everyone', 'ids']);
    assert.deepEqual(guard.budgetNamesFor({ kind: 'jwt', id: 'eve', claims: { budget: 'by-key' } }, 'x'), ['everyone'], 'only virtual keys name budgets by claim');
  });

  it('fails open (uncounted) or closed (503) when the store is unreachable', async () => {
    const broken = new MemoryBudgetStore();
    broken.reserve = () => {
      throw new StoreUnavailableError('down');
    };
    const open = await new BudgetGuard([{ ...monthly, appliesTo: { all: true } }], broken).begin({ requestId: 'f1', principal: undefined, model: 'm' });
    assert.ok(open.ok && open.degraded && open.reservation === undefined);
    const closed = await new BudgetGuard([{ ...monthly, appliesTo: { all: true } }], broken, { failureMode: 'closed' }).begin({ requestId: 'f1', principal: undefined, model: 'm' });
    assert.ok(!closed.ok && closed.error.status === 503 && closed.error.headers['retry-after'] === '1');
  });

  it('reports configuration problems', () => {
    const g = new BudgetGuard(
      [
        { ...monthly, name: 'a' },
        { ...monthly, name: 'a' },
        { ...monthly, name: 'b', limit: -1 },
        { ...monthly, name: 'c', unit: 'usd', limit: '1.0000001' },
        { ...monthly, name: 'd', unit: 'usd', limit: '1' },
        { ...monthly, name: 'e', window: { durationMs: 0 } },
      ],
      new MemoryBudgetStore(),
    );
    assert.equal(g.problems.length, 5, g.problems.join('\n'));
    assert.deepEqual(g.names, ['a', 'd']);
  });
});
