import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startRedisServer } from '../../../test/support/redis.ts';
import type { RedisServerHandle } from '../../../test/support/redis.ts';
import { emptyUsage } from '../../runtime/usage.ts';
import { StoreUnavailableError } from '../limits/redis-connection.ts';
import { RedisUsageLedger } from './redis-usage-ledger.ts';
import { usageLedgerCases } from './usage-ledger.cases.ts';

describe('RedisUsageLedger: shared UsageLedger cases', () => {
  let redis: RedisServerHandle | undefined;
  let ledger: RedisUsageLedger | undefined;
  before(async () => {
    redis = await startRedisServer();
    ledger = new RedisUsageLedger({ redis: { url: redis.url, commandTimeoutMs: 1000 }, retentionMs: 10 * 365 * 86_400_000 });
    assert.ok(await ledger.connection.ready(5000));
  });
  after(async () => {
    await ledger?.close();
    await redis?.stop();
  });
  usageLedgerCases(() => ledger!);

  it('shares totals between replicas and expires buckets after the retention', async () => {
    const other = new RedisUsageLedger({ redis: { url: redis!.url }, retentionMs: 10 * 365 * 86_400_000 });
    try {
      assert.ok(await other.connection.ready(5000), 'stores are used once connected (start-up waits for ready())');
      const at = Date.parse('2027-01-01T00:00:00Z');
      await ledger!.record({ identity: 'r1', model: 'm', backend: 'b', usage: emptyUsage(), costMicros: 5, atMs: at });
      await other.record({ identity: 'r1', model: 'm', backend: 'b', usage: emptyUsage(), costMicros: 5, atMs: at });
      const r = await other.query({ fromMs: at, toMs: at + 1 });
      assert.equal(r.rows[0]?.totals.costMicros, 10);
      const ttl = await ledger!.connection.client.pttl(`sluice:usage:${at}`);
      assert.ok(ttl > 0, 'the bucket expires');
    } finally {
      await other.close();
    }
  });

  it('rejects with StoreUnavailableError when Redis is gone', async () => {
    const gone = new RedisUsageLedger({ redis: { url: 'redis://127.0.0.1:1', commandTimeoutMs: 100, connectTimeoutMs: 100 } });
    try {
      await assert.rejects(Promise.resolve(gone.record({ identity: 'x', model: 'm', backend: 'b', usage: emptyUsage(), costMicros: 0, atMs: 0 })), StoreUnavailableError);
      assert.equal(gone.health().up, false);
    } finally {
      await gone.close();
    }
  });
});
