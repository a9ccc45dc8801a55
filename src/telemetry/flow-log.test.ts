// The flow log: the ring (capacity, sequence numbers, eviction), reads by cursor, last N and time,
// batched append notifications, and flow records built from real requests through a running gateway
// (FORWARDED, RETRIED, DROPPED with its reason, ERROR), only for the gateway the log is attached to.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { TEST_GATEWAY_YAML, backendYaml, startTestGateway } from '../../test/support/gateway.ts';
import type { TestGateway } from '../../test/support/gateway.ts';
import { startEcho } from '../../test/support/echo.ts';
import type { EchoServer } from '../../test/support/echo.ts';
import { emptyFilter, parseFlowFilter } from './flow-filter.ts';
import { FlowLog, attachFlowLog, queryFlows, startCursor } from './flow-log.ts';
import { costOf } from './flow-record.ts';
import type { RequestContext } from '../runtime/context.ts';
import { fakeFlow } from './flow-testing.ts';

function filled(capacity: number, n: number, flow = fakeFlow): FlowLog {
  const log = new FlowLog({ capacity });
  for (let i = 0; i < n; i++) log.append((seq) => flow(seq));
  return log;
}

describe('flow log ring', () => {
  it('numbers records from 1 and keeps the newest `capacity` of them', () => {
    const log = filled(4, 6);
    assert.equal(log.lastSeq, 6);
    assert.equal(log.firstSeq, 3);
    assert.equal(log.size, 4);
    assert.equal(log.get(2), undefined, 'overwritten');
    assert.equal(log.get(3)?.seq, 3);
    assert.equal(log.get(7), undefined);
    assert.deepEqual(log.records().map((r) => r.seq), [3, 4, 5, 6]);
  });

  it('is empty before the first record', () => {
    const log = new FlowLog();
    assert.equal(log.capacity, 10_000);
    assert.equal(log.lastSeq, 0);
    assert.equal(log.firstSeq, 1);
    assert.deepEqual(log.records(), []);
    assert.deepEqual(queryFlows(log, emptyFilter(), { last: 5 }), []);
  });

  it('refuses a capacity that is not a positive integer or 0', () => {
    assert.throws(() => new FlowLog({ capacity: -1 }), RangeError);
    assert.throws(() => new FlowLog({ capacity: 1.5 }), RangeError);
    assert.throws(() => new FlowLog({ capacity: Number.NaN }), RangeError);
  });

  it('is off with capacity 0: keeps nothing and subscribes to nothing', () => {
    const log = filled(0, 3);
    assert.equal(log.enabled, false);
    assert.equal(log.lastSeq, 0);
    assert.equal(log.size, 0);
    assert.equal(log.get(1), undefined);
    assert.deepEqual(log.records(), []);
    assert.deepEqual(queryFlows(log, emptyFilter(), { last: 5 }), []);
  });

  it('serializes each record once, whoever asks', () => {
    const log = filled(2, 1);
    const r = log.get(1)!;
    assert.equal(log.json(r), JSON.stringify(r));
    assert.equal(log.json(r), log.json(r));
  });

  it('tells readers about appends on a later tick, once per batch', async () => {
    const log = new FlowLog({ capacity: 8 });
    let calls = 0;
    const off = log.onAppend(() => calls++);
    log.append((s) => fakeFlow(s));
    log.append((s) => fakeFlow(s));
    assert.equal(calls, 0, 'not inside the append');
    await new Promise((r) => setImmediate(r));
    assert.equal(calls, 1);
    off();
    log.append((s) => fakeFlow(s));
    await new Promise((r) => setImmediate(r));
    assert.equal(calls, 1);
  });

  it('reads after a cursor, the last N matching, and by time', () => {
    const log = filled(100, 10, (seq) => fakeFlow(seq, { model: { original: seq % 2 === 0 ? 'even' : 'odd' } }));
    const seqs = (w: Parameters<typeof queryFlows>[2], f = emptyFilter()) => queryFlows(log, f, w).map((r) => r.seq);
    assert.deepEqual(seqs({ cursor: 7 }), [8, 9, 10]);
    assert.deepEqual(seqs({ last: 3 }), [8, 9, 10]);
    assert.deepEqual(seqs({ last: 2 }, parseFlowFilter(new URLSearchParams('model=even'))), [8, 10]);
    assert.deepEqual(seqs({ last: 0 }), []);
    assert.deepEqual(seqs({ last: 50 }), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const t5 = Date.parse(log.get(5)!.time);
    assert.deepEqual(seqs({ sinceMs: t5 }), [5, 6, 7, 8, 9, 10]);
    assert.deepEqual(seqs({ sinceMs: t5, untilMs: t5 + 1000 }), [5, 6]);
    assert.deepEqual(seqs({ sinceMs: t5, last: 2 }), [9, 10]);
    assert.deepEqual(seqs({ sinceMs: Date.parse(log.get(9)!.time), last: 5 }), [9, 10]);
    assert.deepEqual(seqs({ cursor: 8, last: 5 }), [9, 10], 'last never reaches behind the cursor');
    assert.equal(startCursor(log, emptyFilter(), { last: 3 }), 7);
  });
});

describe('costOf tolerates governance not having filled a cost yet', () => {
  const ctx = (extra: object) => extra as unknown as RequestContext;
  it('reads micro-dollars, dollars, or nothing', () => {
    assert.equal(costOf(ctx({})), undefined);
    assert.equal(costOf(ctx({ costMicros: 1500 })), 0.0015);
    assert.equal(costOf(ctx({ cost: 0.25 })), 0.25);
    assert.equal(costOf(ctx({ cost: { micros: 2_000_000 } })), 2);
    assert.equal(costOf(ctx({ cost: undefined })), undefined);
    assert.equal(costOf(ctx({ cost: 'free' })), undefined);
  });
});

describe('flow records from a running gateway', () => {
  let t: TestGateway;
  let echo: EchoServer;
  let flaky: EchoServer;
  let down: EchoServer;
  let log: FlowLog;
  let other: FlowLog;
  let off: FlowLog;
  let closedPort: number;

  before(async () => {
    echo = await startEcho('echo-pod');
    flaky = await startEcho('flaky-pod', { status: (n) => (n === 1 ? 503 : 200) });
    down = await startEcho('down-pod', { status: () => 503 });
    // A port nothing listens on: connections are refused.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    closedPort = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const ref = (name: string) => `{group: gateway.envoyproxy.io, kind: Backend, name: ${name}}`;
    t = await startTestGateway(`${TEST_GATEWAY_YAML}${backendYaml('echo', echo.port)}${backendYaml('flaky', flaky.port)}${backendYaml('closed', closedPort)}${backendYaml('down', down.port)}apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: default}
spec:
  parentRefs: [{name: gw}]
  rules:
    - matches: [{path: {value: /ok}}]
      backendRefs: [${ref('echo')}]
    - matches: [{path: {value: /flaky}}]
      retry: {codes: [503], attempts: 2}
      backendRefs: [${ref('flaky')}]
    - matches: [{path: {value: /exhausted}}]
      retry: {codes: [503], attempts: 1}
      backendRefs: [${ref('down')}]
    - matches: [{path: {value: /closed}}]
      backendRefs: [${ref('closed')}]
`);
    log = attachFlowLog(t.gw, { capacity: 50 });
    other = attachFlowLog({}, { capacity: 50 });
    off = attachFlowLog(t.gw, { capacity: 0 });
  });
  after(async () => {
    log.detach();
    other.detach();
    off.detach();
    await t?.close();
    await echo?.close();
    await flaky?.close();
    await down?.close();
  });

  /** Makes a request and waits (bounded) until its flow is in the log. */
  async function get(path: string, headers: Record<string, string> = {}): Promise<number> {
    const expected = log.lastSeq + 1;
    const res = await request(`${t.base}${path}`, { headers });
    await res.body.dump();
    for (let i = 0; i < 200 && log.lastSeq < expected; i++) await new Promise((r) => setTimeout(r, 10));
    return res.statusCode;
  }

  it('records a forwarded request with source, destination, status and timings', async () => {
    const before = log.lastSeq;
    assert.equal(await get('/ok', { 'x-request-id': 'flow-ok-1' }), 200);
    assert.equal(log.lastSeq, before + 1);
    const r = log.get(log.lastSeq)!;
    assert.equal(r.id, 'flow-ok-1');
    assert.equal(r.verdict, 'FORWARDED');
    assert.equal(r.status, 200);
    assert.equal(r.method, 'GET');
    assert.equal(r.path, '/ok');
    assert.equal(r.source.address, '127.0.0.1');
    assert.equal(r.destination.route, 'default/web');
    assert.equal(r.destination.backend, 'Backend default/echo');
    assert.match(r.destination.endpoint ?? '', new RegExp(`127\\.0\\.0\\.1:${echo.port}`));
    assert.equal(r.attempts, 1);
    assert.equal(r.retries, 0);
    assert.equal(r.cost, undefined);
    assert.ok(r.durationMs >= 0);
    assert.ok(!Number.isNaN(Date.parse(r.time)));
    assert.equal(r.stream, false);
  });

  it('says RETRIED when the answer came after a retry', async () => {
    assert.equal(await get('/flaky'), 200);
    const r = log.get(log.lastSeq)!;
    assert.equal(r.verdict, 'RETRIED');
    assert.equal(r.attempts, 2);
    assert.equal(r.retries, 1);
  });

  it('keeps FORWARDED, with the retries, when the retries ran out and the upstream’s 503 went back', async () => {
    assert.equal(await get('/exhausted'), 503);
    const r = log.get(log.lastSeq)!;
    assert.equal(r.verdict, 'FORWARDED');
    assert.equal(r.status, 503);
    assert.equal(r.attempts, 2);
    assert.equal(r.retries, 1);
  });

  it('says DROPPED with the drop reason when no route matches', async () => {
    assert.equal(await get('/nowhere'), 404);
    const r = log.get(log.lastSeq)!;
    assert.equal(r.verdict, 'DROPPED');
    assert.equal(r.dropReason, 'no-route');
    assert.equal(r.error, 'route_not_found');
    assert.equal(r.destination.route, '');
  });

  it('says ERROR with the code when the upstream cannot be reached', async () => {
    assert.equal(await get('/closed'), 503);
    const r = log.get(log.lastSeq)!;
    assert.equal(r.verdict, 'ERROR');
    assert.equal(r.dropReason, undefined);
    assert.equal(r.error, 'upstream_connect_failed');
    // A refused connection is retried once for free (it never reached the upstream), so two attempts.
    assert.deepEqual(r.attemptErrors, ['upstream_unreachable', 'upstream_unreachable']);
  });

  it('sequence numbers increase by one and another gateway’s log hears nothing', async () => {
    const seqs = log.records().map((r) => r.seq);
    assert.deepEqual(seqs, seqs.map((_, i) => seqs[0]! + i));
    assert.equal(other.lastSeq, 0);
  });

  it('a log with capacity 0 (off) on the same gateway records nothing', () => {
    assert.ok(log.lastSeq > 0);
    assert.equal(off.lastSeq, 0);
    assert.deepEqual(off.records(), []);
  });
});
