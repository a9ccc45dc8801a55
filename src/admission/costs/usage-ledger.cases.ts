// The shared UsageLedger case suite (memory-usage-ledger.test.ts, redis-usage-ledger.test.ts).
// Each case writes into its own hour far from the others' (ledgers are shared across cases).
import { it } from 'node:test';
import assert from 'node:assert/strict';
import type { TokenUsage } from '../../runtime/usage.ts';
import type { UsageEntry, UsageLedger } from './usage-ledger.ts';

const HOUR = 3_600_000;
let nextHour = Date.parse('2026-03-02T00:00:00Z');
/** A fresh hour for one case. */
function hour(): number {
  nextHour += 10 * HOUR;
  return nextHour;
}

function usage(input: number, output: number, extra: Partial<TokenUsage> = {}): TokenUsage {
  return { inputTokens: input, outputTokens: output, totalTokens: input + output, cachedInputTokens: 0, cacheCreationInputTokens: 0, reasoningTokens: 0, ...extra };
}

function entry(at: number, over: Partial<UsageEntry> = {}): UsageEntry {
  return { identity: 'alice', team: 'ml', model: 'gpt-4o', backend: 'openai.default', usage: usage(100, 50), costMicros: 1000, atMs: at, ...over };
}

export function usageLedgerCases(getLedger: () => UsageLedger): void {
  it('sums requests, token classes and cost', async () => {
    const l = getLedger();
    const h = hour();
    await l.record(entry(h + 1));
    await l.record(entry(h + 2, { usage: usage(10, 5, { cachedInputTokens: 4, reasoningTokens: 3, cacheCreationInputTokens: 2 }), costMicros: 7 }));
    const r = await l.query({ fromMs: h, toMs: h + HOUR });
    assert.deepEqual(r.rows, [
      { key: {}, totals: { requests: 2, inputTokens: 110, outputTokens: 55, totalTokens: 165, cachedInputTokens: 4, cacheCreationInputTokens: 2, reasoningTokens: 3, costMicros: 1007 } },
    ]);
  });

  it('groups by any dimensions, filters with where, sorts by cost', async () => {
    const l = getLedger();
    const h = hour();
    await l.record(entry(h, { identity: 'alice', team: 'ml', model: 'gpt-4o', costMicros: 10 }));
    await l.record(entry(h, { identity: 'bob', team: 'ml', model: 'gpt-4o-mini', costMicros: 30 }));
    await l.record(entry(h, { identity: 'carol', team: undefined, model: 'gpt-4o', backend: 'azure.default', costMicros: 20 }));
    const byTeam = await l.query({ fromMs: h, toMs: h + HOUR, groupBy: ['team'] });
    assert.deepEqual(
      byTeam.rows.map((r) => [r.key.team, r.totals.costMicros, r.totals.requests]),
      [
        ['ml', 40, 2],
        ['', 20, 1],
      ],
    );
    const byModelBackend = await l.query({ fromMs: h, toMs: h + HOUR, groupBy: ['model', 'backend'], where: { model: 'gpt-4o' } });
    assert.deepEqual(
      byModelBackend.rows.map((r) => r.key),
      [
        { model: 'gpt-4o', backend: 'azure.default' },
        { model: 'gpt-4o', backend: 'openai.default' },
      ],
    );
    const one = await l.query({ fromMs: h, toMs: h + HOUR, groupBy: ['identity'], where: { team: 'ml', identity: 'bob' } });
    assert.deepEqual(one.rows.map((r) => [r.key.identity, r.totals.costMicros]), [['bob', 30]]);
  });

  it('sums whole buckets overlapping the window and says which span it summed', async () => {
    const l = getLedger();
    const h = hour();
    await l.record(entry(h + 10));
    await l.record(entry(h + HOUR + 10));
    await l.record(entry(h + 2 * HOUR + 10));
    const r = await l.query({ fromMs: h + HOUR / 2, toMs: h + HOUR + 1 });
    assert.deepEqual(r.window, { fromMs: h, toMs: h + 2 * HOUR });
    assert.equal(r.rows[0]?.totals.requests, 2);
    const none = await l.query({ fromMs: h - 5 * HOUR, toMs: h - 4 * HOUR });
    assert.deepEqual(none.rows, []);
  });

  it('keeps dimension values with separators and unusual characters apart', async () => {
    const l = getLedger();
    const h = hour();
    await l.record(entry(h, { identity: 'a:b|c', model: 'meta-llama/Llama 3.1 8B', team: 'x\u001fy' }));
    const r = await l.query({ fromMs: h, toMs: h + HOUR, groupBy: ['identity', 'model', 'team'] });
    assert.deepEqual(r.rows.map((x) => x.key), [{ identity: 'a:b|c', model: 'meta-llama/Llama 3.1 8B', team: 'xy' }]);
  });

  it('counts concurrent records exactly', async () => {
    const l = getLedger();
    const h = hour();
    await Promise.all(Array.from({ length: 50 }, (_, i) => l.record(entry(h, { identity: `u${i % 5}`, costMicros: 3 }))));
    const r = await l.query({ fromMs: h, toMs: h + HOUR, groupBy: ['identity'] });
    assert.equal(r.rows.length, 5);
    assert.ok(r.rows.every((x) => x.totals.requests === 10 && x.totals.costMicros === 30));
  });
}
