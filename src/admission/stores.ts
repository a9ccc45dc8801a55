// The governance stores of one gateway process: in memory (default), or shared by every replica
// through one Redis connection (`--redis-url`, SLUICE_REDIS_URL). Redis calls have a short timeout and
// never queue while it is down: the policies' fail-open / fail-closed choice applies, and counting
// resumes when it returns.
import { MemoryBudgetStore } from './budgets/memory-budget-store.ts';
import { RedisBudgetStore } from './budgets/redis-budget-store.ts';
import { MemoryUsageLedger } from './costs/usage-ledger.ts';
import { RedisUsageLedger } from './costs/redis-usage-ledger.ts';
import { MemoryLimitStore } from './limits/memory-store.ts';
import { RedisConnection } from './limits/redis-connection.ts';
import { RedisLimitStore } from './limits/redis-store.ts';
import type { BudgetStore } from './budgets/budget-store.ts';
import type { UsageLedger } from './costs/usage-ledger.ts';
import type { LimitStore } from './limits/limit-store.ts';

export interface GatewayStores {
  readonly kind: 'memory' | 'redis';
  readonly limits: LimitStore;
  readonly budgets: BudgetStore;
  readonly ledger: UsageLedger;
  close(): Promise<void>;
}

export function memoryStores(): GatewayStores {
  const limits = new MemoryLimitStore();
  return { kind: 'memory', limits, budgets: new MemoryBudgetStore(), ledger: new MemoryUsageLedger(), close: async () => (limits as { close?: () => unknown }).close?.() as undefined };
}

/**
 * The command timeout of the Redis stores: `SLUICE_REDIS_COMMAND_TIMEOUT_MS` (10 to 60000), else
 * 200 ms. Past it an operation counts as failed and the policies' failure mode applies, so on a
 * machine too loaded for Redis to answer in 200 ms, raise it rather than run uncounted.
 */
export function redisCommandTimeoutMs(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const v = Number(env['SLUICE_REDIS_COMMAND_TIMEOUT_MS']);
  return Number.isInteger(v) && v >= 10 && v <= 60_000 ? v : undefined;
}

export function redisStores(url: string, log: (line: string) => void): GatewayStores {
  const commandTimeoutMs = redisCommandTimeoutMs();
  const connection = new RedisConnection({ url, ...(commandTimeoutMs !== undefined ? { commandTimeoutMs } : {}) });
  connection.onHealthChange((h) => {
    log(h.up ? 'governance store: Redis is reachable again; shared counting resumes' : 'governance store: Redis is unreachable; policies apply their failure mode (fail open unless they say FailClose)');
  });
  return {
    kind: 'redis',
    limits: new RedisLimitStore({ connection }),
    budgets: new RedisBudgetStore({ connection }),
    ledger: new RedisUsageLedger({ connection }),
    close: () => connection.close(),
  };
}
