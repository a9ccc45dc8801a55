// ListenerSet's limits over raw sockets: header and body timeouts (408 or the connection closed),
// keep-alive limits, requests in progress per connection and per client address (429), the body
// budget (503 with retry-after) and its release, on plain HTTP ports and on h2c ports (HTTP/1.1
// handed over from the TCP server, HTTP/2 settings). Timeouts are short configured values; the tests
// assert what happens, never how long it took.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { connect as h2connect } from 'node:http2';
import type { ClientHttp2Session } from 'node:http2';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { toGatewayError } from '../errors.ts';
import { readBody } from '../http/body.ts';
import { sendError } from '../http/respond.ts';
import type { ListenerRuntime, PortBinding } from '../runtime/snapshot.ts';
import type { DataPlane } from './data-plane.ts';
import { BodyMemoryBudget } from './limits.ts';
import { ListenerSet } from './listeners.ts';
import type { ListenerOptions } from './listeners.ts';

/**
 * A stand-in data plane: reads the body (as the route stage does for AI requests), then answers 200
 * with the body's length, unless the path is /hold (answers when `release()` is called). Errors are
 * answered as the data plane answers them.
 */
function fakeDataPlane() {
  const held: (() => void)[] = [];
  let seen = 0;
  const waiters: (() => void)[] = [];
  const plane = {
    handle(req: IncomingMessage, res: ServerResponse) {
      seen++;
      for (const w of waiters.splice(0)) w();
      readBody(req, 64 << 20).then(
        (body) => {
          const answer = () => {
            res.writeHead(200, { 'content-type': 'text/plain' });
            res.end(`got ${body.length}`);
          };
          if (req.url === '/hold') {
            held.push(answer);
            for (const w of waiters.splice(0)) w();
          } else answer();
        },
        (err: unknown) => {
          if (!res.headersSent) sendError(res, toGatewayError(err));
          else res.destroy();
        },
      );
    },
    handleGrpc() {
      throw new Error('not used');
    },
    handleTls() {
      throw new Error('not used');
    },
  };
  return {
    plane: plane as unknown as DataPlane,
    get seen() {
      return seen;
    },
    /** Resolves once `n` requests reached the data plane. */
    async reached(n: number): Promise<void> {
      while (seen < n) await new Promise<void>((r) => waiters.push(r));
    },
    /** Resolves once `n` answers are held (their bodies read). */
    async holding(n: number): Promise<void> {
      while (held.length < n) await new Promise<void>((r) => waiters.push(r));
    },
    release() {
      for (const a of held.splice(0)) a();
    },
  };
}

const httpBinding = (port: number): PortBinding => ({ port, protocol: 'HTTP', listeners: [], certificates: [] });
/** An HTTP port that serves GRPCRoutes: h2c beside HTTP/1.1. */
const h2cBinding = (port: number): PortBinding => ({ port, protocol: 'HTTP', listeners: [{ grpcTable: new Map([['x', []]]) } as unknown as ListenerRuntime], certificates: [] });

async function start(options: ListenerOptions, binding: (port: number) => PortBinding = httpBinding) {
  const dp = fakeDataPlane();
  const set = new ListenerSet(dp.plane, '127.0.0.1', options);
  await set.apply(new Map([[0, binding(0)]]));
  const port = set.actualPort(0)!;
  return { set, dp, port };
}

interface Conversation {
  readonly socket: Socket;
  /** Everything received so far. */
  text(): string;
  /** Resolves when the server closed the connection (or the test's bound passed), with everything received. */
  readonly closed: Promise<string>;
  /** Resolves once the received text matches. */
  until(re: RegExp): Promise<string>;
}

function open(port: number): Promise<Conversation> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    const watchers = new Set<() => void>();
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      for (const w of watchers) w();
    });
    socket.on('error', () => undefined);
    const closed = new Promise<string>((r) => {
      socket.once('close', () => {
        for (const w of watchers) w();
        r(text);
      });
      // A bound so that a broken limit fails the test instead of hanging it.
      setTimeout(() => {
        socket.destroy();
      }, 10_000).unref();
    });
    const conv: Conversation = {
      socket,
      text: () => text,
      closed,
      until: (re) =>
        new Promise<string>((r, j) => {
          const check = () => {
            if (re.test(text)) {
              watchers.delete(check);
              r(text);
            } else if (socket.destroyed) {
              watchers.delete(check);
              j(new Error(`connection closed without ${re}; received: ${JSON.stringify(text)}`));
            }
          };
          watchers.add(check);
          check();
        }),
    };
    socket.once('connect', () => resolve(conv));
    socket.once('error', reject);
  });
}

const post = (path: string, length: number, extra = '') => `POST ${path} HTTP/1.1\r\nhost: x\r\ncontent-type: text/plain\r\ncontent-length: ${length}\r\n${extra}\r\n`;

/** Writes one byte at a time, every `everyMs`, until the socket closes or `max` bytes were written. */
function trickle(socket: Socket, everyMs: number, max: number): void {
  let sent = 0;
  const t = setInterval(() => {
    if (socket.destroyed || !socket.writable || sent >= max) return clearInterval(t);
    socket.write('x');
    sent++;
  }, everyMs);
  socket.once('close', () => clearInterval(t));
}

function statuses(text: string): number[] {
  return [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
}

describe('ListenerSet limits', () => {
  const sets: ListenerSet[] = [];
  after(async () => {
    await Promise.all(sets.map((s) => s.close()));
  });
  const started = async (options: ListenerOptions, binding?: (port: number) => PortBinding) => {
    const s = await start(options, binding);
    sets.push(s.set);
    return s;
  };

  for (const [kind, binding] of [
    ['HTTP port', httpBinding],
    ['h2c port (HTTP/1.1)', h2cBinding],
  ] as const) {
    it(`${kind}: a body trickled slowly is cut with 408 and the connection closed`, async () => {
      const { port, set } = await started({ bodyTimeoutMs: 300, bodyBudget: new BodyMemoryBudget(1 << 20) }, binding);
      const c = await open(port);
      c.socket.write(post('/', 1000));
      trickle(c.socket, 50, 1000);
      const text = await c.closed;
      assert.match(text, /^HTTP\/1\.1 408 Request Timeout\r\n/);
      assert.match(text, /connection: close/i);
      assert.match(text, /"code":"request_timeout"/);
      assert.match(text, /did not arrive within 300 ms/);
      assert.deepEqual(statuses(text), [408]);
      await eventually(() => set.inFlightFrom('127.0.0.1') === 0);
    });

    it(`${kind}: a header block trickled slowly is cut with 408`, async () => {
      const { port } = await started({ headersTimeoutMs: 300 }, binding);
      const c = await open(port);
      c.socket.write('GET / HTTP/1.1\r\nhost: x\r\n');
      const t = setInterval(() => c.socket.writable && c.socket.write('x-slow: 1\r\n'), 50);
      const text = await c.closed;
      clearInterval(t);
      assert.match(text, /^HTTP\/1\.1 408 /);
    });
  }

  it('a large body holding budget that falls behind the pace its timeout implies is cut early, with 408', async () => {
    const budget = new BodyMemoryBudget(64 << 20);
    const { port } = await started({ bodyTimeoutMs: 4000, bodyBudget: budget });
    const c = await open(port);
    // 2 MiB declared (taken from the budget at once), 100 KB sent, then nothing.
    c.socket.write(post('/', 2 << 20) + 'x'.repeat(100_000));
    const text = await c.closed;
    assert.deepEqual(statuses(text), [408]);
    assert.match(text, /arrived too slowly \(100000 of 2097152 bytes after \d+ ms; a body must arrive within 4000 ms\)/);
    await eventually(() => budget.held === 0);
  });

  it('h2c port: a connection that never sends a byte is closed', async () => {
    const { port } = await started({ headersTimeoutMs: 300 }, h2cBinding);
    const c = await open(port);
    assert.equal(await c.closed, '');
  });

  it('a body that arrives in time is served, and the timer does not touch later requests', async () => {
    const { port } = await started({ bodyTimeoutMs: 2000 });
    const c = await open(port);
    c.socket.write(post('/', 5) + 'hello' + post('/', 3) + 'abc');
    const text = await c.until(/got 3/);
    assert.deepEqual(statuses(text), [200, 200]);
    assert.match(text, /got 5/);
    c.socket.destroy();
  });

  it('keep-alive: a connection serves maxRequestsPerConnection requests, then closes', async () => {
    const { port } = await started({ maxRequestsPerConnection: 2 });
    const c = await open(port);
    c.socket.write(post('/', 1) + 'a');
    await c.until(/got 1/);
    c.socket.write(post('/', 2) + 'ab');
    const text = await c.closed;
    assert.deepEqual(statuses(text), [200, 200]);
    assert.match(text.slice(text.lastIndexOf('HTTP/1.1')), /connection: close/i);
  });

  it('keep-alive: an idle connection is closed after keepAliveTimeoutMs', async () => {
    const { port } = await started({ keepAliveTimeoutMs: 200 });
    const c = await open(port);
    c.socket.write(post('/', 1) + 'a');
    const text = await c.closed;
    assert.deepEqual(statuses(text), [200]);
  });

  it('pipelining: requests beyond maxConcurrentPerConnection get 429', async () => {
    const { port, dp, set } = await started({ maxConcurrentPerConnection: 2 });
    const c = await open(port);
    c.socket.write(post('/hold', 1) + 'a' + post('/hold', 1) + 'b' + post('/hold', 1) + 'c');
    await dp.holding(2);
    // The third was refused before the data plane saw it; answers go out in order.
    await eventually(() => set.inFlightFrom('127.0.0.1') === 2);
    assert.equal(dp.seen, 2);
    dp.release();
    const text = await c.until(/rate_limited/);
    assert.deepEqual(statuses(text), [200, 200, 429]);
    assert.match(text, /retry-after: 1/i);
    c.socket.destroy();
    await eventually(() => set.inFlightFrom('127.0.0.1') === 0);
  });

  it('requests beyond maxConcurrentPerClient get 429 until one ends', async () => {
    const { port, dp, set } = await started({ maxConcurrentPerClient: 2 });
    const a = await open(port);
    const b = await open(port);
    a.socket.write(post('/hold', 1) + 'a');
    b.socket.write(post('/hold', 1) + 'b');
    await dp.holding(2);
    const c = await open(port);
    c.socket.write(post('/', 1) + 'c');
    const refused = await c.until(/rate_limited/);
    assert.deepEqual(statuses(refused), [429]);
    assert.match(refused, /from this client address \(at most 2\)/);
    dp.release();
    await a.until(/got 1/);
    await b.until(/got 1/);
    await eventually(() => set.inFlightFrom('127.0.0.1') === 0);
    c.socket.write(post('/', 1) + 'd');
    assert.deepEqual(statuses(await c.until(/got 1/)), [429, 200]);
    for (const x of [a, b, c]) x.socket.destroy();
  });

  it('counts go back to zero when clients vanish mid-body and mid-pipeline', async () => {
    const budget = new BodyMemoryBudget(1 << 20);
    const { port, dp, set } = await started({ bodyBudget: budget });
    const a = await open(port);
    a.socket.write(post('/', 1000) + 'partial');
    const b = await open(port);
    b.socket.write(post('/hold', 1) + 'a' + post('/hold', 1) + 'b' + post('/', 100) + 'x');
    await dp.reached(4);
    assert.equal(budget.held, 1000 + 1 + 1 + 100);
    a.socket.destroy();
    b.socket.destroy();
    await eventually(() => set.inFlightFrom('127.0.0.1') === 0 && budget.held === 0);
  });

  it('body budget: a body that does not fit gets 503 overloaded with retry-after; the budget comes back', async () => {
    const budget = new BodyMemoryBudget(1000);
    const { port, dp } = await started({ bodyBudget: budget });
    const a = await open(port);
    a.socket.write(post('/hold', 600) + 'a'.repeat(600));
    await dp.holding(1);
    await eventually(() => budget.held === 600);
    const b = await open(port);
    b.socket.write(post('/', 600) + 'b'.repeat(600));
    const refused = await b.until(/overloaded/);
    assert.deepEqual(statuses(refused), [503]);
    assert.match(refused, /retry-after: 1/i);
    assert.match(refused, /memory budget/);
    // Chunked bodies are taken as they arrive.
    b.socket.write(`POST / HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n258\r\n${'c'.repeat(600)}\r\n0\r\n\r\n`);
    assert.deepEqual(statuses(await b.until(/overloaded[\s\S]*overloaded/)), [503, 503]);
    dp.release();
    await a.until(/got 600/);
    await eventually(() => budget.held === 0);
    b.socket.write(post('/', 600) + 'b'.repeat(600));
    assert.deepEqual(statuses(await b.until(/got 600/)), [503, 503, 200]);
    assert.equal(budget.peak, 600);
    a.socket.destroy();
    b.socket.destroy();
  });

  it('h2c port: HTTP/2 clients are told maxConcurrentPerConnection as SETTINGS_MAX_CONCURRENT_STREAMS', async () => {
    const { port } = await started({ maxConcurrentPerConnection: 7 }, h2cBinding);
    const session: ClientHttp2Session = h2connect(`http://127.0.0.1:${port}`);
    session.on('error', () => undefined);
    const settings = await new Promise<{ maxConcurrentStreams?: number }>((resolve) => session.once('remoteSettings', resolve));
    assert.equal(settings.maxConcurrentStreams, 7);
    session.destroy();
  });

  it('answers CONNECT with 405 (node:http alone would close the connection unanswered)', async () => {
    const { port } = await started({});
    const c = await open(port);
    c.socket.write('CONNECT example.com:443 HTTP/1.1\r\nhost: example.com:443\r\n\r\n');
    const text = await c.closed;
    assert.deepEqual(statuses(text), [405]);
    assert.match(text, /"code":"method_not_allowed"/);
  });

  it('rejects nonsensical options', () => {
    assert.throws(() => new ListenerSet(fakeDataPlane().plane, '127.0.0.1', { bodyTimeoutMs: -1 }), /bodyTimeoutMs/);
  });
});

async function eventually(cond: () => boolean, what = 'condition'): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail(`${what} did not become true`);
}
