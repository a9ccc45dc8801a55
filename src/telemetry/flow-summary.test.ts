// The flow-log summary: window and buckets, per-model figures, the service map's nodes and edges,
// per-endpoint prefix figures and the latest drops.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { summarizeFlows } from './flow-summary.ts';
import { fakeFlow } from './flow-testing.ts';

const T0 = Date.UTC(2025, 0, 2, 3, 4, 0);
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

describe('flow summary', () => {
  const records = [
    fakeFlow(1, { time: at(1), stream: true, ttftMs: 10, tpotMs: 2, cost: 0.5, pick: { pool: 'default/llama', endpoint: '10.0.0.1:8000', profile: 'default', priority: 0, prefix: { matched: 3, total: 4 } } }),
    fakeFlow(2, { time: at(12), stream: true, ttftMs: 30, tpotMs: 4, source: { identity: 'alice', labels: {} }, destination: { endpoint: '10.0.0.2:8000', pod: 'llama-1' } }),
    { ...fakeFlow(3, { time: at(13), verdict: 'DROPPED', dropReason: 'model-not-found', error: 'model_not_found', status: 404, model: { original: 'nope' } }), destination: { route: '', labels: {} } },
    fakeFlow(4, { time: at(-3600) }), // outside the window
  ];
  const s = summarizeFlows(records, { nowMs: T0 + 20_000, windowMs: 60_000, bucketMs: 10_000 });

  it('counts the flows of the window by verdict, with tokens and cost', () => {
    assert.equal(s.totals.flows, 3);
    assert.equal(s.totals.forwarded, 2);
    assert.equal(s.totals.dropped, 1);
    assert.equal(s.totals.failed, 1);
    assert.equal(s.totals.inputTokens, 30);
    assert.equal(s.totals.cost, 0.5);
  });

  it('gives each model its figures and time buckets', () => {
    const llama = s.models.find((m) => m.model === 'llama')!;
    assert.equal(llama.requests, 2);
    assert.equal(llama.cost, 0.5);
    assert.deepEqual(llama.ttftMs, { avg: 20, p50: 30, p95: 30 });
    assert.equal(llama.tpotMs?.avg, 3);
    assert.equal(llama.buckets.length, 7, 'a minute of 10 s buckets, both ends included');
    assert.equal(llama.buckets.reduce((n, b) => n + b.requests, 0), 2);
    const b1 = llama.buckets.find((b) => b.t === T0)!;
    assert.equal(b1.requests, 1);
    assert.equal(b1.ttftMs, 10);
    const b2 = llama.buckets.find((b) => b.t === T0 + 10_000)!;
    assert.equal(b2.ttftMs, 30);
    assert.equal(b2.cost, null, 'no cost known in that bucket');
    const nope = s.models.find((m) => m.model === 'nope')!;
    assert.equal(nope.failed, 1);
    assert.equal(nope.ttftMs, null);
  });

  it('draws clients → routes → backends → endpoints', () => {
    const ids = s.map.nodes.map((n) => n.id).sort();
    assert.deepEqual(ids, ['backend:InferencePool default/llama', 'client:127.0.0.1', 'client:alice', 'endpoint:10.0.0.1:8000', 'endpoint:10.0.0.2:8000', 'route:(no route)', 'route:default/chat'].sort());
    const e = s.map.edges.find((x) => x.from === 'route:default/chat' && x.to === 'backend:InferencePool default/llama')!;
    assert.equal(e.requests, 2);
    assert.equal(e.failed, 0);
    assert.equal(e.rate, Math.round((2 / 60) * 1000) / 1000);
    const dropped = s.map.edges.find((x) => x.to === 'route:(no route)')!;
    assert.equal(dropped.failed, 1);
    assert.equal(s.map.nodes.find((n) => n.id === 'endpoint:10.0.0.2:8000')?.label, 'llama-1');
  });

  it('sums prefix blocks per endpoint and lists the latest drops, newest first', () => {
    const ep = s.endpoints.find((x) => x.endpoint === '10.0.0.1:8000')!;
    assert.deepEqual([ep.prefixMatched, ep.prefixTotal], [3, 4]);
    assert.equal(s.drops.length, 1);
    assert.deepEqual({ ...s.drops[0]!, time: undefined }, { seq: 3, time: undefined, id: 'req-3', verdict: 'DROPPED', reason: 'model-not-found', error: 'model_not_found', status: 404, source: '127.0.0.1', route: '', model: 'nope' });
  });

  it('groups clients beyond the limit as others', () => {
    const many = Array.from({ length: 5 }, (_, i) => fakeFlow(i + 1, { time: at(1), source: { identity: `user-${i}`, labels: {} } }));
    const m = summarizeFlows(many, { nowMs: T0 + 20_000, windowMs: 60_000, maxClients: 2 });
    const clients = m.map.nodes.filter((n) => n.kind === 'client');
    assert.equal(clients.length, 3);
    assert.equal(clients.find((n) => n.id === 'client:(others)')?.requests, 3);
  });
});
