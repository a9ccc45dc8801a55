import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GatewayError } from '../errors.ts';
import { decisionRecord, formatDecision, prefixBlocks } from './decision.ts';
import { PickerConfigError } from './framework/params.ts';
import { seededRandom } from './framework/random.ts';
import { builtinRegistry } from './plugins/index.ts';
import { PickerStates, toPickerConfig } from './pool-scheduler.ts';
import { FIXTURE_NOW, chatBody, fakeEndpoint, fakeEndpoints, fakePool, testScheduler } from './testing.ts';

const clock = () => FIXTURE_NOW;

describe('PoolScheduler', () => {
  it('schedules with the default profile and reports every scorer per endpoint', () => {
    const eps = [fakeEndpoint('10.0.0.1:8000', { waiting: 4, kvCacheUsage: 0.5 }), fakeEndpoint('10.0.0.2:8000', { waiting: 0, kvCacheUsage: 0.2 })];
    const s = testScheduler(fakePool(eps), { random: seededRandom(1), now: clock });
    const d = s.schedule({ model: 'm', headers: {}, body: chatBody(2000) });
    assert.equal(d.endpoint, eps[1]);
    assert.deepEqual(d.targets, [eps[1]]);
    assert.equal(d.pool, 'default/pool');
    assert.equal(d.profile, 'default');
    assert.equal(d.priority, 0);
    const record = decisionRecord(d);
    assert.deepEqual(record.profiles[0]?.endpoints[1], {
      endpoint: '10.0.0.2:8000',
      total: 1 * 2 + 0.8 * 2 + 0,
      prefixBlocks: 0,
      scores: {
        'queue-scorer': { raw: 1, weighted: 2, weight: 2 },
        'kv-cache-utilization-scorer': { raw: 0.8, weighted: 1.6, weight: 2 },
        'prefix-cache-scorer': { raw: 0, weighted: 0, weight: 3 },
      },
    });
    assert.deepEqual(record.prefix, { scorer: 'prefix-cache-scorer', matchedBlocks: 0, totalBlocks: 32 });
    assert.equal(JSON.parse(JSON.stringify(record)).endpoint, '10.0.0.2:8000');
    assert.equal(formatDecision(d), 'endpoint=10.0.0.2:8000; profile=default; score=3.6; queue-scorer=1*2; kv-cache-utilization-scorer=0.8*2; prefix-cache-scorer=0*3; prefix=0/32');
  });

  it('sends prompts sharing a prefix back to the endpoint that served it (prefix affinity)', () => {
    const eps = fakeEndpoints(4);
    const s = testScheduler(fakePool(eps), { random: seededRandom(2), now: clock });
    const first = s.schedule({ model: 'm', headers: {}, body: chatBody(4000, 1) });
    for (let i = 0; i < 5; i++) {
      const again = s.schedule({ model: 'm', headers: {}, body: chatBody(4000, 1, `question ${i} `.repeat(30)) });
      assert.equal(again.endpoint, first.endpoint);
      const blocks = prefixBlocks(again)!;
      assert.ok(blocks.matched > 0 && blocks.matched < blocks.total, `matched ${blocks.matched}/${blocks.total}`);
    }
    // Another model never matches those blocks.
    const other = s.schedule({ model: 'other', headers: {}, body: chatBody(4000, 1) });
    assert.equal(prefixBlocks(other)?.matched, 0);
  });

  it('sheds sheddable requests on a saturated pool and serves the others', () => {
    const eps = fakeEndpoints(2, { waiting: 20, kvCacheUsage: 0.9 });
    const pool = fakePool(eps, { objectives: new Map([['batch', -1], ['chat', 5]]) });
    const s = testScheduler(pool, { now: clock });
    assert.throws(
      () => s.schedule({ model: 'm', headers: { 'x-gateway-inference-objective': 'batch' }, body: chatBody(100) }),
      (err: unknown) => err instanceof GatewayError && err.code === 'shed' && err.status === 429 && err.headers['retry-after'] === '1',
    );
    const d = s.schedule({ model: 'm', headers: { 'x-llm-d-inference-objective': 'chat' }, body: chatBody(100) });
    assert.equal(d.priority, 5);
    assert.equal(d.objective, 'chat');
  });

  it('treats stale metrics as saturated: sheds once the last scrape is older than 200 ms', () => {
    const pool = fakePool(fakeEndpoints(2), { objectives: new Map([['batch', -1]]) });
    let now = FIXTURE_NOW + 100;
    const s = testScheduler(pool, { now: () => now });
    const headers = { 'x-gateway-inference-objective': 'batch' };
    assert.equal(s.schedule({ model: 'm', headers }).priority, -1);
    now = FIXTURE_NOW + 300;
    assert.throws(() => s.schedule({ model: 'm', headers }), (err: unknown) => err instanceof GatewayError && err.code === 'shed');
    // Priority 0 still goes through on stale metrics.
    assert.equal(s.schedule({ model: 'm', headers: {} }).priority, 0);
  });

  it('uses the pool config’s saturation thresholds', () => {
    const pool = fakePool(fakeEndpoints(1, { waiting: 8 }), {
      objectives: new Map([['batch', -1]]),
      pickerConfig: { apiVersion: 'llm-d.ai/v1alpha1', kind: 'EndpointPickerConfig', saturationDetector: { queueDepthThreshold: 10 } },
    });
    const s = testScheduler(pool, { now: clock });
    assert.equal(s.schedule({ model: 'm', headers: { 'x-gateway-inference-objective': 'batch' } }).priority, -1);
  });

  it('503 when no endpoint is ready', () => {
    const s = testScheduler(fakePool([fakeEndpoint('a:1', {}, false)]), { now: clock });
    assert.throws(() => s.schedule({ model: 'm', headers: {} }), (err: unknown) => err instanceof GatewayError && err.code === 'no_ready_endpoint');
  });

  it('FailOpen picks a random ready endpoint when a plugin throws; FailClose answers 500', () => {
    const registry = builtinRegistry().register('broken-scorer', ({ name }) => ({
      type: 'broken-scorer',
      name,
      score: () => {
        throw new Error('boom');
      },
    }));
    const pickerConfig = { apiVersion: 'inference.networking.x-k8s.io/v1alpha1', kind: 'EndpointPickerConfig', plugins: [{ type: 'broken-scorer' }] };
    const eps = fakeEndpoints(3);
    const open = testScheduler(fakePool(eps, { pickerConfig, failureMode: 'FailOpen' }), { registry, now: clock });
    const d = open.schedule({ model: 'm', headers: {} });
    assert.equal(d.failOpen, 'boom');
    assert.ok(eps.includes(d.endpoint));
    assert.match(formatDecision(d), /fail-open=1/);
    const closed = testScheduler(fakePool(eps, { pickerConfig, failureMode: 'FailClose' }), { registry, now: clock });
    assert.throws(() => closed.schedule({ model: 'm', headers: {} }), (err: unknown) => err instanceof GatewayError && err.code === 'internal_error' && /boom/.test(err.message));
  });

  it('validates pickerConfig objects', () => {
    assert.equal(toPickerConfig(undefined), undefined);
    assert.throws(() => toPickerConfig({ apiVersion: 'inference.networking.x-k8s.io/v1alpha1', kind: 'EndpointPickerConfig', plugins: [{ name: 'x' }] }), PickerConfigError);
    assert.throws(() => testScheduler(fakePool([], { pickerConfig: { kind: 'EndpointPickerConfig' } })), PickerConfigError);
  });
});

describe('learned state across snapshots (PickerStates)', () => {
  it('keeps the prefix index across snapshots of the same pool, and drops it for removed pools', () => {
    const eps = fakeEndpoints(4);
    const states = new PickerStates();
    const build = () => testScheduler(fakePool(eps), { state: states.forPool('default/pool'), random: seededRandom(3), now: clock });
    const first = build().schedule({ model: 'm', headers: {}, body: chatBody(3000, 7) });

    // A reload: a new scheduler for the same pool, with the same index.
    const again = build().schedule({ model: 'm', headers: {}, body: chatBody(3000, 7) });
    assert.equal(again.endpoint, first.endpoint);
    assert.equal(prefixBlocks(again)?.matched, prefixBlocks(again)?.total);

    // The pool disappears from the config, then comes back: nothing learned survives.
    states.retain([]);
    const back = build().schedule({ model: 'm', headers: {}, body: chatBody(3000, 7) });
    assert.equal(prefixBlocks(back)?.matched, 0);
  });

  it('forgets what it learned about endpoints that left the pool', () => {
    const eps = fakeEndpoints(1);
    const states = new PickerStates();
    const build = (endpoints: typeof eps) => testScheduler(fakePool(endpoints), { state: states.forPool('default/pool'), now: clock });
    build(eps).schedule({ model: 'm', headers: {}, body: chatBody(3000) });
    build(fakeEndpoints(2).slice(1));
    const back = build(eps).schedule({ model: 'm', headers: {}, body: chatBody(3000) });
    assert.equal(prefixBlocks(back)?.matched, 0);
  });

  it('learns nothing from a pick with learn: false (a mirrored request)', () => {
    const eps = fakeEndpoints(2);
    const s = testScheduler(fakePool(eps), { random: seededRandom(4), now: clock });
    s.schedule({ model: 'm', headers: {}, body: chatBody(3000, 9), learn: false });
    const after = s.schedule({ model: 'm', headers: {}, body: chatBody(3000, 9) });
    assert.equal(prefixBlocks(after)?.matched, 0);
    assert.equal(s.picker.prefixIndexSize(), prefixBlocks(after)?.total);
  });
});
