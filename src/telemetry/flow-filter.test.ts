// Flow filters: query-string parsing, label selectors, matching (alternatives within a filter, all
// filters together), durations and times.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FlowQueryError, emptyFilter, flowMatches, parseDuration, parseFlowFilter, parseLabelSelector, parseTime, selectorMatches } from './flow-filter.ts';
import { fakeFlow } from './flow-testing.ts';

const q = (s: string) => parseFlowFilter(new URLSearchParams(s));

describe('flow filters', () => {
  it('matches everything when empty', () => {
    assert.equal(flowMatches(emptyFilter(), fakeFlow(1)), true);
  });

  it('treats values of one filter as alternatives and different filters as all required', () => {
    const r = fakeFlow(1, { model: { original: 'a', request: 'a-v2' } });
    assert.equal(flowMatches(q('model=x&model=a'), r), true);
    assert.equal(flowMatches(q('model=a-v2'), r), true, 'the model sent upstream counts too');
    assert.equal(flowMatches(q('model=x'), r), false);
    assert.equal(flowMatches(q('model=a&verdict=DROPPED'), r), false);
    assert.equal(flowMatches(q('model=a&verdict=forwarded,dropped'), r), true, 'verdicts are case-insensitive and comma-separated');
  });

  it('matches routes, pools and namespaces by namespace/name or name', () => {
    const r = fakeFlow(1, { destination: { route: 'team-a/chat', backend: 'InferencePool team-b/llama', pool: 'team-b/llama' } });
    assert.equal(flowMatches(q('route=team-a/chat'), r), true);
    assert.equal(flowMatches(q('route=chat'), r), true);
    assert.equal(flowMatches(q('route=other/chat'), r), false);
    assert.equal(flowMatches(q('pool=llama'), r), true);
    assert.equal(flowMatches(q('namespace=team-a'), r), true, 'the route namespace');
    assert.equal(flowMatches(q('namespace=team-b'), r), true, 'the backend namespace');
    assert.equal(flowMatches(q('namespace=team-c'), r), false);
  });

  it('matches endpoints by address or pod, statuses by code or class, identities, teams and drop reasons', () => {
    const r = fakeFlow(1, { status: 429, verdict: 'DROPPED', dropReason: 'shed', error: 'shed', source: { identity: 'alice', team: 'ml', labels: { identity: 'alice', team: 'ml', auth: 'api-key' } } });
    assert.equal(flowMatches(q('endpoint=llama-0'), r), true);
    assert.equal(flowMatches(q('endpoint=10.0.0.1:8000'), r), true);
    assert.equal(flowMatches(q('endpoint=llama-1'), r), false);
    assert.equal(flowMatches(q('status=4xx'), r), true);
    assert.equal(flowMatches(q('status=429'), r), true);
    assert.equal(flowMatches(q('status=5xx'), r), false);
    assert.equal(flowMatches(q('identity=alice&team=ml'), r), true);
    assert.equal(flowMatches(q('identity=bob'), r), false);
    assert.equal(flowMatches(q('reason=shed'), r), true);
    assert.equal(flowMatches(q('reason=no-endpoint'), r), false);
    assert.equal(flowMatches(q('from-label=team=ml,auth'), r), true);
    assert.equal(flowMatches(q('from-label=team!=ml'), r), false);
    assert.equal(flowMatches(q('from-label=team!=ml&from-label=identity=alice'), r), true, 'repeated selectors are alternatives');
    assert.equal(flowMatches(q('to-label=app=llama'), r), true);
    assert.equal(flowMatches(q('to-label=!app'), r), false);
  });

  it('refuses bad verdicts, statuses and selectors with a message', () => {
    assert.throws(() => q('verdict=LOST'), (e: unknown) => e instanceof FlowQueryError && /unknown verdict "LOST"/.test(e.message));
    assert.throws(() => q('status=abc'), FlowQueryError);
    assert.throws(() => q('from-label=a=b,,c'), FlowQueryError);
    assert.throws(() => q('to-label=%3D%3Dx'), FlowQueryError);
  });

  it('reads label selectors', () => {
    assert.deepEqual(parseLabelSelector('app=llama, tier!=gpu,zone,!spot'), [
      { key: 'app', op: '=', value: 'llama' },
      { key: 'tier', op: '!=', value: 'gpu' },
      { key: 'zone', op: 'exists', value: '' },
      { key: 'spot', op: '!exists', value: '' },
    ]);
    assert.equal(selectorMatches(parseLabelSelector('a==1'), { a: '1' }), true);
    assert.equal(selectorMatches(parseLabelSelector('k8s.io/app=x'), { 'k8s.io/app': 'x' }), true);
  });

  it('property: a selector built from a label set matches it, and its negation does not', () => {
    const key = fc.stringMatching(/^[a-z][a-z0-9._/-]{0,10}$/);
    const value = fc.stringMatching(/^[a-zA-Z0-9._-]{0,8}$/);
    fc.assert(
      fc.property(fc.dictionary(key, value, { minKeys: 1, maxKeys: 5 }), (labels) => {
        const text = Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',');
        assert.equal(selectorMatches(parseLabelSelector(text), labels), true);
        const [k, v] = Object.entries(labels)[0]!;
        assert.equal(selectorMatches(parseLabelSelector(`${k}!=${v}`), labels), false);
      }),
    );
  });

  it('reads durations and times', () => {
    assert.equal(parseDuration('5m'), 300_000);
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('1.5s'), 1500);
    assert.equal(parseDuration('5'), undefined);
    assert.equal(parseDuration('m5'), undefined);
    const now = Date.UTC(2025, 0, 2, 12, 0, 0);
    assert.equal(parseTime('5m', now), now - 300_000);
    assert.equal(parseTime('2025-01-02T11:00:00Z', now), Date.UTC(2025, 0, 2, 11));
    assert.equal(parseTime('2025-01-02T13:00:00+02:00', now), Date.UTC(2025, 0, 2, 11));
    assert.equal(parseTime(String(now), now), now);
    assert.throws(() => parseTime('yesterday', now), /cannot read time "yesterday"/);
    assert.throws(() => parseTime('2025-13-45', now), FlowQueryError);
  });

  it('property: a duration written in units reads back', () => {
    fc.assert(
      fc.property(fc.nat(100), fc.nat(59), fc.nat(59), (h, m, s) => {
        assert.equal(parseDuration(`${h}h${m}m${s}s`), ((h * 60 + m) * 60 + s) * 1000);
      }),
    );
  });
});
