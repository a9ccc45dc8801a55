import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ActiveHealthChecker } from './active-health.ts';
import type { ActiveHealthCheckOptions } from './active-health.ts';
import { EndpointHealth } from './health.ts';
import { Agent } from 'undici';
import type { Dispatcher } from 'undici';
import type { HealthEvent } from './health.ts';

type Mode = 'ok' | 'fail' | 'hang';

interface TestServer {
  readonly origin: string;
  readonly server: Server;
  mode: Mode;
  /** Requests received (any path). */
  hits: number;
  /** Requests being answered right now. */
  open: number;
  readonly requests: { method: string; url: string; host: string }[];
  handler?: (req: IncomingMessage, res: ServerResponse) => void;
}

const servers: TestServer[] = [];
const checkers: ActiveHealthChecker[] = [];

async function startServer(mode: Mode): Promise<TestServer> {
  const t: TestServer = { origin: '', server: createServer(), mode, hits: 0, open: 0, requests: [] };
  t.server.on('request', (req, res) => {
    t.hits++;
    t.open++;
    t.requests.push({ method: req.method ?? '', url: req.url ?? '', host: req.headers.host ?? '' });
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      t.open--;
    };
    res.on('close', finish);
    if (t.handler) return t.handler(req, res);
    if (t.mode === 'hang') return; // never answers; the checker's timeout aborts
    res.writeHead(t.mode === 'ok' ? 200 : 500, { 'content-type': 'text/plain' });
    res.end(t.mode === 'ok' ? 'ok' : 'broken');
  });
  await new Promise<void>((resolve) => t.server.listen(0, '127.0.0.1', resolve));
  const { port } = t.server.address() as AddressInfo;
  (t as { origin: string }).origin = `http://127.0.0.1:${port}`;
  servers.push(t);
  return t;
}

/** Polls `cond` every 10 ms for at most 10 s. */
async function waitFor(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail(`timed out waiting for: ${what}`);
}

function checker(health: EndpointHealth, options: Partial<ActiveHealthCheckOptions> = {}): ActiveHealthChecker {
  const c = new ActiveHealthChecker(health, { path: '/healthz', intervalMs: 20, timeoutMs: 1_000, ...options });
  checkers.push(c);
  return c;
}

afterEach(async () => {
  await Promise.all(checkers.splice(0).map((c) => c.stop()));
  for (const s of servers.splice(0)) {
    s.server.closeAllConnections();
    await new Promise<void>((resolve) => s.server.close(() => resolve()));
  }
});

const now = () => performance.now();

describe('ActiveHealthChecker', () => {
  it('marks answering endpoints healthy and failing ones unhealthy; sends method, path and Host', async () => {
    const good = await startServer('ok');
    const bad = await startServer('fail');
    const health = new EndpointHealth();
    checker(health, { method: 'head' }).start([{ origin: good.origin, hostHeader: 'model.example' }, { origin: bad.origin }]);
    assert.ok(!health.isAvailable(good.origin, now()), 'pending until the first check');
    await waitFor(() => health.isAvailable(good.origin, now()), 'good endpoint healthy');
    await waitFor(() => health.snapshot(now()).endpoints.find((e) => e.key === bad.origin)?.active === 'unhealthy', 'bad endpoint unhealthy');
    assert.ok(!health.isAvailable(bad.origin, now()));
    assert.deepEqual(good.requests[0], { method: 'HEAD', url: '/healthz', host: 'model.example' });
  });

  it('follows an endpoint that fails and recovers: unhealthyThreshold failures out, healthyThreshold successes back', async () => {
    const s = await startServer('ok');
    const events: HealthEvent[] = [];
    const health = new EndpointHealth({ onEvent: (e) => events.push(e) });
    checker(health, { unhealthyThreshold: 2, healthyThreshold: 2 }).start([{ origin: s.origin }]);
    await waitFor(() => health.isAvailable(s.origin, now()), 'healthy');
    s.mode = 'fail';
    await waitFor(() => !health.isAvailable(s.origin, now()), 'unhealthy after failures');
    s.mode = 'ok';
    await waitFor(() => health.isAvailable(s.origin, now()), 'healthy again');
    // Alternating transitions, out first and back last (a check that times out on a loaded machine
    // may add a pair; the order still holds).
    const types = events.map((e) => e.type);
    assert.ok(types.length >= 2 && types.length % 2 === 0, types.join());
    types.forEach((t, i) => assert.equal(t, i % 2 === 0 ? 'active-unhealthy' : 'active-healthy'));
  });

  it('a hanging endpoint fails by timeout', async () => {
    const s = await startServer('hang');
    const health = new EndpointHealth();
    checker(health, { timeoutMs: 50 }).start([{ origin: s.origin }]);
    await waitFor(() => health.snapshot(now()).endpoints[0]?.active === 'unhealthy', 'unhealthy after a timeout');
    await waitFor(() => s.hits >= 2, 'checked again after the timeout');
  });

  it('honours expectedStatuses and expectedResponse (text or base64 bytes in the first 1,024 bytes)', async () => {
    const s = await startServer('ok');
    let body = 'status: serving';
    s.handler = (_req, res) => {
      res.writeHead(299);
      res.end(body);
    };
    const health = new EndpointHealth();
    const c = checker(health, { expectedStatuses: [299], expectedResponse: { type: 'Text', text: 'serving' }, unhealthyThreshold: 1 });
    c.start([{ origin: s.origin }]);
    await waitFor(() => health.isAvailable(s.origin, now()), 'healthy on 299 + text');
    body = 'x'.repeat(2000) + 'serving';
    await waitFor(() => !health.isAvailable(s.origin, now()), 'unhealthy when the text is past the first 1,024 bytes');
    body = 'status: serving';
    c.reconfigure({ path: '/healthz', intervalMs: 20, timeoutMs: 200, expectedStatuses: [299], expectedResponse: { type: 'Binary', binary: Buffer.from('servi').toString('base64') } });
    await waitFor(() => health.isAvailable(s.origin, now()), 'healthy on binary match');
    c.reconfigure({ path: '/healthz', intervalMs: 20, timeoutMs: 200, unhealthyThreshold: 1 });
    await waitFor(() => !health.isAvailable(s.origin, now()), 'unhealthy: 299 is not the default 200');
  });

  it('retargets: new endpoints are checked, removed ones are not, remaining ones keep their state', async () => {
    const a = await startServer('ok');
    const b = await startServer('ok');
    const c = await startServer('ok');
    const health = new EndpointHealth();
    const hc = checker(health);
    hc.start([{ origin: a.origin }, { origin: b.origin }]);
    await waitFor(() => health.isAvailable(a.origin, now()) && health.isAvailable(b.origin, now()), 'a and b healthy');
    hc.setTargets([{ origin: b.origin }, { origin: c.origin }]);
    assert.deepEqual(health.members(), [b.origin, c.origin]);
    assert.ok(health.isAvailable(b.origin, now()), 'b keeps its state');
    const aHits = a.hits;
    const cBefore = c.hits;
    await waitFor(() => c.hits >= cBefore + 5 && health.isAvailable(c.origin, now()), 'c checked and healthy');
    assert.ok(a.hits <= aHits + 1, `a was still checked: ${a.hits - aHits} more`);
  });

  it('runs at most maxConcurrent checks at a time', async () => {
    const hanging = await Promise.all([1, 2, 3, 4, 5, 6].map(() => startServer('hang')));
    const health = new EndpointHealth();
    // Count at the client: a server sees an aborted request go away only some time after the abort.
    const agent = new Agent();
    let inFlight = 0;
    let most = 0;
    const counting = {
      request: async (opts: Dispatcher.RequestOptions) => {
        most = Math.max(most, ++inFlight);
        try {
          return await agent.request(opts);
        } finally {
          inFlight--;
        }
      },
    } as unknown as Dispatcher;
    const hc = new ActiveHealthChecker(health, { path: '/healthz', intervalMs: 20, maxConcurrent: 2, timeoutMs: 40 }, { dispatcher: counting });
    checkers.push(hc);
    hc.start(hanging.map((s) => ({ origin: s.origin })));
    await waitFor(() => hanging.every((s) => s.hits >= 2), 'every endpoint checked twice');
    await hc.stop();
    await agent.destroy();
    assert.equal(most, 2);
  });

  it('stop() aborts checks in flight, releases the endpoints and leaves no timer or socket behind', async () => {
    const before = process.getActiveResourcesInfo();
    const hang = await startServer('hang');
    const ok = await startServer('ok');
    const health = new EndpointHealth();
    const hc = checker(health, { timeoutMs: 60_000 });
    hc.start([{ origin: hang.origin }, { origin: ok.origin }]);
    await waitFor(() => hang.open === 1 && ok.hits >= 2, 'a check hanging, the other endpoint checked');
    await hc.stop();
    await hc.stop(); // idempotent
    assert.ok(health.isAvailable(hang.origin, now()) && health.isAvailable(ok.origin, now()), 'no longer held by active checks');
    // The server side sees both connections go away, without closeAllConnections.
    await waitFor(() => hang.open === 0, 'the hanging request is gone');
    const connections = (s: Server) => new Promise<number>((resolve) => s.getConnections((_e, n) => resolve(n)));
    for (const s of [hang, ok]) {
      let n = -1;
      await waitFor(() => {
        void connections(s.server).then((c) => (n = c));
        return n === 0;
      }, 'no connection left open by the checker');
    }
    const hits = ok.hits;
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(ok.hits, hits, 'no check after stop()');
    // No timer of the checker is left (the servers are still listening; they are closed afterwards).
    const timers = (list: string[]) => list.filter((r) => r === 'Timeout').length;
    assert.ok(timers(process.getActiveResourcesInfo()) <= timers(before), process.getActiveResourcesInfo().join(','));
  });

  it('start() twice throws; setTargets before start or after stop does nothing', async () => {
    const s = await startServer('ok');
    const health = new EndpointHealth();
    const hc = checker(health);
    hc.setTargets([{ origin: s.origin }]);
    assert.deepEqual(health.members(), []);
    hc.start([]);
    assert.throws(() => hc.start([]));
    await hc.stop();
    hc.setTargets([{ origin: s.origin }]);
    assert.deepEqual(health.members(), []);
    assert.equal(s.hits, 0);
  });

  it('rejects a path that does not start with /', () => {
    assert.throws(() => new ActiveHealthChecker(new EndpointHealth(), { path: 'healthz' }), /must start with/);
  });
});
