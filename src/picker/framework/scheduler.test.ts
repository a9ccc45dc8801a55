import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointPickerConfig } from '../../config/schemas/index.ts';
import { GatewayError } from '../../errors.ts';
import { buildScheduler } from '../pool-scheduler.ts';
import { builtinRegistry } from '../plugins/index.ts';
import { fakeCycle, fakeEndpoints, fakeRequest } from '../testing.ts';
import { seededRandom } from './random.ts';
import type { Endpoint, Filter, PostPick, Scorer } from './types.ts';

/** A scorer that returns fixed raw scores by endpoint position. */
function fixedScorer(name: string, scores: readonly number[]): Scorer {
  return {
    type: 'fixed',
    name,
    score: (_c, _r, eps, out) => {
      for (let i = 0; i < eps.length; i++) out[i] = scores[i] ?? 0;
    },
  };
}

function registryWith(extra: Record<string, (name: string) => Scorer | Filter | PostPick>) {
  const r = builtinRegistry();
  for (const [type, make] of Object.entries(extra)) r.register(type, ({ name }) => make(name));
  return r;
}

function cfg(rest: Partial<EndpointPickerConfig>): EndpointPickerConfig {
  return { apiVersion: 'inference.networking.x-k8s.io/v1alpha1', kind: 'EndpointPickerConfig', ...rest };
}

describe('scheduling cycle', () => {
  it('clamps each raw score to [0, 1] (NaN → 0), multiplies by its weight and sums', () => {
    const registry = registryWith({
      wild: (name) => fixedScorer(name, [1.7, -0.4, Number.NaN, 0.25]),
      half: (name) => fixedScorer(name, [0.5, 0.5, 0.5, 0.5]),
    });
    const s = buildScheduler(
      cfg({ plugins: [{ type: 'wild' }, { type: 'half' }], schedulingProfiles: [{ name: 'p', plugins: [{ pluginRef: 'wild', weight: 3 }, { pluginRef: 'half', weight: 2 }] }] }),
      { registry },
    );
    const eps = fakeEndpoints(4);
    const result = s.schedule(fakeCycle(seededRandom(1)), fakeRequest(), eps);
    const run = result.runs.get('p')!;
    assert.deepEqual([...run.scorers[0]!.raw], [1.7, -0.4, Number.NaN, 0.25]);
    assert.deepEqual([...run.scorers[0]!.weighted], [3, 0, 0, 0.75]);
    assert.deepEqual([...run.scorers[1]!.weighted], [1, 1, 1, 1]);
    assert.deepEqual([...run.totals], [4, 1, 1, 1.75]);
    // max-score-picker takes the highest total.
    assert.equal(result.targets[0], eps[0]);
  });

  it('runs filters in order, each on what the previous kept, and records what each kept', () => {
    const seen: string[][] = [];
    const keepFirst = (n: number) => (name: string): Filter => ({
      type: 'keep',
      name,
      filter: (_c, _r, eps) => {
        seen.push(eps.map((e) => e.key));
        return eps.slice(0, n);
      },
    });
    const registry = registryWith({ keep3: keepFirst(3), keep1: keepFirst(1) });
    const s = buildScheduler(cfg({ plugins: [{ type: 'keep3' }, { type: 'keep1' }], schedulingProfiles: [{ name: 'p', plugins: [{ pluginRef: 'keep3' }, { pluginRef: 'keep1' }] }] }), { registry });
    const eps = fakeEndpoints(5);
    const result = s.schedule(fakeCycle(), fakeRequest(), eps);
    assert.deepEqual(seen, [eps.map((e) => e.key), eps.slice(0, 3).map((e) => e.key)]);
    assert.deepEqual(result.runs.get('p')!.filters, [
      { name: 'keep3', type: 'keep', kept: 3 },
      { name: 'keep1', type: 'keep', kept: 1 },
    ]);
    assert.equal(result.targets[0], eps[0]);
  });

  it('a filter that keeps nothing fails the profile with 503 no_ready_endpoint naming the filter', () => {
    const s = buildScheduler(cfg({ plugins: [{ type: 'low-queue', name: 'short', parameters: { threshold: 2 } }], schedulingProfiles: [{ name: 'p', plugins: [{ pluginRef: 'short' }] }] }));
    const eps = fakeEndpoints(3, { waiting: 10 });
    assert.throws(
      () => s.schedule(fakeCycle(), fakeRequest(), eps),
      (err: unknown) => err instanceof GatewayError && err.code === 'no_ready_endpoint' && err.status === 503 && /profile p had no endpoint left after filter short/.test(err.message),
    );
  });

  it('runs post-pick hooks once, on the final result', () => {
    const calls: Endpoint[][] = [];
    const registry = registryWith({
      learner: (name): PostPick & Scorer => ({
        type: 'learner',
        name,
        score: (_c, _r, eps, out) => out.fill(0, 0, eps.length),
        afterPick: (_c, _r, result) => calls.push([...result.targets]),
      }),
    });
    const s = buildScheduler(cfg({ plugins: [{ type: 'learner' }] }), { registry });
    const eps = fakeEndpoints(2);
    const result = s.schedule(fakeCycle(), fakeRequest(), eps);
    assert.deepEqual(calls, [[...result.targets]]);
  });

  it('maxNumOfEndpoints > 1 yields ordered fallbacks by score', () => {
    const registry = registryWith({ fixed: (name) => fixedScorer(name, [0.1, 0.9, 0.5, 0.7]) });
    const s = buildScheduler(
      cfg({ plugins: [{ type: 'fixed' }, { type: 'max-score-picker', parameters: { maxNumOfEndpoints: 3 } }], schedulingProfiles: [{ name: 'p', plugins: [{ pluginRef: 'fixed' }, { pluginRef: 'max-score-picker' }] }] }),
      { registry },
    );
    const eps = fakeEndpoints(4);
    assert.deepEqual(s.schedule(fakeCycle(), fakeRequest(), eps).targets, [eps[1], eps[3], eps[2]]);
  });
});
