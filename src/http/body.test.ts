// readBody (one preallocated Buffer for a declared length, the body budget's allowance, the listener's
// cut) and parseAIBody's limits (size, depth, containers), alone and through a gateway: a body of
// 100,000 nested arrays is a 400 naming the limit, never a 500.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as httpRequest } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { GatewayError } from '../errors.ts';
import { TEST_GATEWAY_YAML, backendYaml, startTestGateway } from '../../test/support/gateway.ts';
import type { TestGateway } from '../../test/support/gateway.ts';
import { DEFAULT_AI_BODY_LIMITS, JSON_COPIES, markBodyCut, parseAIBody, readBody, setBodyAllowance } from './body.ts';
import type { BodyAllowance } from './body.ts';

/** A server whose handler runs `onRequest`; `send` posts a body (optionally chunked) and returns the answer. */
async function bodyServer(onRequest: (req: IncomingMessage) => Promise<string>) {
  const server: Server = createServer((req, res) => {
    onRequest(req).then(
      (text) => res.end(text),
      (err: GatewayError) => {
        res.writeHead(err.status, err.headers);
        res.end(`${err.code}: ${err.message}`);
      },
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  const send = (parts: readonly Buffer[], chunked: boolean) =>
    new Promise<{ status: number; text: string; headers: Record<string, unknown> }>((resolve, reject) => {
      const total = parts.reduce((n, p) => n + p.length, 0);
      const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/', headers: chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': total } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text, headers: res.headers }));
      });
      req.on('error', reject);
      for (const p of parts) req.write(p);
      req.end();
    });
  return { server, send, close: () => new Promise<void>((r) => server.close(() => r())) };
}

function allowance(limit: number): BodyAllowance & { held: number; takes: number[] } {
  const a = {
    held: 0,
    takes: [] as number[],
    retryAfterSeconds: 2,
    budgetBytes: limit,
    take(bytes: number) {
      if (a.held + bytes > limit) return false;
      a.held += bytes;
      a.takes.push(bytes);
      return true;
    },
  };
  return a;
}

describe('readBody', () => {
  it('returns the whole body, declared or chunked, split anywhere', async () => {
    const seen: Buffer[] = [];
    const s = await bodyServer(async (req) => {
      const b = await readBody(req, 1 << 20);
      seen.push(b);
      return String(b.length);
    });
    try {
      const body = Buffer.from('é'.repeat(50_000));
      for (const chunked of [false, true]) {
        const parts = [body.subarray(0, 1), body.subarray(1, 70_001), body.subarray(70_001)];
        const r = await s.send(parts, chunked);
        assert.equal(r.status, 200);
        assert.ok(seen.at(-1)!.equals(body));
      }
      // A declared length: one Buffer of exactly that size, not a concatenation's (which may be a pool slice).
      assert.equal(seen[0]!.buffer.byteLength, body.length);
    } finally {
      await s.close();
    }
  });

  it('takes the declared length from the allowance before reading, or the chunks as they come', async () => {
    const allowances: ReturnType<typeof allowance>[] = [];
    const s = await bodyServer(async (req) => {
      const a = allowance(1000);
      allowances.push(a);
      setBodyAllowance(req, a);
      return String((await readBody(req, 1 << 20)).length);
    });
    try {
      assert.equal((await s.send([Buffer.alloc(600)], false)).text, '600');
      assert.deepEqual(allowances[0]!.takes, [600]);
      const r = await s.send([Buffer.alloc(1001)], false);
      assert.equal(r.status, 503);
      assert.equal(r.headers['retry-after'], '2');
      assert.match(r.text, /^overloaded: .*memory budget allows \(1000 bytes\); a request body of 1001 bytes does not fit/);
      assert.deepEqual(allowances[1]!.takes, []);
      const c = await s.send([Buffer.alloc(700), Buffer.alloc(700)], true);
      assert.equal(c.status, 503);
      assert.match(c.text, /^overloaded: .*the request body does not fit/);
    } finally {
      await s.close();
    }
  });

  it('charges a body read to be parsed as JSON for its decoded text and parsed values too', async () => {
    const allowances: ReturnType<typeof allowance>[] = [];
    const s = await bodyServer(async (req) => {
      const a = allowance(1000);
      allowances.push(a);
      setBodyAllowance(req, a);
      return String((await readBody(req, 1 << 20, { json: true })).length);
    });
    try {
      assert.equal((await s.send([Buffer.alloc(300)], false)).text, '300');
      assert.deepEqual(allowances[0]!.takes, [300 * (1 + JSON_COPIES)]);
      assert.equal((await s.send([Buffer.alloc(400)], false)).status, 503);
      assert.equal((await s.send([Buffer.alloc(100), Buffer.alloc(100)], true)).text, '200');
      assert.deepEqual(allowances[2]!.takes, [300, 300]);
    } finally {
      await s.close();
    }
  });

  it('refuses a declared length over the cap with 413 without reading it', async () => {
    const s = await bodyServer(async (req) => String((await readBody(req, 100)).length));
    try {
      const r = await s.send([Buffer.alloc(101)], false);
      assert.equal(r.status, 413);
      const c = await s.send([Buffer.alloc(60), Buffer.alloc(60)], true);
      assert.equal(c.status, 413);
    } finally {
      await s.close();
    }
  });

  it('fails with the listener\'s reason when it cut the body', async () => {
    let failure: unknown;
    const s = await bodyServer(async (req) => {
      const reading = readBody(req, 1 << 20).catch((err: unknown) => {
        failure = err;
        throw err;
      });
      req.once('data', () => {
        markBodyCut(req, 'the request body did not arrive within 5 ms');
        req.socket.destroy();
      });
      return String((await reading).length);
    });
    try {
      // Ten bytes of a hundred: the body is still incomplete when the listener cuts it.
      const socket = connect((s.server.address() as AddressInfo).port, '127.0.0.1');
      socket.on('error', () => undefined);
      socket.write('POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n0123456789');
      for (let i = 0; i < 100 && failure === undefined; i++) await new Promise((r) => setTimeout(r, 10));
      assert.ok(failure instanceof GatewayError, String(failure));
      assert.equal(failure.message, 'the request body did not arrive within 5 ms');
    } finally {
      await s.close();
    }
  });
});

describe('parseAIBody limits', () => {
  const nested = (n: number) => Buffer.from('{"model":"m","messages":[{"role":"user","content":' + '['.repeat(n) + ']'.repeat(n) + '}]}');

  it('refuses deeper nesting than maxDepth with 400 invalid_request naming the limit', () => {
    assert.throws(
      () => parseAIBody(nested(100_000)),
      (err: GatewayError) => err.code === 'invalid_request' && err.status === 400 && /nests deeper than 128 levels/.test(err.message),
    );
    // The default leaves room for ordinary bodies: 4 levels of envelope + 124.
    assert.equal(parseAIBody(nested(124)).model, 'm');
    assert.throws(() => parseAIBody(nested(10), undefined, { maxDepth: 8 }), /deeper than 8 levels/);
  });

  it('refuses more arrays and objects than maxContainers', () => {
    const wide = Buffer.from(JSON.stringify({ model: 'm', input: Array.from({ length: 200 }, () => []) }));
    assert.throws(() => parseAIBody(wide, undefined, { maxContainers: 100 }), (err: GatewayError) => err.status === 400 && /more than 100 arrays and objects/.test(err.message));
    assert.equal(parseAIBody(wide).json['model'], 'm');
    assert.equal(DEFAULT_AI_BODY_LIMITS.maxContainers, 100_000);
  });

  it('refuses a body over maxBytes with 413', () => {
    assert.throws(() => parseAIBody(Buffer.from('{"model":"m"}'), undefined, { maxBytes: 5 }), (err: GatewayError) => err.code === 'request_too_large');
  });

  it('keeps its answers for bodies within the limits', () => {
    assert.deepEqual(parseAIBody(Buffer.from('{"model":"m","stream":true}')), { json: { model: 'm', stream: true }, model: 'm', stream: true });
    assert.throws(() => parseAIBody(Buffer.from('{"model":')), (err: GatewayError) => err.code === 'invalid_json');
    assert.throws(() => parseAIBody(Buffer.from('[]')), (err: GatewayError) => err.code === 'invalid_request');
    assert.throws(() => parseAIBody(Buffer.from('{}')), (err: GatewayError) => err.code === 'model_required');
    assert.equal(parseAIBody(Buffer.from('{}'), 'from-path').model, 'from-path');
  });
});

describe('deep JSON through the gateway', () => {
  let t: TestGateway;
  let upstream: Server;
  before(async () => {
    upstream = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end('data: {"choices":[]}\n\ndata: [DONE]\n\n');
      });
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
    const port = (upstream.address() as AddressInfo).port;
    t = await startTestGateway(`${TEST_GATEWAY_YAML}${backendYaml('b', port)}apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata: {name: b}
spec:
  schema: {name: OpenAI}
  backendRef: {name: b, kind: Backend, group: gateway.envoyproxy.io}
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata: {name: r}
spec:
  parentRefs: [{name: gw}]
  rules:
    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: m}]}]
      backendRefs: [{name: b}]
`);
  });
  after(async () => {
    await t?.close();
    await new Promise<void>((r) => upstream.close(() => r()));
  });

  it('answers 100,000 nested arrays in messages[0].content with 400 (a streamed request, whose body the gateway rewrites)', async () => {
    const body = '{"model":"m","stream":true,"messages":[{"role":"user","content":' + '['.repeat(100_000) + ']'.repeat(100_000) + '}]}';
    const res = await request(`${t.base}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const json = (await res.body.json()) as { error: { code: string; message: string } };
    assert.equal(res.statusCode, 400);
    assert.equal(json.error.code, 'invalid_request');
    assert.match(json.error.message, /nests deeper than 128 levels/);
    // An ordinary streamed request on the same route goes through.
    const ok = await request(`${t.base}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: [[['fine']]] }] }) });
    assert.equal(ok.statusCode, 200);
    assert.match(await ok.body.text(), /\[DONE\]/);
  });
});
