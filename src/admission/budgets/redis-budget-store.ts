// Redis BudgetStore: budgets shared by every gateway replica. Per line (budget counter and window)
// a hash `<prefix>bg:<key>:<window start ms>` holds `spent`, `held` and each request's remaining
// hold (`r:<request id>`), and a sorted set `…:l` holds the request ids by lease end, so holds of a
// crashed replica are released by the next operation. Every operation is one Lua script (atomic
// over all the lines of the request), one round trip. Keys expire a day after their window. A
// reserve that timed out but ran late (a hung Redis waking up) is released at once: its caller went on
// without it and will never settle it.
import { RedisConnection, RedisScript } from '../limits/redis-connection.ts';
import type { RedisConnectionOptions, StoreHealth } from '../limits/redis-connection.ts';
import { BUDGET_STATE_GRACE_MS } from './budget-store.ts';
import type { BudgetLine, BudgetOpResult, BudgetState, BudgetStore } from './budget-store.ts';

// Releases the holds of `h` whose lease ended by `now`.
const EXPIRE = `
local function expire(h, l, now)
  local ids = redis.call('ZRANGEBYSCORE', l, '-inf', now)
  if #ids == 0 then return end
  for _, id in ipairs(ids) do
    local rem = tonumber(redis.call('HGET', h, 'r:' .. id) or '0')
    if rem > 0 then redis.call('HINCRBY', h, 'held', -rem) end
    redis.call('HDEL', h, 'r:' .. id)
  end
  redis.call('ZREMRANGEBYSCORE', l, '-inf', now)
end
local function num(h, f) return tonumber(redis.call('HGET', h, f) or '0') end
`;

// KEYS: per line hash, lease set. ARGV: now, id, leaseUntil, then per line limit, amount, ttl.
const RESERVE = new RedisScript(`${EXPIRE}
local now, id, lease = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3])
local n = #KEYS / 2
local out = {1, -1}
local failed = -1
for i = 1, n do
  local h, l = KEYS[2 * i - 1], KEYS[2 * i]
  expire(h, l, now)
  local b = 3 + (i - 1) * 3
  if failed < 0 and num(h, 'spent') + num(h, 'held') + tonumber(ARGV[b + 2]) > tonumber(ARGV[b + 1]) then failed = i - 1 end
end
if failed < 0 then
  for i = 1, n do
    local h, l = KEYS[2 * i - 1], KEYS[2 * i]
    local b = 3 + (i - 1) * 3
    local amount = tonumber(ARGV[b + 2])
    if amount > 0 then
      redis.call('HINCRBY', h, 'held', amount)
      redis.call('HINCRBY', h, 'r:' .. id, amount)
      redis.call('ZADD', l, lease, id)
      redis.call('PEXPIRE', h, ARGV[b + 3])
      redis.call('PEXPIRE', l, ARGV[b + 3])
    end
  end
else
  out[1] = 0
  out[2] = failed
end
for i = 1, n do
  local h = KEYS[2 * i - 1]
  table.insert(out, num(h, 'spent'))
  table.insert(out, num(h, 'held'))
end
return out
`);

// KEYS: per line hash, lease set. ARGV: now, id, leaseUntil, final (1/0), then per line limit, delta, ttl.
const APPLY = new RedisScript(`${EXPIRE}
local now, id, lease, final = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3]), ARGV[4] == '1'
local n = #KEYS / 2
local failed = -1
local out = {1, -1}
for i = 1, n do
  local h, l = KEYS[2 * i - 1], KEYS[2 * i]
  expire(h, l, now)
  local b = 4 + (i - 1) * 3
  local limit, delta = tonumber(ARGV[b + 1]), tonumber(ARGV[b + 2])
  if delta < 0 then delta = 0 end
  local rem = redis.call('HGET', h, 'r:' .. id)
  local fromHold = 0
  if rem then
    rem = tonumber(rem)
    fromHold = math.min(delta, rem)
    rem = rem - fromHold
    if fromHold > 0 then redis.call('HINCRBY', h, 'held', -fromHold) end
  end
  if delta > 0 then redis.call('HINCRBY', h, 'spent', delta) end
  if final then
    if rem then
      if rem > 0 then redis.call('HINCRBY', h, 'held', -rem) end
      redis.call('HDEL', h, 'r:' .. id)
      redis.call('ZREM', l, id)
    end
  elseif rem then
    redis.call('HSET', h, 'r:' .. id, rem)
    redis.call('ZADD', l, lease, id)
  end
  redis.call('PEXPIRE', h, ARGV[b + 3])
  if redis.call('EXISTS', l) == 1 then redis.call('PEXPIRE', l, ARGV[b + 3]) end
  if failed < 0 and delta > fromHold and num(h, 'spent') + num(h, 'held') > limit then failed = i - 1 end
end
if failed >= 0 then
  out[1] = 0
  out[2] = failed
end
for i = 1, n do
  local h = KEYS[2 * i - 1]
  table.insert(out, num(h, 'spent'))
  table.insert(out, num(h, 'held'))
end
return out
`);

// KEYS: per line hash, lease set. ARGV: now.
const PEEK = new RedisScript(`${EXPIRE}
local out = {}
for i = 1, #KEYS / 2 do
  local h, l = KEYS[2 * i - 1], KEYS[2 * i]
  expire(h, l, tonumber(ARGV[1]))
  table.insert(out, num(h, 'spent'))
  table.insert(out, num(h, 'held'))
end
return out
`);

export interface RedisBudgetStoreOptions {
  readonly connection?: RedisConnection | undefined;
  readonly redis?: RedisConnectionOptions | undefined;
}

export class RedisBudgetStore implements BudgetStore {
  readonly kind = 'redis' as const;
  readonly connection: RedisConnection;
  private readonly owned: boolean;

  constructor(options: RedisBudgetStoreOptions = {}) {
    this.owned = options.connection === undefined;
    this.connection = options.connection ?? new RedisConnection(options.redis ?? {});
  }

  reserve(lines: readonly BudgetLine[], amounts: readonly number[], requestId: string, leaseUntilMs: number, nowMs: number): Promise<BudgetOpResult> {
    const args: (string | number)[] = [nowMs, requestId, leaseUntilMs];
    lines.forEach((l, i) => args.push(l.limit, Math.max(0, Math.ceil(amounts[i] ?? 0)), ttl(l, nowMs)));
    return this.connection.run(
      async (c) => result((await RESERVE.run(c, this.keys(lines), args)) as number[]),
      // Timed out but executed late: nobody will settle this hold, so it is released at once.
      (late) => (late.ok ? this.settle(lines, [], requestId, nowMs) : undefined),
    );
  }

  charge(lines: readonly BudgetLine[], deltas: readonly number[], requestId: string, leaseUntilMs: number, nowMs: number): Promise<BudgetOpResult> {
    return this.apply(lines, deltas, requestId, leaseUntilMs, nowMs, false);
  }

  settle(lines: readonly BudgetLine[], deltas: readonly number[], requestId: string, nowMs: number): Promise<BudgetOpResult> {
    return this.apply(lines, deltas, requestId, 0, nowMs, true);
  }

  peek(lines: readonly BudgetLine[], nowMs: number): Promise<readonly BudgetState[]> {
    return this.connection.run(async (c) => pairs((await PEEK.run(c, this.keys(lines), [nowMs])) as number[], 0));
  }

  health(): StoreHealth {
    return this.connection.health();
  }

  async close(): Promise<void> {
    if (this.owned) await this.connection.close();
  }

  private apply(lines: readonly BudgetLine[], deltas: readonly number[], requestId: string, leaseUntilMs: number, nowMs: number, final: boolean): Promise<BudgetOpResult> {
    const args: (string | number)[] = [nowMs, requestId, leaseUntilMs, final ? '1' : '0'];
    lines.forEach((l, i) => args.push(l.limit, Math.max(0, Math.ceil(deltas[i] ?? 0)), ttl(l, nowMs)));
    return this.connection.run(async (c) => result((await APPLY.run(c, this.keys(lines), args)) as number[]));
  }

  private keys(lines: readonly BudgetLine[]): string[] {
    const keys: string[] = [];
    for (const l of lines) {
      const h = `${this.connection.keyPrefix}bg:${l.key}:${l.windowStartMs}`;
      keys.push(h, `${h}:l`);
    }
    return keys;
  }
}

function ttl(l: BudgetLine, nowMs: number): number {
  return Math.max(1000, l.windowEndMs + BUDGET_STATE_GRACE_MS - nowMs);
}

function pairs(flat: readonly number[], from: number): BudgetState[] {
  const states: BudgetState[] = [];
  for (let i = from; i + 1 < flat.length; i += 2) states.push({ spent: flat[i]!, held: flat[i + 1]! });
  return states;
}

function result(reply: readonly number[]): BudgetOpResult {
  return { ok: reply[0] === 1, failed: reply[1] ?? -1, states: pairs(reply, 2) };
}
