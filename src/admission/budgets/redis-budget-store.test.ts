import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startRedisServer } from '../../../test/support/redis.ts';
import type { RedisServerHandle } from '../../../test/support/redis.ts';
import { budgetStoreCases } from './budget-store.cases.ts';
import { budgetStoreProperties } from './budget-store.property.ts';
import { RedisBudgetStore } from './redis-budget-store.ts';

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
