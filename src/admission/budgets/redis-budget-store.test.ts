import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startRedisServer } from '../../../test/support/redis.ts';
import type { RedisServerHandle } from '../../../test/support/redis.ts';
import { budgetStoreCases } from './budget-store.cases.ts';
import { budgetStoreProperties } from './budget-store.property.ts';
import { RedisBudgetStore } from './redis-budget-store.ts';
import { BudgetGuard } from './budgets.ts';
import type { BudgetAdmission } from './budgets.ts';

describe('RedisBudgetStore: shared BudgetStore cases', () => {
  let redis: RedisServerHandle | undefined;
  let store: RedisBudgetStore | undefined;
  before(async () => {
    redis = await startRedisServer();
    store = new RedisBudgetStore({ redis: { url: redis.url, commandTimeoutMs: 1000 } });
    assert.ok(await store.connection.ready(5000));
  });
  after(async () => {
    await store?.close();
    await redis?.stop();
  });
  budgetStoreCases(() => store!);
  budgetStoreProperties(() => store!, 40);

  it('namespaces its keys and expires them a day after the window', async () => {
    const now = Date.now();
    const windowStartMs = now - (now % 3_600_000);
    const line = { key: 'team:ml', limit: 10, windowStartMs, windowEndMs: windowStartMs + 3_600_000 };
    await store!.reserve([line], [5], 'r1', now + 60_000, now);
    const client = store!.connection.client;
    const ttl = await client.pttl(`sluice:bg:team:ml:${windowStartMs}`);
    assert.ok(ttl > 86_400_000 && ttl <= 86_400_000 + 3_600_000, `ttl ${ttl}`);
    assert.ok((await client.pttl(`sluice:bg:team:ml:${windowStartMs}:l`)) > 0);
  });
});

describe('BudgetGuard over Redis when Redis fails', () => {
  let redis: RedisServerHandle | undefined;
  let store: RedisBudgetStore | undefined;
  before(async () => {
    redis = await startRedisServer();
    store = new RedisBudgetStore({ redis: { url: redis.url, commandTimeoutMs: 150, maxReconnectDelayMs: 100 } });
    assert.ok(await store.connection.ready(5000));
  });
  after(async () => {
    await store?.close();
    await redis?.stop();
  });

  it('fails open or closed without hanging, and resumes after a restart', async () => {
    const budgets = [{ name: 'b', unit: 'tokens' as const, limit: 1_000_000, window: { calendar: 'Day' as const }, appliesTo: { all: true } }];
    const open = new BudgetGuard(budgets, store!);
    const closed = new BudgetGuard(budgets, store!, { failureMode: 'closed' });
    const req = (id: string) => ({ requestId: id, principal: undefined, model: 'm', body: { messages: [], max_tokens: 10 } });
    const first = await open.begin(req('a'));
    assert.ok(first.ok && first.reservation);
    await redis!.kill();
    const bounded = (p: BudgetAdmission | Promise<BudgetAdmission>) => Promise.race([Promise.resolve(p), new Promise<'hung'>((r) => setTimeout(() => r('hung'), 3000).unref())]);
    const o = await bounded(open.begin(req('b')));
    const c = await bounded(closed.begin(req('c')));
    assert.ok(o !== 'hung' && o.ok && o.degraded, 'fail-open admits, uncounted');
    assert.ok(c !== 'hung' && !c.ok && c.error.status === 503, 'fail-closed refuses with 503');
    await first.reservation.end({ inputTokens: 1, outputTokens: 1, totalTokens: 2, cachedInputTokens: 0, cacheCreationInputTokens: 0, reasoningTokens: 0 });
    assert.equal(store!.health().up, false);
    await redis!.restart();
    const deadline = Date.now() + 15_000;
    let resumed: BudgetAdmission | undefined;
    while (Date.now() < deadline) {
      resumed = await closed.begin(req(`d${Date.now()}`));
      if (resumed.ok) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(resumed?.ok && resumed.reservation, 'budgets resume when Redis returns');
    assert.equal(store!.health().up, true);
    await resumed.reservation.end();
  });

  it('a reservation that timed out but was made after the hang is released at once (no phantom hold)', async () => {
    const budgets = [{ name: 'late', unit: 'tokens' as const, limit: 1_000_000, window: { calendar: 'Day' as const }, per: 'shared' as const, appliesTo: { all: true } }];
    const open = new BudgetGuard(budgets, store!);
    const closed = new BudgetGuard(budgets, store!, { failureMode: 'closed' });
    const req = (id: string) => ({ requestId: id, principal: undefined, model: 'm', body: { messages: [], max_tokens: 10 } });
    const bounded = (p: BudgetAdmission | Promise<BudgetAdmission>) => Promise.race([Promise.resolve(p), new Promise<'hung'>((r) => setTimeout(() => r('hung'), 3000).unref())]);
    // Reachable, and nothing held.
    const deadline = Date.now() + 15_000;
    let first: BudgetAdmission | undefined;
    while (Date.now() < deadline && !(first?.ok && first.reservation)) first = await open.begin(req(`warm${Date.now()}`));
    assert.ok(first?.ok && first.reservation);
    await first.reservation.end();
    const now = Date.now();
    const day = now - (now % 86_400_000);
    const line = { key: 'late|*', limit: 1_000_000, windowStartMs: day, windowEndMs: day + 86_400_000 };
    assert.equal((await store!.peek([line], now))[0]!.held, 0);
    const undoneBefore = store!.connection.undoneLateReplies;

    redis!.pause();
    try {
      const o = await bounded(open.begin(req('late-open')));
      const c = await bounded(closed.begin(req('late-closed')));
      assert.ok(o !== 'hung' && o.ok && o.degraded && o.reservation === undefined, 'fail-open admits, uncounted');
      assert.ok(c !== 'hung' && !c.ok && c.error.status === 503, 'fail-closed refuses with 503');
    } finally {
      redis!.resume();
    }
    const until = Date.now() + 15_000;
    while (Date.now() < until && store!.connection.undoneLateReplies < undoneBefore + 2) await new Promise((r) => setTimeout(r, 50));
    assert.equal(store!.connection.undoneLateReplies, undoneBefore + 2, 'both late reservations were seen');
    let state = (await store!.peek([line], Date.now()))[0]!;
    while (Date.now() < until && state.held !== 0) state = (await store!.peek([line], Date.now()))[0]!;
    assert.deepEqual(state, { spent: 0, held: 0 });
  });
});
