// HTTPRoute retry (codes, attempts, backoff) and timeouts.backendRequest, through the running gateway.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { TEST_GATEWAY_YAML, backendYaml, startTestGateway } from '../../test/support/gateway.ts';
import type { TestGateway } from '../../test/support/gateway.ts';
import { startEcho } from '../../test/support/echo.ts';
import type { EchoServer } from '../../test/support/echo.ts';

describe('retry and per-attempt timeouts', () => {
  let t: TestGateway;
  let flaky: EchoServer;
  let flaky2: EchoServer;
  const hang = createServer(() => undefined);

  before(async () => {
    // Fails twice with 503, then answers.
    flaky = await startEcho('flaky', { status: (n) => (n <= 2 ? 503 : 200) });
    flaky2 = await startEcho('flaky2', { status: (n) => (n <= 2 ? 503 : 200) });
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', () => r()));
    const ref = (name: string) => `{group: gateway.envoyproxy.io, kind: Backend, name: ${name}}`;
    t = await startTestGateway(`${TEST_GATEWAY_YAML}${backendYaml('flaky', flaky.port)}${backendYaml('flaky2', flaky2.port)}${backendYaml('hang', (hang.address() as AddressInfo).port)}apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r}
spec:
  parentRefs: [{name: gw}]
  rules:
    - matches: [{path: {value: /retry}}]
      retry: {codes: [503], attempts: 2, backoff: 10ms}
      backendRefs: [${ref('flaky')}]
    - matches: [{path: {value: /once}}]
      retry: {codes: [503], attempts: 1}
      backendRefs: [${ref('flaky2')}]
    - matches: [{path: {value: /hang}}]
      timeouts: {request: 5s, backendRequest: 100ms}
      backendRefs: [${ref('hang')}]
`);
  });
  after(async () => {
    await t?.close();
    await flaky?.close();
    await flaky2?.close();
    hang.closeAllConnections();
    hang.close();
  });

  it('retries on the listed codes until an attempt succeeds', async () => {
    const res = await request(`${t.base}/retry`, { method: 'POST', body: 'payload' });
    assert.equal(res.statusCode, 200);
    await res.body.dump();
    assert.equal(flaky.received.length, 3, 'one request and two retries');
  });

  it('gives up after `attempts` retries and returns the last answer', async () => {
    const res = await request(`${t.base}/once`);
    assert.equal(res.statusCode, 503);
    await res.body.dump();
    assert.equal(flaky2.received.length, 2);
  });

  it('answers 504 when timeouts.backendRequest expires', async () => {
    const res = await request(`${t.base}/hang`);
    assert.equal(res.statusCode, 504);
    const body = (await res.body.json()) as { error: { code: string } };
    assert.equal(body.error.code, 'upstream_timeout');
  });
});
