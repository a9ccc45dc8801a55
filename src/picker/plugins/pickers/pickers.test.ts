import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../../framework/random.ts';
import { fakeCycle, fakeEndpoints, fakeRequest } from '../../testing.ts';
import type { Endpoint, Picker } from '../../framework/types.ts';
import { MaxScorePicker } from './max-score.ts';
import { RandomPicker } from './random.ts';
import { WeightedRandomPicker } from './weighted-random.ts';

/** How often each endpoint comes first over `n` picks (seeded, so the counts are reproducible). */
function firstCounts(picker: Picker, eps: Endpoint[], scores: number[], n: number, seed = 7): number[] {
  const random = seededRandom(seed);
  const counts = eps.map(() => 0);
  const s = Float64Array.from(scores);
  for (let i = 0; i < n; i++) {
    const chosen = picker.pick(fakeCycle(random), fakeRequest(), eps, s)[0]!;
    counts[eps.indexOf(chosen)]!++;
  }
  return counts;
}

describe('max-score-picker', () => {
  it('always takes the single best', () => {
    const eps = fakeEndpoints(4);
    assert.deepEqual(firstCounts(new MaxScorePicker(), eps, [1, 3, 2, 2.9], 200), [0, 200, 0, 0]);
  });

  it('breaks ties at random among the best only, roughly evenly', () => {
    const eps = fakeEndpoints(5);
    const counts = firstCounts(new MaxScorePicker(), eps, [2, 5, 5, 1, 5], 3000);
    assert.equal(counts[0], 0);
    assert.equal(counts[3], 0);
    // Each of the three tied endpoints: expected 1000, sd ≈ 26.
    for (const i of [1, 2, 4]) assert.ok(counts[i]! > 850 && counts[i]! < 1150, `tie share ${String(counts[i])}`);
  });

  it('with maxNumOfEndpoints returns the top k by score, ties in random order', () => {
    const eps = fakeEndpoints(4);
    const picker = new MaxScorePicker('m', 3);
    const orders = new Set<string>();
    const random = seededRandom(3);
    for (let i = 0; i < 50; i++) {
      const picked = picker.pick(fakeCycle(random), fakeRequest(), eps, Float64Array.from([1, 4, 4, 0]));
      assert.equal(picked.length, 3);
      assert.equal(picked[2], eps[0]);
      orders.add(picked.slice(0, 2).map((e) => e.key).join(','));
    }
    assert.equal(orders.size, 2);
  });
});

describe('random-picker', () => {
  it('ignores scores and picks uniformly', () => {
    const counts = firstCounts(new RandomPicker(), fakeEndpoints(4), [10, 0, 0, 0], 4000);
    for (const c of counts) assert.ok(c > 880 && c < 1120, `share ${c}`);
  });
});

describe('weighted-random-picker', () => {
  it('draws in proportion to score (A-Res)', () => {
    const n = 20000;
    const counts = firstCounts(new WeightedRandomPicker(), fakeEndpoints(4), [1, 2, 3, 4], n);
    // Expected shares 0.1, 0.2, 0.3, 0.4; sd of a share ≤ 0.0035, bound at ±0.02.
    counts.forEach((c, i) => {
      const share = c / n;
      assert.ok(Math.abs(share - (i + 1) / 10) < 0.02, `endpoint ${i} share ${share}`);
    });
  });

  it('never draws a zero score while a positive one exists; all zero → uniform', () => {
    const eps = fakeEndpoints(3);
    assert.deepEqual(firstCounts(new WeightedRandomPicker(), eps, [0, 0.5, 0], 500), [0, 500, 0]);
    const uniform = firstCounts(new WeightedRandomPicker(), eps, [0, 0, 0], 3000);
    for (const c of uniform) assert.ok(c > 850 && c < 1150, `share ${c}`);
  });

  it('maxNumOfEndpoints returns distinct endpoints', () => {
    const eps = fakeEndpoints(5);
    const picked = new WeightedRandomPicker('w', 3).pick(fakeCycle(seededRandom(2)), fakeRequest(), eps, Float64Array.from([1, 1, 0, 1, 1]));
    assert.equal(new Set(picked).size, 3);
    assert.ok(!picked.includes(eps[2]!));
  });
});
