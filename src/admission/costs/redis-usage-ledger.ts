// Redis UsageLedger: one hash per bucket, `<prefix>usage:<bucket start ms>`, with one field per
// dimension key and metric (`<identity>␟<team>␟<model>␟<backend>␟<metric>`), so every replica adds
// into the same totals with HINCRBY. record() is one Lua call (all increments and the expiry,
// atomically); query() reads the buckets of the window with one pipelined round trip.
import type { Redis } from 'ioredis';
import { RedisConnection, RedisScript } from '../limits/redis-connection.ts';
import type { RedisConnectionOptions, StoreHealth } from '../limits/redis-connection.ts';
import { DEFAULT_BUCKET_MS, DEFAULT_RETENTION_MS, USAGE_METRICS, bucketsOf, dimensionKey, emptyTotals, entryIncrements, groupRows } from './usage-ledger.ts';
import type { UsageEntry, UsageLedger, UsageLedgerOptions, UsageMetric, UsageQuery, UsageReport, UsageTotals } from './usage-ledger.ts';

// KEYS[1]: bucket hash. ARGV[1]: ttl ms, ARGV[2]: dimension key, then one increment per metric.
const RECORD = new RedisScript(`
local names = {${USAGE_METRICS.map((m) => `'${m}'`).join(', ')}}
for i = 1, #names do
  local n = tonumber(ARGV[i + 2])
  if n ~= 0 then redis.call('HINCRBY', KEYS[1], ARGV[2] .. '\\31' .. names[i], n) end
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
`);

export class RedisUsageLedger implements UsageLedger {
  readonly kind = 'redis' as const;
  readonly bucketMs: number;
  readonly connection: RedisConnection;
  private readonly retentionMs: number;
  private readonly owned: boolean;
  private readonly now: () => number;

  constructor(options: UsageLedgerOptions & { connection?: RedisConnection | undefined; redis?: RedisConnectionOptions | undefined } = {}) {
    this.bucketMs = options.bucketMs ?? DEFAULT_BUCKET_MS;
    this.retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
    this.owned = options.connection === undefined;
    this.connection = options.connection ?? new RedisConnection(options.redis ?? {});
    this.now = options.now ?? Date.now;
  }

  record(e: UsageEntry): Promise<void> {
    const start = Math.floor(e.atMs / this.bucketMs) * this.bucketMs;
    const ttl = Math.max(1000, start + this.bucketMs + this.retentionMs - this.now());
    return this.connection.run(async (client) => {
      await RECORD.run(client, [this.key(start)], [ttl, dimensionKey(e), ...entryIncrements(e)]);
    });
  }

  query(q: UsageQuery): Promise<UsageReport> {
    const span = bucketsOf(q.fromMs, q.toMs, this.bucketMs);
    return this.connection.run(async (client: Redis) => {
      const pipeline = client.pipeline();
      for (const start of span.starts) pipeline.hgetall(this.key(start));
      const replies = (await pipeline.exec()) ?? [];
      const merged = new Map<string, UsageTotals>();
      for (const [err, hash] of replies) {
        if (err) throw err;
        for (const [field, value] of Object.entries(hash as Record<string, string>)) {
          const cut = field.lastIndexOf('\u001f');
          const key = field.slice(0, cut);
          const metric = field.slice(cut + 1) as UsageMetric;
          let t = merged.get(key);
          if (t === undefined) {
            t = emptyTotals();
            merged.set(key, t);
          }
          if (metric in t) t[metric] += Number(value);
        }
      }
      return { window: { fromMs: span.fromMs, toMs: span.toMs }, rows: groupRows(merged, q) };
    });
  }

  health(): StoreHealth {
    return this.connection.health();
  }

  async close(): Promise<void> {
    if (this.owned) await this.connection.close();
  }

  private key(start: number): string {
    return `${this.connection.keyPrefix}usage:${start}`;
  }
}
