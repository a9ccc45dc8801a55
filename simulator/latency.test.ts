import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LatencyModel } from './latency.ts';
import type { LatencyOptions } from './latency.ts';
import { createRandom } from './random.ts';

const base: LatencyOptions = {
  latencyCalculator: '',
  timeToFirstTokenMs: 0,
  timeToFirstTokenStdDevMs: 0,
  prefillOverheadMs: 0,
  prefillTimePerTokenMs: 0,
  prefillTimeStdDevMs: 0,
  interTokenLatencyMs: 0,
  interTokenLatencyStdDevMs: 0,
  timeFactorUnderLoad: 1,
  maxNumSeqs: 5,
};

describe('LatencyModel', () => {
  it('constant: TTFT is time-to-first-token', () => {
    const m = new LatencyModel({ ...base, latencyCalculator: 'constant', timeToFirstTokenMs: 40, prefillOverheadMs: 99 }, createRandom(1));
    assert.equal(m.timeToFirstTokenMs(500, 0, 1), 40);
  });

  it('per-token: TTFT is overhead + uncached prompt tokens × per-token', () => {
    const m = new LatencyModel({ ...base, latencyCalculator: 'per-token', timeToFirstTokenMs: 40, prefillOverheadMs: 5, prefillTimePerTokenMs: 2 }, createRandom(1));
    assert.equal(m.timeToFirstTokenMs(100, 0, 1), 205);
    assert.equal(m.timeToFirstTokenMs(100, 60, 1), 85, 'cached tokens are not prefilled');
  });

  it('legacy "" picks constant when time-to-first-token is set, else per-token', () => {
    assert.equal(new LatencyModel({ ...base, timeToFirstTokenMs: 10 }, createRandom(1)).calculator, 'constant');
    assert.equal(new LatencyModel({ ...base, timeToFirstTokenStdDevMs: 1 }, createRandom(1)).calculator, 'constant');
    assert.equal(new LatencyModel({ ...base, prefillOverheadMs: 10 }, createRandom(1)).calculator, 'per-token');
  });

  it('load factor grows linearly from 1 (one running) to time-factor-under-load (max-num-seqs running)', () => {
    const m = new LatencyModel({ ...base, timeFactorUnderLoad: 3, maxNumSeqs: 5, interTokenLatencyMs: 10, latencyCalculator: 'constant', timeToFirstTokenMs: 100 }, createRandom(1));
    assert.equal(m.loadFactor(1), 1);
    assert.equal(m.loadFactor(3), 2);
    assert.equal(m.loadFactor(5), 3);
    assert.equal(m.loadFactor(50), 3, 'capped at max-num-seqs');
    assert.equal(m.interTokenMs(3), 20);
    assert.equal(m.timeToFirstTokenMs(10, 0, 5), 300);
    assert.equal(new LatencyModel({ ...base, timeFactorUnderLoad: 3, maxNumSeqs: 1 }, createRandom(1)).loadFactor(1), 1);
  });

  it('jitter stays within ±70% of the mean and varies', () => {
    const m = new LatencyModel({ ...base, interTokenLatencyMs: 10, interTokenLatencyStdDevMs: 100 }, createRandom(3));
    const samples = Array.from({ length: 2000 }, () => m.interTokenMs(1));
    assert.ok(samples.every((s) => s >= 3 && s <= 17), `min ${Math.min(...samples)} max ${Math.max(...samples)}`);
    assert.ok(new Set(samples).size > 100);
  });
});
