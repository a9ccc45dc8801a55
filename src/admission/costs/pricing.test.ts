import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { TokenUsage } from '../../runtime/usage.ts';
import { PriceTable, costMicros, costPicos, formatUsd, parseUsdMicros } from './pricing.ts';

function usage(over: Partial<TokenUsage>): TokenUsage {
  const u = { inputTokens: 0, outputTokens: 0, totalTokens: 0, cachedInputTokens: 0, cacheCreationInputTokens: 0, reasoningTokens: 0, ...over };
  return { ...u, totalTokens: u.totalTokens || u.inputTokens + u.outputTokens };
}

describe('USD amounts', () => {
  it('parse exactly into micro-dollars', () => {
    assert.equal(parseUsdMicros('2.50'), 2_500_000);
    assert.equal(parseUsdMicros('0.075'), 75_000);
    assert.equal(parseUsdMicros('$15'), 15_000_000);
    assert.equal(parseUsdMicros(0.1), 100_000);
    assert.equal(parseUsdMicros(1e-6), 1);
    assert.equal(parseUsdMicros('0.0000001'), undefined, 'finer than a micro-dollar');
    assert.equal(parseUsdMicros('-1'), undefined);
    assert.equal(parseUsdMicros('1,5'), undefined);
    assert.equal(formatUsd(1_234_567), '1.234567');
    assert.equal(formatUsd(5), '0.000005');
  });
});

describe('the cost of usage', () => {
  const table = new PriceTable({
    models: {
      'gpt-4o': { input: '2.50', cachedInput: '1.25', output: '10.00' },
      'claude-*': { input: '3', cacheCreationInput: '3.75', cachedInput: '0.30', output: '15' },
      'claude-3-haiku': { input: '0.25', output: '1.25' },
    },
    default: { input: '1', output: '2' },
  });

  it('prices each token class, cached tokens inside input tokens', () => {
    assert.deepEqual(table.problems, []);
    // 1M input of which 400k cached, 200k output: 600k×2.50 + 400k×1.25 + 200k×10 = 1.5 + 0.5 + 2 = $4
    assert.equal(table.costMicros('gpt-4o', usage({ inputTokens: 1_000_000, cachedInputTokens: 400_000, outputTokens: 200_000 })), 4_000_000);
    // claude glob: 1000 plain + 2000 cache-write + 3000 cache-read input, 100 output
    const u = usage({ inputTokens: 6000, cacheCreationInputTokens: 2000, cachedInputTokens: 3000, outputTokens: 100 });
    assert.equal(table.costMicros('claude-3-5-sonnet', u), 3000 + 7500 + 900 + 1500);
    assert.equal(table.costMicros('claude-3-haiku', usage({ inputTokens: 4, outputTokens: 0 })), 1, 'exact names win over globs; rounded up');
    assert.equal(table.costMicros('unknown', usage({ inputTokens: 1_000_000, outputTokens: 1_000_000 })), 3_000_000, 'the default price');
    assert.equal(new PriceTable({ models: {} }).costMicros('x', usage({ inputTokens: 10 })), 0);
  });

  it('reports bad prices', () => {
    const t = new PriceTable({ models: { a: { input: 'cheap', output: '1' }, b: { input: '1', output: '1', cachedInput: '0.00000001' } } });
    assert.equal(t.problems.length, 2);
    assert.equal(t.priceOf('a'), undefined);
  });

  it('is exact and additive: the sum of per-class costs equals the whole, even past 2^53 pico-dollars', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 50_000_000 }),
        fc.nat({ max: 50_000_000 }),
        fc.nat({ max: 50_000_000 }),
        fc.nat({ max: 1_000_000_000 }),
        fc.nat({ max: 1_000_000_000 }),
        (plain, cached, output, inPrice, outPrice) => {
          const price = { input: inPrice, cachedInput: inPrice, cacheCreationInput: inPrice, output: outPrice };
          const total = costPicos(usage({ inputTokens: plain + cached, cachedInputTokens: cached, outputTokens: output }), price);
          const expected = BigInt(plain + cached) * BigInt(inPrice) + BigInt(output) * BigInt(outPrice);
          assert.equal(total, expected);
          const micros = costMicros(usage({ inputTokens: plain + cached, cachedInputTokens: cached, outputTokens: output }), price);
          assert.ok(BigInt(micros) * 1_000_000n >= expected && BigInt(micros - 1) * 1_000_000n < expected + (expected === 0n ? 1_000_000n : 0n));
        },
      ),
    );
  });

  it('costs grow monotonically with cumulative usage (stream deltas are never negative)', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ i: fc.nat({ max: 5000 }), o: fc.nat({ max: 5000 }) }), { maxLength: 30 }), (steps) => {
        const price = table.priceOf('gpt-4o')!;
        let input = 0;
        let output = 0;
        let last = 0;
        for (const s of steps) {
          input += s.i;
          output += s.o;
          const c = costMicros(usage({ inputTokens: input, outputTokens: output }), price);
          assert.ok(c >= last);
          last = c;
        }
      }),
    );
  });
});
