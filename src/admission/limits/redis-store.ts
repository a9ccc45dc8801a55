// Redis LimitStore: counters shared by every gateway replica, the way Envoy's ratelimit service
// keeps them: one key per counter and window, `<prefix>rl:<counter key>:<window start ms>`,
// expiring shortly after its window ends. Each operation is one round trip: consume, add and refund
// are one Lua script each (atomic over all the counters of a request), peek is one MGET. A consume
// that timed out but ran late (a hung Redis waking up) is refunded: the caller was told it failed.
//
// Windows are computed by the gateway from its clock (not Redis TIME), so replicas need roughly
// synchronised clocks (NTP), as Envoy's ratelimit replicas do.
import type { ConsumeResult, LimitCounter, LimitStore } from './limit-store.ts';
import { RedisConnection, RedisScript } from './redis-connection.ts';
import type { RedisConnectionOptions, StoreHealth } from './redis-connection.ts';

/** Kept after a window ends, for late refunds and replicas whose clocks run a little behind. */
const EXPIRY_SLACK_MS = 5_000;

// KEYS: counters. ARGV: per counter limit, cost, ttl ms, enforce (1/0).
// Checks every enforced counter first; only when all fit does it add the costs.
const CONSUME = new RedisScript(`
local n = #KEYS
local counts = {}
local allowed = 1
for i = 1, n do
  local b = (i - 1) * 4
  local c = tonumber(redis.call('GET', KEYS[i]) or '0')
  counts[i] = c
  if ARGV[b + 4] == '1' and c + tonumber(ARGV[b + 2]) > tonumber(ARGV[b + 1]) then allowed = 0 end
end
if allowed == 1 then
  for i = 1, n do
    local b = (i - 1) * 4
    local cost = tonumber(ARGV[b + 2])
    if cost > 0 then
      counts[i] = redis.call('INCRBY', KEYS[i], cost)
      if counts[i] == cost then redis.call('PEXPIRE', KEYS[i], ARGV[b + 3]) end
    end
  end
end
table.insert(counts, 1, allowed)
return counts
`);

// KEYS: counters. ARGV: per counter cost, ttl ms.
const ADD = new RedisScript(`
local counts = {}
for i = 1, #KEYS do
  local cost = tonumber(ARGV[(i - 1) * 2 + 1])
  if cost > 0 then
    counts[i] = redis.call('INCRBY', KEYS[i], cost)
    if counts[i] == cost then redis.call('PEXPIRE', KEYS[i], ARGV[(i - 1) * 2 + 2]) end
  else
    counts[i] = tonumber(redis.call('GET', KEYS[i]) or '0')
  end
end
return counts
`);

// KEYS: counters. ARGV: per counter cost. Never below 0, never creates a key.
const REFUND = new RedisScript(`
local counts = {}
for i = 1, #KEYS do
  local v = redis.call('GET', KEYS[i])
  if v then
    local left = tonumber(v) - tonumber(ARGV[i])
    if left < 0 then left = 0 end
    redis.call('SET', KEYS[i], left, 'KEEPTTL')
    counts[i] = left
  else
    counts[i] = 0
  end
end
return counts
`);

export interface RedisLimitStoreOptions {
  /** An existing connection (shared with budgets and usage), or options for a new one owned by the store. */
  readonly connection?: RedisConnection | undefined;
  readonly redis?: RedisConnectionOptions | undefined;
  readonly now?: (() => number) | undefined;
}

export class RedisLimitStore implements LimitStore {
  readonly kind = 'redis' as const;
  readonly connection: RedisConnection;
  private readonly owned: boolean;
  private readonly now: () => number;

  constructor(options: RedisLimitStoreOptions = {}) {
    this.owned = options.connection === undefined;
    this.connection = options.connection ?? new RedisConnection(options.redis ?? {});
    this.now = options.now ?? Date.now;
  }

  consume(counters: readonly LimitCounter[]): Promise<ConsumeResult> {
    const now = this.now();
    const args: (string | number)[] = [];
    for (const c of counters) args.push(c.limit, c.cost, this.ttl(c, now), c.enforce === false ? '0' : '1');
    return this.connection.run(
      async (client) => {
        const reply = (await CONSUME.run(client, this.keys(counters), args)) as number[];
        return { allowed: reply[0] === 1, counts: reply.slice(1) };
      },
      // Timed out but executed late: the caller did not count on it, so it gives the costs back.
      (late) => (late.allowed ? this.refund(counters) : undefined),
    );
  }

  add(counters: readonly LimitCounter[]): Promise<readonly number[]> {
    const now = this.now();
    const args: (string | number)[] = [];
    for (const c of counters) args.push(c.cost, this.ttl(c, now));
    return this.connection.run(async (client) => (await ADD.run(client, this.keys(counters), args)) as number[]);
  }

  refund(counters: readonly LimitCounter[]): Promise<readonly number[]> {
    return this.connection.run(async (client) => (await REFUND.run(client, this.keys(counters), counters.map((c) => c.cost))) as number[]);
  }

  peek(counters: readonly LimitCounter[]): Promise<readonly number[]> {
    if (counters.length === 0) return Promise.resolve([]);
    return this.connection.run(async (client) => (await client.mget(...this.keys(counters))).map((v) => (v === null ? 0 : Number(v))));
  }

  health(): StoreHealth {
    return this.connection.health();
  }

  async close(): Promise<void> {
    if (this.owned) await this.connection.close();
  }

  private keys(counters: readonly LimitCounter[]): string[] {
    const prefix = this.connection.keyPrefix;
    return counters.map((c) => `${prefix}rl:${c.key}:${c.windowStartMs}`);
  }

  private ttl(c: LimitCounter, now: number): number {
    return Math.max(1000, c.windowStartMs + c.windowMs - now + EXPIRY_SLACK_MS);
  }
}
