// Usage totals for `GET /api/usage`: requests, tokens by class and cost, by identity, team, model
// and backend, over time buckets.
//
// Contract (every implementation; `usage-ledger.cases.ts` is the shared suite):
// - record(entry) adds one finished request to the bucket of `atMs` (bucket = `bucketMs`, default
//   one hour, aligned to the epoch). Totals are integers; cost is integer micro-dollars.
// - query({fromMs, toMs, groupBy, where}) sums every bucket that overlaps [fromMs, toMs): the
//   answer's resolution is one bucket, and `window` says which span was actually summed. Rows are
//   grouped by the `groupBy` dimensions (none = one total row), filtered by `where` (exact values),
//   and sorted by cost, then total tokens, descending.
// - A missing team is the empty string.
// - Buckets older than `retentionMs` (default 35 days) are dropped.
// The in-memory ledger is per process; the Redis one is shared by every replica.
import type { TokenUsage } from '../../runtime/usage.ts';
import type { MaybePromise } from '../limits/limit-store.ts';
import { alwaysUp } from '../limits/redis-connection.ts';
import type { StoreHealth } from '../limits/redis-connection.ts';

export const USAGE_DIMENSIONS = ['identity', 'team', 'model', 'backend'] as const;
export type UsageDimension = (typeof USAGE_DIMENSIONS)[number];

export interface UsageEntry {
  /** Principal id ('' for anonymous requests). */
  readonly identity: string;
  readonly team?: string | undefined;
  readonly model: string;
  readonly backend: string;
  readonly usage: TokenUsage;
  readonly costMicros: number;
  /** Epoch ms the request finished. */
  readonly atMs: number;
}

export const USAGE_METRICS = ['requests', 'inputTokens', 'outputTokens', 'totalTokens', 'cachedInputTokens', 'cacheCreationInputTokens', 'reasoningTokens', 'costMicros'] as const;
export type UsageMetric = (typeof USAGE_METRICS)[number];
export type UsageTotals = Record<UsageMetric, number>;

export interface UsageQuery {
  readonly fromMs: number;
  readonly toMs: number;
  readonly groupBy?: readonly UsageDimension[] | undefined;
  readonly where?: Partial<Readonly<Record<UsageDimension, string>>> | undefined;
}

export interface UsageRow {
  /** The values of the groupBy dimensions. */
  readonly key: Partial<Record<UsageDimension, string>>;
  readonly totals: UsageTotals;
}

export interface UsageReport {
  /** The span summed: [fromMs, toMs) widened to whole buckets. */
  readonly window: { readonly fromMs: number; readonly toMs: number };
  readonly rows: readonly UsageRow[];
}

export interface UsageLedger {
  readonly kind: 'memory' | 'redis';
  readonly bucketMs: number;
  record(entry: UsageEntry): MaybePromise<void>;
  query(q: UsageQuery): MaybePromise<UsageReport>;
  health(): StoreHealth;
  close(): Promise<void>;
}

export interface UsageLedgerOptions {
  readonly bucketMs?: number | undefined;
  readonly retentionMs?: number | undefined;
  readonly now?: (() => number) | undefined;
}

export const DEFAULT_BUCKET_MS = 3_600_000;
export const DEFAULT_RETENTION_MS = 35 * 86_400_000;

export function emptyTotals(): UsageTotals {
  return { requests: 0, inputTokens: 0, outputTokens: 0, totalTokens: 0, cachedInputTokens: 0, cacheCreationInputTokens: 0, reasoningTokens: 0, costMicros: 0 };
}

/** The metric increments of one entry, in USAGE_METRICS order. */
export function entryIncrements(e: UsageEntry): number[] {
  const u = e.usage;
  const int = (n: number) => (Number.isFinite(n) && n > 0 ? Math.round(n) : 0);
  return [1, int(u.inputTokens), int(u.outputTokens), int(u.totalTokens), int(u.cachedInputTokens), int(u.cacheCreationInputTokens), int(u.reasoningTokens), int(e.costMicros)];
}

const SEP = '\u001f';

/** Dimension values joined by U+001F (which is removed from the values themselves). */
export function dimensionKey(e: Pick<UsageEntry, 'identity' | 'team' | 'model' | 'backend'>): string {
  const clean = (s: string | undefined) => (s ?? '').replaceAll(SEP, '');
  return `${clean(e.identity)}${SEP}${clean(e.team)}${SEP}${clean(e.model)}${SEP}${clean(e.backend)}`;
}

export function splitDimensionKey(key: string): Record<UsageDimension, string> {
  const [identity = '', team = '', model = '', backend = ''] = key.split(SEP);
  return { identity, team, model, backend };
}

/** The buckets overlapping [fromMs, toMs): their starts, and the widened window. */
export function bucketsOf(fromMs: number, toMs: number, bucketMs: number): { starts: number[]; fromMs: number; toMs: number } {
  const from = Math.floor(fromMs / bucketMs) * bucketMs;
  const to = Math.max(from, Math.ceil(toMs / bucketMs) * bucketMs);
  const starts: number[] = [];
  for (let b = from; b < to; b += bucketMs) starts.push(b);
  return { starts, fromMs: from, toMs: to };
}

/** Groups per-dimension-key totals into report rows (shared by every implementation). */
export function groupRows(perKey: Iterable<readonly [string, UsageTotals]>, q: UsageQuery): UsageRow[] {
  const groupBy = q.groupBy ?? [];
  const where = q.where ?? {};
  const rows = new Map<string, UsageRow>();
  for (const [key, totals] of perKey) {
    const dims = splitDimensionKey(key);
    let keep = true;
    for (const d of USAGE_DIMENSIONS) {
      const want = where[d];
      if (want !== undefined && dims[d] !== want) keep = false;
    }
    if (!keep) continue;
    const groupKey = groupBy.map((d) => dims[d]).join(SEP);
    let row = rows.get(groupKey);
    if (row === undefined) {
      const k: Partial<Record<UsageDimension, string>> = {};
      for (const d of groupBy) k[d] = dims[d];
      row = { key: k, totals: emptyTotals() };
      rows.set(groupKey, row);
    }
    for (const m of USAGE_METRICS) row.totals[m] += totals[m];
  }
  return [...rows.values()].sort((a, b) => b.totals.costMicros - a.totals.costMicros || b.totals.totalTokens - a.totals.totalTokens);
}

export class MemoryUsageLedger implements UsageLedger {
  readonly kind = 'memory' as const;
  readonly bucketMs: number;
  private readonly retentionMs: number;
  private readonly buckets = new Map<number, Map<string, UsageTotals>>();
  private readonly now: () => number;
  private readonly healthy: StoreHealth;

  constructor(options: UsageLedgerOptions = {}) {
    this.bucketMs = options.bucketMs ?? DEFAULT_BUCKET_MS;
    this.retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
    this.now = options.now ?? Date.now;
    this.healthy = alwaysUp(this.now());
  }

  record(e: UsageEntry): void {
    const start = Math.floor(e.atMs / this.bucketMs) * this.bucketMs;
    let bucket = this.buckets.get(start);
    if (bucket === undefined) {
      bucket = new Map();
      this.buckets.set(start, bucket);
      this.prune();
    }
    const key = dimensionKey(e);
    let totals = bucket.get(key);
    if (totals === undefined) {
      totals = emptyTotals();
      bucket.set(key, totals);
    }
    const inc = entryIncrements(e);
    for (let i = 0; i < USAGE_METRICS.length; i++) totals[USAGE_METRICS[i]!] += inc[i]!;
  }

  query(q: UsageQuery): UsageReport {
    const span = bucketsOf(q.fromMs, q.toMs, this.bucketMs);
    const merged = new Map<string, UsageTotals>();
    for (const start of span.starts) {
      const bucket = this.buckets.get(start);
      if (bucket === undefined) continue;
      for (const [key, totals] of bucket) {
        let m = merged.get(key);
        if (m === undefined) {
          m = emptyTotals();
          merged.set(key, m);
        }
        for (const metric of USAGE_METRICS) m[metric] += totals[metric];
      }
    }
    return { window: { fromMs: span.fromMs, toMs: span.toMs }, rows: groupRows(merged, q) };
  }

  health(): StoreHealth {
    return this.healthy;
  }

  async close(): Promise<void> {
    this.buckets.clear();
  }

  private prune(): void {
    const oldest = this.now() - this.retentionMs;
    for (const start of this.buckets.keys()) if (start + this.bucketMs <= oldest) this.buckets.delete(start);
  }
}
