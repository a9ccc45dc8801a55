// Client-visible failures in the OpenAI error shape: upstream refused → 502, upstream 5xx → 502,
// no ready endpoint → 503, upstream timeout → 504, and the path prefix of an AIServiceBackend.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { TEST_GATEWAY_YAML, backendYaml, startTestGateway } from '../../test/support/gateway.ts';
import type { TestGateway } from '../../test/support/gateway.ts';

/** A tiny upstream that records paths and answers by path: /fail → 500, /slow → never, else 200. */
function startRecorder(): Promise<{ server: Server; port: number; paths: string[] }> {
  const paths: string[] = [];
  const server = createServer((req, res) => {
    paths.push(req.url ?? '');
    req.resume();
    if (req.url?.includes('/fail/')) {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'engine exploded' } }));
    } else if (req.url?.includes('/slow/')) {
      // never answers
    } else {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'x', object: 'chat.completion', choices: [] }));
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as AddressInfo).port, paths })));
}

function manifests(upstreamPort: number, closedPort: number): string {
  const backend = (name: string, port: number, prefix?: string) => `
${backendYaml(name, port)}apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata: {name: ${name}}
spec:
  schema: {name: OpenAI${prefix ? `, prefix: ${prefix}` : ''}}
  backendRef: {name: ${name}, kind: Backend, group: gateway.envoyproxy.io}
---`;
  const rule = (model: string, ref: string, extra = '') => `
    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: ${model}}]}]
      backendRefs: [{name: ${ref}}]${extra}`;
  return `${TEST_GATEWAY_YAML}
${backend('ok', upstreamPort, '/custom/v9')}
${backend('fail', upstreamPort, '/fail/v1')}
${backend('slow', upstreamPort, '/slow/v1')}
${backend('closed', closedPort)}
apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata: {name: empty}
spec:
  selector: {matchLabels: {app: nothing-has-this-label}}
  targetPorts: [{number: 8000}]
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata: {name: r}
spec:
  parentRefs: [{name: gw}]
  rules:${rule('ok', 'ok')}${rule('fail', 'fail')}${rule('closed', 'closed')}${rule('slow', 'slow', '\n      timeouts: {request: 300ms}')}
    - matches: [{headers: [{type: Exact, name: x-ai-eg-model, value: empty}]}]
      backendRefs: [{group: inference.networking.k8s.io, kind: InferencePool, name: empty}]
`;
}

async function chat(base: string, model: string) {
  const res = await request(`${base}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model, messages: [] }) });
  return { status: res.statusCode, body: (await res.body.json()) as { error?: { code: string; message: string; type: string } } };
}

describe('error mapping', () => {
  let t: TestGateway;
  let base: string;
  let upstream: Awaited<ReturnType<typeof startRecorder>>;

  before(async () => {
    upstream = await startRecorder();
    const closed = await startRecorder();
    const closedPort = closed.port;
    await new Promise<void>((r) => closed.server.close(() => r()));
    t = await startTestGateway(manifests(upstream.port, closedPort));
    base = t.base;
  });
  after(async () => {
    await t?.close();
    upstream.server.closeAllConnections();
    await new Promise<void>((r) => upstream.server.close(() => r()));
  });

  it('rewrites the path with the AIServiceBackend schema prefix', async () => {
    const r = await chat(base, 'ok');
    assert.equal(r.status, 200);
    assert.ok(upstream.paths.includes('/custom/v9/chat/completions'), upstream.paths.join(','));
  });

  it('maps an upstream 5xx to 502 with the upstream message', async () => {
    const r = await chat(base, 'fail');
    assert.equal(r.status, 502);
    assert.equal(r.body.error?.code, 'upstream_error');
    assert.match(r.body.error?.message ?? '', /answered 500: engine exploded/);
  });

  it('maps a refused connection to 502', async () => {
    const r = await chat(base, 'closed');
    assert.equal(r.status, 502);
    assert.equal(r.body.error?.code, 'upstream_unreachable');
    assert.match(r.body.error?.message ?? '', /ECONNREFUSED/);
  });

  it('maps a pool without ready endpoints to 503', async () => {
    const r = await chat(base, 'empty');
    assert.equal(r.status, 503);
    assert.equal(r.body.error?.code, 'no_ready_endpoint');
  });

  it('maps timeouts.request expiring before the response to 504', async () => {
    const r = await chat(base, 'slow');
    assert.equal(r.status, 504);
    assert.equal(r.body.error?.code, 'upstream_timeout');
  });

  it('answers a body that is not a JSON object with 400, and an oversized body with 413', async () => {
    const arr = await request(`${base}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[1,2]' });
    assert.equal(arr.statusCode, 400);
    assert.equal(((await arr.body.json()) as { error: { code: string } }).error.code, 'invalid_request');
    // Declared larger than the limit: the gateway answers 413 from the header, without reading 64 MiB.
    const { connect } = await import('node:net');
    const url = new URL(base);
    const answer = await new Promise<string>((resolve) => {
      let text = '';
      const socket = connect(Number(url.port), url.hostname, () => {
        socket.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${64 * 1024 * 1024}\r\n\r\n{}`);
      });
      socket.on('data', (d: Buffer) => {
        text += d.toString();
        if (text.includes('request_too_large')) {
          socket.destroy();
          resolve(text);
        }
      });
      socket.on('close', () => resolve(text));
    });
    assert.match(answer, /^HTTP\/1\.1 413 /);
    assert.match(answer, /"code":"request_too_large"/);
  });

  it('settles a request whose client disconnects mid-upload (no hang), and keeps serving', async () => {
    const settled400 = async () => ((await t.gw.metrics.requests.get()).values.find((v) => v.labels.route === '' && v.labels.code === '400')?.value ?? 0);
    const before = await settled400();
    const { connect } = await import('node:net');
    const url = new URL(base);
    await new Promise<void>((resolve) => {
      const socket = connect(Number(url.port), url.hostname, () => {
        socket.write('POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"model":');
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 50);
      });
    });
    // The abandoned request was answered (and counted) rather than left pending forever.
    for (let i = 0; i < 50 && (await settled400()) === before; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(await settled400(), before + 1);
    const r = await chat(base, 'ok');
    assert.equal(r.status, 200);
  });

  it('answers an unknown path with 404 in the OpenAI shape', async () => {
    const res = await request(`${base}/not/a/route`);
    // The AI route's rules match any path by header only; with no x-ai-eg-model header nothing matches.
    assert.equal(res.statusCode, 404);
    const body = (await res.body.json()) as { error: { code: string } };
    assert.equal(body.error.code, 'route_not_found');
  });
});
