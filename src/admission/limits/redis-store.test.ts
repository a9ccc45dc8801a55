// The Redis LimitStore against a real redis-server (test/support/redis.ts): the shared cases, then
// what happens when Redis dies, hangs and comes back.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startRedisServer } from '../../../test/support/redis.ts';
import type { RedisServerHandle } from '../../../test/support/redis.ts';
import { limitStoreCases } from './limit-store.cases.ts';
import { RateLimiter } from './rate-limit.ts';
import type { RateLimitDecision, RateLimitRequest } from './rate-limit.ts';
import { RedisConnection } from './redis-connection.ts';
import { RedisLimitStore } from './redis-store.ts';

const COMMAND_TIMEOUT_MS = 150;

/** Resolves 'hung' if `p` has not settled after `ms` (a bound, not a timing assertion). */
function settlesWithin<T>(p: Promise<T>, ms: number): Promise<T | 'hung'> {
  return Promise.race([p, new Promise<'hung'>((r) => setTimeout(() => r('hung'), ms).unref())]);
}

async function eventually(cond: () => Promise<boolean>, what: string, limitMs = 15_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`timed out waiting for ${what}`);
}

const request: RateLimitRequest = { headers: {}, clientAddress: '10.0.0.1', method: 'POST', path: '/v1/chat/completions', route: 'default/r' };

describe('RedisLimitStore: shared LimitStore cases', () => {
  let redis: RedisServerHandle | undefined;
  let store: RedisLimitStore | undefined;
  before(async () => {
    redis = await startRedisServer();
    store = new RedisLimitStore({ redis: { url: redis.url, commandTimeoutMs: 1000, keyPrefix: 'test:' } });
    assert.ok(await store.connection.ready(5000), 'connected to redis-server');
  });
  after(async () => {
    await store?.close();
    await redis?.stop();
  });
  limitStoreCases(() => store!);

  it('namespaces keys and sets an expiry on every counter', async () => {
    const now = Date.now();
    const windowStartMs = now - (now % 60_000);
    await store!.consume([{ key: 'ns-check', limit: 5, cost: 1, windowStartMs, windowMs: 60_000 }]);
    const client = store!.connection.client;
    const key = `test:rl:ns-check:${windowStartMs}`;
    assert.equal(await client.get(key), '1');
    const ttl = await client.pttl(key);
    assert.ok(ttl > 0 && ttl <= 65_000, `ttl ${ttl}`);
  });

  it('one round trip per operation: the script is loaded once, then called by its digest', async () => {
    const client = store!.connection.client;
    await client.script('FLUSH');
    const c = [{ key: 'rt', limit: 5, cost: 1, windowStartMs: 0, windowMs: 60_000 }];
    await store!.consume(c);
    const info1 = await client.info('commandstats');
    await store!.consume(c);
    await store!.consume(c);
    const info2 = await client.info('commandstats');
    const calls = (info: string, cmd: string) => Number(new RegExp(`cmdstat_${cmd}:calls=(\\d+)`).exec(info)?.[1] ?? 0);
    assert.equal(calls(info2, 'evalsha') - calls(info1, 'evalsha'), 2);
    assert.equal(calls(info2, 'eval') - calls(info1, 'eval'), 0);
  });
});

describe('RedisLimitStore when Redis fails', () => {
  let redis: RedisServerHandle | undefined;
  let conn: RedisConnection | undefined;
  before(async () => {
    redis = await startRedisServer();
    conn = new RedisConnection({ url: redis.url, commandTimeoutMs: COMMAND_TIMEOUT_MS, maxReconnectDelayMs: 100, keyPrefix: 'fail:' });
    assert.ok(await conn.ready(5000));
  });
  after(async () => {
    await conn?.close();
    await redis?.stop();
  });

  it('killed mid-run: fails open or closed at once, reports down, resumes when Redis returns', async () => {
    const store = new RedisLimitStore({ connection: conn! });
    const rules = [{ limit: { requests: 100, unit: 'Minute' as const } }];
    const open = new RateLimiter({ name: 'open', rules }, store);
    const closed = new RateLimiter({ name: 'closed', rules, failureMode: 'closed' }, store);
    assert.equal((await open.check(request)).allowed, true);
    assert.equal(store.health().up, true);

    const health: boolean[] = [];
    const unsubscribe = conn!.onHealthChange((h) => health.push(h.up));
    await redis!.kill();

    const o = await settlesWithin(Promise.resolve(open.check(request)), COMMAND_TIMEOUT_MS * 20);
    const c = await settlesWithin(Promise.resolve(closed.check(request)), COMMAND_TIMEOUT_MS * 20);
    assert.notEqual(o, 'hung');
    assert.notEqual(c, 'hung');
    const od = o as RateLimitDecision;
    const cd = c as RateLimitDecision;
    assert.deepEqual([od.allowed, od.degraded], [true, true], 'fail-open admits');
    assert.deepEqual([cd.allowed, cd.reason], [false, 'unavailable'], 'fail-closed refuses');
    assert.equal(store.health().up, false);
    assert.ok(store.health().failures >= 2);
    assert.ok(health.includes(false));

    await redis!.restart();
    await eventually(async () => {
      const d = await closed.check(request);
      return d.allowed && !d.degraded;
    }, 'the store to resume after redis-server restarted');
    assert.equal(store.health().up, true);
    assert.equal(health[health.length - 1], true);
    unsubscribe();
  });

  it('hung (SIGSTOP): every check settles within the command timeout, then recovers', async () => {
    const store = new RedisLimitStore({ connection: conn! });
    const l = new RateLimiter({ name: 'hang', rules: [{ limit: { requests: 100, unit: 'Minute' } }], failureMode: 'closed' }, store);
    await eventually(async () => (await l.check(request)).allowed, 'redis to be reachable');
    redis!.pause();
    try {
      const results = await Promise.all(Array.from({ length: 5 }, () => settlesWithin(Promise.resolve(l.check(request)), COMMAND_TIMEOUT_MS * 20)));
      for (const r of results) {
        assert.notEqual(r, 'hung');
        assert.equal((r as RateLimitDecision).reason, 'unavailable');
      }
      assert.match(store.health().lastError ?? '', /timed out/i);
    } finally {
      redis!.resume();
    }
    await eventually(async () => (await l.check(request)).allowed, 'the store to answer again after SIGCONT');
  });

  it('a consume that timed out but ran after the hang leaves no count (it is refunded)', async () => {
    const store = new RedisLimitStore({ connection: conn! });
    const l = new RateLimiter({ name: 'late', rules: [{ limit: { requests: 100, unit: 'Hour' } }] }, store);
    await eventually(async () => (await l.check(request)).allowed, 'redis to be reachable');
    const counter = { key: 'late|default/r|0', limit: 100, windowStartMs: Date.now() - (Date.now() % 3_600_000), windowMs: 3_600_000, cost: 1 };
    const before = (await store.peek([counter]))[0]!;
    const undoneBefore = conn!.undoneLateReplies;
    redis!.pause();
    try {
      const results = await Promise.all(Array.from({ length: 4 }, () => settlesWithin(Promise.resolve(l.check(request)), COMMAND_TIMEOUT_MS * 20)));
      for (const r of results) assert.deepEqual([(r as RateLimitDecision).allowed, (r as RateLimitDecision).degraded], [true, true], 'fail open, uncounted');
    } finally {
      redis!.resume();
    }
    // Redis runs the four consumes when it wakes; each is given back right after.
    await eventually(async () => conn!.undoneLateReplies === undoneBefore + 4, 'the late replies to be undone');
    await eventually(async () => (await store.peek([counter]))[0] === before, `the count to return to ${before}`);
  });
});
