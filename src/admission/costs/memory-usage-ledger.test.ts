import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { emptyUsage } from '../../runtime/usage.ts';
import { usageLedgerCases } from './usage-ledger.cases.ts';
import { MemoryUsageLedger, bucketsOf } from './usage-ledger.ts';

describe('MemoryUsageLedger: shared UsageLedger cases', () => {
  const ledger = new MemoryUsageLedger({ retentionMs: 10 * 365 * 86_400_000 });
  usageLedgerCases(() => ledger);
});

describe('MemoryUsageLedger', () => {
  it('drops buckets past the retention', () => {
    let now = 10 * 3_600_000;
    const l = new MemoryUsageLedger({ bucketMs: 3_600_000, retentionMs: 2 * 3_600_000, now: () => now });
    l.record({ identity: 'a', model: 'm', backend: 'b', usage: emptyUsage(), costMicros: 0, atMs: 0 });
    now = 20 * 3_600_000;
    l.record({ identity: 'a', model: 'm', backend: 'b', usage: emptyUsage(), costMicros: 0, atMs: now });
    assert.equal(l.query({ fromMs: 0, toMs: now + 1 }).rows[0]?.totals.requests, 1);
  });

  it('widens windows to whole buckets', () => {
    assert.deepEqual(bucketsOf(90, 210, 100), { starts: [0, 100, 200], fromMs: 0, toMs: 300 });
    assert.deepEqual(bucketsOf(100, 100, 100), { starts: [], fromMs: 100, toMs: 100 });
  });
});
