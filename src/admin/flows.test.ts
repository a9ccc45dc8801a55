// GET /api/flows on the admin server, over a flow log filled by hand: NDJSON and SSE, filters, last N,
// cursors (resume without gaps, a marker for records the ring no longer holds, a reset marker for a
// cursor ahead of the log), follow, and a follower that stops reading (it gets a slow-follower marker,
// the gateway side never waits for it).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { get } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { AdminServer } from './server.ts';
import { FlowLog } from '../telemetry/flow-log.ts';
import { fakeFlow } from '../telemetry/flow-testing.ts';
import type { StatusReport } from '../controlplane/status-report.ts';

const EMPTY_STATUS: StatusReport = { generation: 1, resources: [], ignored: [], pools: [], problems: [] };

type Line = { flow?: { seq: number; model: { original?: string }; path: string }; lost?: { reason: string; count: number; fromSeq: number; toSeq: number } };

/** Opens a GET and hands back lines as they arrive; `until` decides when to stop (bounded by `ms`). */
function stream(url: string, headers: Record<string, string> = {}): { response: Promise<IncomingMessage>; lines: (until: (lines: string[]) => boolean, ms?: number) => Promise<string[]>; close(): void } {
  const got: string[] = [];
  let partial = '';
  let wake: (() => void) | undefined;
  let ended = false;
  let req: ReturnType<typeof get> | undefined;
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    req = get(url, { headers }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        partial += chunk;
        const parts = partial.split('\n');
        partial = parts.pop()!;
        got.push(...parts);
        wake?.();
      });
      res.on('end', () => {
        ended = true;
        wake?.();
      });
      res.on('error', () => undefined);
      resolve(res);
    });
    req.on('error', reject);
  });
  return {
    response,
    async lines(until, ms = 10_000) {
      const deadline = Date.now() + ms;
      while (!until(got) && !ended) {
        if (Date.now() > deadline) throw new Error(`timed out; got ${got.length} lines: ${got.slice(-3).join(' | ')}`);
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 50);
        });
      }
      return got;
    },
    close: () => req?.destroy(),
  };
}

async function ndjson(url: string): Promise<Line[]> {
  const s = stream(url);
  const res = await s.response;
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /application\/x-ndjson/);
  const lines = await s.lines(() => false);
  return lines.filter((l) => l !== '').map((l) => JSON.parse(l) as Line);
}

describe('GET /api/flows', () => {
  let log: FlowLog;
  let admin: AdminServer;
  let base: string;

  before(async () => {
    log = new FlowLog({ capacity: 20 });
    for (let i = 1; i <= 30; i++) log.append((seq) => fakeFlow(seq, { model: { original: i % 3 === 0 ? 'm3' : 'other' } }));
    admin = new AdminServer({ ready: true, metrics: async () => ({ contentType: 'text/plain', body: '' }), status: () => EMPTY_STATUS, flows: log });
    await admin.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${admin.port}`;
  });
  after(() => admin?.close());

  it('answers every record held as NDJSON, oldest first, with the log position in headers', async () => {
    const s = stream(`${base}/api/flows`);
    const res = await s.response;
    assert.equal(res.headers['x-sluice-flow-first-seq'], '11');
    assert.equal(res.headers['x-sluice-flow-last-seq'], '30');
    const lines = (await s.lines(() => false)).filter(Boolean).map((l) => JSON.parse(l) as Line);
    assert.deepEqual(lines.map((l) => l.flow?.seq), Array.from({ length: 20 }, (_, i) => 11 + i));
  });

  it('filters and takes the last N matching', async () => {
    const lines = await ndjson(`${base}/api/flows?model=m3&last=2`);
    assert.deepEqual(lines.map((l) => [l.flow?.seq, l.flow?.model.original]), [[27, 'm3'], [30, 'm3']]);
  });

  it('resumes after a cursor without a gap', async () => {
    const lines = await ndjson(`${base}/api/flows?cursor=27`);
    assert.deepEqual(lines.map((l) => l.flow?.seq), [28, 29, 30]);
  });

  it('marks records the ring no longer holds, then continues with the oldest held', async () => {
    const lines = await ndjson(`${base}/api/flows?cursor=5`);
    assert.deepEqual(lines[0], { lost: { reason: 'evicted', count: 5, fromSeq: 6, toSeq: 10 } });
    assert.equal(lines[1]?.flow?.seq, 11);
    assert.equal(lines.length, 21);
  });

  it('marks a cursor ahead of the log as a reset (a restarted gateway) and starts at the oldest', async () => {
    const lines = await ndjson(`${base}/api/flows?cursor=500&last=1`);
    assert.equal(lines[0]?.lost?.reason, 'reset');
    assert.equal(lines[1]?.flow?.seq, 11);
  });

  it('refuses bad parameters with 400 and a message', async () => {
    for (const q of ['verdict=NOPE', 'last=-1', 'since=yesterday', 'follow=1&until=5m', 'colour=red']) {
      const s = stream(`${base}/api/flows?${q}`);
      const res = await s.response;
      assert.equal(res.statusCode, 400, q);
      const body = JSON.parse((await s.lines(() => false)).join('')) as { error: string };
      assert.ok(body.error.length > 0);
    }
  });

  it('follows from now on: records appended later stream as they come, filtered', async () => {
    const s = stream(`${base}/api/flows?follow=1&model=fresh`);
    const all = stream(`${base}/api/flows?follow=1`);
    const res = await s.response;
    assert.equal(res.statusCode, 200);
    await all.response;
    const next = log.lastSeq + 1;
    log.append((seq) => fakeFlow(seq, { model: { original: 'stale' } }));
    log.append((seq) => fakeFlow(seq, { model: { original: 'fresh' }, path: '/first' }));
    log.append((seq) => fakeFlow(seq, { model: { original: 'fresh' }, path: '/second' }));
    const lines = await s.lines((l) => l.length >= 2);
    s.close();
    assert.deepEqual(lines.slice(0, 2).map((l) => (JSON.parse(l) as Line).flow?.path), ['/first', '/second']);
    const everything = await all.lines((l) => l.length >= 3);
    all.close();
    assert.deepEqual(everything.slice(0, 3).map((l) => (JSON.parse(l) as Line).flow?.seq), [next, next + 1, next + 2], 'nothing from before it connected');
  });

  it('streams Server-Sent Events with ids, and resumes from Last-Event-ID', async () => {
    const s = stream(`${base}/api/flows?follow=1&last=1`, { accept: 'text/event-stream' });
    const res = await s.response;
    assert.match(String(res.headers['content-type']), /text\/event-stream/);
    const last = log.lastSeq;
    const lines = await s.lines((l) => l.filter((x) => x.startsWith('data:')).length >= 1);
    s.close();
    const i = lines.indexOf('event: flow');
    assert.ok(i >= 0, lines.join('\n'));
    assert.equal(lines[i + 1], `id: ${last}`);
    assert.equal((JSON.parse(lines[i + 2]!.slice(5)) as { seq: number }).seq, last);

    const again = stream(`${base}/api/flows`, { accept: 'text/event-stream', 'last-event-id': String(last - 1) });
    await again.response;
    const ids = (await again.lines(() => false)).filter((l) => l.startsWith('id: '));
    assert.deepEqual(ids, [`id: ${last}`]);
  });

  it('answers 404 when the gateway keeps no flow log', async () => {
    const bare = new AdminServer({ ready: true, metrics: async () => ({ contentType: 'text/plain', body: '' }), status: () => EMPTY_STATUS });
    await bare.listen(0, '127.0.0.1');
    try {
      const s = stream(`http://127.0.0.1:${bare.port}/api/flows`);
      assert.equal((await s.response).statusCode, 404);
      await s.lines(() => false);
      const h = stream(`http://127.0.0.1:${bare.port}/healthz`);
      assert.equal((await h.response).statusCode, 200);
      await h.lines(() => false);
    } finally {
      await bare.close();
    }
  });
});

describe('a follower that stops reading', () => {
  it('gets a slow-follower marker for what the ring overwrote meanwhile; the log never waits', async () => {
    const log = new FlowLog({ capacity: 40 });
    const admin = new AdminServer({ ready: true, metrics: async () => ({ contentType: 'text/plain', body: '' }), status: () => EMPTY_STATUS, flows: log });
    await admin.listen(0, '127.0.0.1');
    const big = 'x'.repeat(64 * 1024);
    // A follower that connects and then does not read.
    let req: ReturnType<typeof get> | undefined;
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      req = get(`http://127.0.0.1:${admin.port}/api/flows?follow=1`, (r) => {
        r.pause();
        resolve(r);
      });
      req.on('error', reject);
    });
    try {
      // Far more than socket buffers hold, in batches so the stream is told between them.
      for (let batch = 0; batch < 60; batch++) {
        for (let i = 0; i < 10; i++) log.append((seq) => fakeFlow(seq, { path: `/${big}` }));
        await new Promise((r) => setImmediate(r));
      }
      assert.equal(log.lastSeq, 600, 'appends never waited for the reader');
      // Now read everything it sends until it has caught up with the newest record.
      // Lines are parsed as they complete (the stream is megabytes: no rescanning of what came before).
      const parsed: Line[] = [];
      let partial = '';
      let received = 0;
      res.setEncoding('utf8');
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out reading the follower stream after ${received} characters and ${parsed.length} lines`)), 30_000);
        res.on('data', (chunk: string) => {
          received += chunk.length;
          const parts = (partial + chunk).split('\n');
          partial = parts.pop()!;
          for (const l of parts) if (l.startsWith('{')) parsed.push(JSON.parse(l) as Line);
          if (parsed.at(-1)?.flow?.seq === 600) {
            clearTimeout(timer);
            resolve();
          }
        });
        res.resume();
      });
      const lost = parsed.filter((l) => l.lost);
      assert.ok(lost.length >= 1, 'at least one gap');
      assert.equal(lost[0]!.lost!.reason, 'slow-follower');
      // Every sequence number is either delivered or inside a marker's range, in order, once.
      let expected = 1;
      for (const l of parsed) {
        if (l.lost) {
          assert.equal(l.lost.fromSeq, expected);
          assert.equal(l.lost.count, l.lost.toSeq - l.lost.fromSeq + 1);
          expected = l.lost.toSeq + 1;
        } else {
          assert.equal(l.flow!.seq, expected);
          expected++;
        }
      }
      assert.equal(expected, 601);
    } finally {
      req?.destroy();
      await admin.close();
    }
  });
});
